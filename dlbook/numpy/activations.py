"""Activations of the NumPy reference: y = f(x) elementwise, backward dL/dx = f'(x) * dL/dy."""

import math

import numpy as np

from ..core.errors import check_dim, check_floating
from ..core.specs import GELUSpec, LeakyReLUSpec, ReLUSpec, SoftmaxSpec
from .module import Module

try:  # erf for the exact GELU; SciPy comes with scikit-learn
    from scipy.special import erf
except ImportError:  # pragma: no cover - fallback without SciPy
    erf = np.vectorize(math.erf, otypes=[float])


class Sigmoid(Module):
    """y = 1 / (1 + exp(-x));  dy/dx = y (1 - y)."""

    def forward(self, x):
        check_floating(self, x)
        exp_neg_abs = np.exp(-np.abs(x))                       # never overflows
        self.y = np.where(x >= 0, 1 / (1 + exp_neg_abs), exp_neg_abs / (1 + exp_neg_abs)).astype(x.dtype)
        return self.y

    def backward(self, grad_out):
        return grad_out * self.y * (1 - self.y)                # f'(x) = y (1 - y)


class Tanh(Module):
    """y = tanh(x);  dy/dx = 1 - y^2."""

    def forward(self, x):
        check_floating(self, x)
        self.y = np.tanh(x)
        return self.y

    def backward(self, grad_out):
        return grad_out * (1 - self.y * self.y)                # f'(x) = 1 - y^2


class ReLU(ReLUSpec, Module):
    """y = max(0, x);  dy/dx = 1 where x > 0, else 0 (also at 0, as torch; 1 at NaN, as torch)."""

    def forward(self, x):
        check_floating(self, x)
        self.positive = ~(x <= 0)
        return np.maximum(x, 0, dtype=x.dtype)

    def backward(self, grad_out):
        return grad_out * self.positive                        # f'(x) = [x > 0]


class LeakyReLU(LeakyReLUSpec, Module):
    """y = x for x > 0, negative_slope * x otherwise."""

    def forward(self, x):
        check_floating(self, x)
        self.positive = x > 0
        return np.where(self.positive, x, x * x.dtype.type(self.negative_slope))

    def backward(self, grad_out):                              # f'(x) = 1 or negative_slope
        return np.where(self.positive, grad_out, grad_out * grad_out.dtype.type(self.negative_slope))


class GELU(GELUSpec, Module):
    """y = x Phi(x), Phi the standard normal CDF; approximate='tanh' uses
    Phi(x) ~ (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2, as torch."""

    def forward(self, x):
        check_floating(self, x)
        self.x = x
        if self.approximate == "tanh":
            self.inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)
            self.tanh_inner = np.tanh(self.inner)
            return (0.5 * x * (1 + self.tanh_inner)).astype(x.dtype)
        self.cdf = (0.5 * (1 + erf(x / math.sqrt(2)))).astype(x.dtype)        # Phi(x)
        return x * self.cdf

    def backward(self, grad_out):
        x = self.x
        if self.approximate == "tanh":
            d_inner = math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * x**2)
            slope = 0.5 * (1 + self.tanh_inner) + 0.5 * x * (1 - self.tanh_inner**2) * d_inner
        else:
            pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)              # phi(x)
            slope = self.cdf + x * pdf                                        # f'(x) = Phi(x) + x phi(x)
        return (grad_out * slope).astype(grad_out.dtype)


class Softmax(SoftmaxSpec, Module):
    """y_i = exp(x_i) / sum_j exp(x_j) along `dim`;  dL/dx = y * (dL/dy - sum(dL/dy * y))."""

    def forward(self, x):
        check_floating(self, x)
        self.axis = check_dim(self, x, self.softmax_dim(x.ndim))
        shifted = x - x.max(axis=self.axis, keepdims=True, initial=-np.inf)   # subtract the max: exp never overflows
        exp = np.exp(shifted)
        self.y = exp / exp.sum(axis=self.axis, keepdims=True)
        return self.y

    def backward(self, grad_out):
        y = self.y
        return y * (grad_out - (grad_out * y).sum(axis=self.axis, keepdims=True))
