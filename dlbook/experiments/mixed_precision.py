"""Mixed precision, measured on the CPU: the rounding of 16-bit formats, the range of float16, loss scaling.

float16 keeps 10 bits of significand (unit roundoff 2^-11) and 5 of exponent (largest 65504, smallest
normal 2^-14, smallest subnormal 2^-24); bfloat16 keeps 7 (unit roundoff 2^-8) and float32's 8 of
exponent, so float32's range. NumPy has no bfloat16: `to_bfloat16` rounds float32 to the nearest
bfloat16 (ties to even) on the bits and returns it as float32, which is what bfloat16 storage does.
Mixed-precision training {cite:p}`micikevicius2018mixed` stores and multiplies in 16 bits but accumulates
sums and keeps the master weights in float32, and scales the loss so that small float16 gradients do not
flush to zero.
"""

import numpy as np

FORMATS = ("float32", "float16", "bfloat16")


def to_bfloat16(x):
    """x rounded to the nearest bfloat16 (ties to even), as a float32 array: the top 16 of float32's bits."""
    bits = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return rounded.astype(np.uint32).view(np.float32)


def round_to(x, fmt):
    """x stored in format fmt ('float32', 'float16' or 'bfloat16'), returned as float32."""
    x = np.asarray(x, dtype=np.float32)
    if fmt == "bfloat16":
        return to_bfloat16(x)
    with np.errstate(over="ignore"):                    # beyond 65504 float16 holds inf, as it should
        return x.astype(fmt).astype(np.float32)


def matmul_errors(n=256, seed=0):
    """{format: relative error of x @ w}, inputs of (n, n) stored in the format and multiplied with float32
    accumulation (as tensor cores do), against the float64 product; max |error| / max |exact|."""
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((2, n, n))
    exact = x @ w
    return {fmt: float(np.abs(round_to(x, fmt) @ round_to(w, fmt) - exact).max() / np.abs(exact).max())
            for fmt in FORMATS}


def running_sum(values, fmt):
    """The sum of values accumulated one by one, each partial sum stored in format fmt."""
    total = np.float32(0)
    for value in round_to(values, fmt):
        total = round_to(total + value, fmt)[()]
    return float(total)


def sum_errors(n=4096, seed=0):
    """{format: relative error of a running sum of n uniform [0, 1) values accumulated in that format}, against
    the float64 sum: a 16-bit accumulator stops growing once the sum's spacing exceeds the values added."""
    values = np.random.default_rng(seed).random(n)
    exact = values.sum()
    return {fmt: float(abs(running_sum(values, fmt) - exact) / exact) for fmt in FORMATS}


def gradient_like_values(n=100_000, low=-10.0, high=-2.0, seed=0):
    """n positive magnitudes spread evenly over 10^low .. 10^high, as gradients spread over many orders of
    magnitude {cite:p}`micikevicius2018mixed`, with random signs."""
    rng = np.random.default_rng(seed)
    return (10.0 ** rng.uniform(low, high, n) * rng.choice([-1.0, 1.0], n)).astype(np.float32)


def flushed_to_zero(values, fmt, scale=1.0):
    """The fraction of non-zero values that become 0 when (values * scale) is stored in fmt, and the fraction
    that overflow to inf; loss scaling multiplies the loss (so every gradient) by scale before the cast and
    divides it out in float32 afterwards."""
    stored = round_to(np.asarray(values, dtype=np.float32) * np.float32(scale), fmt)
    return {"zero": float(np.mean(stored == 0)), "inf": float(np.mean(np.isinf(stored)))}
