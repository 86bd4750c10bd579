"""Forward-mode and reverse-mode differentiation, and the memory reverse mode pays for its speed.

    gradient, passes = forward_mode_gradient(f, [w1, w2, b])   # one pass per input, tangent e_j
    gradient, passes = reverse_mode_gradient(f, [w1, w2, b])   # one forward + one backward pass
    forward_cache_bytes(model, x)                              # bytes the layers keep for backward
    backward_signal_norms(dl, depth, width, gain)              # ||dL/da|| per layer: exploding for gain > 1

Forward mode carries, next to every value, its derivative along one input direction (a Dual number,
v + v' eps with eps^2 = 0), so the gradient of a scalar function of n inputs costs n passes. Reverse
mode (backpropagation, dlbook.autograd.Value) costs one forward and one backward pass for all n, but
must keep the forward pass's values until the backward pass has used them.
"""

import math

import numpy as np

from ..autograd import Value


class Dual:
    """A value and its tangent (the derivative along one input direction), carried forward together."""

    def __init__(self, value, tangent=0.0):
        self.value, self.tangent = float(value), float(tangent)

    @staticmethod
    def lift(other):
        return other if isinstance(other, Dual) else Dual(other)

    def __add__(self, other):
        other = Dual.lift(other)
        return Dual(self.value + other.value, self.tangent + other.tangent)         # (u + v)' = u' + v'

    __radd__ = __add__

    def __mul__(self, other):
        other = Dual.lift(other)
        return Dual(self.value * other.value,
                    self.tangent * other.value + self.value * other.tangent)       # (u v)' = u' v + u v'

    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-Dual.lift(other))

    def __rsub__(self, other):
        return Dual.lift(other) - self

    def __pow__(self, exponent):
        return Dual(self.value**exponent, exponent * self.value ** (exponent - 1) * self.tangent)

    def tanh(self):
        t = math.tanh(self.value)
        return Dual(t, (1 - t * t) * self.tangent)                                 # tanh' = 1 - tanh^2


def forward_mode_gradient(f, point):
    """The gradient of a scalar f(*inputs) at point by forward mode: pass j seeds input j's tangent with 1.
    Returns (gradient as a list of floats, number of passes = len(point))."""
    gradient = []
    for j in range(len(point)):
        inputs = [Dual(value, 1.0 if k == j else 0.0) for k, value in enumerate(point)]
        gradient.append(f(*inputs).tangent)
    return gradient, len(point)


def reverse_mode_gradient(f, point):
    """The same gradient by reverse mode (dlbook.autograd): one forward pass, then one backward pass.
    Returns (gradient as a list of floats, number of passes = 2)."""
    inputs = [Value(value) for value in point]
    f(*inputs).backward()
    return [value.grad for value in inputs], 2


def forward_cache_bytes(model, x):
    """Run model(x) and return the bytes its layers keep for backward: the NumPy arrays each layer
    holds as a public attribute after the forward pass (a NumPy-reference model; parameters are
    Parameters, not arrays, and are not counted)."""
    model(x)
    return sum(value.nbytes for layer in model for name, value in vars(layer).items()
               if isinstance(value, np.ndarray) and not name.startswith("_"))


def backward_signal_norms(dl, depth, width, gain, seed=0, batch_size=128):
    """||dL/da_{l-1}|| for l = 1..depth: the norm of the gradient arriving at each Linear layer's input, in
    a ReLU network (initialization.deep_mlp) whose He-initialized weights are all multiplied by gain,
    when a standard-normal dL/d(output) is passed back through it. Gain 1 (He) keeps the norm; each
    layer multiplies it by about gain otherwise. A float64 NumPy array (depth,), first layer first."""
    from .initialization import deep_mlp

    model = deep_mlp(dl, depth, width, "relu", "kaiming", seed)
    for layer in model:
        if isinstance(layer, dl.Linear):
            layer.load_state_dict({"weight": gain * dl.to_numpy(layer.weight.data),
                                   "bias": dl.to_numpy(layer.bias.data)})
    rng = np.random.default_rng((seed, 1))
    model(dl.asarray(rng.standard_normal((batch_size, width))))          # forward keeps what backward needs
    grad, norms = dl.asarray(rng.standard_normal((batch_size, width))), []
    for layer in reversed(list(model)):                                   # the backward pass, layer by layer
        grad = layer.backward(grad)
        if isinstance(layer, dl.Linear):
            norms.append(float(np.linalg.norm(dl.to_numpy(grad).astype(np.float64))))
    return np.array(norms[::-1])
