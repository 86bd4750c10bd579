"""LayerNorm of the torch backend: torch.nn.functional.layer_norm, backward by autograd."""

import torch.nn.functional as F

from ..core.errors import check_finite, check_floating
from ..core.specs import LayerNormSpec
from .module import Module
from .tensor import is_finite


class LayerNorm(LayerNormSpec, Module):
    """y = gamma * (x - mu) / sqrt(var + eps) + beta over the last len(normalized_shape) axes (biased var),
    as torch.nn.LayerNorm."""

    def forward(self, x):
        self.check_input(x)
        check_floating(self, x, dtype=None if self.weight is None else self.weight.dtype)   # as torch
        check_finite(self, x, is_finite(x))
        return self._keep(F.layer_norm(self._track(x), self.normalized_shape, self.weight, self.bias, self.eps))
