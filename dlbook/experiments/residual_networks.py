"""Plain and residual networks of the same depth, and the degradation problem (He et al., 2016).

    builders = depth_comparison(dl, width=16, shallow=6, batch_norm=True)   # plain 6, plain 30, residual 30
    losses = compare_training(dl, builders, X, y, epochs=15, lr=0.05, seeds=(0,))

A deeper network can do everything a shallower one does (let the extra layers compute the identity),
yet a deep *plain* stack of Linear-ReLU layers can train worse than a shallow one: its optimizer does
not find that solution. A residual block computes y = x + F(x), so the identity is F = 0, and with the
block's last layer initialized to zero (as in Fixup, Zhang et al., 2019) every block starts as the
identity: at step 0 the deep residual network computes exactly what the 2-layer network made of its
first and last layers computes, and training starts from there. He et al. saw degradation in networks
with batch normalization, which keeps every layer's signal at unit scale: batch_norm=True builds those.
Written against the shared API.
"""

import numpy as np

from .. import backend_of
from ..models import plain_network, residual_network
from ..train import fit

try:
    from tqdm.auto import tqdm
except ImportError:  # pragma: no cover - tqdm is in requirements.txt
    tqdm = None


def depth_comparison(dl, width=16, in_features=2, out_features=3, shallow=3, deep=30, *, batch_norm=False):
    """The three networks of the degradation experiment, as builders {name: seed -> model}: a shallow plain
    network, a deep plain one and a deep residual one of the same width (dlbook.models.plain_network and
    residual_network; batch_norm=True: with batch normalization in every hidden layer and block), for
    compare_training."""
    sizes = (width, in_features, out_features)
    return {
        f"plain, {shallow} layers": lambda seed: plain_network(dl, shallow, *sizes, seed, batch_norm=batch_norm),
        f"plain, {deep} layers": lambda seed: plain_network(dl, deep, *sizes, seed, batch_norm=batch_norm),
        f"residual, {deep} layers": lambda seed: residual_network(dl, deep, *sizes, seed, batch_norm=batch_norm),
    }


def count_linear_layers(model):
    """The number of Linear layers in `model`, however deeply they are nested (in Residual blocks)."""
    dl = backend_of(model)
    if isinstance(model, dl.Linear):
        return 1
    if isinstance(model, dl.Residual):
        return count_linear_layers(model.block)
    if isinstance(model, dl.Sequential):
        return sum(count_linear_layers(layer) for layer in model)
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


def shapes_through(model, x):
    """[(layer name, output shape)] of every top-level layer of a Sequential `model` on input x, after
    ('input', x.shape): the shape bookkeeping of a network, read off by running it."""
    dl = backend_of(model)
    shapes = [("input", tuple(x.shape))]
    for layer in model:
        x = layer(x)
        shapes.append((type(layer).__name__ if not isinstance(layer, dl.Residual) else "Residual(block)",
                       tuple(x.shape)))
    return shapes


__all__ = ["compare_training", "count_linear_layers", "depth_comparison", "shapes_through"]
