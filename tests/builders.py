"""Layers and loss targets that several test files build the same way (gradient checks, parity,
torch as oracle): one definition each, so the three suites test the same things."""

import numpy as np


def batchnorm(dl, *, train=True, warm_up_shape=None, **kwargs):
    """A BatchNorm1d(4) with gamma and beta away from their 1 / 0 start (same seeds on every backend),
    so that a backward that mixed them up would show; with warm_up_shape, three training batches of
    that shape move the running statistics away from 0 / 1 too."""
    layer = dl.BatchNorm1d(4, **kwargs)
    if layer.affine:
        dl.uniform(layer.weight, 0.5, 1.5, seed=1)
        dl.normal(layer.bias, 0.0, 0.5, seed=2)
    if warm_up_shape is not None:
        rng = np.random.default_rng(3)
        for _ in range(3):
            layer(dl.asarray(rng.normal(1.0, 2.0, warm_up_shape)))
    return layer.train(train)


def class_indices(shape, ignore_index=None, n_classes=4, seed=1):
    """Random class indices, every class present, a third of them set to ignore_index (if given)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, n_classes, shape)
    labels.reshape(-1)[:n_classes] = np.arange(n_classes)
    if ignore_index is not None:
        labels.reshape(-1)[rng.permutation(labels.size)[: labels.size // 3]] = ignore_index
    return labels


def class_probabilities(logits_shape, seed=2):
    """Random distributions over axis 1 (the classes) of a (N, C, *) target."""
    probs = np.random.default_rng(seed).dirichlet(np.ones(logits_shape[1]), (logits_shape[0],) + logits_shape[2:])
    return np.moveaxis(probs, -1, 1)
