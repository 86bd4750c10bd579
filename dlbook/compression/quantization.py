"""Affine post-training quantization: w ~ scale * (q - zero_point), q an integer of `bits` bits,
one (scale, zero_point) per tensor or per output channel."""

import numpy as np

from .pruning import prunable_names


def integer_range(bits):
    """(q_min, q_max) of a signed integer of `bits` bits: (-2^(b-1), 2^(b-1) - 1)."""
    if not isinstance(bits, (int, np.integer)) or not 2 <= bits <= 16:
        raise ValueError(f"bits must be an integer in [2, 16], got {bits!r}")
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def integer_dtype(bits):
    return np.int8 if bits <= 8 else np.int16


def quantize(w, bits=8, per_channel=False, axis=0):
    """Affine quantization: w ~ scale * (q - zero_point), q integers in [q_min, q_max] = [-2^(b-1), 2^(b-1) - 1].

    The range [min(w, 0), max(w, 0)] is mapped onto the 2^b integers:
        scale = (max - min) / (q_max - q_min),   zero_point = round(q_min - min / scale),
        q = clip(round(w / scale) + zero_point, q_min, q_max),
    so 0 is represented exactly (pruned weights stay zero) and |w - dequantize(q)| <= scale / 2.
    per_channel: one scale and zero point per slice along `axis` (per output neuron / filter for axis=0),
    kept with w's number of dimensions so that they broadcast; else one of each for the whole tensor.
    Returns (q: int8 for bits <= 8, else int16; scale: float32; zero_point: int32)."""
    w = np.asarray(w, dtype=np.float64)
    q_min, q_max = integer_range(bits)
    if per_channel:
        axis = axis % w.ndim
        reduce = tuple(i for i in range(w.ndim) if i != axis)
        low, high = w.min(axis=reduce, keepdims=True), w.max(axis=reduce, keepdims=True)
    else:
        low, high = np.asarray(w.min()), np.asarray(w.max())
    low, high = np.minimum(low, 0), np.maximum(high, 0)                  # the range holds 0
    scale = ((high - low) / (q_max - q_min)).astype(np.float32)          # step between two levels
    scale = np.where(scale > 0, scale, np.float32(1))                    # an all-zero channel: any scale
    scale64 = scale.astype(np.float64)
    zero_point = np.clip(np.round(q_min - low / scale64), q_min, q_max)  # the integer that stands for 0
    q = np.clip(np.round(w / scale64) + zero_point, q_min, q_max)
    return q.astype(integer_dtype(bits)), scale, zero_point.astype(np.int32)


def dequantize(q, scale, zero_point):
    """w_hat = scale * (q - zero_point), float32 (scale and zero_point broadcast against q)."""
    offset = np.asarray(q, dtype=np.float32) - np.asarray(zero_point, dtype=np.float32)    # q - zero_point
    return np.asarray(scale, dtype=np.float32) * offset


def quantized_state(state, bits=8, per_channel=True, axis=0):
    """The state a quantized model computes with: every prunable weight w replaced by
    dequantize(*quantize(w, bits, per_channel, axis)); biases kept in float32."""
    names = set(prunable_names(state))
    return {name: dequantize(*quantize(value, bits, per_channel, axis)) if name in names else value.copy()
            for name, value in state.items()}
