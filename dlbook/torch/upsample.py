"""Upsample of the torch backend: F.interpolate, backward through autograd.

Same arguments, errors and repr as the NumPy reference and torch.nn.Upsample; an independent
implementation (parity tests compare the two)."""

import torch.nn.functional as F

from ..core.errors import check_finite, check_floating, check_shape
from ..core.specs import UpsampleSpec
from .module import Module
from .tensor import is_finite


class Upsample(UpsampleSpec, Module):
    """Nearest-neighbour or bilinear upsampling of images, as torch.nn.Upsample.

    x: (N, C, H, W) -> y: (N, C, Ho, Wo), (Ho, Wo) = size, or (H sh, W sw)"""

    def forward(self, x):
        check_shape(self, x, (None, None, None, None))
        check_floating(self, x)
        check_finite(self, x, is_finite(x))
        scale_factor = None if self.scale_pair is None else tuple(float(s) for s in self.scale_pair)
        return self._keep(F.interpolate(self._track(x), self.output_pair, scale_factor, self.mode,
                                        self.align_corners))
