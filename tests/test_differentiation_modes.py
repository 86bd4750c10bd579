"""Forward mode against reverse mode, the bytes a forward pass keeps, and the backward signal's growth."""

import math

import numpy as np
import pytest

import dlbook.models
import dlbook.numpy as reference
from dlbook.experiments.differentiation_modes import (
    Dual,
    backward_signal_norms,
    forward_cache_bytes,
    forward_mode_gradient,
    reverse_mode_gradient,
)


def neuron_loss(w1, w2, b):
    return ((w1 * 2.0 + w2 * -1.0 + b).tanh() - 1.0) ** 2


def test_dual_numbers_carry_the_derivative_of_products_sums_powers_and_tanh():
    x = Dual(0.7, 1.0)
    result = (3.0 - x) * x + x**3 + x.tanh()
    expected = -2 * 0.7 + 3 + 3 * 0.7**2 + (1 - math.tanh(0.7) ** 2)
    assert result.value == pytest.approx((3 - 0.7) * 0.7 + 0.7**3 + math.tanh(0.7))
    assert result.tangent == pytest.approx(expected)


def test_forward_and_reverse_mode_agree_and_count_their_passes():
    point = [-0.5, 0.8, 0.3]
    forward, forward_passes = forward_mode_gradient(neuron_loss, point)
    reverse, reverse_passes = reverse_mode_gradient(neuron_loss, point)
    np.testing.assert_allclose(forward, reverse, rtol=1e-12)
    assert (forward_passes, reverse_passes) == (3, 2)


def test_the_forward_cache_grows_linearly_with_depth_and_batch():
    x = np.zeros((32, 16), dtype=np.float32)
    kept = [forward_cache_bytes(dlbook.models.mlp(reference, (16,) * (d + 1), "relu"), x) for d in (1, 2, 3)]
    assert kept[2] - kept[1] == kept[1] - kept[0] == 32 * 16 * (4 + 1)      # float32 input + bool mask
    doubled = forward_cache_bytes(dlbook.models.mlp(reference, (16,) * 3, "relu"), np.concatenate([x, x]))
    assert doubled == 2 * kept[1]


def test_the_backward_signal_grows_by_about_the_gain_per_layer(dl):
    for gain in (0.8, 1.5):
        norms = backward_signal_norms(dl, 12, 64, gain)
        assert abs((norms[0] / norms[-1]) ** (1 / 11) - gain) < 0.15, (gain, norms)
