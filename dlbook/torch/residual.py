"""Residual blocks of the torch backend (He et al., 2016): y = x + F(x), backward by autograd."""

from ..core.errors import ShapeError, layer_name
from .module import Module


class Residual(Module):
    """A skip connection around `block` (a layer or a Sequential that keeps its input's shape):
    y = x + F(x), dL/dx = dL/dy + dL/dy dF/dx (autograd, through the block's graph).

    state_dict keys are 'block.' plus the block's own keys (e.g. block.0.weight)."""

    def __init__(self, block):
        super().__init__()
        self.block = block

    def forward(self, input):
        x = self._track(input)
        out = self.block(x)                                       # F(x)
        if tuple(out.shape) != tuple(x.shape):
            raise ShapeError(f"{self.short_repr()} expected its block to keep the input's shape "
                             f"{tuple(x.shape)}, got {tuple(out.shape)}")
        return self._keep(x + out)                                # y = x + F(x)

    def short_repr(self):
        return f"Residual({layer_name(self.block)})"
