"""Slopes f'(z) of elementwise activations, two ways, and where they saturate.

    slope = slope_from_backward(dl.Tanh(), z)               # f'(z) = backward(dy = 1)
    check = slope_from_finite_differences(dl.Tanh(), z)     # (f(z + h) - f(z - h)) / 2h
    flat = saturated(slope)                                  # |f'(z)| < 5% of its largest value

For an elementwise layer y = f(z), backward(dy) returns f'(z) * dy, so dy = 1 gives f'(z) itself.
Works with a layer of either backend (read off the layer); z and every result are NumPy arrays,
computed in float64. Imports no backend.
"""

import numpy as np

from .. import backend_of

SATURATION_FRACTION = 0.05       # saturated: the slope is below 5% of the activation's largest slope


def _as_float64(dl, z):
    return dl.asarray(np.asarray(z, dtype=np.float64), dtype="float64")


def slope_from_backward(layer, z):
    """f'(z) of an elementwise layer: its backward with dy = 1.
    z: a NumPy array; returns a float64 NumPy array of z's shape."""
    dl = backend_of(layer)
    layer(_as_float64(dl, z))              # forward keeps what backward needs
    dy = _as_float64(dl, np.ones(np.shape(z)))
    grad_in = layer.backward(dy)           # dL/dz = f'(z) * dy = f'(z)
    return np.asarray(dl.to_numpy(grad_in), dtype=np.float64)


def slope_from_finite_differences(layer, z, step=1e-6):
    """f'(z) ~ (f(z + h) - f(z - h)) / 2h elementwise, h = step, in float64 (no backward involved)."""
    dl = backend_of(layer)
    z = np.asarray(z, dtype=np.float64)
    with dl.no_grad():
        f_plus = np.asarray(dl.to_numpy(layer(_as_float64(dl, z + step))), dtype=np.float64)
        f_minus = np.asarray(dl.to_numpy(layer(_as_float64(dl, z - step))), dtype=np.float64)
    return (f_plus - f_minus) / (2 * step)


def saturated(slope, fraction=SATURATION_FRACTION, largest=None):
    """Boolean mask: |f'(z)| < fraction * largest, largest = max |f'| over `slope` unless given."""
    magnitude = np.abs(np.asarray(slope, dtype=np.float64))
    largest = magnitude.max() if largest is None else largest
    return magnitude < fraction * largest


def gradient_gain_through_sigmoid_layer(dl, weight_std, width=64, input_std=0.1, n_samples=256, seed=0):
    """||dL/dx|| / ||dL/da|| through one layer a = sigmoid(x W^T), W ~ N(0, weight_std^2) of shape
    (width, width), x ~ N(0, input_std^2) of shape (n_samples, width), dL/da ~ N(0, 1).

    backward gives dL/dx = (sigmoid'(z) * dL/da) W: the slope (at most 1/4) and the weights together
    decide whether the gradient shrinks or grows. Returns a float."""
    rng = np.random.default_rng(seed)
    layer, sigmoid = dl.Linear(width, width, bias=False), dl.Sigmoid()
    layer.load_state_dict({"weight": weight_std * rng.standard_normal((width, width))})
    x = dl.asarray(input_std * rng.standard_normal((n_samples, width)))
    sigmoid(layer(x))                                                  # forward keeps what backward needs
    grad_a = rng.standard_normal((n_samples, width))
    grad_x = dl.to_numpy(layer.backward(sigmoid.backward(dl.asarray(grad_a))))
    return float(np.linalg.norm(grad_x) / np.linalg.norm(grad_a))
