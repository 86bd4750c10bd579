"""The chapter's convolution sums agree with dlbook.numpy's Conv2d, forward and backward."""

import numpy as np
import pytest

import dlbook.numpy as reference
from dlbook.experiments import convolution_formulas as formulas


def layer_and_input(c_in, c_out, k, stride, padding, seed=0):
    layer = reference.Conv2d(c_in, c_out, k, stride=stride, padding=padding, seed=seed).double()
    x = np.random.default_rng(seed).standard_normal((2, c_in, 7, 6))
    return layer, x


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (1, 1), (2, 1), (3, 2)])
def test_the_formula_is_what_conv2d_computes(stride, padding):
    layer, x = layer_and_input(3, 4, 3, stride, padding)
    expected = layer(x)
    z = formulas.conv2d_by_formula(x, layer.weight.data, layer.bias.data, stride, padding)
    np.testing.assert_allclose(z, expected, atol=1e-12)


@pytest.mark.parametrize("padding", [0, 1])
def test_the_backward_correlations_are_what_conv2d_backward_computes(padding):
    layer, x = layer_and_input(3, 4, 3, 1, padding)
    z = layer(x)
    delta = np.random.default_rng(1).standard_normal(z.shape)
    layer.zero_grad()
    grad_x = layer.backward(delta)
    np.testing.assert_allclose(formulas.conv2d_weight_grad(x, delta, (3, 3), padding), layer.weight.grad, atol=1e-10)
    np.testing.assert_allclose(formulas.conv2d_input_grad(delta, layer.weight.data, padding), grad_x, atol=1e-10)
    np.testing.assert_allclose(delta.sum(axis=(0, 2, 3)), layer.bias.grad, atol=1e-10)


def test_mismatched_channels_are_refused():
    with pytest.raises(ValueError, match="C_in"):
        formulas.conv2d_by_formula(np.zeros((1, 2, 5, 5)), np.zeros((4, 3, 3, 3)))
