"""Linear regression by gradient descent (dlbook.experiments.linear_regression): the formulas, the variants, both
backends."""

import numpy as np
import pytest

from dlbook.data import linear_regression
from dlbook.experiments.linear_regression import (
    VARIANTS,
    batch_size_of,
    distance_to,
    gradient_descent,
    least_squares,
    mse_gradient,
    mse_loss,
)


@pytest.fixture(scope="module")
def line():
    return linear_regression(n=1000, seed=0)


def test_the_written_out_gradient_matches_central_differences(line):
    X, Y = line
    w, b, h = 0.7, -0.3, 1e-6
    grad_w, grad_b = mse_gradient(w, b, X, Y)
    # float64 central differences: error O(h^2) plus rounding ~1e-16 / h, far below 1e-6
    assert grad_w == pytest.approx((mse_loss(w + h, b, X, Y) - mse_loss(w - h, b, X, Y)) / (2 * h), abs=1e-6)
    assert grad_b == pytest.approx((mse_loss(w, b + h, X, Y) - mse_loss(w, b - h, X, Y)) / (2 * h), abs=1e-6)


def test_least_squares_solves_the_normal_equations_as_numpy_lstsq(line):
    X, Y = line
    A = np.c_[X.astype(np.float64), np.ones(len(X))]
    expected, *_ = np.linalg.lstsq(A, Y[:, 0].astype(np.float64), rcond=None)
    np.testing.assert_allclose(least_squares(X, Y), expected, rtol=1e-10)
    assert mse_gradient(*least_squares(X, Y), X, Y) == pytest.approx((0, 0), abs=1e-10)   # the minimum


def test_least_squares_finds_w_near_2_and_b_near_1_5_on_a_thousand_points(line):
    # noise U(0, 1) has mean 1/2 and std 0.29: the estimates' std is ~0.02 at n = 1000
    w, b = least_squares(*line)
    assert abs(w - 2) < 0.1 and abs(b - 1.5) < 0.1


def test_batch_gradient_descent_converges_to_the_least_squares_solution(line):
    X, Y = line
    w, b, history = gradient_descent(X, Y, "batch", lr=0.4, epochs=200)
    assert distance_to(least_squares(X, Y), w, b) < 1e-6
    assert np.all(np.diff(history.loss) <= 1e-12)                       # batch steps never go uphill here


@pytest.mark.parametrize("variant, steps_per_epoch", [("batch", 1), ("stochastic", 100), ("mini-batch", 4)])
def test_each_variant_takes_its_number_of_steps_per_epoch(variant, steps_per_epoch):
    X, Y = linear_regression(n=100, seed=1)
    _, _, history = gradient_descent(X, Y, variant, lr=0.01, epochs=3, batch_size=32)
    assert history.steps_per_epoch == steps_per_epoch
    assert history.n_steps == 3 * steps_per_epoch and history.path.shape == (3 * steps_per_epoch + 1, 2)
    assert history.loss.shape == (4,)


def test_stochastic_steps_wander_more_than_mini_batch_steps_and_batch_steps_not_at_all(line):
    X, Y = line
    spread = {variant: gradient_descent(X, Y, variant, lr=0.1, epochs=5)[2].last_epoch_spread()
              for variant in VARIANTS}
    assert spread["batch"] == 0 < spread["mini-batch"] < spread["stochastic"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_backend_layers_take_the_same_steps_as_the_hand_written_formulas(dl, variant):
    X, Y = linear_regression(n=64, seed=2)
    w, b, history = gradient_descent(X, Y, variant, lr=0.05, epochs=2, batch_size=16, seed=3)
    w_dl, b_dl, history_dl = gradient_descent(X, Y, variant, lr=0.05, epochs=2, batch_size=16, seed=3, dl=dl)
    # float32 layers against float64 formulas: ~1e-7 relative per step, 128 steps at most
    np.testing.assert_allclose(history_dl.path, history.path, atol=1e-4)
    assert (w_dl, b_dl) == pytest.approx((w, b), abs=1e-4)


def test_the_same_seed_gives_the_same_path_and_another_seed_another(line):
    X, Y = line
    first = gradient_descent(X, Y, "mini-batch", lr=0.1, epochs=2, seed=5)[2].path
    again = gradient_descent(X, Y, "mini-batch", lr=0.1, epochs=2, seed=5)[2].path
    other = gradient_descent(X, Y, "mini-batch", lr=0.1, epochs=2, seed=6)[2].path
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow on the way to inf is the point
def test_a_learning_rate_beyond_two_over_the_largest_curvature_diverges_with_a_message(line):
    # the Hessian of the MSE is (2/N) A^T A, largest eigenvalue ~4.4 here: eta > 0.46 diverges
    with pytest.raises(FloatingPointError, match="lr=1.0 is too large"):
        gradient_descent(*line, "batch", lr=1.0, epochs=2000)


def test_bad_arguments_are_refused_with_what_was_expected():
    X, Y = linear_regression(n=10)
    with pytest.raises(ValueError, match="unknown variant"):
        batch_size_of("full", 10)
    with pytest.raises(ValueError, match="batch_size"):
        gradient_descent(X, Y, "mini-batch", batch_size=0)
    with pytest.raises(ValueError, match="lr must be"):
        gradient_descent(X, Y, lr=-0.1)
    with pytest.raises(ValueError, match=r"shape \(N, 1\)"):
        gradient_descent(np.zeros((10, 2)), Y)
    with pytest.raises(ValueError, match=r"shape \(N, 1\)"):
        least_squares(X, Y[:5])
