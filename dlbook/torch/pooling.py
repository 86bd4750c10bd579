"""Pooling layers of the torch backend: F.max_pool2d and F.avg_pool2d, backward through autograd.

Same arguments and errors as the NumPy reference and torch.nn; an independent implementation."""

import torch.nn.functional as F

from ..core.errors import check_floating, check_shape
from ..core.specs import PoolDescription
from ..core.windows import check_window_fits
from .module import Module


class _Pool2d(PoolDescription, Module):
    """Shared geometry: kernel_size, stride (default: kernel_size) and padding as torch keeps them."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self._set_window(kernel_size, stride, padding)

    def forward(self, x):
        check_shape(self, x, (None, None, None, None))
        check_window_fits(self, x, self._kernel, self._padding)
        check_floating(self, x)
        return self._keep(self.pool(self._track(x)))

    def pool(self, x):
        raise NotImplementedError


class MaxPool2d(_Pool2d):
    """y_ij = max of the window; the gradient goes to the window's first maximum.
    x: (N, C, H, W) -> y: (N, C, Ho, Wo); stride defaults to kernel_size."""

    def pool(self, x):
        return F.max_pool2d(x, self._kernel, self._stride, self._padding)


class AvgPool2d(_Pool2d):
    """y_ij = mean of the window, padding counted as zeros (count_include_pad=True, as torch).
    x: (N, C, H, W) -> y: (N, C, Ho, Wo); stride defaults to kernel_size."""

    def pool(self, x):
        return F.avg_pool2d(x, self._kernel, self._stride, self._padding, count_include_pad=True)
