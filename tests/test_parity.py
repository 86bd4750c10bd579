"""Parity: the NumPy reference and the torch backend, two independent implementations of one API,
give the same weights, outputs, gradients, running statistics and optimizer trajectories.

Both run in float32, the default dtype. Initial weights are drawn once, in float64 by NumPy, and
rounded to float32 by each backend: they are equal bit for bit. Everything computed after that is
rounded by each backend in its own order (NumPy's and torch's matmul, sum and exp kernels differ), so
values agree to a few float32 ulps (2^-23 ~ 1.2e-7 relative) per operation. rtol 1e-5 leaves a factor
~100 for the few dozen roundings in a forward and backward; atol 1e-6 covers values that are near
zero (a sum of terms that almost cancel), whose relative error can be large although their absolute
error is ~1e-7. A real difference (a wrong formula, a missing term) shows at 1e-2 or more.
"""

import numpy as np
import pytest
from catalogue import BY_ID, LAYERS, LOSSES, OPTIMIZERS, batchnorm, example_input, forward_backward, params, to_array

RTOL, ATOL = 1e-5, 1e-6                 # float32 roundings in two orders (see the module docstring)
# 25 optimizer steps compound those roundings: each step's error carries into the next, and RMSprop's
# g / sqrt(v) magnifies the roundings of a small v. Measured on CPU, parameters of size ~0.1 .. 1: at most
# 2e-7 apart for SGD, Adam and AdamW, 3e-6 for RMSprop (centered, momentum). atol 2e-5 and rtol 1e-4 keep
# a margin for other kernels (GPU) and still fail for a real difference in an update rule, which moves
# the parameters by ~lr = 1e-2 (e.g. a bias correction off by one step, a missing weight decay).
TRAJECTORY_RTOL, TRAJECTORY_ATOL = 1e-4, 2e-5


def assert_close(actual, expected, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(to_array(actual), to_array(expected), rtol=rtol, atol=atol)


def assert_same_state(model_np, model_torch, rtol=RTOL, atol=ATOL):
    state_np, state_torch = model_np.state_dict(), model_torch.state_dict()
    assert list(state_np) == list(state_torch)
    for key in state_np:
        assert_close(state_np[key], state_torch[key], rtol, atol)


# ---------------------------------------------------------------- initial weights


@pytest.mark.parametrize("make_model", [
    pytest.param(lambda dl: dl.Linear(7, 5, seed=0), id="Linear"),
    pytest.param(lambda dl: dl.Linear(7, 5, bias=False, seed=3), id="Linear-no-bias"),
    pytest.param(lambda dl: dl.Sequential(dl.Linear(64, 32, seed=0), dl.ReLU(), dl.Linear(32, 10, seed=1)),
                 id="Sequential-MLP"),
    pytest.param(lambda dl: dl.BatchNorm1d(6), id="BatchNorm1d"),
    pytest.param(lambda dl: dl.Conv2d(3, 8, 3, padding=1, seed=0), id="Conv2d"),
    pytest.param(lambda dl: dl.Conv2d(3, 8, (2, 3), stride=2, bias=False, seed=1), id="Conv2d-no-bias"),
    pytest.param(lambda dl: dl.BatchNorm2d(3), id="BatchNorm2d"),
])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_same_seed_gives_identical_initial_weights(dl_np, dl_torch, make_model, dtype):
    dl_np.set_default_dtype(dtype)
    dl_torch.set_default_dtype(dtype)
    state_np, state_torch = make_model(dl_np).state_dict(), make_model(dl_torch).state_dict()
    assert list(state_np) == list(state_torch)
    for key in state_np:
        assert to_array(state_np[key]).dtype == to_array(state_torch[key]).dtype
        np.testing.assert_array_equal(to_array(state_np[key]), to_array(state_torch[key]))   # exactly


@pytest.mark.parametrize("init_name, kwargs", [
    pytest.param(name, kwargs, id=name) for name, kwargs in [
        ("xavier_uniform", {}), ("xavier_normal", dict(gain=2.0)), ("kaiming_uniform", dict(a=0.1)),
        ("kaiming_normal", dict(mode="fan_out", nonlinearity="relu")), ("uniform", dict(a=-2, b=3)),
        ("normal", dict(mean=1.0, std=0.5))]])
def test_same_seed_gives_identical_init_values(dl_np, dl_torch, init_name, kwargs):
    layer_np, layer_torch = dl_np.Linear(9, 4, seed=0), dl_torch.Linear(9, 4, seed=0)
    getattr(dl_np, init_name)(layer_np.weight, **kwargs, seed=42)
    getattr(dl_torch, init_name)(layer_torch.weight, **kwargs, seed=42)
    np.testing.assert_array_equal(to_array(layer_np.weight), to_array(layer_torch.weight))


def mlp_with_batchnorm(dl, seed):
    return dl.Sequential(dl.Linear(5, 8, seed=seed), dl.BatchNorm1d(8), dl.ReLU(), dl.Linear(8, 3, seed=seed + 1))


@pytest.mark.parametrize("source, destination", [("numpy", "torch"), ("torch", "numpy")],
                         ids=["numpy-to-torch", "torch-to-numpy"])
def test_state_dict_of_one_backend_loads_into_the_other(dl_np, dl_torch, source, destination):
    backends = {"numpy": dl_np, "torch": dl_torch}
    trained = mlp_with_batchnorm(backends[source], seed=0)
    trained(backends[source].asarray(np.random.default_rng(0).normal(1.0, 2.0, (16, 5))))   # moves running stats
    model = mlp_with_batchnorm(backends[destination], seed=10)
    model.load_state_dict(trained.state_dict())
    np.testing.assert_array_equal(to_array(model.state_dict()["1.running_mean"]),
                                  to_array(trained.state_dict()["1.running_mean"]))
    x = np.random.default_rng(1).standard_normal((4, 5))
    trained.eval()
    model.eval()
    assert_close(model(backends[destination].asarray(x)), trained(backends[source].asarray(x)))


# ---------------------------------------------------------------- layers: outputs and gradients


def assert_close_to_scale(actual, expected, relative):
    """|actual - expected| <= relative * max |expected|, entry by entry (float32 sums over time steps, see
    test_recurrent.py's docstring)."""
    expected = to_array(expected)
    np.testing.assert_allclose(to_array(actual), expected, rtol=0, atol=relative * np.abs(expected).max())


@pytest.mark.parametrize("case", params(LAYERS))
def test_layer_gives_the_same_output_and_gradients_on_both_backends(dl_np, dl_torch, case):
    x = example_input(case)
    ys_np, grad_np, param_grads_np, dys = forward_backward(dl_np, case.build(dl_np), x)
    ys_torch, grad_torch, param_grads_torch, _ = forward_backward(dl_torch, case.build(dl_torch), x, dys)
    if case.parity_to_scale:
        def check(ours, theirs):
            assert_close_to_scale(ours, theirs, case.parity_to_scale)
    else:
        def check(ours, theirs):
            assert_close(ours, theirs, *case.parity_tol)
    assert len(ys_np) == len(ys_torch)
    for y_np, y_torch in zip(ys_np, ys_torch):
        assert y_np.dtype == np.float32
        check(y_np, y_torch)
    check(grad_np, grad_torch)
    assert list(param_grads_np) == list(param_grads_torch)
    for name in param_grads_np:
        check(param_grads_np[name], param_grads_torch[name])


def test_dropout_with_the_same_seed_drops_the_same_units(dl_np, dl_torch):
    x = np.ones((50, 40))
    y_np = to_array(dl_np.Dropout(0.3, seed=7)(dl_np.asarray(x)))
    y_torch = to_array(dl_torch.Dropout(0.3, seed=7)(dl_torch.asarray(x)))
    np.testing.assert_array_equal(y_np == 0, y_torch == 0)
    assert 0.25 < (y_np == 0).mean() < 0.35                        # p = 0.3 of 2000 units


def test_dropout_draws_a_new_mask_each_call_on_both_backends(dl_np, dl_torch):
    x = np.ones((20, 10))
    masks = {}
    for dl in (dl_np, dl_torch):
        dropout = dl.Dropout(0.5, seed=3)
        masks[dl.name] = [to_array(dropout(dl.asarray(x))) == 0 for _ in range(3)]
    for mask_np, mask_torch in zip(masks["numpy"], masks["torch"]):
        np.testing.assert_array_equal(mask_np, mask_torch)
    assert not np.array_equal(masks["numpy"][0], masks["numpy"][1])


# ---------------------------------------------------------------- BatchNorm running statistics


@pytest.mark.parametrize("momentum", [0.1, None], ids=["momentum-0.1", "momentum-None-cumulative"])
@pytest.mark.parametrize("input_shape", [(8, 4), (6, 4, 5)], ids=["2d", "3d"])
def test_batchnorm_running_statistics_agree_after_several_steps(dl_np, dl_torch, momentum, input_shape):
    layers = {dl.name: batchnorm(dl, momentum=momentum) for dl in (dl_np, dl_torch)}
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.normal(2.0, 3.0, input_shape)
        for dl in (dl_np, dl_torch):
            layers[dl.name](dl.asarray(x))
    assert int(to_array(layers["numpy"].num_batches_tracked)) == int(to_array(layers["torch"].num_batches_tracked))
    assert_same_state(layers["numpy"], layers["torch"])
    x = rng.normal(2.0, 3.0, input_shape)
    assert_close(layers["numpy"].eval()(dl_np.asarray(x)), layers["torch"].eval()(dl_torch.asarray(x)))


# ---------------------------------------------------------------- losses


@pytest.mark.parametrize("case", params(LOSSES))
def test_loss_gives_the_same_value_and_gradient_on_both_backends(dl_np, dl_torch, case):
    results = {}
    for dl in (dl_np, dl_torch):
        loss_fn = case.build(dl)
        loss = loss_fn(dl.asarray(case.input), dl.asarray(case.target))
        grad_out = np.random.default_rng(3).standard_normal(tuple(loss.shape)) if loss_fn.reduction == "none" else 1.0
        results[dl.name] = to_array(loss), to_array(loss_fn.backward(dl.asarray(grad_out)))
    (loss_np, grad_np), (loss_torch, grad_torch) = results["numpy"], results["torch"]
    assert loss_np.shape == loss_torch.shape
    assert_close(loss_np, loss_torch)
    assert_close(grad_np, grad_torch)


# ---------------------------------------------------------------- optimizers

N_STEPS = 25


def small_mlp(dl):
    return dl.Sequential(dl.Linear(6, 16, seed=0), dl.Tanh(), dl.Linear(16, 3, seed=1))


DATA_RNG = np.random.default_rng(0)
X, Y = DATA_RNG.standard_normal((32, 6)), DATA_RNG.integers(0, 3, 32)

def train(dl, case, n_steps=N_STEPS, lr_change=None):
    """n_steps full-batch steps of the small MLP on (X, Y) with the optimizer of a catalogue case;
    lr_change = (step, new lr)."""
    model, loss_fn = small_mlp(dl), dl.CrossEntropyLoss()
    optimizer = case.build(dl, model.parameters())
    x, y = dl.asarray(X), dl.asarray(Y)
    losses = []
    for step in range(n_steps):
        if lr_change and step == lr_change[0]:
            optimizer.lr = lr_change[1]
        losses.append(float(to_array(loss_fn(model(x), y))))
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()
    return model, np.array(losses)


@pytest.mark.parametrize("case", params([case for case in OPTIMIZERS if case.trajectory]))
def test_optimizer_trajectory_agrees_after_25_steps(dl_np, dl_torch, case):
    model_np, losses_np = train(dl_np, case)
    model_torch, losses_torch = train(dl_torch, case)
    assert_same_state(model_np, model_torch, TRAJECTORY_RTOL, TRAJECTORY_ATOL)
    np.testing.assert_allclose(losses_np, losses_torch, rtol=TRAJECTORY_RTOL)
    moved = np.abs(to_array(model_np[0].weight) - to_array(small_mlp(dl_np)[0].weight)).max()
    assert moved > 1e-3                                        # the test compares trajectories that went somewhere


@pytest.mark.parametrize("case", params([BY_ID[id] for id in ["SGD-momentum", "RMSprop", "Adam", "AdamW"]]))
def test_lr_setter_changes_the_step_on_both_backends(dl_np, dl_torch, case):
    changed = {dl.name: train(dl, case, n_steps=10, lr_change=(5, case.kwargs["lr"] / 10))[0]
               for dl in (dl_np, dl_torch)}
    unchanged = train(dl_np, case, n_steps=10)[0]
    assert_same_state(changed["numpy"], changed["torch"], TRAJECTORY_RTOL, TRAJECTORY_ATOL)
    difference = np.abs(to_array(changed["numpy"][0].weight) - to_array(unchanged[0].weight)).max()
    assert difference > 1e-3


def test_lr_setter_sets_the_lr_of_the_next_sgd_step(dl):
    layer = dl.Linear(3, 2, seed=0)
    optimizer = dl.SGD(layer.parameters(), lr=0.1)
    optimizer.lr = 0.25
    assert optimizer.lr == 0.25 and all(group["lr"] == 0.25 for group in optimizer.param_groups)
    before = to_array(layer.weight).copy()
    layer(dl.asarray(np.ones((1, 3))))
    layer.backward(dl.asarray(np.ones((1, 2))))
    optimizer.step()
    assert_close(before - to_array(layer.weight), 0.25 * np.ones((2, 3)))   # theta <- theta - eta g, g = 1


# ---------------------------------------------------------------- clip_grad_norm_


@pytest.mark.parametrize("max_norm, norm_type", [(0.1, 2.0), (0.05, float("inf")), (1e6, 2.0), (0.1, 1.0)],
                         ids=["clips-l2", "clips-inf", "large-max-norm-keeps-grads", "clips-l1"])
def test_clip_grad_norm_gives_the_same_norm_and_clipped_grads(dl_np, dl_torch, max_norm, norm_type):
    results = {}
    for dl in (dl_np, dl_torch):
        model, loss_fn = small_mlp(dl), dl.CrossEntropyLoss()
        loss_fn(model(dl.asarray(X)), dl.asarray(Y))
        model.backward(loss_fn.backward())
        unclipped = [to_array(p.grad).copy() for p in model.parameters()]
        norm = dl.clip_grad_norm_(model.parameters(), max_norm, norm_type=norm_type)
        results[dl.name] = float(to_array(norm)), unclipped, [to_array(p.grad) for p in model.parameters()]
    (norm_np, unclipped_np, clipped_np), (norm_torch, _, clipped_torch) = results["numpy"], results["torch"]
    assert norm_np == pytest.approx(norm_torch, rel=RTOL)
    for grad_np, grad_torch in zip(clipped_np, clipped_torch):
        assert_close(grad_np, grad_torch)
    if max_norm > norm_np:
        for grad_np, original in zip(clipped_np, unclipped_np):
            np.testing.assert_array_equal(grad_np, original)
