"""Residual blocks of the torch backend (He et al., 2016): y = x + F(x), backward by autograd."""

from ..core.specs import ResidualSpec
from .module import Module


class Residual(ResidualSpec, Module):
    """A skip connection around `block` (a layer or a Sequential that keeps its input's shape):
    y = x + F(x), dL/dx = dL/dy + dL/dy dF/dx (autograd, through the block's graph).

    state_dict keys are 'block.' plus the block's own keys (e.g. block.0.weight)."""

    def forward(self, input):
        x = self._track(input)
        out = self.block(x)                                       # F(x)
        self.check_block_output(x, out)
        return self._keep(x + out)                                # y = x + F(x)
