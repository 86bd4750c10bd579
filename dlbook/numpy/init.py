"""In-place initializers of the NumPy backend (as torch.nn.init), drawn by dlbook.core.init
from a NumPy Generator so one seed gives the same weights on both backends."""

from ..core import init
from .module import Parameter


def _fill(tensor, values):
    """Write `values` into a Parameter's data or into an array, in place; return tensor."""
    target = tensor.data if isinstance(tensor, Parameter) else tensor
    target[...] = values.astype(target.dtype)
    return tensor


def _shape(tensor):
    return tuple(tensor.shape)


def xavier_uniform(tensor, gain=1.0, *, seed=None):
    """U(-a, a), a = gain sqrt(6 / (fan_in + fan_out)). tensor: Parameter or array, filled in place."""
    return _fill(tensor, init.xavier_uniform_array(_shape(tensor), gain, seed))


def xavier_normal(tensor, gain=1.0, *, seed=None):
    """N(0, std^2), std = gain sqrt(2 / (fan_in + fan_out))."""
    return _fill(tensor, init.xavier_normal_array(_shape(tensor), gain, seed))


def kaiming_uniform(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", *, seed=None):
    """U(-b, b), b = gain sqrt(3 / fan)."""
    return _fill(tensor, init.kaiming_uniform_array(_shape(tensor), a, mode, nonlinearity, seed))


def kaiming_normal(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", *, seed=None):
    """N(0, std^2), std = gain / sqrt(fan)."""
    return _fill(tensor, init.kaiming_normal_array(_shape(tensor), a, mode, nonlinearity, seed))


def uniform(tensor, a=0.0, b=1.0, *, seed=None):
    return _fill(tensor, init.uniform_array(_shape(tensor), a, b, seed))


def normal(tensor, mean=0.0, std=1.0, *, seed=None):
    return _fill(tensor, init.normal_array(_shape(tensor), mean, std, seed))


def constant(tensor, val):
    target = tensor.data if isinstance(tensor, Parameter) else tensor
    target[...] = val
    return tensor


def zeros(tensor):
    return constant(tensor, 0.0)


def ones(tensor):
    return constant(tensor, 1.0)
