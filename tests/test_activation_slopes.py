"""Slopes of activations: backward with dy = 1 against finite differences, on both backends."""

import numpy as np
import pytest

from dlbook.experiments.activation_slopes import saturated, slope_from_backward, slope_from_finite_differences

Z = np.linspace(-5, 5, 101) + 0.05             # off the kinks of ReLU and leaky ReLU at 0
ACTIVATIONS = ["Sigmoid", "Tanh", "ReLU", "LeakyReLU", "GELU"]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_backward_with_dy_one_matches_finite_differences(dl, name):
    layer = getattr(dl, name)()
    error = np.abs(slope_from_backward(layer, Z) - slope_from_finite_differences(layer, Z)).max()
    assert error < 1e-7, error            # float64: central differences are good to ~1e-9 here


def test_slopes_come_back_as_float64_numpy_arrays_of_the_input_shape(dl):
    z = np.zeros((3, 4), dtype=np.float32)
    for slope in (slope_from_backward(dl.Tanh(), z), slope_from_finite_differences(dl.Tanh(), z)):
        assert isinstance(slope, np.ndarray) and slope.dtype == np.float64 and slope.shape == (3, 4)
        np.testing.assert_allclose(slope, 1.0, atol=1e-9)          # tanh'(0) = 1


def test_saturated_marks_slopes_below_a_fraction_of_the_largest():
    np.testing.assert_array_equal(saturated([1.0, 0.5, 0.04, -0.01, -1.0]), [False, False, True, True, False])
    np.testing.assert_array_equal(saturated([0.2, 0.04], fraction=0.5, largest=0.1), [False, True])


def test_a_sigmoid_layer_shrinks_or_grows_the_gradient_as_its_weights_decide(dl):
    from dlbook.experiments.activation_slopes import gradient_gain_through_sigmoid_layer

    small, large = (gradient_gain_through_sigmoid_layer(dl, std) for std in (1 / np.sqrt(3 * 64), 1.0))
    assert small < 0.25 < 1 < large, (small, large)      # slope <= 1/4; sqrt(64) / 4 = 2 with unit weights
