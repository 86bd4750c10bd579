"""Optimizers on the 2-D quadratic and on a small MLP (dlbook.experiments.optimizers): torch.optim as the oracle."""

import numpy as np
import pytest

from dlbook.data import load_digits
from dlbook.experiments.optimizers import (
    HESSIAN,
    OPTIMIZERS,
    START,
    best_runs,
    make_optimizer,
    optimize_quadratic,
    plot_trajectories,
    quadratic_gradient,
    quadratic_loss,
    sweep_learning_rates,
)
from dlbook.models import mlp

LRS = {"sgd": 0.03, "momentum": 0.01, "nesterov": 0.01, "rmsprop": 0.1, "adam": 0.1}


def torch_trajectory(name, lr, steps, **options):
    """The same run with torch.optim on a plain tensor: the oracle."""
    torch = pytest.importorskip("torch")
    theta = torch.tensor(START, dtype=torch.float32, requires_grad=True)
    optimizer_class, defaults = {
        "sgd": (torch.optim.SGD, {}), "momentum": (torch.optim.SGD, {"momentum": 0.9}),
        "nesterov": (torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
        "rmsprop": (torch.optim.RMSprop, {}), "adam": (torch.optim.Adam, {}),
    }[name]
    optimizer = optimizer_class([theta], lr=lr, **{**defaults, **options})
    hessian = torch.tensor(HESSIAN, dtype=torch.float32)
    trajectory = [theta.detach().numpy().copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        (0.5 * theta @ hessian @ theta).backward()
        optimizer.step()
        trajectory.append(theta.detach().numpy().copy())
    return np.array(trajectory)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_optimizer_takes_the_steps_of_torch_optim(dl, name):
    trajectory = optimize_quadratic(dl, name, LRS[name], steps=30)
    # float32 on both sides, 30 steps: differences of a few ulps of values ~1
    np.testing.assert_allclose(trajectory, torch_trajectory(name, LRS[name], 30), rtol=1e-5, atol=1e-5)


def test_options_reach_the_optimizer(dl):
    trajectory = optimize_quadratic(dl, "momentum", 0.01, steps=20, momentum=0.5)
    np.testing.assert_allclose(trajectory, torch_trajectory("momentum", 0.01, 20, momentum=0.5), atol=1e-5)
    adam = make_optimizer(dl, "adam", mlp(dl, (64, 32, 10)).parameters(), 1e-3, betas=(0.5, 0.9))
    assert adam.param_groups[0]["betas"] == (0.5, 0.9)


def test_the_gradient_is_the_hessian_times_theta_and_matches_differences():
    theta, h = np.array([0.3, -1.2]), 1e-6
    differences = [(quadratic_loss(theta + h * e) - quadratic_loss(theta - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(quadratic_gradient(theta), differences, atol=1e-6)


def test_the_trajectory_starts_at_start_and_has_one_row_per_step(dl):
    trajectory = optimize_quadratic(dl, "sgd", 0.01, steps=7)
    assert trajectory.shape == (8, 2)
    np.testing.assert_allclose(trajectory[0], START)


def test_sgd_converges_below_two_over_the_largest_curvature_and_diverges_above(dl):
    limit = 2 / np.linalg.eigvalsh(HESSIAN).max()                          # 2 / 50 = 0.04
    below = optimize_quadratic(dl, "sgd", 0.95 * limit, steps=200)
    above = optimize_quadratic(dl, "sgd", 1.05 * limit, steps=200)
    assert quadratic_loss(below[-1]) < 1e-6 * quadratic_loss(below[0])
    assert quadratic_loss(above[-1]) > quadratic_loss(above[0])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_diverging_run_stops_and_fills_the_rest_with_inf(dl_np):
    trajectory = optimize_quadratic(dl_np, "sgd", 1.0, steps=40)
    assert trajectory.shape == (41, 2) and np.isinf(trajectory[-1]).all()
    assert np.isfinite(trajectory[:5]).all()


def test_momentum_and_nesterov_beat_plain_sgd_at_the_same_learning_rate(dl):
    loss = {name: quadratic_loss(optimize_quadratic(dl, name, 0.009, steps=60)[-1]) for name in ("sgd", "momentum",
                                                                                                   "nesterov")}
    assert loss["momentum"] < loss["sgd"] / 100 and loss["nesterov"] < loss["sgd"] / 100


def test_rmsprop_is_blind_to_the_scale_of_an_axis_aligned_hessian(dl_np):
    # per-coordinate step sizes: rescaling the steep curvature leaves the path unchanged (eps aside)
    steep = optimize_quadratic(dl_np, "rmsprop", 0.1, steps=30, hessian=np.diag([1.0, 50.0]))
    steeper = optimize_quadratic(dl_np, "rmsprop", 0.1, steps=30, hessian=np.diag([1.0, 500.0]))
    np.testing.assert_allclose(steep, steeper, atol=1e-5)


def test_a_schedule_sets_the_learning_rate_of_every_step(dl):
    trajectory = optimize_quadratic(dl, "sgd", [0.01, 0.02, 0.0], steps=3)
    theta = [np.array(START)]
    for eta in (0.01, 0.02, 0.0):
        theta.append(theta[-1] - eta * HESSIAN @ theta[-1])
    np.testing.assert_allclose(trajectory, theta, rtol=1e-6, atol=1e-6)      # float32 steps
    np.testing.assert_array_equal(trajectory[-1], trajectory[-2])         # eta = 0: no step
    with pytest.raises(ValueError, match="one per step"):
        optimize_quadratic(dl, "sgd", [0.1, 0.1], steps=3)


def test_bad_names_and_hessians_are_refused(dl_np):
    with pytest.raises(ValueError, match="unknown optimizer"):
        optimize_quadratic(dl_np, "adagrad", 0.1, 3)
    with pytest.raises(ValueError, match="symmetric 2 x 2"):
        optimize_quadratic(dl_np, "sgd", 0.1, 3, hessian=np.array([[1.0, 2.0], [0.0, 1.0]]))


def test_plot_trajectories_draws_labelled_axes_and_a_legend():
    figure = plot_trajectories({"sgd": np.array([[-4.0, 1.5], [0.0, 0.0]])})
    axes = figure.axes[0]
    assert axes.get_xlabel() and axes.get_ylabel() and axes.get_title()
    assert [text.get_text() for text in axes.get_legend().get_texts()] == ["sgd", "minimum"]


def test_mlp_gives_the_same_initial_weights_on_both_backends(dl_np, dl_torch):
    weights = [{name: dl.to_numpy(value) for name, value in mlp(dl, (64, 8, 10), seed=3).state_dict().items()}
               for dl in (dl_np, dl_torch)]
    assert list(weights[0]) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for name in weights[0]:
        np.testing.assert_array_equal(weights[0][name], weights[1][name])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow on the way to inf is the point
def test_sweep_trains_one_run_per_learning_rate_and_marks_diverged_runs(dl_np):
    X, y = load_digits()
    results = sweep_learning_rates(dl_np, X[:256], y[:256], {"sgd": [0.1, 1e10], "adam": [1e-2]}, epochs=2,
                                   progress=False)
    assert results["sgd"][1e10] is None                                  # diverged
    assert len(results["sgd"][0.1].train_loss) == 2
    best = best_runs(results)
    assert best["sgd"][0] == 0.1 and best["adam"][0] == 1e-2


def test_adam_and_momentum_train_the_digits_mlp_further_than_plain_sgd(dl):
    X, y = load_digits()
    results = sweep_learning_rates(dl, X, y, {"sgd": [0.1], "momentum": [0.1], "adam": [3e-3]}, epochs=5,
                                   progress=False)
    final = {name: runs[lr].train_loss[-1] for name, runs in results.items() for lr in runs}
    assert final["momentum"] < final["sgd"] and final["adam"] < final["sgd"]


# ---------------------------------------------------------------- tuning, AdaGrad, weight decay under noise


def test_tuning_picks_the_grid_rate_with_the_lowest_final_loss(dl_np):
    from dlbook.experiments.optimizers import tune_learning_rate

    best, final = tune_learning_rate(dl_np, "sgd", [0.01, 0.03, 0.05], steps=60)
    assert best == 0.03 and final[0.05] == np.inf                     # 0.05 > 2 / 50 diverges


def test_adagrad_steps_shrink_like_one_over_the_root_of_t_under_a_constant_gradient():
    from dlbook.experiments.optimizers import adagrad

    steps = np.abs(np.diff(adagrad(lambda theta: np.array([2.0, 0.02]), (0.0, 0.0), lr=0.1, steps=100), axis=0))
    np.testing.assert_allclose(steps[[0, 3, 99]], 0.1 / np.sqrt([[1], [4], [100]]) * np.ones((3, 2)), rtol=1e-6)


def test_adagrad_matches_torch_optim_adagrad():
    torch = pytest.importorskip("torch")
    from dlbook.experiments.optimizers import adagrad

    theta = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adagrad([theta], lr=0.3)
    for _ in range(20):
        optimizer.zero_grad()
        (0.5 * theta @ torch.tensor(HESSIAN) @ theta).backward()
        optimizer.step()
    np.testing.assert_allclose(adagrad(quadratic_gradient, START, 0.3, 20)[-1], theta.detach().numpy(), rtol=1e-9)


def test_sgd_and_adamw_decay_every_weight_alike_and_adam_l2_does_not(dl):
    from dlbook.experiments.optimizers import decay_under_noise

    expected = (1 - 0.01 * 0.1) ** 100
    for name in ("sgd", "adamw"):
        np.testing.assert_allclose(decay_under_noise(dl, name, 0.01, 0.1, steps=100)[-1], expected, atol=0.03)
    quiet, noisy = decay_under_noise(dl, "adam", 0.01, 0.1, steps=100)[-1]
    assert quiet < 0.3 and noisy > 0.98                                 # (1 - eta lambda)^100 = 0.905
