"""Activations of the torch backend: y = f(x) with torch, backward through autograd."""

import torch
import torch.nn.functional as F

from ..core.errors import check_dim, check_floating
from ..core.specs import GELUSpec, LeakyReLUSpec, ReLUSpec, SoftmaxSpec
from .module import Module


class _Activation(Module):
    def forward(self, x):
        check_floating(self, x)
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


class ReLU(ReLUSpec, _Activation):
    """y = max(0, x)."""

    def function(self, x):
        return F.relu(x)


class LeakyReLU(LeakyReLUSpec, _Activation):
    """y = x for x > 0, negative_slope * x otherwise."""

    def function(self, x):
        return F.leaky_relu(x, self.negative_slope)


class GELU(GELUSpec, _Activation):
    """y = x Phi(x) (approximate='tanh': the tanh approximation)."""

    def function(self, x):
        return F.gelu(x, approximate=self.approximate)


class Softmax(SoftmaxSpec, _Activation):
    """y_i = exp(x_i) / sum_j exp(x_j) along `dim` (None: torch's legacy choice)."""

    def function(self, x):
        return F.softmax(x, dim=check_dim(self, x, self.softmax_dim(x.ndim)))
