"""Sliding-window geometry shared by the spatial layers of both backends (Conv2d, MaxPool2d, AvgPool2d).

A window of kernel_size (kh, kw) slides over an input of (H, W) pixels padded by (ph, pw) on each
side, moving by stride (sh, sw); it fits Ho x Wo times:

    Ho = (H + 2 ph - kh) // sh + 1,    Wo = (W + 2 pw - kw) // sw + 1

Backend-agnostic (reads only `.shape`), so both backends give the same sizes and the same errors.
"""

from numbers import Integral
from typing import NamedTuple

from .errors import ShapeError, layer_name


class Window(NamedTuple):
    """A sliding window's geometry as (height, width) pairs: kernel_size, stride, padding."""

    kernel_size: tuple
    stride: tuple
    padding: tuple


def pair(value, name="kernel_size", minimum=1):
    """An int or a pair of ints -> (height, width), as torch.nn reads kernel_size, stride and padding.

    3 -> (3, 3); (3, 5) -> (3, 5). Each must be an int >= minimum."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(values) != 2 or not all(isinstance(v, Integral) and not isinstance(v, bool) for v in values):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if min(values) < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return tuple(int(v) for v in values)


def output_size(size, kernel_size, stride, padding):
    """(Ho, Wo): how many times a window fits along each axis of an input of `size` (H, W)."""
    return tuple((s + 2 * p - k) // st + 1 for s, k, st, p in zip(size, kernel_size, stride, padding))


def compact(value):
    """(3, 3) -> '3', (3, 5) -> '(3, 5)': how error messages show a pair."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    return str(values[0]) if values[0] == values[1] else str(tuple(values))


def check_pooling_padding(kernel_size, padding):
    """torch's rule for pooling: padding at most half the kernel (so no window is all padding)."""
    if any(p > k // 2 for k, p in zip(kernel_size, padding)):
        raise ValueError(f"pad should be at most half of effective kernel size, "
                         f"but got padding={compact(padding)} and kernel_size={compact(kernel_size)}")


def check_window_fits(layer, x, kernel_size, padding):
    """Raise ShapeError unless the kernel fits in the padded input x: (N, C, H, W), i.e. unless
    H + 2 ph >= kh and W + 2 pw >= kw."""
    height, width = x.shape[-2:]
    if height + 2 * padding[0] >= kernel_size[0] and width + 2 * padding[1] >= kernel_size[1]:
        return
    smallest = (max(kernel_size[0] - 2 * padding[0], 1), max(kernel_size[1] - 2 * padding[1], 1))
    raise ShapeError(
        f"{layer_name(layer)} expected input of at least {smallest[0]}x{smallest[1]} pixels (kernel "
        f"{kernel_size[0]}x{kernel_size[1]}, padding {compact(padding)}), got {tuple(x.shape)}"
    )
