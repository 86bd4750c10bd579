"""Gradients through depth: how large dL/dW is in each layer of a deep MLP, on either backend.

    norms = gradient_norms_by_layer(dl, depth=20, width=64, activation="sigmoid", init="xavier", seed=0)
    norms[0] / norms[-1]           # first layer vs last: ~1e-13 for sigmoid, ~0.6 for ReLU + kaiming

Backpropagation multiplies the error signal by one layer's local derivatives per layer,
delta_l = f'(z_l) * (delta_{l+1} W_{l+1}), so its size changes geometrically with depth: it
vanishes when every factor is below one (sigmoid: f' <= 1/4) and keeps its size when the
activation and the initial weights balance (ReLU with He/kaiming init, Var(W) = 2 / fan_in).
The forward pass has the same geometry: activation_variances_by_layer measures Var(z_l) of every
layer's pre-activations, which collapses or explodes geometrically unless the initial weights keep it.
Written against the shared API: `dl` is dlbook.numpy or dlbook.torch.
"""

import numpy as np

from ..models import mlp

INITS = {"default": None, "xavier": "xavier", "kaiming": "kaiming", "naive_small": 0.01, "naive_large": 1.0}
"""The initial weights compared, by name -> `init` of dlbook.models.linear (a number: W ~ N(0, std^2))."""


def deep_mlp(dl, depth, width, activation="relu", init="kaiming", seed=0):
    """The network of this experiment: `depth` Linear(width, width) layers with `activation` between them
    (none after the last), dlbook.models.mlp(dl, (width,) * (depth + 1), activation, init=INITS[init]).
    x: (N, width) -> (N, width). init: 'default' (torch.nn's U(-1/sqrt(fan_in), 1/sqrt(fan_in))), 'xavier'
    (Glorot normal, Var(W) = 2 / (fan_in + fan_out)), 'kaiming' (He normal for ReLU, Var(W) = 2 / fan_in),
    or 'naive_small' / 'naive_large' (N(0, 0.01^2) / N(0, 1), blind to the layer's size); all but 'default'
    zero the biases. Layer i draws from seed + i: the same weights on both backends (so seeds closer than
    `depth` share weight matrices: space them by more than depth for independent networks)."""
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose one of {tuple(INITS)}")
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    return mlp(dl, (width,) * (depth + 1), activation, init=INITS[init], seed=seed)


def gradient_norms_by_layer(dl, depth, width, activation, init, seed=0, batch_size=128):
    """||dL/dW_l|| (Frobenius) for l = 1..depth of deep_mlp(dl, depth, width, activation, init, seed),
    after one backward pass of the mean squared error between its output on a standard-normal batch
    x: (batch_size, width) and standard-normal targets. Returns a float64 NumPy array (depth,),
    first layer first."""
    model = deep_mlp(dl, depth, width, activation, init, seed)
    rng = np.random.default_rng((seed, 1))             # apart from the layers' seeds seed + i
    x = dl.asarray(rng.standard_normal((batch_size, width)))
    target = dl.asarray(rng.standard_normal((batch_size, width)))
    loss_fn = dl.MSELoss()
    loss_fn(model(x), target)                                   # forward: keeps what backward needs
    model.zero_grad()
    model.backward(loss_fn.backward())                          # delta flows from the last layer to the first
    linears = [layer for layer in model if isinstance(layer, dl.Linear)]
    return np.array([np.linalg.norm(dl.to_numpy(layer.weight.grad).astype(np.float64)) for layer in linears])


def pre_activations_by_layer(dl, depth, width, activation, init, seed=0, batch_size=256):
    """[z_1, ..., z_depth]: every Linear layer's output z_l = a_{l-1} W_l^T + b_l (a_0 = x, a_l = f(z_l))
    in deep_mlp(dl, depth, width, activation, init, seed), for a standard-normal batch x: (batch_size, width)
    that depends on seed only (so a shallower network's z_l are the first ones of a deeper network's).
    A list of float64 NumPy arrays (batch_size, width), first layer first."""
    model = deep_mlp(dl, depth, width, activation, init, seed)
    x = np.random.default_rng((seed, 1)).standard_normal((batch_size, width))   # apart from the layers' seed + i
    signal, pre_activations = dl.asarray(x), []
    with dl.no_grad():
        for layer in model:
            signal = layer(signal)
            if isinstance(layer, dl.Linear):
                pre_activations.append(dl.to_numpy(signal).astype(np.float64))
    return pre_activations


def activation_variances_by_layer(dl, depth, width, activation, init, seed=0, batch_size=256):
    """Var(z_l) for l = 1..depth: the variance of each layer's pre-activations (pre_activations_by_layer)
    over the batch and the units, as a float64 NumPy array (depth,). The input has Var(x) = 1.

    Var(z_l) = fan_in Var(W_l) E[a_{l-1}^2]: Xavier keeps it for tanh near 0 (where tanh(z) ~ z),
    He/kaiming keeps it for ReLU (E[a^2] = Var(z) / 2, made up for by the 2 in Var(W) = 2 / fan_in)."""
    return np.array([z.var() for z in pre_activations_by_layer(dl, depth, width, activation, init, seed,
                                                               batch_size)])
