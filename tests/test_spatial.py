"""Spatial layers (Conv2d, MaxPool2d, AvgPool2d, Flatten, BatchNorm2d) on both backends, beyond what the
catalogue suites check for every case (tests/catalogue.py: gradients in test_gradients, the two backends in
test_parity, torch.nn in test_torch_oracle): pooling ties, torch.nn as the oracle over random geometries,
a CNN's state_dict carried from the NumPy backend into torch.nn, output shapes and clear errors.

Tolerances. Gradient checks run in float64: a right backward measures ~1e-10 relative, a wrong one
1e-2 or more (see test_gradients.py), so 1e-6 separates them. Against torch.nn in float64 only the order
of roundings differs (~1e-16 per operation, sums of at most a few hundred products): 1e-10 relative is
a wide margin. Between the backends in float32, a convolution output is a sum of K = C*kh*kw products
rounded in a different order by NumPy's BLAS and torch's kernels: ~sqrt(K) float32 ulps (6e-8) of the
terms' size ~1, i.e. ~1e-6 for K ~ 150; rtol 1e-4 and atol 1e-5 leave a factor ~10 and still catch a
wrong formula (1e-2 or more).
"""

import re

import numpy as np
import pytest
from catalogue import small_cnn, to_array, torch_cnn, warmed_up_batchnorm2d
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlbook.core.errors import ShapeError
from dlbook.data import load_digits
from dlbook.gradcheck import gradcheck_report

try:                 # the tests that use torch ask for the `torch` fixture, which skips them without it
    import torch
    nn = torch.nn
except ImportError:
    torch = nn = None

GRADCHECK_TOL = 1e-6                     # float64 relative error of a right backward: ~1e-10
RTOL64, ATOL64 = 1e-10, 1e-12            # float64 against torch.nn: roundings only
RTOL32, ATOL32 = 1e-4, 1e-5              # float32 between backends: sums of K products in other orders

# 25 examples per geometry test and backend; derandomize: the same examples every run.
ORACLE_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                           suppress_health_check=[HealthCheck.function_scoped_fixture])


as_numpy = to_array


def relu_like(shape, seed=0):
    """max(0, N(0, 1)): half the entries exactly 0, so pooling windows have ties."""
    return np.maximum(np.random.default_rng(seed).standard_normal(shape), 0.0)


def forward_backward(dl, layer, x, dy):
    """y, dL/dx and every parameter's gradient (NumPy arrays) for dL/dy = dy."""
    y = layer(dl.asarray(x))
    grad_input = layer.backward(dl.asarray(dy))
    return as_numpy(y), as_numpy(grad_input), {name: as_numpy(p.grad) for name, p in layer.named_parameters()}


# --- gradients against finite differences (float64) ----------------------------------------------


def test_maxpool_backward_matches_finite_differences_where_windows_overlap_and_share_a_maximum(dl):
    # stride 1: one pixel is the maximum of several windows, and its gradient is their sum
    dl.set_default_dtype(np.float64)
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 1] = 5.0
    x += np.random.default_rng(0).uniform(0, 0.1, x.shape)           # no ties: finite differences see one max
    report = gradcheck_report(dl.MaxPool2d(2, stride=1), x)
    assert max(report.values()) < GRADCHECK_TOL, report


# --- NumPy backend against the torch backend (float32) --------------------------------------------


@pytest.mark.parametrize("pool_args", [(2,), (3, 1, 1), ((2, 3), (1, 2))], ids=["2", "3-stride1-pad1", "2x3"])
def test_maxpool_sends_the_gradient_to_the_first_maximum_of_tied_windows_as_torch(dl, torch, pool_args):
    x = relu_like((3, 4, 6, 6))
    x[0, 0, :2, :2] = 0.0                                           # a window of four equal zeros
    x[1, 1, :3, :3] = 2.5                                           # ties across overlapping windows too
    dy = np.random.default_rng(1).standard_normal(nn.MaxPool2d(*pool_args)(torch.as_tensor(x)).shape)
    _, grad, _ = forward_backward(dl, dl.MaxPool2d(*pool_args), x, dy)
    x_torch = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    nn.MaxPool2d(*pool_args)(x_torch).backward(torch.as_tensor(dy, dtype=torch.float32))
    expected = as_numpy(x_torch.grad)
    np.testing.assert_array_equal(grad != 0, expected != 0)          # the same pixels get a gradient
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-7)  # overlapping windows: sums in any order
    if pool_args == (2,):
        assert grad[0, 0, 0, 0] == np.float32(dy[0, 0, 0, 0]) and not grad[0, 0, :2, :2].reshape(-1)[1:].any()


@pytest.mark.parametrize("momentum", [0.1, None], ids=["momentum-0.1", "momentum-None-cumulative"])
def test_batchnorm2d_running_statistics_agree_after_several_steps(dl_np, dl_torch, momentum):
    layers = {dl.name: dl.BatchNorm2d(4, momentum=momentum) for dl in (dl_np, dl_torch)}
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.normal(2.0, 3.0, (6, 4, 3, 5))
        for dl in (dl_np, dl_torch):
            layers[dl.name](dl.asarray(x))
    state_np, state_torch = layers["numpy"].state_dict(), layers["torch"].state_dict()
    for key in state_np:
        np.testing.assert_allclose(as_numpy(state_np[key]), as_numpy(state_torch[key]), rtol=1e-5, atol=1e-6)


# --- torch.nn as the oracle, over random geometries (float64) -------------------------------------


@st.composite
def geometries(draw, pooling=False):
    """kernel, stride, padding (each an int or a pair), and an input (N, C, H, W) the kernel fits in."""
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    strides = st.sampled_from([1, 1, 1, 1, 2, 3])                   # mostly 1, as in CNNs
    stride = (draw(strides), draw(strides))
    most_padding = (kernel[0] // 2, kernel[1] // 2) if pooling else (2, 2)
    padding = (draw(st.integers(0, most_padding[0])), draw(st.integers(0, most_padding[1])))
    smallest = [max(k - 2 * p, 1) for k, p in zip(kernel, padding)]
    size = (draw(st.integers(smallest[0], smallest[0] + 8)), draw(st.integers(smallest[1], smallest[1] + 20)))
    channels = draw(st.sampled_from([1, 2, 3, 5, 17]))
    shape = (draw(st.integers(1, 3)), channels, *size)

    def maybe_int(value):                                           # 3 and (3, 3) mean the same
        return value[0] if value[0] == value[1] and draw(st.booleans()) else value

    return maybe_int(kernel), maybe_int(stride), maybe_int(padding), shape


def check_against_torch(dl, layer, twin, x, seed):
    """The layer and its torch.nn twin (state copied) give the same y, dL/dx and parameter gradients."""
    twin = twin.double()
    twin.load_state_dict({key: torch.as_tensor(np.array(as_numpy(v))) for key, v in layer.state_dict().items()})
    dy = np.random.default_rng(seed).standard_normal(tuple(twin(torch.as_tensor(x)).shape))
    y, grad_input, param_grads = forward_backward(dl, layer, x, dy)
    x_torch = torch.tensor(x, requires_grad=True)
    twin(x_torch).backward(torch.as_tensor(dy))
    np.testing.assert_allclose(y, as_numpy(twin(x_torch)), rtol=RTOL64, atol=ATOL64)
    np.testing.assert_allclose(grad_input, as_numpy(x_torch.grad), rtol=RTOL64, atol=ATOL64)
    for name, param in twin.named_parameters():
        np.testing.assert_allclose(param_grads[name], as_numpy(param.grad), rtol=RTOL64, atol=ATOL64)


@ORACLE_SETTINGS
@given(geometry=geometries(), out_channels=st.integers(1, 6), bias=st.booleans(), seed=st.integers(0, 2**16))
def test_conv2d_equals_torch_nn_conv2d_for_any_geometry(dl, torch, geometry, out_channels, bias, seed):
    kernel, stride, padding, shape = geometry
    dl.set_default_dtype(np.float64)
    layer = dl.Conv2d(shape[1], out_channels, kernel, stride, padding, bias=bias, seed=seed)
    twin = nn.Conv2d(shape[1], out_channels, kernel, stride, padding, bias=bias)
    check_against_torch(dl, layer, twin, np.random.default_rng(seed).standard_normal(shape), seed)


@ORACLE_SETTINGS
@given(geometry=geometries(pooling=True), seed=st.integers(0, 2**16))
def test_maxpool2d_equals_torch_nn_maxpool2d_for_any_geometry_also_on_ties(dl, torch, geometry, seed):
    kernel, stride, padding, shape = geometry
    dl.set_default_dtype(np.float64)
    x = np.round(relu_like(shape, seed), 1)                       # zeros and repeated values: ties
    check_against_torch(dl, dl.MaxPool2d(kernel, stride, padding), nn.MaxPool2d(kernel, stride, padding), x, seed)


@ORACLE_SETTINGS
@given(geometry=geometries(pooling=True), seed=st.integers(0, 2**16))
def test_avgpool2d_equals_torch_nn_avgpool2d_for_any_geometry(dl, torch, geometry, seed):
    kernel, stride, padding, shape = geometry
    dl.set_default_dtype(np.float64)
    x = np.random.default_rng(seed).standard_normal(shape)
    check_against_torch(dl, dl.AvgPool2d(kernel, stride, padding), nn.AvgPool2d(kernel, stride, padding), x, seed)


@pytest.mark.parametrize("start_dim, end_dim", [(1, -1), (0, -1), (2, 3), (1, 2), (-3, -2), (3, 3)])
def test_flatten_equals_torch_nn_flatten(dl, torch, start_dim, end_dim):
    dl.set_default_dtype(np.float64)
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    check_against_torch(dl, dl.Flatten(start_dim, end_dim), nn.Flatten(start_dim, end_dim), x, 0)


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_batchnorm2d_equals_torch_nn_batchnorm2d(dl, torch, training):
    dl.set_default_dtype(np.float64)
    layer = warmed_up_batchnorm2d(dl).train(training)
    x = np.random.default_rng(0).normal(1.0, 2.0, (5, 3, 4, 3))
    check_against_torch(dl, layer, nn.BatchNorm2d(3).train(training), x, 0)


# --- a CNN trained with the NumPy backend runs in plain torch.nn ----------------------------------


def test_a_cnn_trained_with_the_numpy_backend_loads_into_torch_nn_and_gives_the_same_outputs(dl_np, torch):
    X, y = load_digits(flatten=False)
    model = small_cnn(dl_np)
    loss_fn, optimizer = dl_np.CrossEntropyLoss(), dl_np.Adam(model.parameters(), lr=1e-2)
    start = {key: np.array(value) for key, value in model.state_dict().items()}
    for step in range(5):
        x, labels = dl_np.asarray(X[64 * step:64 * (step + 1)]), dl_np.asarray(y[64 * step:64 * (step + 1)])
        loss_fn(model(x), labels)
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()
    assert all(not np.array_equal(start[key], value) for key, value in model.state_dict().items())  # it trained

    twin = torch_cnn(torch)
    twin.load_state_dict({key: torch.as_tensor(np.array(value)) for key, value in model.state_dict().items()})
    x = X[500:600]
    with torch.no_grad():
        expected = twin(torch.as_tensor(x)).numpy()
    np.testing.assert_allclose(model.eval()(dl_np.asarray(x)), expected, rtol=RTOL32, atol=ATOL32)


def test_a_torch_nn_cnn_loads_into_both_backends_and_gives_the_same_outputs(dl, torch):
    twin = torch_cnn(torch)
    model = small_cnn(dl)
    model.load_state_dict(twin.state_dict())
    x = np.random.default_rng(0).random((7, 1, 8, 8)).astype(np.float32)
    with torch.no_grad():
        expected = twin(torch.as_tensor(x)).numpy()
    np.testing.assert_allclose(as_numpy(model(dl.asarray(x))), expected, rtol=RTOL32, atol=ATOL32)


# --- API and bad input ----------------------------------------------------------------------------


def test_conv2d_keeps_torchs_attributes_and_state_dict_shapes(dl):
    layer = dl.Conv2d(3, 8, (3, 5), stride=2, padding=(1, 2), seed=0)
    assert (layer.kernel_size, layer.stride, layer.padding) == ((3, 5), (2, 2), (1, 2))
    assert {k: tuple(v.shape) for k, v in layer.state_dict().items()} == {"weight": (8, 3, 3, 5), "bias": (8,)}
    assert "bias" not in dl.Conv2d(3, 8, 3, bias=False).state_dict()


@pytest.mark.parametrize("make_layer, input_shape, expected", [
    (lambda dl: dl.Conv2d(3, 16, 3), (64, 3, 8, 8), (64, 16, 6, 6)),
    (lambda dl: dl.Conv2d(3, 16, 3, padding=1), (64, 3, 8, 8), (64, 16, 8, 8)),
    (lambda dl: dl.Conv2d(3, 4, (3, 5), stride=(2, 3), padding=(1, 2)), (2, 3, 9, 10), (2, 4, 5, 4)),
    (lambda dl: dl.MaxPool2d(2), (5, 3, 7, 9), (5, 3, 3, 4)),
    (lambda dl: dl.AvgPool2d(3, stride=2, padding=1), (5, 3, 7, 9), (5, 3, 4, 5)),
    (lambda dl: dl.Flatten(), (5, 3, 7, 9), (5, 189)),
], ids=["Conv2d", "Conv2d-padding", "Conv2d-rectangular", "MaxPool2d", "AvgPool2d", "Flatten"])
def test_output_shapes_follow_the_window_formula(dl, make_layer, input_shape, expected):
    # Ho = (H + 2 ph - kh) // sh + 1
    assert tuple(make_layer(dl)(dl.asarray(np.zeros(input_shape, np.float32))).shape) == expected


@pytest.mark.parametrize("make_layer, shape, message", [
    (lambda dl: dl.Conv2d(1, 16, 3), (64, 3, 8, 8),
     "Conv2d(1, 16, kernel_size=3) expected input of shape (N, 1, H, W), got (64, 3, 8, 8)"),
    (lambda dl: dl.Conv2d(1, 16, 3), (64, 8, 8),
     "Conv2d(1, 16, kernel_size=3) expected input of shape (N, 1, H, W), got (64, 8, 8)"),
    (lambda dl: dl.Conv2d(3, 8, 5, stride=2, padding=1), (4, 3, 2, 9),
     "Conv2d(3, 8, kernel_size=5, stride=2, padding=1) expected input of at least 3x3 pixels (kernel 5x5, "
     "padding 1), got (4, 3, 2, 9)"),
    (lambda dl: dl.Conv2d(1, 4, (3, 5)), (2, 1, 6, 4),
     "Conv2d(1, 4, kernel_size=(3, 5)) expected input of at least 3x5 pixels (kernel 3x5, padding 0), "
     "got (2, 1, 6, 4)"),
    (lambda dl: dl.MaxPool2d(2), (8, 8),
     "MaxPool2d(kernel_size=2) expected input of shape (N, C, H, W), got (8, 8)"),
    (lambda dl: dl.MaxPool2d(3), (2, 4, 2, 5),
     "MaxPool2d(kernel_size=3) expected input of at least 3x3 pixels (kernel 3x3, padding 0), got (2, 4, 2, 5)"),
    (lambda dl: dl.AvgPool2d(4, stride=1, padding=1), (2, 4, 1, 8),
     "AvgPool2d(kernel_size=4, stride=1, padding=1) expected input of at least 2x2 pixels (kernel 4x4, "
     "padding 1), got (2, 4, 1, 8)"),
    (lambda dl: dl.BatchNorm2d(4), (8, 4),
     "BatchNorm2d(4) expected a 4-D input (N, C, H, W), got shape (8, 4)"),
    (lambda dl: dl.BatchNorm2d(4), (8, 3, 2, 2),
     "BatchNorm2d(4) expected input with channels 4 on axis 1, got shape (8, 3, 2, 2)"),
    (lambda dl: dl.Flatten(), (5,),
     "Flatten(start_dim=1, end_dim=-1) expected input with axes 1..-1, got shape (5,)"),
], ids=["Conv2d-channels", "Conv2d-rank", "Conv2d-kernel-larger-than-padded-input",
        "Conv2d-rectangular-kernel-too-wide", "MaxPool2d-rank", "MaxPool2d-window-too-large",
        "AvgPool2d-window-too-large", "BatchNorm2d-rank", "BatchNorm2d-channels", "Flatten-1-D"])
def test_bad_input_shape_raises_a_shape_error_naming_the_layer_and_the_shapes(dl, make_layer, shape, message):
    with pytest.raises(ShapeError, match=re.escape(message)):
        make_layer(dl)(dl.asarray(np.zeros(shape, np.float32)))


def test_a_layer_inside_a_sequential_is_named_in_the_error(dl):
    model = small_cnn(dl)
    with pytest.raises(ShapeError, match=re.escape("Conv2d(1, 4, kernel_size=3, padding=1) expected input of "
                                                   "shape (N, 1, H, W), got (2, 3, 8, 8)")):
        model(dl.asarray(np.zeros((2, 3, 8, 8), np.float32)))


def test_conv2d_refuses_integer_images(dl):
    with pytest.raises(TypeError, match=re.escape("Conv2d(1, 2, kernel_size=3) expected a floating-point input")):
        dl.Conv2d(1, 2, 3)(dl.asarray(np.zeros((1, 1, 4, 4), np.int64)))


@pytest.mark.parametrize("make_layer, error, message", [
    (lambda dl: dl.Conv2d(1, 2, 0), ValueError, "kernel_size must be at least 1, got 0"),
    (lambda dl: dl.Conv2d(1, 2, "3"), TypeError, "kernel_size must be an int or a pair of ints, got '3'"),
    (lambda dl: dl.Conv2d(1, 2, 3, stride=(1, 0)), ValueError, "stride must be at least 1, got (1, 0)"),
    (lambda dl: dl.Conv2d(1, 2, 3, padding=-1), ValueError, "padding must be at least 0, got -1"),
    (lambda dl: dl.MaxPool2d(2, padding=2), ValueError, "pad should be at most half of effective kernel size"),
    (lambda dl: dl.AvgPool2d((4, 2), padding=(2, 2)), ValueError, "pad should be at most half"),
], ids=["kernel-0", "kernel-str", "stride-0", "padding-negative", "maxpool-padding", "avgpool-padding"])
def test_bad_constructor_arguments_are_refused_with_the_argument_named(dl, make_layer, error, message):
    with pytest.raises(error, match=re.escape(message)):
        make_layer(dl)
