"""In-place initializers of the torch backend, drawn by dlbook.core.init from a NumPy Generator, so one
seed gives the same weights as the NumPy backend (torch.nn.init's formulas and defaults)."""

import torch

from ..core import init


def _fill(tensor, values):
    with torch.no_grad():
        tensor.copy_(torch.as_tensor(values, dtype=tensor.dtype))
    return tensor


def xavier_uniform(tensor, gain=1.0, *, seed=None):
    """U(-a, a), a = gain sqrt(6 / (fan_in + fan_out)); filled in place."""
    return _fill(tensor, init.xavier_uniform_array(tuple(tensor.shape), gain, seed))


def xavier_normal(tensor, gain=1.0, *, seed=None):
    """N(0, std^2), std = gain sqrt(2 / (fan_in + fan_out))."""
    return _fill(tensor, init.xavier_normal_array(tuple(tensor.shape), gain, seed))


def kaiming_uniform(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", *, seed=None):
    """U(-b, b), b = gain sqrt(3 / fan)."""
    return _fill(tensor, init.kaiming_uniform_array(tuple(tensor.shape), a, mode, nonlinearity, seed))


def kaiming_normal(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", *, seed=None):
    """N(0, std^2), std = gain / sqrt(fan)."""
    return _fill(tensor, init.kaiming_normal_array(tuple(tensor.shape), a, mode, nonlinearity, seed))


def uniform(tensor, a=0.0, b=1.0, *, seed=None):
    return _fill(tensor, init.uniform_array(tuple(tensor.shape), a, b, seed))


def normal(tensor, mean=0.0, std=1.0, *, seed=None):
    return _fill(tensor, init.normal_array(tuple(tensor.shape), mean, std, seed))


def constant(tensor, val):
    with torch.no_grad():
        tensor.fill_(val)
    return tensor


def zeros(tensor):
    return constant(tensor, 0.0)


def ones(tensor):
    return constant(tensor, 1.0)
