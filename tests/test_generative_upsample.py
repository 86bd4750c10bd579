"""Upsample beyond the catalogue suites: what nearest and bilinear compute in closed form, torch.nn.Upsample
as the oracle for any size hypothesis picks, and torch's argument errors.

Tolerances: nearest copies numbers (exact); bilinear blends two rows and two columns, float64 roundings in
another order: 1e-12."""

import numpy as np
import pytest
from catalogue import to_array
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def normal(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def test_nearest_copies_each_pixel_into_a_block_and_backward_sums_the_block(dl):
    x = normal((2, 3, 4, 5))
    layer = dl.Upsample(scale_factor=(2, 3))
    y = to_array(layer(dl.asarray(x)))
    np.testing.assert_array_equal(y, np.repeat(np.repeat(x.astype(np.float32), 2, axis=2), 3, axis=3))
    delta = normal(y.shape, seed=1).astype(np.float32)
    block_sums = delta.reshape(2, 3, 4, 2, 5, 3).sum(axis=(3, 5))
    np.testing.assert_allclose(to_array(layer.backward(dl.asarray(delta))), block_sums, rtol=1e-6, atol=1e-6)


def test_bilinear_keeps_a_constant_image_and_interpolates_a_ramp_linearly_inside(dl, float64):
    layer = dl.Upsample(scale_factor=2, mode="bilinear")
    np.testing.assert_allclose(to_array(layer(dl.asarray(np.full((1, 1, 3, 4), 2.5)))), 2.5, rtol=1e-15)
    ramp = np.arange(4.0)[None, None, None, :].repeat(3, axis=2)               # x[h, w] = w
    y = to_array(layer(dl.asarray(ramp)))
    # output column q samples src = (q + 1/2) / 2 - 1/2, clamped to [0, 3] at the borders
    np.testing.assert_allclose(y[0, 0, 0], np.clip((np.arange(8) + 0.5) / 2 - 0.5, 0, 3), rtol=1e-15)


def test_bilinear_with_align_corners_keeps_the_corner_pixels(dl, float64):
    x = normal((1, 2, 3, 4))
    y = to_array(dl.Upsample(scale_factor=3, mode="bilinear", align_corners=True)(dl.asarray(x)))
    corners = ([0, 0, -1, -1], [0, -1, 0, -1])
    np.testing.assert_allclose(y[..., corners[0], corners[1]], x[..., corners[0], corners[1]], rtol=1e-14)


def test_nearest_scale_s_multiplies_the_pixel_mass_by_s_squared(dl, float64):
    x = normal((2, 2, 5, 5))
    assert to_array(dl.Upsample(scale_factor=3)(dl.asarray(x))).sum() == pytest.approx(9 * x.sum(), rel=1e-12)


sizes = st.integers(1, 6)


@SETTINGS
@given(height=sizes, width=sizes, scale=st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))),
       mode=st.sampled_from(["nearest", "bilinear"]), seed=st.integers(0, 2**16))
def test_forward_and_backward_equal_torch_nn_upsample_for_any_scale_factor(dl, float64, torch, height, width,
                                                                           scale, mode, seed):
    compare(dl, torch, dict(scale_factor=scale, mode=mode), (2, 2, height, width), seed)


@SETTINGS
@given(height=sizes, width=sizes, out_height=st.integers(1, 13), out_width=st.integers(1, 13),
       mode=st.sampled_from(["nearest", "bilinear"]), align_corners=st.booleans(), seed=st.integers(0, 2**16))
def test_forward_and_backward_equal_torch_nn_upsample_for_any_output_size(dl, float64, torch, height, width,
                                                                          out_height, out_width, mode,
                                                                          align_corners, seed):
    kwargs = dict(size=(out_height, out_width), mode=mode)
    if mode == "bilinear":
        kwargs["align_corners"] = align_corners
    compare(dl, torch, kwargs, (1, 2, height, width), seed)


def compare(dl, torch, kwargs, shape, seed):
    layer, twin = dl.Upsample(**kwargs), torch.nn.Upsample(**kwargs)
    x = normal(shape, seed)
    y = layer(dl.asarray(x))
    x_torch = torch.tensor(x, requires_grad=True)
    y_torch = twin(x_torch)
    np.testing.assert_allclose(to_array(y), to_array(y_torch), rtol=1e-12, atol=1e-12)
    delta = normal(tuple(y.shape), seed + 1)
    y_torch.backward(torch.tensor(delta))
    np.testing.assert_allclose(to_array(layer.backward(dl.asarray(delta))), to_array(x_torch.grad),
                               rtol=1e-12, atol=1e-12)
    assert repr(layer) == repr(twin)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(), ValueError, "either size or scale_factor should be defined"),
    (dict(size=4, scale_factor=2), ValueError, "only one of size or scale_factor should be defined"),
    (dict(scale_factor=2, align_corners=True), ValueError, "align_corners option can only be set with the "
                                                           "interpolating modes"),
    (dict(scale_factor=2, mode="bicubic"), NotImplementedError, "nearest | bilinear"),
    (dict(scale_factor=1.5), ValueError, "whole scale factors"),
    (dict(scale_factor=(2, 3, 4)), ValueError, "whole scale factors"),
    (dict(size=0), ValueError, "size must be at least 1"),
])
def test_bad_arguments_are_refused_with_torchs_message_where_torch_has_one(dl, kwargs, error, message):
    with pytest.raises(error, match=message):
        dl.Upsample(**kwargs)


def test_input_that_is_not_a_batch_of_images_is_refused_naming_the_layer(dl):
    with pytest.raises(dl.ShapeError, match=r"Upsample\(scale_factor=2.0, mode='nearest'\) expected input of shape "
                                            r"\(N, C, H, W\), got \(3, 4, 4\)"):
        dl.Upsample(scale_factor=2)(dl.asarray(np.zeros((3, 4, 4))))
    with pytest.raises(TypeError, match="floating-point"):
        dl.Upsample(scale_factor=2)(dl.asarray(np.zeros((1, 1, 2, 2), dtype=np.int64)))
