"""Initial weights, drawn from a NumPy Generator so that one seed gives the
same initial weights on both backends. Defaults follow torch.nn.init.

Each function returns a NumPy array of `shape`; the backends' `xavier_uniform`
etc. fill a Parameter or array in place from these.

Where randomness comes from (the rule of the whole package, both backends):

- `seed=<int>` (every layer that draws: Linear, Conv2d, the RNNs, Dropout, ...; every init function):
  a Generator of its own, `np.random.default_rng(seed)`: the same numbers whatever ran before.
- `seed=None`: a Generator spawned from dlbook's one global Generator, in the order the layers are
  built. `dlbook.manual_seed(s)` (also `dl.manual_seed`, as `torch.manual_seed`) re-seeds it, so a
  notebook that calls it once at the top builds the same weights and draws the same dropout masks on
  every run, and on both backends. Without it the global Generator starts from the OS's entropy: every
  run differs. `np.random.seed` and `torch.manual_seed` do not reach it (NumPy's legacy global state and
  torch's generator are not dlbook's); manual_seed also seeds torch's generator when torch is imported,
  for a notebook's own torch code.
"""

import math
import sys

import numpy as np

_global_generator = np.random.default_rng()


def manual_seed(seed):
    """Seed dlbook's global Generator, from which every layer and init function built with seed=None
    draws (weights, dropout masks), on both backends; and torch's generator, when torch is imported.
    Returns dlbook's Generator."""
    global _global_generator
    _global_generator = np.random.default_rng(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)
    return _global_generator

_LINEAR_FAMILY = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d", "sigmoid")


def generator(seed=None):
    """np.random.Generator for `seed`: an int (its own Generator), a Generator (passed through), or None
    (a Generator spawned from dlbook's global one: see manual_seed)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return _global_generator.spawn(1)[0]
    return np.random.default_rng(seed)


def fan_in_and_fan_out(shape):
    """(fan_in, fan_out) of a weight of `shape`, as torch: (out, in, *kernel)."""
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need a weight of at least 2 dimensions, got shape {tuple(shape)}")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity, as torch.nn.init.calculate_gain."""
    if nonlinearity in _LINEAR_FAMILY:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def uniform_array(shape, low, high, seed=None):
    """U(low, high) of `shape`, float64 (the backends cast to their dtype)."""
    return generator(seed).uniform(low, high, size=shape)


def normal_array(shape, mean, std, seed=None):
    """N(mean, std^2) of `shape`, float64."""
    return generator(seed).normal(mean, std, size=shape)


def xavier_uniform_array(shape, gain=1.0, seed=None):
    """U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))  (Glorot & Bengio, 2010)."""
    fan_in, fan_out = fan_in_and_fan_out(shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_array(shape, -bound, bound, seed)


def xavier_normal_array(shape, gain=1.0, seed=None):
    """N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(shape)
    return normal_array(shape, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), seed)


def kaiming_std(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He et al.'s standard deviation gain / sqrt(fan): the spread that keeps the variance of a layer's
    outputs equal to that of its inputs (fan = fan_in forward, fan_out backward)."""
    fan_in, fan_out = fan_in_and_fan_out(shape)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_array(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", seed=None):
    """U(-b, b), b = gain * sqrt(3 / fan)  (He et al., 2015)."""
    bound = math.sqrt(3.0) * kaiming_std(shape, a, mode, nonlinearity)
    return uniform_array(shape, -bound, bound, seed)


def kaiming_normal_array(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", seed=None):
    """N(0, std^2), std = gain / sqrt(fan)."""
    return normal_array(shape, 0.0, kaiming_std(shape, a, mode, nonlinearity), seed)


def default_weight_and_bias(weight_shape, bias_shape, seed=None):
    """torch.nn's default init of Linear and Conv layers, drawn from one generator:
    weight ~ kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)), bias ~ the same bound.
    bias_shape None: no bias drawn."""
    rng = generator(seed)
    weight = kaiming_uniform_array(weight_shape, a=math.sqrt(5), seed=rng)
    if bias_shape is None:
        return weight, None
    fan_in, _ = fan_in_and_fan_out(weight_shape)
    bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    return weight, uniform_array(bias_shape, -bound, bound, seed=rng)


def recurrent_parameter_names(num_layers=1, bias=True):
    """torch.nn.RNN/LSTM/GRU's parameter names, in torch's order: for each layer l,
    weight_ih_l{l}, weight_hh_l{l} (and bias_ih_l{l}, bias_hh_l{l})."""
    kinds = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if bias else ("weight_ih", "weight_hh")
    return [f"{kind}_l{layer}" for layer in range(num_layers) for kind in kinds]


def recurrent_parameters(input_size, hidden_size, num_layers=1, gates=1, bias=True, seed=None):
    """torch.nn.RNN/LSTM/GRU's parameters and default init, drawn from one generator in torch's order.

    gates: G = 1 (RNN), 4 (LSTM), 3 (GRU). Layer l: weight_ih_l{l} (G H, D) for l = 0, (G H, H) above,
    weight_hh_l{l} (G H, H), bias_ih_l{l} and bias_hh_l{l} (G H,); every one ~ U(-1/sqrt(H), 1/sqrt(H)).
    Returns a list of (name, float64 array)."""
    rng = generator(seed)
    bound = 1 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    shapes = {"weight_hh": (gates * hidden_size, hidden_size), "bias_ih": (gates * hidden_size,),
              "bias_hh": (gates * hidden_size,)}
    parameters = []
    for name in recurrent_parameter_names(num_layers, bias):
        kind, layer = name.rsplit("_l", 1)
        shape = shapes.get(kind) or (gates * hidden_size, input_size if layer == "0" else hidden_size)
        parameters.append((name, uniform_array(shape, -bound, bound, seed=rng)))
    return parameters
