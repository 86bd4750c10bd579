"""Mini-batches over an epoch, and one-hot targets: what a training loop feeds a model."""

import math

import numpy as np

from .checks import check_count, check_same_length


def batches(X, Y=None, batch_size=32, shuffle=True, seed=None, drop_last=False):
    """Mini-batches over one epoch: yields (x, y), or x alone when Y is None.

    X: (N, ...), Y: (N, ...) -> x: (B, ...), y: (B, ...) with B = batch_size, except a
    smaller last batch of N % batch_size samples (dropped when drop_last=True).
    shuffle: visit the samples in a random order drawn from `seed` (an int, a NumPy
    Generator, or None for a fresh order every call); the same seed gives the same order.
    Every sample appears exactly once per epoch (once at most with drop_last).
    """
    X = np.asarray(X)
    if Y is not None:
        Y = np.asarray(Y)
        check_same_length(X, Y)
    check_count("batch_size", batch_size)
    order = np.random.default_rng(seed).permutation(len(X)) if shuffle else np.arange(len(X))
    return _iterate_batches(X, Y, order, batch_size, drop_last)


def _iterate_batches(X, Y, order, batch_size, drop_last):
    """The generator behind `batches`, so that bad arguments fail at the call, not at the first batch."""
    n_batches = len(order) // batch_size if drop_last else math.ceil(len(order) / batch_size)
    for first in range(0, n_batches * batch_size, batch_size):
        indices = order[first:first + batch_size]
        yield X[indices] if Y is None else (X[indices], Y[indices])


def one_hot(y, num_classes):
    """Class labels y: (N,) ints in [0, num_classes) -> float32 (N, num_classes), 1 at each label."""
    y = np.asarray(y)
    check_count("num_classes", num_classes)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"one_hot expects integer class labels of shape (N,), got {y.dtype} {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes}), got labels from {y.min()} to {y.max()}")
    encoded = np.zeros((len(y), num_classes), dtype=np.float32)
    encoded[np.arange(len(y)), y] = 1
    return encoded
