"""torch.nn and torch.optim as the oracle of the NumPy reference.

Each NumPy layer meets its plain torch.nn twin built with the same arguments and given the same
state_dict; the forward outputs and torch autograd's gradients must equal the hand-written backward.
In float64 both sides differ only by the order of their roundings (~1e-16 relative per operation,
a few dozen operations), so 1e-10 is a wide margin that a wrong formula (1e-3 or more) never meets.
Optimizers get identical parameters and identical gradient sequences: 25 steps agree to 1e-12 in
float64 and to rtol = atol = 1e-6 in float32 (~8 float32 ulps of values of size ~1; measured: at most a
third of that tolerance, and 3e-4 of the float64 one).
"""

import itertools
import math

import numpy as np
import pytest
from builders import batchnorm, class_indices, class_probabilities

torch = pytest.importorskip("torch")
nn = torch.nn

RTOL64, ATOL64 = 1e-10, 1e-12           # float64: roundings only (see the module docstring)
RTOL32, ATOL32 = 1e-6, 1e-6             # float32: a few ulps, after 25 optimizer steps
RTOL_FLOAT32_FORWARD, ATOL_FLOAT32_FORWARD = 1e-5, 1e-6   # float32 model outputs: matmuls summed in other orders


@pytest.fixture
def torch_seeded():
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


def as_numpy(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def twin_with_same_state(layer_np, make_torch):
    """The torch.nn twin, in float64, holding the NumPy layer's parameters and buffers."""
    twin = make_torch().double()
    twin.load_state_dict(to_torch(layer_np.state_dict()))
    return twin.train(layer_np.training)


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


# (id, make NumPy layer(dl), make torch.nn twin(), input shape)
LAYERS = [
    ("Linear", lambda dl: dl.Linear(4, 3, seed=0), lambda: nn.Linear(4, 3), (5, 4)),
    ("Linear-no-bias", lambda dl: dl.Linear(4, 3, bias=False, seed=0), lambda: nn.Linear(4, 3, bias=False), (5, 4)),
    ("Linear-3d-input", lambda dl: dl.Linear(4, 3, seed=0), lambda: nn.Linear(4, 3), (2, 5, 4)),
    ("BatchNorm1d-train-2d", lambda dl: batchnorm(dl), lambda: nn.BatchNorm1d(4), (6, 4)),
    ("BatchNorm1d-train-3d", lambda dl: batchnorm(dl), lambda: nn.BatchNorm1d(4), (5, 4, 3)),
    ("BatchNorm1d-eps-momentum", lambda dl: batchnorm(dl, eps=1e-2, momentum=0.3),
     lambda: nn.BatchNorm1d(4, eps=1e-2, momentum=0.3), (6, 4)),
    ("BatchNorm1d-affine-False", lambda dl: batchnorm(dl, affine=False),
     lambda: nn.BatchNorm1d(4, affine=False), (6, 4)),
    ("BatchNorm1d-untracked-eval", lambda dl: batchnorm(dl, track_running_stats=False).eval(),
     lambda: nn.BatchNorm1d(4, track_running_stats=False), (5, 4, 3)),
    ("Dropout-eval", lambda dl: dl.Dropout(0.3, seed=0).eval(), lambda: nn.Dropout(0.3), (5, 4)),
    ("Sigmoid", lambda dl: dl.Sigmoid(), lambda: nn.Sigmoid(), (5, 4)),
    ("Tanh", lambda dl: dl.Tanh(), lambda: nn.Tanh(), (5, 4)),
    ("ReLU", lambda dl: dl.ReLU(), lambda: nn.ReLU(), (5, 4)),
    ("LeakyReLU-default", lambda dl: dl.LeakyReLU(), lambda: nn.LeakyReLU(), (5, 4)),
    ("LeakyReLU-0.2", lambda dl: dl.LeakyReLU(0.2), lambda: nn.LeakyReLU(0.2), (5, 4)),
    ("GELU", lambda dl: dl.GELU(), lambda: nn.GELU(), (5, 4)),
    ("GELU-tanh", lambda dl: dl.GELU(approximate="tanh"), lambda: nn.GELU(approximate="tanh"), (5, 4)),
    ("Softmax-dim0", lambda dl: dl.Softmax(dim=0), lambda: nn.Softmax(dim=0), (5, 4)),
    ("Softmax-dim1", lambda dl: dl.Softmax(dim=1), lambda: nn.Softmax(dim=1), (5, 4)),
    ("Softmax-dim-1-3d", lambda dl: dl.Softmax(dim=-1), lambda: nn.Softmax(dim=-1), (2, 3, 4)),
    ("Sequential-MLP", lambda dl: dl.Sequential(
        dl.Linear(4, 8, seed=0), dl.BatchNorm1d(8), dl.ReLU(), dl.Linear(8, 8, seed=2), dl.GELU(),
        dl.Linear(8, 3, seed=3), dl.Softmax(dim=1)),
     lambda: nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 8), nn.GELU(),
                           nn.Linear(8, 3), nn.Softmax(dim=1)), (6, 4)),
]


@pytest.mark.parametrize("make_np, make_torch, input_shape", [
    pytest.param(make_np, make_torch, shape, id=name) for name, make_np, make_torch, shape in LAYERS])
def test_layer_output_and_gradients_equal_torch_nn(dl64, make_np, make_torch, input_shape):
    rng = np.random.default_rng(0)
    x = rng.normal(0.5, 2.0, input_shape)                  # ReLU and friends: no input within 1e-6 of a kink
    dy = rng.standard_normal(make_np(dl64)(x).shape)
    layer = make_np(dl64)
    twin = twin_with_same_state(layer, make_torch)
    results_np, results_torch = run_numpy(layer, x, dy), run_torch(twin, x, dy)
    assert_same_results(results_np, results_torch)
    for key, value in twin.state_dict().items():            # running statistics moved alike
        assert_close64(layer.state_dict()[key], value)


def test_dropout_keeps_each_unit_scaled_by_one_over_one_minus_p_as_torch(dl64, torch_seeded):
    x = np.random.default_rng(0).uniform(1.0, 2.0, (200, 50))
    y_np = dl64.Dropout(0.3, seed=0)(x)
    y_torch = as_numpy(nn.Dropout(0.3)(torch.as_tensor(x)))
    for y in (y_np, y_torch):
        kept = y != 0
        np.testing.assert_allclose(y[kept], x[kept] / 0.7, rtol=1e-15)
        assert abs(kept.mean() - 0.7) < 0.02                 # 10,000 units: standard error 0.0046


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_dropout_with_p_zero_or_one_equals_torch(dl64, p):
    x = np.random.default_rng(0).standard_normal((5, 4))
    np.testing.assert_array_equal(dl64.Dropout(p, seed=0)(x), as_numpy(nn.Dropout(p)(torch.as_tensor(x))))


# ---------------------------------------------------------------- BatchNorm running statistics


@pytest.mark.parametrize("momentum", [0.1, 0.5, None], ids=["momentum-0.1", "momentum-0.5", "momentum-None"])
@pytest.mark.parametrize("input_shape", [(8, 4), (6, 4, 5)], ids=["2d", "3d"])
def test_batchnorm_running_statistics_and_eval_output_equal_torch(dl64, momentum, input_shape):
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

CLASS_WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])
POS_WEIGHT = np.array([3.0, 0.5, 1.0, 2.0])
REDUCTIONS = ["mean", "sum", "none"]


def loss_results(loss_fn, x, target, dy):
    """Loss value and dL/dx (dy = dL/dloss, per element for reduction='none') of a NumPy or torch loss."""
    if isinstance(loss_fn, nn.Module):
        x = torch.tensor(x, requires_grad=True)
        loss = loss_fn(x, torch.as_tensor(target))
        loss.backward(torch.as_tensor(dy))
        return loss, x.grad
    loss = loss_fn(x, target)
    return loss, loss_fn.backward(dy)


def assert_loss_equals_torch(loss_np, loss_torch, x, target):
    dy = np.random.default_rng(5).standard_normal(x.shape[:1] + x.shape[2:]) if loss_np.reduction == "none" else 1.0
    value_np, grad_np = loss_results(loss_np, x, target, dy)
    value_torch, grad_torch = loss_results(loss_torch, x, target, dy)
    assert np.shape(value_np) == tuple(value_torch.shape)
    assert_close64(value_np, value_torch)
    assert_close64(grad_np, grad_torch)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("input_shape", [(6, 4), (3, 4, 5)], ids=["2d", "3d"])
def test_mse_loss_equals_torch(dl64, reduction, input_shape):
    rng = np.random.default_rng(0)
    x, target = rng.standard_normal(input_shape), rng.standard_normal(input_shape)
    dy = rng.standard_normal(input_shape) if reduction == "none" else 1.0
    value_np, grad_np = loss_results(dl64.MSELoss(reduction=reduction), x, target, dy)
    value_torch, grad_torch = loss_results(nn.MSELoss(reduction=reduction), x, target, dy)
    assert_close64(value_np, value_torch)
    assert_close64(grad_np, grad_torch)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight, pos_weight", [(None, None), (CLASS_WEIGHT, None), (None, POS_WEIGHT),
                                                (CLASS_WEIGHT, POS_WEIGHT)],
                         ids=["plain", "weight", "pos_weight", "weight-pos_weight"])
@pytest.mark.parametrize("targets", ["soft", "hard"])
def test_bce_with_logits_loss_equals_torch(dl64, weight, pos_weight, reduction, targets):
    rng = np.random.default_rng(0)
    x = 4 * rng.standard_normal((6, 4))                      # logits up to ~10: the stable form matters
    target = rng.random((6, 4)) if targets == "soft" else (rng.random((6, 4)) > 0.5).astype(float)
    dy = rng.standard_normal((6, 4)) if reduction == "none" else 1.0
    value_np, grad_np = loss_results(dl64.BCEWithLogitsLoss(weight, reduction, pos_weight), x, target, dy)
    value_torch, grad_torch = loss_results(
        nn.BCEWithLogitsLoss(optional_tensor(weight), reduction=reduction, pos_weight=optional_tensor(pos_weight)),
        x, target, dy)
    assert_close64(value_np, value_torch)
    assert_close64(grad_np, grad_torch)


# ignore: (id, ignore_index given to the loss, value written into a third of the targets)
IGNORES = [("no-ignored", None, None), ("ignore_index-2", 2, 2), ("default-minus-100", None, -100)]
CE_INDEX_CASES = [
    pytest.param(weighted, ignore_index, ignored, smoothing, reduction, shape,
                 id=f"{'weight' if weighted else 'unweighted'}-{ignore_id}-smoothing{smoothing}-{reduction}-{dims}")
    for weighted, (ignore_id, ignore_index, ignored), smoothing, reduction, (dims, shape) in itertools.product(
        [False, True], IGNORES, [0.0, 0.15], REDUCTIONS, [("2d", (6, 4)), ("3d", (3, 4, 5))])
]


@pytest.mark.parametrize("weighted, ignore_index, ignored, label_smoothing, reduction, input_shape", CE_INDEX_CASES)
def test_cross_entropy_with_class_indices_equals_torch(dl64, weighted, ignore_index, ignored, label_smoothing,
                                                       reduction, input_shape):
    x = np.random.default_rng(0).standard_normal(input_shape)
    target = class_indices(input_shape[:1] + input_shape[2:], ignore_index=ignored)
    kwargs = dict(reduction=reduction, label_smoothing=label_smoothing)
    if ignore_index is not None:
        kwargs["ignore_index"] = ignore_index
    weight = CLASS_WEIGHT if weighted else None
    loss_np = dl64.CrossEntropyLoss(weight, **kwargs)
    loss_torch = nn.CrossEntropyLoss(optional_tensor(weight), **kwargs)
    assert_loss_equals_torch(loss_np, loss_torch, x, target)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.15], ids=["no-smoothing", "smoothing"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weight"])
@pytest.mark.parametrize("input_shape", [(6, 4), (3, 4, 5)], ids=["2d", "3d"])
def test_cross_entropy_with_class_probabilities_equals_torch(dl64, weighted, label_smoothing, reduction,
                                                             input_shape):
    x = np.random.default_rng(0).standard_normal(input_shape)
    target = class_probabilities(input_shape)
    weight = CLASS_WEIGHT if weighted else None
    loss_np = dl64.CrossEntropyLoss(weight, reduction=reduction, label_smoothing=label_smoothing)
    loss_torch = nn.CrossEntropyLoss(optional_tensor(weight), reduction=reduction, label_smoothing=label_smoothing)
    assert_loss_equals_torch(loss_np, loss_torch, x, target)


@pytest.mark.parametrize("make_np, make_torch", [
    pytest.param(lambda dl: dl.CrossEntropyLoss(weight=CLASS_WEIGHT),
                 lambda: nn.CrossEntropyLoss(weight=torch.as_tensor(CLASS_WEIGHT)), id="CrossEntropyLoss-weight"),
    pytest.param(lambda dl: dl.CrossEntropyLoss(), lambda: nn.CrossEntropyLoss(), id="CrossEntropyLoss"),
    pytest.param(lambda dl: dl.BCEWithLogitsLoss(weight=CLASS_WEIGHT, pos_weight=POS_WEIGHT),
                 lambda: nn.BCEWithLogitsLoss(weight=torch.as_tensor(CLASS_WEIGHT),
                                              pos_weight=torch.as_tensor(POS_WEIGHT)),
                 id="BCEWithLogitsLoss-weight-pos_weight"),
    pytest.param(lambda dl: dl.BCEWithLogitsLoss(pos_weight=POS_WEIGHT),
                 lambda: nn.BCEWithLogitsLoss(pos_weight=torch.as_tensor(POS_WEIGHT)),
                 id="BCEWithLogitsLoss-pos_weight"),
])
def test_loss_state_dict_holds_its_class_weights_as_torch(dl64, make_np, make_torch):
    state_np, state_torch = make_np(dl64).state_dict(), make_torch().state_dict()
    assert list(state_np) == list(state_torch)
    for key in state_np:
        assert_close64(state_np[key], state_torch[key])


def test_cross_entropy_is_stable_for_large_logits_as_torch(dl64):
    x = np.array([[1000.0, 0.0, -1000.0], [-500.0, 500.0, 0.0]])
    target = np.array([2, 1])
    assert_loss_equals_torch(dl64.CrossEntropyLoss(), nn.CrossEntropyLoss(), x, target)


# ---------------------------------------------------------------- optimizers

N_STEPS = 25
SHAPES = [(4, 3), (3,), (2, 2, 2)]


def sgd_cases():
    for momentum, dampening, nesterov in [(0, 0, False), (0, 0.3, False), (0.9, 0, False), (0.9, 0, True),
                                          (0.9, 0.3, False)]:
        for weight_decay, maximize in itertools.product([0, 0.05], [False, True]):
            yield dict(lr=0.1, momentum=momentum, dampening=dampening, nesterov=nesterov,
                       weight_decay=weight_decay, maximize=maximize)


def rmsprop_cases():
    for alpha, momentum, centered, weight_decay, maximize in itertools.product(
            [0.99, 0.8], [0, 0.7], [False, True], [0, 0.05], [False, True]):
        yield dict(lr=0.01, alpha=alpha, momentum=momentum, centered=centered, weight_decay=weight_decay,
                   maximize=maximize)


def adam_cases(weight_decays):
    for betas, eps, weight_decay, amsgrad, maximize in itertools.product(
            [(0.9, 0.999), (0.5, 0.8)], [1e-8, 1e-3], weight_decays, [False, True], [False, True]):
        yield dict(lr=0.01, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)


def case_id(kwargs):
    return "-".join(f"{key}={value}" for key, value in kwargs.items() if key != "lr")


OPTIMIZER_CASES = [
    pytest.param(name, kwargs, id=f"{name}-{case_id(kwargs)}")
    for name, cases in [("SGD", sgd_cases()), ("RMSprop", rmsprop_cases()), ("Adam", adam_cases([0, 0.05])),
                        ("AdamW", adam_cases([0, 0.1]))]
    for kwargs in cases
]


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


def run_optimizers(dl, name, kwargs, dtype, lr_schedule=None, groups=None):
    """The NumPy optimizer and torch.optim's, fed identical parameters and gradients for N_STEPS.
    Yields (NumPy parameters, torch parameters) after each step."""
    dl.set_default_dtype(dtype)
    rng = np.random.default_rng(1)
    initial = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
    params_np = [dl.Parameter(values.copy()) for values in initial]
    params_torch = [nn.Parameter(torch.tensor(values)) for values in initial]
    if groups is None:
        optimizer_np = getattr(dl, name)(params_np, **kwargs)
        optimizer_torch = getattr(torch.optim, name)(params_torch, **kwargs)
    else:
        optimizer_np = getattr(dl, name)([dict(group, params=[params_np[i] for i in group["params"]])
                                          for group in groups], **kwargs)
        optimizer_torch = getattr(torch.optim, name)([dict(group, params=[params_torch[i] for i in group["params"]])
                                                      for group in groups], **kwargs)
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
@pytest.mark.parametrize("name, kwargs", OPTIMIZER_CASES)
def test_optimizer_equals_torch_optim_step_by_step(dl_np, name, kwargs, dtype):
    for params_np, params_torch in run_optimizers(dl_np, name, kwargs, dtype):
        assert_same_params(params_np, params_torch, dtype)


@pytest.mark.parametrize("name, kwargs", [("SGD", dict(lr=0.1, momentum=0.9)), ("RMSprop", dict(lr=0.01)),
                                          ("Adam", dict(lr=0.01)), ("AdamW", dict(lr=0.01))],
                         ids=["SGD", "RMSprop", "Adam", "AdamW"])
def test_optimizer_with_lr_set_every_step_equals_torch_optim(dl_np, name, kwargs):
    schedule = lambda step: kwargs["lr"] / (1 + 0.3 * step)         # noqa: E731 - inverse-time decay
    for params_np, params_torch in run_optimizers(dl_np, name, kwargs, "float64", lr_schedule=schedule):
        assert_same_params(params_np, params_torch, "float64")


@pytest.mark.parametrize("name, kwargs", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01))],
                         ids=["SGD", "Adam"])
def test_optimizer_param_groups_with_their_own_settings_equal_torch_optim(dl_np, name, kwargs):
    groups = [dict(params=[0, 2]), dict(params=[1], lr=0.5 * kwargs["lr"], weight_decay=0.1)]
    for params_np, params_torch in run_optimizers(dl_np, name, kwargs, "float64", groups=groups):
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
def test_clip_grad_norm_equals_torch(dl64, max_norm, norm_type):
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
def test_init_has_torch_nn_init_distribution(dl_np, init_name, kwargs):
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
def test_calculate_gain_equals_torch(dl_np, nonlinearity, param):
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


def test_numpy_mlp_state_dict_has_torch_nn_keys_and_shapes(dl_np):
    state_np, state_torch = mlp_np(dl_np).state_dict(), mlp_torch().state_dict()
    assert list(state_np) == list(state_torch) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [tuple(value.shape) for value in state_np.values()] == [tuple(v.shape) for v in state_torch.values()]


def test_numpy_model_with_batchnorm_has_torch_nn_state_dict_keys_in_order(dl_np):
    model = dl_np.Sequential(dl_np.Linear(6, 8, seed=0), dl_np.BatchNorm1d(8), dl_np.ReLU(), dl_np.Dropout(0.2),
                             dl_np.Linear(8, 2, seed=1))
    twin = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 2))
    assert list(model.state_dict()) == list(twin.state_dict())
    assert [name for name, _ in model.named_parameters()] == [name for name, _ in twin.named_parameters()]


def test_trained_numpy_mlp_loads_into_torch_nn_and_gives_the_same_outputs(dl_np):
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
def test_batchnorm_state_dict_keys_equal_torch(dl_np, affine, track_running_stats):
    state_np = dl_np.BatchNorm1d(5, affine=affine, track_running_stats=track_running_stats).state_dict()
    state_torch = nn.BatchNorm1d(5, affine=affine, track_running_stats=track_running_stats).state_dict()
    assert list(state_np) == list(state_torch)
    for key in state_np:
        assert tuple(state_np[key].shape) == tuple(state_torch[key].shape)
        assert np.asarray(state_np[key]).dtype == as_numpy(state_torch[key]).dtype


def test_batchnorm_state_dict_moves_both_ways_with_num_batches_tracked(dl64):
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
