"""Conv2d of the torch backend: F.conv2d, backward through autograd.

Same arguments, parameters, state_dict keys and errors as the NumPy reference and torch.nn.Conv2d;
an independent implementation (parity tests compare the two)."""

import torch.nn.functional as F

from ..core.errors import check_finite, check_floating, check_shape
from ..core.specs import Conv2dSpec
from ..core.windows import check_window_fits
from .module import Module
from .tensor import is_finite


class Conv2d(Conv2dSpec, Module):
    """2-D convolution y_ij = sum w x + b over each receptive field (cross-correlation, as torch).

    x: (N, C_in, H, W) -> y: (N, C_out, Ho, Wo), Ho = (H + 2 ph - kh) // sh + 1 (Wo alike)
    weight: (C_out, C_in, kh, kw), bias: (C_out,)  -- as torch.nn.Conv2d"""

    def forward(self, x):
        check_shape(self, x, (None, self.in_channels, None, None))
        check_window_fits(self, x, self.kernel_size, self.padding)
        check_floating(self, x, dtype=self.weight.dtype)
        check_finite(self, x, is_finite(x))
        return self._keep(F.conv2d(self._track(x), self.weight, self.bias, self.stride, self.padding))
