"""Activations of the torch backend: y = f(x) with torch, backward through autograd."""

import torch
import torch.nn.functional as F

from .module import Module


class _Activation(Module):
    def forward(self, x):
        return self._keep(self.function(self._track(x)))

    def function(self, x):
        raise NotImplementedError


class Sigmoid(_Activation):
    """y = 1 / (1 + exp(-x))."""

    def function(self, x):
        return torch.sigmoid(x)


class Tanh(_Activation):
    """y = tanh(x)."""

    def function(self, x):
        return torch.tanh(x)


class ReLU(_Activation):
    """y = max(0, x)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def function(self, x):
        return F.relu(x)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(_Activation):
    """y = x for x > 0, negative_slope * x otherwise."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def function(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class GELU(_Activation):
    """y = x Phi(x) (approximate='tanh': the tanh approximation)."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def function(self, x):
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softmax(_Activation):
    """y_i = exp(x_i) / sum_j exp(x_j) along `dim` (None: torch's legacy choice)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def function(self, x):
        dim = self.dim if self.dim is not None else (0 if x.ndim in (0, 1, 3) else 1)
        return F.softmax(x, dim=dim)

    def extra_repr(self):
        return f"dim={self.dim}"
