"""Pooling layers of the torch backend: F.max_pool2d and F.avg_pool2d, backward through autograd.

Same arguments and errors as the NumPy reference and torch.nn; an independent implementation."""

import torch.nn.functional as F

from ..core.errors import check_floating, check_shape
from ..core.specs import MaxPool2dSpec, Pool2dSpec
from ..core.windows import check_window_fits
from .module import Module


class _Pool2d(Module):
    """The checks both poolings make; the arguments and window geometry are Pool2dSpec's."""

    def forward(self, x):
        check_shape(self, x, (None, None, None, None))
        check_window_fits(self, x, self.window.kernel_size, self.window.padding)
        check_floating(self, x)
        return self._keep(self.pool(self._track(x)))

    def pool(self, x):
        raise NotImplementedError


class MaxPool2d(MaxPool2dSpec, _Pool2d):
    """y_ij = max of the window; the gradient goes to the window's first maximum.
    x: (N, C, H, W) -> y: (N, C, Ho, Wo); stride defaults to kernel_size."""

    def pool(self, x):
        return F.max_pool2d(x, *self.window)


class AvgPool2d(Pool2dSpec, _Pool2d):
    """y_ij = mean of the window, padding counted as zeros (count_include_pad=True, as torch).
    x: (N, C, H, W) -> y: (N, C, Ho, Wo); stride defaults to kernel_size."""

    def pool(self, x):
        return F.avg_pool2d(x, *self.window, count_include_pad=True)
