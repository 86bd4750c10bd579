"""dlbook.experiments.mixed_precision: bfloat16 by rounding float32's bits, and the errors and range the
GPUs chapter measures."""

import numpy as np
import pytest

from dlbook.experiments import mixed_precision as mp


def test_bfloat16_keeps_eight_significant_bits_and_rounds_ties_to_even():
    values = np.float32([1.0, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -7, -2.5])
    np.testing.assert_array_equal(mp.to_bfloat16(values), np.float32([1.0, 1.0, 1 + 2 ** -6, 1 + 2 ** -7, -2.5]))


def test_bfloat16_keeps_float32_range_where_float16_overflows_and_underflows():
    assert mp.round_to(np.float32(1e30), "bfloat16") == pytest.approx(1e30, rel=2 ** -8)
    assert np.isinf(mp.round_to(np.float32(1e30), "float16"))
    assert mp.round_to(np.float32(1e-9), "float16") == 0 and mp.round_to(np.float32(1e-9), "bfloat16") != 0


def test_sixteen_bit_products_err_more_than_float32_and_bfloat16_most():
    errors = mp.matmul_errors(n=64)
    assert errors["float32"] < errors["float16"] < errors["bfloat16"] < 1e-2


def test_a_running_sum_kept_in_bfloat16_stalls():
    errors = mp.sum_errors(n=2048)
    assert errors["float32"] < 1e-5 and errors["bfloat16"] > 0.5


def test_loss_scaling_rescues_float16_gradients_and_too_large_a_scale_overflows():
    values = mp.gradient_like_values(n=10_000)
    assert mp.flushed_to_zero(values, "float16")["zero"] > 0.2
    assert mp.flushed_to_zero(values, "float16", scale=2 ** 16) == {"zero": 0.0, "inf": 0.0}
    assert mp.flushed_to_zero(values, "float16", scale=2 ** 24)["inf"] > 0
