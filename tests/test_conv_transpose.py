"""ConvTranspose2d beyond the catalogue suites (which gradient-check, parity-test, oracle-test and repr-test
its cases): output sizes, the adjoint relation to Conv2d, torch's errors, torch's initial weights, state_dict
interop with torch.nn.ConvTranspose2d, and F.conv_transpose2d as the oracle for any geometry hypothesis picks.

Tolerances: float64 comparisons differ only by the order of roundings (~1e-16 per operation, a few dozen
operations): 1e-10. float32 outputs summed in another order (torch's kernels): the catalogue's
convolution tolerances, rtol 1e-4 / atol 1e-5 (test_spatial.py's docstring)."""

import numpy as np
import pytest
from catalogue import CONV_ATOL32, CONV_RTOL32, to_array
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

RTOL64, ATOL64 = 1e-10, 1e-12

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def normal(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---------------------------------------------------------------- sizes


@pytest.mark.parametrize("height, kernel, stride, padding, output_padding", [
    (4, 3, 1, 0, 0), (4, 3, 2, 1, 1), (5, 4, 2, 1, 0), (3, 2, 2, 0, 0), (1, 5, 3, 2, 2), (7, 1, 1, 0, 0)])
def test_output_size_is_h_minus_one_times_stride_minus_twice_padding_plus_kernel_plus_output_padding(
        dl, height, kernel, stride, padding, output_padding):
    layer = dl.ConvTranspose2d(2, 3, kernel, stride=stride, padding=padding, output_padding=output_padding, seed=0)
    y = layer(dl.asarray(normal((2, 2, height, height + 1))))
    expected = tuple((size - 1) * stride - 2 * padding + kernel + output_padding for size in (height, height + 1))
    assert tuple(y.shape) == (2, 3, *expected)
    assert tuple(layer.backward(dl.asarray(np.ones(tuple(y.shape)))).shape) == (2, 2, height, height + 1)


def test_a_stride_two_kernel_four_padding_one_layer_doubles_the_image_as_in_dcgan(dl):
    y = dl.ConvTranspose2d(8, 4, 4, stride=2, padding=1, seed=0)(dl.asarray(normal((3, 8, 7, 7))))
    assert tuple(y.shape) == (3, 4, 14, 14)


def test_parameters_are_in_channels_first_as_torch(dl):
    layer = dl.ConvTranspose2d(3, 5, (2, 4), seed=0)
    assert [(name, tuple(p.shape)) for name, p in layer.named_parameters()] == [("weight", (3, 5, 2, 4)),
                                                                                 ("bias", (5,))]
    assert [name for name, _ in dl.ConvTranspose2d(3, 5, 2, bias=False, seed=0).named_parameters()] == ["weight"]


# ---------------------------------------------------------------- what it computes


def test_with_kernel_equal_to_stride_each_input_pixel_paints_its_own_patch(dl_np):
    # no overlap: y[o, 2i + u, 2j + v] = sum_c x[c, i, j] w[c, o, u, v] + b[o]
    layer = dl_np.ConvTranspose2d(3, 2, 2, stride=2, seed=0)
    x = dl_np.asarray(normal((1, 3, 2, 3)))
    y, w, b = layer(x), layer.weight.data, layer.bias.data
    for i in range(2):
        for j in range(3):
            patch = np.einsum("c,couv->ouv", x[0, :, i, j], w) + b[:, None, None]
            np.testing.assert_allclose(y[0, :, 2 * i:2 * i + 2, 2 * j:2 * j + 2], patch, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1), (3, 2)])
def test_it_is_the_adjoint_of_the_convolution_with_the_same_weights(dl, float64, stride, padding):
    # <conv(x), y> = <x, conv_transpose(y)>: the transposed convolution is Conv2d's dL/dx as a layer
    conv = dl.Conv2d(2, 3, 3, stride=stride, padding=padding, bias=False, seed=0)
    transpose = dl.ConvTranspose2d(3, 2, 3, stride=stride, padding=padding, bias=False, seed=1)
    transpose.load_state_dict({"weight": to_array(conv.weight)})           # (C_out, C_in) of conv = (C_in, C_out)
    x = normal((2, 2, 3 * stride + 3 - 2 * padding, 2 * stride + 3 - 2 * padding), seed=1)   # every pixel in a window
    conv_x = to_array(conv(dl.asarray(x)))
    y = normal(conv_x.shape, seed=2)
    transpose_y = to_array(transpose(dl.asarray(y)))
    assert transpose_y.shape == x.shape
    np.testing.assert_allclose(np.sum(conv_x * y), np.sum(x * transpose_y), rtol=1e-12)


def test_its_backward_is_the_convolution_forward(dl, float64):
    conv = dl.Conv2d(2, 3, 3, stride=2, padding=1, bias=False, seed=0)
    transpose = dl.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1, bias=False, seed=1)
    transpose.load_state_dict({"weight": to_array(conv.weight)})
    y = transpose(dl.asarray(normal((2, 3, 4, 5))))                            # (2, 2, 8, 10)
    delta = normal(tuple(y.shape), seed=3)
    np.testing.assert_allclose(to_array(transpose.backward(dl.asarray(delta))), to_array(conv(dl.asarray(delta))),
                               rtol=RTOL64, atol=ATOL64)


geometries = st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3),
                       st.integers(0, 2), st.integers(0, 2), st.integers(1, 5), st.integers(1, 5), st.booleans())


@SETTINGS
@given(geometry=geometries, seed=st.integers(0, 2**16))
def test_forward_and_backward_equal_torch_conv_transpose2d_for_any_geometry(dl, float64, torch, geometry, seed):
    kh, kw, sh, sw, ph, pw, height, width, bias = geometry
    (oph, opw) = (seed % sh, (seed // 7) % sw)                                  # output_padding < stride
    out_size = ((height - 1) * sh - 2 * ph + kh + oph, (width - 1) * sw - 2 * pw + kw + opw)
    if min(out_size) < 1:
        return                                                                 # test_a_too_small_output_...
    layer = dl.ConvTranspose2d(3, 2, (kh, kw), stride=(sh, sw), padding=(ph, pw), output_padding=(oph, opw),
                               bias=bias, seed=seed)
    x = normal((2, 3, height, width), seed)
    y = layer(dl.asarray(x))
    weight = torch.tensor(to_array(layer.weight))
    bias_values = torch.tensor(to_array(layer.bias)) if bias else None
    x_torch = torch.tensor(x, requires_grad=True)
    y_torch = torch.nn.functional.conv_transpose2d(x_torch, weight, bias_values, (sh, sw), (ph, pw), (oph, opw))
    np.testing.assert_allclose(to_array(y), to_array(y_torch), rtol=RTOL64, atol=ATOL64)
    delta = normal(tuple(y.shape), seed + 1)
    y_torch.backward(torch.tensor(delta))
    np.testing.assert_allclose(to_array(layer.backward(dl.asarray(delta))), to_array(x_torch.grad),
                               rtol=RTOL64, atol=ATOL64)


# ---------------------------------------------------------------- errors, as torch


@pytest.mark.parametrize("stride, output_padding", [(1, 1), (2, 2), ((2, 1), (1, 1))])
def test_output_padding_not_smaller_than_the_stride_is_refused_with_torchs_message(dl, torch, stride,
                                                                                   output_padding):
    with pytest.raises(RuntimeError) as torch_error:
        torch.nn.ConvTranspose2d(2, 3, 3, stride=stride, output_padding=output_padding)(torch.zeros(1, 2, 4, 4))
    with pytest.raises(ValueError) as error:
        dl.ConvTranspose2d(2, 3, 3, stride=stride, output_padding=output_padding, seed=0)
    assert str(error.value) == str(torch_error.value)


def test_a_too_small_output_is_refused_naming_the_layer_and_both_sizes(dl, torch):
    with pytest.raises(RuntimeError) as torch_error:
        torch.nn.ConvTranspose2d(2, 3, 3, padding=3)(torch.zeros(1, 2, 2, 2))
    with pytest.raises(dl.ShapeError) as error:
        dl.ConvTranspose2d(2, 3, 3, padding=3, seed=0)(dl.asarray(np.zeros((1, 2, 2, 2))))
    assert str(error.value) == "ConvTranspose2d(2, 3, kernel_size=3, padding=3): " + str(torch_error.value)


def test_the_wrong_number_of_channels_names_the_layer_and_both_shapes(dl):
    layer = dl.ConvTranspose2d(3, 4, 4, stride=2, padding=1, seed=0)
    with pytest.raises(dl.ShapeError, match=r"ConvTranspose2d\(3, 4, kernel_size=4, stride=2, padding=1\) "
                                            r"expected input of shape \(N, 3, H, W\), got \(2, 4, 5, 5\)"):
        layer(dl.asarray(np.zeros((2, 4, 5, 5))))
    with pytest.raises(dl.ShapeError, match=r"expected input of shape \(N, 3, H, W\), got \(3, 5, 5\)"):
        layer(dl.asarray(np.zeros((3, 5, 5))))


def test_integer_and_non_finite_inputs_are_refused(dl):
    layer = dl.ConvTranspose2d(1, 1, 2, seed=0)
    with pytest.raises(TypeError, match="floating-point"):
        layer(dl.asarray(np.zeros((1, 1, 2, 2), dtype=np.int64)))
    with pytest.raises(dl.NonFiniteError, match="NaN or inf"):
        layer(dl.asarray(np.full((1, 1, 2, 2), np.nan)))


@pytest.mark.parametrize("kwargs, error", [(dict(kernel_size=0), ValueError), (dict(stride=(1, 2, 3)), TypeError),
                                           (dict(padding=-1), ValueError), (dict(output_padding=1.5), TypeError)])
def test_bad_arguments_are_refused(dl, kwargs, error):
    with pytest.raises(error):
        dl.ConvTranspose2d(**{"in_channels": 2, "out_channels": 3, "kernel_size": 3, "stride": 2, **kwargs})


# ---------------------------------------------------------------- initial weights, as torch


def test_initial_weights_are_bit_identical_on_both_backends(dl_np, dl_torch):
    ours, theirs = dl_np.ConvTranspose2d(3, 5, 3, seed=4), dl_torch.ConvTranspose2d(3, 5, 3, seed=4)
    for key in ("weight", "bias"):
        np.testing.assert_array_equal(to_array(ours.state_dict()[key]), to_array(theirs.state_dict()[key]))


def test_initial_weights_are_uniform_within_torchs_bound_one_over_sqrt_of_c_out_kh_kw(dl_np, torch):
    # torch's fan_in of a transposed convolution's weight (C_in, C_out, kh, kw) is its dim 1 times the kernel
    bound = 1 / np.sqrt(16 * 3 * 3)
    ours = dl_np.ConvTranspose2d(64, 16, 3, seed=0)
    theirs = torch.nn.ConvTranspose2d(64, 16, 3)
    for layer in (ours, theirs):
        weight, bias = to_array(layer.weight), to_array(layer.bias)
        assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.99 * bound     # 9216 draws
        assert np.abs(bias).max() <= bound
        assert abs(weight.std() - bound / np.sqrt(3)) < 0.02 * bound                      # U(-a, a): std a / sqrt 3


# ---------------------------------------------------------------- state_dict interop with torch.nn


def test_our_state_dict_loads_into_torch_nn_conv_transpose2d_with_the_same_outputs(dl, torch):
    layer = dl.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1, seed=0)
    twin = torch.nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1)
    twin.load_state_dict({key: torch.as_tensor(to_array(value)) for key, value in layer.state_dict().items()})
    x = normal((2, 3, 5, 4)).astype(np.float32)
    np.testing.assert_allclose(to_array(layer(dl.asarray(x))), to_array(twin(torch.as_tensor(x))),
                               rtol=CONV_RTOL32, atol=CONV_ATOL32)


def test_a_torch_nn_conv_transpose2d_state_dict_loads_into_ours_with_the_same_outputs(dl, torch):
    twin = torch.nn.ConvTranspose2d(2, 3, (3, 2), stride=(2, 1), bias=False)
    layer = dl.ConvTranspose2d(2, 3, (3, 2), stride=(2, 1), bias=False, seed=0)
    layer.load_state_dict(twin.state_dict())
    assert list(layer.state_dict()) == list(twin.state_dict()) == ["weight"]
    x = normal((2, 2, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(to_array(layer(dl.asarray(x))), to_array(twin(torch.as_tensor(x))),
                               rtol=CONV_RTOL32, atol=CONV_ATOL32)


def test_a_state_dict_of_the_wrong_orientation_is_refused(dl):
    # a Conv2d(3, 2) weight is (2, 3, k, k); ConvTranspose2d(3, 2) wants (3, 2, k, k)
    layer = dl.ConvTranspose2d(3, 2, 3, bias=False, seed=0)
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        layer.load_state_dict(dl.Conv2d(3, 2, 3, bias=False, seed=0).state_dict())
