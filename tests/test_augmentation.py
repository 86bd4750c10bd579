"""dlbook.augmentation: properties for any batch hypothesis picks (shape and dtype kept, one batch per seed,
an exact copy at strength 0, pixel mass kept by shifts inside the frame), each transform in closed form,
and scipy.ndimage.rotate as the oracle of the rotation.

Tolerances: shifts and flips move numbers (exact); the rotation blends four neighbours in float64, as
scipy does (1e-12); noise statistics of n pixels: a few standard errors."""

import numpy as np
import pytest
import scipy.ndimage
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.augmentation import add_gaussian_noise, augment, horizontal_flip, rotate, shift
from dlbook.data import load_digits

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, database=None)

shapes = st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 9), st.integers(1, 9))
strengths = st.fixed_dictionaries(dict(max_shift=st.integers(0, 3), max_angle=st.floats(0, 30),
                                       noise=st.floats(0, 0.5), flip=st.booleans()))


def images(shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).random(shape).astype(dtype)


def framed(n=6, size=12, border=3, seed=0):
    """Random images that are zero within `border` pixels of the edge."""
    x = np.zeros((n, 1, size, size), np.float32)
    x[:, :, border:-border, border:-border] = images((n, 1, size - 2 * border, size - 2 * border), seed)
    return x


# ---------------------------------------------------------------- properties


@SETTINGS
@given(shape=shapes, strength=strengths, seed=st.integers(0, 2**16), dtype=st.sampled_from([np.float32, np.float64]))
def test_augment_keeps_the_shape_and_dtype_and_gives_one_batch_per_seed(shape, strength, seed, dtype):
    x = images(shape, seed, dtype)
    out = augment(x, **strength, seed=seed)
    assert out.shape == x.shape and out.dtype == dtype
    np.testing.assert_array_equal(out, augment(x, **strength, seed=seed))
    np.testing.assert_array_equal(x, images(shape, seed, dtype))                   # the input is left alone


@SETTINGS
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_augment_at_strength_zero_is_an_exact_copy(shape, seed):
    x = images(shape, seed)
    out = augment(x, max_shift=0, max_angle=0.0, noise=0.0, flip=False, seed=seed)
    np.testing.assert_array_equal(out, x)
    assert out is not x


@SETTINGS
@given(seed=st.integers(0, 2**16), max_shift=st.integers(1, 3))
def test_shifts_inside_the_frame_keep_every_pixel(seed, max_shift):
    x = framed(border=3, seed=seed)
    out = augment(x, max_shift=max_shift, seed=seed)
    np.testing.assert_allclose(out.sum(axis=(1, 2, 3)), x.sum(axis=(1, 2, 3)), rtol=1e-6)
    np.testing.assert_array_equal(np.sort(out.ravel()), np.sort(x.ravel()))        # the same numbers, moved


def test_different_seeds_give_different_batches():
    x = images((8, 1, 8, 8))
    assert not np.array_equal(augment(x, max_shift=2, max_angle=10, noise=0.1, seed=0),
                              augment(x, max_shift=2, max_angle=10, noise=0.1, seed=1))


def test_small_rotations_keep_the_pixel_mass_of_a_centred_digit_roughly():
    digits = load_digits()[0][:50].reshape(-1, 1, 8, 8)
    padded = np.pad(digits, ((0, 0), (0, 0), (2, 2), (2, 2)))                     # room to turn in
    out = augment(padded, max_angle=15, seed=0)
    np.testing.assert_allclose(out.sum(axis=(1, 2, 3)), padded.sum(axis=(1, 2, 3)), rtol=0.05)


# ---------------------------------------------------------------- each transform


def test_shift_moves_content_down_and_right_with_zero_fill():
    x = np.arange(1, 13, dtype=np.float32).reshape(1, 1, 3, 4)
    out = shift(x, 1, -2)
    np.testing.assert_array_equal(out[0, 0], [[0, 0, 0, 0], [3, 4, 0, 0], [7, 8, 0, 0]])
    np.testing.assert_array_equal(shift(x, 0, 0), x)
    np.testing.assert_array_equal(shift(x, 5, 0), np.zeros_like(x))                 # off the frame


def test_shift_takes_one_offset_per_image_and_undoes_itself_inside_the_frame():
    x = framed(n=4, border=3)
    dy, dx = np.array([1, -2, 3, 0]), np.array([0, 2, -3, 1])
    for index in range(4):
        expected = np.roll(x[index], (dy[index], dx[index]), axis=(1, 2))           # nothing wraps: zero border
        np.testing.assert_array_equal(shift(x, dy, dx)[index], expected)
    np.testing.assert_array_equal(shift(shift(x, dy, dx), -dy, -dx), x)


@pytest.mark.parametrize("angle", [7.5, -12.0, 30.0, 90.0])
def test_rotate_equals_scipy_ndimage_rotate_bilinear_with_zeros_outside(angle):
    x = images((2, 3, 7, 9), dtype=np.float64)
    expected = np.stack([np.stack([scipy.ndimage.rotate(channel, angle, reshape=False, order=1, mode="grid-constant")
                                   for channel in image]) for image in x])
    np.testing.assert_allclose(rotate(x, angle), expected, rtol=1e-12, atol=1e-12)


def test_a_quarter_turn_of_a_square_image_is_rot90_and_zero_degrees_is_the_identity():
    x = images((2, 1, 6, 6), dtype=np.float64)
    np.testing.assert_allclose(rotate(x, 90.0), np.rot90(x, axes=(2, 3)), atol=1e-12)
    np.testing.assert_array_equal(rotate(x, 0.0), x)


def test_rotate_takes_one_angle_per_image():
    x = images((2, 1, 5, 5), dtype=np.float64)
    out = rotate(x, np.array([0.0, 90.0]))
    np.testing.assert_array_equal(out[0], x[0])
    np.testing.assert_allclose(out[1], np.rot90(x[1], axes=(1, 2)), atol=1e-12)


def test_horizontal_flip_mirrors_only_the_flagged_images_and_twice_is_the_identity():
    x = images((3, 2, 4, 5))
    out = horizontal_flip(x, np.array([True, False, True]))
    np.testing.assert_array_equal(out[0], x[0, :, :, ::-1])
    np.testing.assert_array_equal(out[1], x[1])
    np.testing.assert_array_equal(horizontal_flip(horizontal_flip(x)), x)


def test_gaussian_noise_has_mean_zero_and_the_given_std():
    x = np.zeros((10, 1, 50, 50), np.float32)
    noise = add_gaussian_noise(x, 0.2, seed=0)
    assert abs(noise.mean()) < 0.005 and noise.std() == pytest.approx(0.2, rel=0.02)   # 25,000 pixels


@pytest.mark.parametrize("kwargs", [dict(max_shift=-1), dict(max_shift=1.5), dict(max_angle=-5.0), dict(noise=-0.1),
                                    dict(p=-0.1), dict(p=1.5)])
def test_bad_strengths_are_refused(kwargs):
    with pytest.raises(ValueError):
        augment(images((1, 1, 4, 4)), **kwargs)


def test_images_that_are_not_a_batch_of_n_c_h_w_are_refused():
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        augment(np.zeros((8, 8)))


def test_augment_with_p_changes_about_that_share_of_the_images_and_keeps_the_others_exactly():
    x = images((2000, 1, 8, 8), seed=1)
    out = augment(x, noise=0.1, p=0.3, seed=0)
    changed = (out != x).any(axis=(1, 2, 3))
    assert abs(changed.mean() - 0.3) < 0.04                                    # 2000 draws: 4 standard errors
    np.testing.assert_array_equal(out[~changed], x[~changed])


def test_augment_with_p_1_is_the_plain_augment_and_p_0_an_exact_copy():
    x = images((5, 1, 8, 8))
    np.testing.assert_array_equal(augment(x, max_shift=1, max_angle=10.0, p=1.0, seed=3),
                                  augment(x, max_shift=1, max_angle=10.0, seed=3))
    np.testing.assert_array_equal(augment(x, max_shift=1, max_angle=10.0, p=0.0, seed=3), x)
