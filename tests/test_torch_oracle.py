"""torch.nn and torch.optim as the oracle of the NumPy reference.

Each NumPy layer meets its plain torch.nn twin built with the same arguments and given the same
state_dict; the forward outputs and torch autograd's gradients must equal the hand-written backward.
In float64 both sides differ only by the order of their roundings (~1e-16 relative per operation,
a few dozen operations), so 1e-10 is a wide margin that a wrong formula (1e-3 or more) never meets.
Optimizers get identical parameters and identical gradient sequences: 25 steps agree to 1e-12 in
float64 and to rtol = atol = 1e-6 in float32 (~8 float32 ulps of values of size ~1; measured: at most a
third of that tolerance, and 3e-4 of the float64 one).
"""

import math

import numpy as np
import pytest
from catalogue import (
    BY_ID,
    LAYERS,
    LOSSES,
    OPTIMIZERS,
    batchnorm,
    example_input,
    forward_backward,
    params,
    to_array,
    torch_forward_backward,
)

try:                 # the tests that use torch ask for the `torch` fixture, which skips them without it
    import torch
    nn = torch.nn
except ImportError:
    torch = nn = None

RTOL64, ATOL64 = 1e-10, 1e-12           # float64: roundings only (see the module docstring)
RTOL32, ATOL32 = 1e-6, 1e-6             # float32: a few ulps, after 25 optimizer steps
RTOL_FLOAT32_FORWARD, ATOL_FLOAT32_FORWARD = 1e-5, 1e-6   # float32 model outputs: matmuls summed in other orders


@pytest.fixture
def torch_seeded(torch):
    """torch's global generator seeded with 0 for this test only (torch.nn draws from it); restored after."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        yield


@pytest.fixture
def dl64(dl_np):
    """The NumPy backend with float64 as its default dtype (conftest sets float32 back)."""
    dl_np.set_default_dtype(np.float64)
    return dl_np


def to_torch(state_dict):
    """A NumPy state_dict as torch tensors (copies, so that torch never writes into NumPy's arrays)."""
    return {key: torch.as_tensor(np.array(value)) for key, value in state_dict.items()}


def assert_close64(actual, expected):
    np.testing.assert_allclose(as_numpy(actual), as_numpy(expected), rtol=RTOL64, atol=ATOL64)


def optional_tensor(values):
    return None if values is None else torch.as_tensor(values)


as_numpy = to_array


def twin_with_same_state(layer, make_torch):
    """The torch.nn twin, in float64, holding our layer's parameters and buffers."""
    twin = make_torch().double()
    twin.load_state_dict(to_torch({key: to_array(value) for key, value in layer.state_dict().items()}))
    return twin.train(layer.training)


def run_numpy(layer, x, dy):
    """Output, dL/dx and dL/dparameters of the NumPy layer for dL/dy = dy."""
    y = layer(x)
    grad_input = layer.backward(dy)
    return y, grad_input, {name: p.grad for name, p in layer.named_parameters()}


def run_torch(module, x, dy):
    """The same through torch autograd."""
    x = torch.tensor(x, requires_grad=True)
    y = module(x)
    y.backward(torch.as_tensor(dy))
    return y, x.grad, {name: p.grad for name, p in module.named_parameters()}


def assert_same_results(results_np, results_torch):
    (y_np, grad_np, param_grads_np), (y_torch, grad_torch, param_grads_torch) = results_np, results_torch
    assert_close64(y_np, y_torch)
    assert_close64(grad_np, grad_torch)
    assert list(param_grads_np) == list(param_grads_torch)
    for name in param_grads_np:
        assert_close64(param_grads_np[name], param_grads_torch[name])


# ---------------------------------------------------------------- layers


@pytest.mark.parametrize("case", params([case for case in LAYERS if case.twin is not None and not case.random]))
def test_layer_output_and_gradients_equal_torch_nn(dl, float64, torch, case):
    x = example_input(case)
    layer = case.build(dl)
    twin = twin_with_same_state(layer, lambda: case.twin(torch))
    ys, grad_input, param_grads, dys = forward_backward(dl, layer, x)
    ys_torch, grad_input_torch, param_grads_torch = torch_forward_backward(torch, twin, x, dys)
    assert len(ys) == len(ys_torch)
    for y, y_torch in zip(ys, ys_torch):
        assert_close64(y, y_torch)
    assert_close64(grad_input, grad_input_torch)
    assert list(param_grads) == list(param_grads_torch)
    for name in param_grads:
        assert_close64(param_grads[name], param_grads_torch[name])
    assert list(layer.state_dict()) == list(twin.state_dict())
    for key, value in twin.state_dict().items():            # running statistics moved alike
        assert_close64(layer.state_dict()[key], value)


def test_dropout_keeps_each_unit_scaled_by_one_over_one_minus_p_as_torch(dl64, torch, torch_seeded):
    x = np.random.default_rng(0).uniform(1.0, 2.0, (200, 50))
    y_np = dl64.Dropout(0.3, seed=0)(x)
    y_torch = as_numpy(nn.Dropout(0.3)(torch.as_tensor(x)))
    for y in (y_np, y_torch):
        kept = y != 0
        np.testing.assert_allclose(y[kept], x[kept] / 0.7, rtol=1e-15)
        assert abs(kept.mean() - 0.7) < 0.02                 # 10,000 units: standard error 0.0046


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_dropout_with_p_zero_or_one_equals_torch(dl64, torch, p):
    x = np.random.default_rng(0).standard_normal((5, 4))
    np.testing.assert_array_equal(dl64.Dropout(p, seed=0)(x), as_numpy(nn.Dropout(p)(torch.as_tensor(x))))


# ---------------------------------------------------------------- BatchNorm running statistics


@pytest.mark.parametrize("momentum", [0.1, 0.5, None], ids=["momentum-0.1", "momentum-0.5", "momentum-None"])
@pytest.mark.parametrize("input_shape", [(8, 4), (6, 4, 5)], ids=["2d", "3d"])
def test_batchnorm_running_statistics_and_eval_output_equal_torch(dl64, torch, momentum, input_shape):
    layer = batchnorm(dl64, momentum=momentum)
    twin = twin_with_same_state(layer, lambda: nn.BatchNorm1d(4, momentum=momentum))
    rng = np.random.default_rng(0)
    for _ in range(6):
        x = rng.normal(2.0, 3.0, input_shape)
        layer(x)
        twin(torch.as_tensor(x))
        for key, value in twin.state_dict().items():
            assert_close64(layer.state_dict()[key], value)
    assert int(layer.num_batches_tracked) == int(twin.num_batches_tracked) == 6
    layer.eval()
    twin.eval()
    x = rng.normal(2.0, 3.0, input_shape)
    assert_same_results(run_numpy(layer, x, dy := rng.standard_normal(input_shape)), run_torch(twin, x, dy))


# ---------------------------------------------------------------- losses

def loss_results(loss_fn, x, target, dy):
    """Loss value and dL/dx (dy = dL/dloss, per element for reduction='none') of a NumPy or torch loss."""
    if isinstance(loss_fn, nn.Module):
        x = torch.tensor(x, requires_grad=True)
        loss = loss_fn(x, torch.as_tensor(target))
        loss.backward(torch.as_tensor(dy))
        return loss, x.grad
    loss = loss_fn(x, target)
    return loss, loss_fn.backward(dy)


@pytest.mark.parametrize("case", params(LOSSES))
def test_loss_value_and_gradient_equal_torch_nn(dl, float64, torch, case):
    loss_fn, twin = case.build(dl), case.twin(torch).double()
    value = loss_fn(dl.asarray(case.input), dl.asarray(case.target))
    dy = np.random.default_rng(5).standard_normal(tuple(value.shape)) if loss_fn.reduction == "none" else 1.0
    grad = loss_fn.backward(dl.asarray(dy))
    value_torch, grad_torch = loss_results(twin, case.input, case.target, dy)
    assert tuple(value.shape) == tuple(value_torch.shape)
    assert_close64(value, value_torch)
    assert_close64(grad, grad_torch)


@pytest.mark.parametrize("case", params(LOSSES))
def test_loss_state_dict_holds_its_class_weights_as_torch(dl, float64, torch, case):
    state, state_torch = case.build(dl).state_dict(), case.twin(torch).double().state_dict()
    assert list(state) == list(state_torch)
    for key in state:
        assert_close64(state[key], state_torch[key])


# ---------------------------------------------------------------- optimizers

N_STEPS = 25
SHAPES = [(4, 3), (3,), (2, 2, 2)]


def gradient_sequence(dtype, seed=0):
    """N_STEPS lists of gradients, one per parameter; None where that parameter gets no gradient
    (parameter 2 for its first 4 steps, then now and then any parameter): the optimizer must skip it."""
    rng = np.random.default_rng(seed)
    steps = []
    for step in range(N_STEPS):
        grads = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
        for index in range(len(SHAPES)):
            if (index == 2 and step < 4) or (step + 3 * index) % 7 == 0:
                grads[index] = None
        steps.append(grads)
    return steps


def run_optimizers(dl, case, dtype, lr_schedule=None, groups=None):
    """The NumPy optimizer of a catalogue case and its torch.optim twin, fed identical parameters and
    gradients for N_STEPS.
    Yields (NumPy parameters, torch parameters) after each step."""
    dl.set_default_dtype(dtype)
    rng = np.random.default_rng(1)
    initial = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
    params_np = [dl.Parameter(values.copy()) for values in initial]
    params_torch = [nn.Parameter(torch.tensor(values)) for values in initial]
    if groups is None:
        optimizer_np = case.build(dl, params_np)
        optimizer_torch = case.twin(torch, params_torch)
    else:
        optimizer_np = case.build(dl, [dict(group, params=[params_np[i] for i in group["params"]])
                                       for group in groups])
        optimizer_torch = case.twin(torch, [dict(group, params=[params_torch[i] for i in group["params"]])
                                            for group in groups])
    for step, grads in enumerate(gradient_sequence(dtype)):
        if lr_schedule is not None:
            optimizer_np.lr = lr_schedule(step)
            for group in optimizer_torch.param_groups:
                group["lr"] = lr_schedule(step)
        optimizer_np.zero_grad()
        optimizer_torch.zero_grad()
        for param_np, param_torch, grad in zip(params_np, params_torch, grads):
            if grad is not None:
                param_np.grad = grad.copy()
                param_torch.grad = torch.tensor(grad)
        optimizer_np.step()
        optimizer_torch.step()
        yield params_np, params_torch


def assert_same_params(params_np, params_torch, dtype):
    rtol, atol = (RTOL64, ATOL64) if dtype == "float64" else (RTOL32, ATOL32)
    for param_np, param_torch in zip(params_np, params_torch):
        assert param_np.data.dtype == np.dtype(dtype)
        np.testing.assert_allclose(param_np.data, as_numpy(param_torch), rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", params(OPTIMIZERS))
def test_optimizer_equals_torch_optim_step_by_step(dl_np, torch, case, dtype):
    for params_np, params_torch in run_optimizers(dl_np, case, dtype):
        assert_same_params(params_np, params_torch, dtype)


@pytest.mark.parametrize("case", params([BY_ID[id] for id in ["SGD-momentum", "RMSprop", "Adam", "AdamW"]]))
def test_optimizer_with_lr_set_every_step_equals_torch_optim(dl_np, torch, case):
    schedule = lambda step: case.kwargs["lr"] / (1 + 0.3 * step)         # noqa: E731 - inverse-time decay
    for params_np, params_torch in run_optimizers(dl_np, case, "float64", lr_schedule=schedule):
        assert_same_params(params_np, params_torch, "float64")


@pytest.mark.parametrize("case", params([BY_ID["SGD-momentum"], BY_ID["Adam"]]))
def test_optimizer_param_groups_with_their_own_settings_equal_torch_optim(dl_np, torch, case):
    groups = [dict(params=[0, 2]), dict(params=[1], lr=0.5 * case.kwargs["lr"], weight_decay=0.1)]
    for params_np, params_torch in run_optimizers(dl_np, case, "float64", groups=groups):
        assert_same_params(params_np, params_torch, "float64")


def test_optimizer_leaves_a_parameter_without_grad_untouched(dl_np):
    param, frozen = dl_np.Parameter(np.ones(3)), dl_np.Parameter(np.ones(3))
    optimizer = dl_np.Adam([param, frozen], lr=0.1, weight_decay=0.1)
    param.grad = np.ones(3, dtype=param.dtype)
    optimizer.step()
    np.testing.assert_array_equal(frozen.data, np.ones(3))
    assert len(optimizer.state) == 1                                # as torch: no state for it either


@pytest.mark.parametrize("max_norm, norm_type", [(0.5, 2.0), (0.5, 1.0), (0.5, float("inf")), (100.0, 2.0)],
                         ids=["l2", "l1", "inf", "no-clipping"])
def test_clip_grad_norm_equals_torch(dl64, torch, max_norm, norm_type):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(shape) for shape in SHAPES]
    params_np = [dl64.Parameter(np.zeros(shape)) for shape in SHAPES]
    params_torch = [nn.Parameter(torch.zeros(shape, dtype=torch.float64)) for shape in SHAPES]
    for param_np, param_torch, grad in zip(params_np, params_torch, grads):
        param_np.grad, param_torch.grad = grad.copy(), torch.tensor(grad)
    norm_np = dl64.clip_grad_norm_(params_np, max_norm, norm_type)
    norm_torch = nn.utils.clip_grad_norm_(params_torch, max_norm, norm_type)
    assert float(norm_np) == pytest.approx(float(norm_torch), rel=1e-12)
    for param_np, param_torch in zip(params_np, params_torch):
        assert_close64(param_np.grad, param_torch.grad)


# ---------------------------------------------------------------- init


SHAPE = (200, 100, 3, 3)        # 180,000 draws, fan_in 900, fan_out 1800 (a conv weight: the receptive field counts)
# With 180,000 draws the sample std is within ~0.3% of the true std (standard error 1/sqrt(2n) for a
# normal, less for a uniform) and the largest |w| of a uniform within ~1e-5 of the bound: 2% and 0.1%.
STD_RTOL, BOUND_RTOL = 0.02, 1e-3

INITS = [
    ("xavier_uniform", {}), ("xavier_uniform", dict(gain=5 / 3)), ("xavier_normal", {}),
    ("xavier_normal", dict(gain=math.sqrt(2))), ("kaiming_uniform", {}), ("kaiming_uniform", dict(a=math.sqrt(5))),
    ("kaiming_uniform", dict(mode="fan_out", nonlinearity="relu")), ("kaiming_normal", {}),
    ("kaiming_normal", dict(a=0.2, mode="fan_out")), ("kaiming_normal", dict(nonlinearity="tanh")),
]


@pytest.mark.parametrize("init_name, kwargs", [
    pytest.param(name, kwargs, id="-".join([name] + [f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                                                     for k, v in kwargs.items()]))
    for name, kwargs in INITS])
def test_init_has_torch_nn_init_distribution(dl_np, torch, init_name, kwargs):
    weight_np = getattr(dl_np, init_name)(np.empty(SHAPE), **kwargs, seed=0)
    weight_torch = as_numpy(getattr(nn.init, init_name + "_")(torch.empty(SHAPE, dtype=torch.float64), **kwargs,
                                                                generator=torch.Generator().manual_seed(0)))
    assert weight_np.std() == pytest.approx(weight_torch.std(), rel=STD_RTOL)
    assert abs(weight_np.mean()) < 5 * weight_torch.std() / math.sqrt(weight_np.size)
    if init_name.endswith("uniform"):
        assert np.abs(weight_np).max() <= np.abs(weight_torch).max() * (1 + BOUND_RTOL)
        assert np.abs(weight_np).max() == pytest.approx(np.abs(weight_torch).max(), rel=BOUND_RTOL)


def test_init_with_a_seed_is_reproducible_and_fills_in_place(dl_np):
    first = dl_np.kaiming_normal(np.empty((30, 20)), seed=3)
    target = np.empty((30, 20))
    returned = dl_np.kaiming_normal(target, seed=3)
    assert returned is target
    np.testing.assert_array_equal(first, target)


@pytest.mark.parametrize("nonlinearity, param", [
    ("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
    ("leaky_relu", 0.2), ("selu", None), ("conv2d", None)])
def test_calculate_gain_equals_torch(dl_np, torch, nonlinearity, param):
    assert dl_np.calculate_gain(nonlinearity, param) == pytest.approx(nn.init.calculate_gain(nonlinearity, param))


def test_linear_default_init_is_uniform_within_one_over_sqrt_fan_in_as_torch(dl_np, torch_seeded):
    layer_np = dl_np.Linear(400, 300, seed=0)
    layer_torch = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for name in ("weight", "bias"):
        values_np, values_torch = layer_np.state_dict()[name], as_numpy(layer_torch.state_dict()[name])
        assert np.abs(values_np).max() <= bound
        assert np.abs(values_np).max() == pytest.approx(bound, rel=0.02)    # 300 bias draws: max within ~1%
        assert values_np.std() == pytest.approx(bound / math.sqrt(3), rel=0.1)
        assert values_np.std() == pytest.approx(values_torch.std(), rel=0.1)


# ---------------------------------------------------------------- state_dict interop


def mlp_np(dl):
    return dl.Sequential(dl.Linear(64, 32, seed=0), dl.ReLU(), dl.Linear(32, 10, seed=1))


def mlp_torch():
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def test_numpy_mlp_state_dict_has_torch_nn_keys_and_shapes(dl_np, torch):
    state_np, state_torch = mlp_np(dl_np).state_dict(), mlp_torch().state_dict()
    assert list(state_np) == list(state_torch) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [tuple(value.shape) for value in state_np.values()] == [tuple(v.shape) for v in state_torch.values()]


def test_numpy_model_with_batchnorm_has_torch_nn_state_dict_keys_in_order(dl_np, torch):
    model = dl_np.Sequential(dl_np.Linear(6, 8, seed=0), dl_np.BatchNorm1d(8), dl_np.ReLU(), dl_np.Dropout(0.2),
                             dl_np.Linear(8, 2, seed=1))
    twin = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 2))
    assert list(model.state_dict()) == list(twin.state_dict())
    assert [name for name, _ in model.named_parameters()] == [name for name, _ in twin.named_parameters()]


def test_trained_numpy_mlp_loads_into_torch_nn_and_gives_the_same_outputs(dl_np, torch):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 64)).astype(np.float32), rng.integers(0, 10, 64)
    model, loss_fn = mlp_np(dl_np), dl_np.CrossEntropyLoss()
    optimizer = dl_np.Adam(model.parameters(), lr=1e-2)
    for _ in range(5):
        loss_fn(model(x), y)
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()
    twin = mlp_torch()
    result = twin.load_state_dict(to_torch(model.state_dict()))
    assert not result.missing_keys and not result.unexpected_keys
    with torch.no_grad():
        outputs_torch = as_numpy(twin(torch.as_tensor(x)))
    # float32 on both sides: the matmuls round in different orders (see RTOL_FLOAT32_FORWARD)
    np.testing.assert_allclose(model(x), outputs_torch, rtol=RTOL_FLOAT32_FORWARD, atol=ATOL_FLOAT32_FORWARD)


def test_torch_nn_state_dict_loads_into_the_numpy_mlp_and_gives_the_same_outputs(dl_np, torch_seeded):
    twin = mlp_torch()
    x = np.random.default_rng(0).standard_normal((16, 64)).astype(np.float32)
    model = mlp_np(dl_np)
    model.load_state_dict(twin.state_dict())                         # torch tensors go in as they are
    for key, value in twin.state_dict().items():
        np.testing.assert_array_equal(model.state_dict()[key], as_numpy(value))
    with torch.no_grad():
        outputs_torch = as_numpy(twin(torch.as_tensor(x)))
    np.testing.assert_allclose(model(x), outputs_torch, rtol=RTOL_FLOAT32_FORWARD, atol=ATOL_FLOAT32_FORWARD)


@pytest.mark.parametrize("affine, track_running_stats", [(True, True), (False, True), (True, False), (False, False)],
                         ids=["affine-tracked", "tracked", "affine", "neither"])
def test_batchnorm_state_dict_keys_equal_torch(dl_np, torch, affine, track_running_stats):
    state_np = dl_np.BatchNorm1d(5, affine=affine, track_running_stats=track_running_stats).state_dict()
    state_torch = nn.BatchNorm1d(5, affine=affine, track_running_stats=track_running_stats).state_dict()
    assert list(state_np) == list(state_torch)
    for key in state_np:
        assert tuple(state_np[key].shape) == tuple(state_torch[key].shape)
        assert np.asarray(state_np[key]).dtype == as_numpy(state_torch[key]).dtype


def test_batchnorm_state_dict_moves_both_ways_with_num_batches_tracked(dl64, torch):
    rng = np.random.default_rng(0)
    layer = batchnorm(dl64, momentum=None)                       # momentum None: num_batches_tracked matters
    for _ in range(3):
        layer(rng.normal(1.0, 2.0, (8, 4)))
    twin = nn.BatchNorm1d(4, momentum=None).double()
    twin.load_state_dict(to_torch(layer.state_dict()))
    assert int(twin.num_batches_tracked) == 3
    x = rng.normal(1.0, 2.0, (8, 4))
    layer(x)
    twin(torch.as_tensor(x))                                         # both average the 4th batch in with 1/4
    back = dl64.BatchNorm1d(4, momentum=None)
    back.load_state_dict(twin.state_dict())
    assert int(back.num_batches_tracked) == 4
    for key, value in layer.state_dict().items():
        assert_close64(back.state_dict()[key], value)
    x = rng.normal(1.0, 2.0, (8, 4))
    assert_close64(back.eval()(x), twin.eval()(torch.as_tensor(x)))
