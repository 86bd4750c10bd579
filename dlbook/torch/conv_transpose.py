"""ConvTranspose2d of the torch backend: F.conv_transpose2d, backward through autograd.

Same arguments, parameters, state_dict keys and errors as the NumPy reference and torch.nn.ConvTranspose2d;
an independent implementation (parity tests compare the two)."""

import torch.nn.functional as F

from ..core.errors import check_finite, check_floating, check_shape
from ..core.specs import ConvTranspose2dSpec
from .module import Module
from .tensor import is_finite


class ConvTranspose2d(ConvTranspose2dSpec, Module):
    """Transposed 2-D convolution y[o, i sh + u - ph, j sw + v - pw] += sum_c x[c, i, j] w[c, o, u, v] (+ b[o]).

    x: (N, C_in, H, W) -> y: (N, C_out, Ho, Wo), Ho = (H - 1) sh - 2 ph + kh + oph (Wo alike)
    weight: (C_in, C_out, kh, kw), bias: (C_out,)  -- as torch.nn.ConvTranspose2d"""

    def forward(self, x):
        check_shape(self, x, (None, self.in_channels, None, None))
        check_floating(self, x, dtype=self.weight.dtype)              # its parameters' dtype, as torch
        check_finite(self, x, is_finite(x))
        self.output_size(x)                                          # too small an output: our error first
        return self._keep(F.conv_transpose2d(self._track(x), self.weight, self.bias, self.stride, self.padding,
                                             self.output_padding))
