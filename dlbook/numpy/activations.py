"""Activations of the NumPy reference: y = f(x) elementwise, backward dL/dx = f'(x) * dL/dy."""

import math

import numpy as np

from .module import Module

try:  # erf for the exact GELU; SciPy comes with scikit-learn
    from scipy.special import erf
except ImportError:  # pragma: no cover - fallback without SciPy
    erf = np.vectorize(math.erf, otypes=[float])


class Sigmoid(Module):
    """y = 1 / (1 + exp(-x));  dy/dx = y (1 - y)."""

    def forward(self, x):
        exp_neg_abs = np.exp(-np.abs(x))                       # never overflows
        self.y = np.where(x >= 0, 1 / (1 + exp_neg_abs), exp_neg_abs / (1 + exp_neg_abs)).astype(x.dtype)
        return self.y

    def backward(self, grad_out):
        return grad_out * self.y * (1 - self.y)                # f'(x) = y (1 - y)


class Tanh(Module):
    """y = tanh(x);  dy/dx = 1 - y^2."""

    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, grad_out):
        return grad_out * (1 - self.y * self.y)                # f'(x) = 1 - y^2


class ReLU(Module):
    """y = max(0, x);  dy/dx = 1 where x > 0, else 0 (also at 0, as torch)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        self.positive = x > 0
        return np.maximum(x, 0, dtype=x.dtype)

    def backward(self, grad_out):
        return grad_out * self.positive                        # f'(x) = [x > 0]

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """y = x for x > 0, negative_slope * x otherwise."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, x):
        self.positive = x > 0
        return np.where(self.positive, x, x * x.dtype.type(self.negative_slope))

    def backward(self, grad_out):                              # f'(x) = 1 or negative_slope
        return np.where(self.positive, grad_out, grad_out * grad_out.dtype.type(self.negative_slope))

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class GELU(Module):
    """y = x Phi(x), Phi the standard normal CDF; approximate='tanh' uses
    Phi(x) ~ (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2, as torch."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
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

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


def legacy_softmax_dim(ndim):
    """torch's choice when Softmax(dim=None): 0 for 0-, 1- and 3-D input, else 1."""
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """y_i = exp(x_i) / sum_j exp(x_j) along `dim`;  dL/dx = y * (dL/dy - sum(dL/dy * y))."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        self.axis = legacy_softmax_dim(x.ndim) if self.dim is None else self.dim
        shifted = x - x.max(axis=self.axis, keepdims=True)     # subtract the max: exp never overflows
        exp = np.exp(shifted)
        self.y = exp / exp.sum(axis=self.axis, keepdims=True)
        return self.y

    def backward(self, grad_out):
        y = self.y
        return y * (grad_out - (grad_out * y).sum(axis=self.axis, keepdims=True))

    def extra_repr(self):
        return f"dim={self.dim}"
