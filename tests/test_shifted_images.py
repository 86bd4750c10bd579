"""shift_images and the accuracy of a model on shifted images."""

import numpy as np
import pytest

import dlbook
from dlbook.experiments.shifted_images import ONE_PIXEL_SHIFTS, accuracy_under_shifts, mean_accuracy_drop, shift_images

IMAGES = np.arange(2 * 1 * 4 * 5, dtype=np.float32).reshape(2, 1, 4, 5) + 1     # no zero pixel


def test_a_shift_right_moves_every_column_one_to_the_right_and_fills_zeros():
    shifted = shift_images(IMAGES, 1, 0)
    np.testing.assert_array_equal(shifted[..., 1:], IMAGES[..., :-1])
    assert (shifted[..., 0] == 0).all()


def test_a_shift_up_moves_every_row_one_up_and_fills_zeros():
    shifted = shift_images(IMAGES, 0, -1)
    np.testing.assert_array_equal(shifted[..., :-1, :], IMAGES[..., 1:, :])
    assert (shifted[..., -1, :] == 0).all()


@pytest.mark.parametrize("dx, dy", [(2, -1), (-3, 2), (0, 0), (1, 1)])
def test_shifting_back_recovers_the_pixels_that_stayed_inside(dx, dy):
    round_trip = shift_images(shift_images(IMAGES, dx, dy), -dx, -dy)
    kept = shift_images(shift_images(np.ones_like(IMAGES), dx, dy), -dx, -dy) == 1
    np.testing.assert_array_equal(round_trip[kept], IMAGES[kept])
    assert (round_trip[~kept] == 0).all() and kept.sum() == 2 * (4 - abs(dy)) * (5 - abs(dx))   # 2 images


def test_shape_and_dtype_are_kept_for_a_single_image_and_a_batch():
    assert shift_images(IMAGES[0, 0], 1, 1).shape == (4, 5)
    shifted = shift_images(IMAGES, -1, 1)
    assert shifted.shape == IMAGES.shape and shifted.dtype == IMAGES.dtype


def test_a_shift_as_large_as_the_image_leaves_nothing():
    assert not shift_images(IMAGES, 5, 0).any() and not shift_images(IMAGES, 0, -4).any()


def test_fractional_shifts_and_non_images_are_refused():
    with pytest.raises(TypeError, match="whole number"):
        shift_images(IMAGES, 0.5, 0)
    with pytest.raises(ValueError, match=r"\(\.\.\., H, W\)"):
        shift_images(np.ones(5), 1, 0)


def _one_dot_images():
    """Class 1: one bright pixel somewhere in the 2x2 centre of a 4x4 image; class 0: a blank image."""
    X = np.zeros((8, 1, 4, 4), dtype=np.float32)
    for k, (i, j) in enumerate([(1, 1), (1, 2), (2, 1), (2, 2)]):
        X[k, 0, i, j] = 1
    return X, np.array([1, 1, 1, 1, 0, 0, 0, 0])


def _linear_model(dl, pixel_weights):
    """Flatten + Linear(16, 2): class 1 when sum of pixel_weights * x > 0.5."""
    model = dl.Sequential(dl.Flatten(), dl.Linear(16, 2))
    weight = np.zeros((2, 16), dtype=np.float32)
    weight[1] = np.asarray(pixel_weights, dtype=np.float32).ravel()
    model.load_state_dict({"1.weight": weight, "1.bias": np.array([0.5, 0], dtype=np.float32)})
    return model


@pytest.mark.parametrize("backend", dlbook.BACKENDS)
def test_a_model_that_sums_all_pixels_keeps_its_accuracy_under_one_pixel_shifts(backend):
    X, y = _one_dot_images()
    accuracies = accuracy_under_shifts(_linear_model(dlbook.load(backend), np.ones(16)), X, y)
    assert set(accuracies) == {"unshifted", *ONE_PIXEL_SHIFTS}
    assert all(value == 1.0 for value in accuracies.values())
    assert mean_accuracy_drop(accuracies) == 0


def test_a_model_that_looks_at_fixed_pixels_loses_accuracy_under_shifts():
    centre = np.zeros((4, 4))
    centre[1:3, 1:3] = 1
    X, y = _one_dot_images()
    accuracies = accuracy_under_shifts(_linear_model(dlbook.load("numpy"), centre), X, y)
    assert accuracies["unshifted"] == 1.0
    assert all(accuracies[name] == 0.75 for name in ONE_PIXEL_SHIFTS)   # half the dots leave the centre
    assert mean_accuracy_drop(accuracies) == pytest.approx(0.25)


def test_shifts_figure_shows_the_image_and_each_shifted_copy():
    from dlbook.experiments.shifted_images import shifts_figure

    figure = shifts_figure(IMAGES[0, 0])
    images = [image for axes in figure.axes for image in axes.get_images()]
    assert len(images) == 1 + len(ONE_PIXEL_SHIFTS)
    np.testing.assert_array_equal(images[1].get_array(), shift_images(IMAGES[0, 0], 1, 0))   # "right"


def test_shift_accuracy_figure_draws_one_bar_per_model_and_shift_in_percent():
    from dlbook.experiments.shifted_images import shift_accuracy_figure

    accuracies = {"unshifted": 0.9, "right": 0.5, "left": 0.6, "down": 0.7, "up": 0.8}
    figure = shift_accuracy_figure({"CNN": accuracies, "MLP": {k: v / 2 for k, v in accuracies.items()}})
    axes = figure.axes[0]
    heights = sorted(round(patch.get_height(), 6) for patch in axes.patches)
    assert len(heights) == 10 and heights[-1] == 90 and heights[0] == 25
    assert axes.get_xlabel() and axes.get_ylabel() == "accuracy (%)"
