"""Residual blocks of the NumPy reference (He et al., 2016): y = x + F(x)."""

from ..core.specs import ResidualSpec
from .module import Module


class Residual(ResidualSpec, Module):
    """A skip connection around `block` (a layer or a Sequential that keeps its input's shape):

        y = x + F(x),    dL/dx = dL/dy + F.backward(dL/dy)

    The identity path hands dL/dy to x unchanged, which is why gradients reach the first layers of a
    deep residual network. The block is the child named 'block': state_dict keys are 'block.' plus the
    block's own keys (e.g. block.0.weight, block.0.bias for Residual(Sequential(Linear(8, 8), ReLU()))),
    so they load into any torch.nn.Module that keeps the same block as `self.block`.
    """

    def forward(self, input):
        out = self.block(input)                                   # F(x)
        self.check_block_output(input, out)
        return input + out                                        # y = x + F(x)

    def backward(self, grad_out):
        return grad_out + self.block.backward(grad_out)           # dL/dx = dL/dy + dL/dy dF/dx
