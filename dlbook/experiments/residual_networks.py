"""Plain and residual networks of the same depth, and the degradation problem (He et al., 2016).

    plain = plain_network(dl, depth=30, width=32, in_features=2, out_features=3, seed=0)
    resnet = residual_network(dl, depth=30, width=32, in_features=2, out_features=3, seed=0)
    losses = compare_training(dl, {"plain": builder, ...}, X, y, epochs=30, lr=0.01, seeds=(0,))

A deeper network can do everything a shallower one does (let the extra layers compute the identity),
yet a deep *plain* stack of Linear-ReLU layers can train worse than a shallow one: its optimizer does
not find that solution. A residual block computes y = x + F(x), so the identity is F = 0, and with the
block's last layer initialized to zero (as in Fixup, Zhang et al., 2019) every block starts as the
identity: at step 0 the deep residual network computes exactly what the 2-layer network made of its
first and last layers computes, and training starts from there. Written against the shared API.
"""

import numpy as np

from ..train import fit

try:
    from tqdm.auto import tqdm
except ImportError:  # pragma: no cover - tqdm is in requirements.txt
    tqdm = None


def he_linear(dl, in_features, out_features, seed):
    """Linear with He (kaiming) normal weights, Var(W) = 2 / in_features, and zero bias."""
    linear = dl.Linear(in_features, out_features, seed=seed)
    dl.kaiming_normal(linear.weight, nonlinearity="relu", seed=seed)
    dl.zeros(linear.bias)
    return linear


def zero_linear(dl, in_features, out_features, seed):
    """Linear with zero weights and bias: a residual block that ends with it starts as the identity."""
    linear = dl.Linear(in_features, out_features, seed=seed)
    dl.zeros(linear.weight)
    dl.zeros(linear.bias)
    return linear


def _check_depth(depth, minimum, even=False):
    if depth < minimum or (even and depth % 2):
        kind = "an even number" if even else "a number"
        raise ValueError(f"depth must be {kind} of Linear layers >= {minimum}, got {depth}")


def plain_network(dl, depth, width, in_features, out_features, seed=0):
    """Linear(in, width) -> ReLU -> [Linear(width, width) -> ReLU] x (depth - 2) -> Linear(width, out):
    `depth` Linear layers, He init (the best a plain ReLU stack can start from). Layer i draws from seed + i."""
    _check_depth(depth, 2)
    layers = [he_linear(dl, in_features, width, seed), dl.ReLU()]
    for i in range(1, depth - 1):
        layers += [he_linear(dl, width, width, seed + i), dl.ReLU()]
    layers.append(he_linear(dl, width, out_features, seed + depth - 1))
    return dl.Sequential(*layers)


def residual_block(dl, width, seed):
    """Residual(ReLU -> Linear -> ReLU -> Linear): y = x + W_2 relu(W_1 relu(x) + b_1) + b_2, the
    pre-activation block of He et al. (2016b); W_1 He-initialized (seed), W_2 = 0 (seed + 1)."""
    return dl.Residual(dl.Sequential(dl.ReLU(), he_linear(dl, width, width, seed), dl.ReLU(),
                                     zero_linear(dl, width, width, seed + 1)))


def residual_network(dl, depth, width, in_features, out_features, seed=0):
    """Linear(in, width) -> (depth - 2) / 2 residual blocks -> ReLU -> Linear(width, out): `depth` Linear
    layers in all, as many as plain_network(dl, depth, ...), with the same first and last layer."""
    _check_depth(depth, 2, even=True)
    layers = [he_linear(dl, in_features, width, seed)]
    for i in range(1, depth - 1, 2):
        layers.append(residual_block(dl, width, seed + i))
    layers += [dl.ReLU(), he_linear(dl, width, out_features, seed + depth - 1)]
    return dl.Sequential(*layers)


def count_linear_layers(dl, model):
    """The number of dl.Linear layers in `model`, however deeply they are nested (in Residual blocks)."""
    if isinstance(model, dl.Linear):
        return 1
    if isinstance(model, dl.Residual):
        return count_linear_layers(dl, model.block)
    if isinstance(model, dl.Sequential):
        return sum(count_linear_layers(dl, layer) for layer in model)
    return 0


def compare_training(dl, builders, X, y, *, epochs, lr, momentum=0.9, batch_size=32, clip_grad_norm=None, seeds=(0,),
                     progress=True):
    """Train builders[name](seed) for every name and seed with SGD (lr, momentum) and cross-entropy on
    (X, y) by dlbook.train.fit (mini-batch order from the same seed), and return
    {name: (len(seeds), epochs) float64 array of the training loss after each epoch}."""
    runs = [(name, seed) for name in builders for seed in seeds]
    if progress and tqdm is not None:
        runs = tqdm(runs, desc="networks", leave=False)
    losses = {name: np.zeros((len(seeds), epochs)) for name in builders}
    for name, seed in runs:
        model = builders[name](seed)
        optimizer = dl.SGD(model.parameters(), lr=lr, momentum=momentum)
        history = fit(model, dl.CrossEntropyLoss(), optimizer, X, y, epochs=epochs, batch_size=batch_size,
                      seed=seed, clip_grad_norm=clip_grad_norm, progress=False)
        losses[name][list(seeds).index(seed)] = history.train_loss
    return losses


__all__ = ["compare_training", "count_linear_layers", "he_linear", "plain_network", "residual_block",
           "residual_network", "zero_linear"]
