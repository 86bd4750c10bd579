"""Datasets and mini-batches, offline first: NumPy arrays in, NumPy arrays out.

Conventions, for every dataset here:
- inputs X are float32, shape (N, ...) with the sample axis first;
- class labels y are int64, shape (N,);
- regression targets Y are float32, shape (N, 1);
- a `seed` makes the data reproducible: the same seed gives the same arrays.

A chapter turns NumPy batches into backend arrays itself:

    for x, y in batches(X, Y, batch_size=64, seed=0):
        x, y = dl.asarray(x), dl.asarray(y)

Nothing here touches the network: digits come with scikit-learn, the rest is generated.
Downloaded datasets (MNIST, ...) will live under `data_dir()`.
This module imports no backend.
"""

import math
import os
from numbers import Integral, Real
from pathlib import Path
from typing import NamedTuple

import numpy as np

# ---------------------------------------------------------------- argument checks


def _check_count(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _check_noise(noise):
    if not isinstance(noise, Real) or not noise >= 0:
        raise ValueError(f"noise must be a number >= 0, got {noise!r}")


def _check_same_length(X, Y):
    if len(X) != len(Y):
        raise ValueError(f"X and Y must hold one sample per row each: X has {len(X)} samples, Y has {len(Y)}")


# ---------------------------------------------------------------- mini-batches


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
        _check_same_length(X, Y)
    _check_count("batch_size", batch_size)
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
    _check_count("num_classes", num_classes)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"one_hot expects integer class labels of shape (N,), got {y.dtype} {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes}), got labels from {y.min()} to {y.max()}")
    encoded = np.zeros((len(y), num_classes), dtype=np.float32)
    encoded[np.arange(len(y)), y] = 1
    return encoded


# ---------------------------------------------------------------- splits


class TrainValTestSplit(NamedTuple):
    """The parts of a dataset, by name (split.X_train) or unpacked in this order."""

    X_train: np.ndarray
    Y_train: np.ndarray
    X_val: np.ndarray
    Y_val: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray


class TrainTestSplit(NamedTuple):
    """The parts of a dataset, by name or unpacked in this order (not scikit-learn's order)."""

    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray


def _holds_class_labels(Y):
    """True for integer or boolean labels of shape (N,) — what a stratified split can stratify."""
    return Y.ndim == 1 and (np.issubdtype(Y.dtype, np.integer) or Y.dtype == np.bool_)


def _part_sizes_per_class(class_sizes, room, fraction, rng):
    """How many samples of each class go to a part holding `fraction` of all N samples.

    class_sizes, room: (n_classes,) ints, room = how many of each class the part may take.
    Each class gives floor(fraction * n_c); what rounding leaves over goes one by one to the
    classes with the largest remainders (ties drawn at random), so that the part holds
    round(fraction * N) samples and every class within one sample of its share.
    """
    target = min(round(fraction * class_sizes.sum()), room.sum())
    exact = fraction * class_sizes
    sizes = np.minimum(np.floor(exact).astype(np.int64), room)
    by_largest_remainder = np.lexsort((rng.random(len(sizes)), sizes - exact))
    while sizes.sum() < target:
        for label in by_largest_remainder:
            if sizes.sum() < target and sizes[label] < room[label]:
                sizes[label] += 1
    return sizes


def _split_indices(Y, val_fraction, test_fraction, rng, stratify):
    """Shuffled sample indices of the training, validation and test parts."""
    groups = [np.arange(len(Y))]
    if stratify and _holds_class_labels(Y):
        groups = [np.flatnonzero(Y == label) for label in np.unique(Y)]
    class_sizes = np.array([len(group) for group in groups])
    held_out = _part_sizes_per_class(class_sizes, class_sizes, val_fraction + test_fraction, rng)
    test = _part_sizes_per_class(class_sizes, held_out, test_fraction, rng)
    sizes = np.stack([class_sizes - held_out, held_out - test, test], axis=1)   # (n_classes, 3)
    parts = ([], [], [])
    for group, part_sizes in zip(groups, sizes, strict=True):
        chunks = np.split(rng.permutation(group), np.cumsum(part_sizes)[:-1])
        for part, chunk in zip(parts, chunks, strict=True):
            part.append(chunk)
    return [rng.permutation(np.concatenate(part)) for part in parts]


def train_val_test_split(X, Y, val_fraction=0.15, test_fraction=0.15, seed=0, stratify=True):
    """Split (X, Y) at random into training, validation and test parts.

    X: (N, ...), Y: (N, ...) -> TrainValTestSplit(X_train, Y_train, X_val, Y_val, X_test, Y_test),
    with round(test_fraction * N) test samples and round((val_fraction + test_fraction) * N)
    validation and test samples together (so round(val_fraction * N) validation samples, give
    or take one). Each part is in random order.
    stratify: when Y holds class labels (integers, shape (N,)), each part keeps the class
    proportions of Y, to within a sample or two per class; regression targets split plainly.
    """
    X, Y = np.asarray(X), np.asarray(Y)
    _check_same_length(X, Y)
    _check_fractions(val_fraction=val_fraction, test_fraction=test_fraction)
    train, val, test = _split_indices(Y, val_fraction, test_fraction, np.random.default_rng(seed), stratify)
    if len(train) == 0:
        raise ValueError(f"no training samples left: {len(X)} samples, val_fraction={val_fraction}, "
                         f"test_fraction={test_fraction}")
    return TrainValTestSplit(X[train], Y[train], X[val], Y[val], X[test], Y[test])


def train_test_split(X, Y, test_fraction=0.2, seed=0, stratify=True):
    """Split (X, Y) at random into training and test parts.

    X: (N, ...), Y: (N, ...) -> TrainTestSplit(X_train, Y_train, X_test, Y_test), with
    round(test_fraction * N) test samples, stratified as in `train_val_test_split`.
    Note the order differs from scikit-learn's (X_train, X_test, y_train, y_test): use the names.
    """
    parts = train_val_test_split(X, Y, val_fraction=0.0, test_fraction=test_fraction, seed=seed,
                                 stratify=stratify)
    return TrainTestSplit(parts.X_train, parts.Y_train, parts.X_test, parts.Y_test)


def _check_fractions(**fractions):
    for name, fraction in fractions.items():
        if not isinstance(fraction, Real) or not 0 <= fraction < 1:
            raise ValueError(f"{name} must lie in [0, 1), got {fraction!r}")
    if sum(fractions.values()) >= 1:
        raise ValueError(f"the fractions {fractions} leave nothing to train on: their sum must be < 1")


# ---------------------------------------------------------------- bundled data


def load_digits(flatten=True):
    """scikit-learn's bundled 8x8 handwritten digits (no network): 1797 images, 10 classes.

    Returns (X, y): X float32 in [0, 1] (pixel / 16), shape (1797, 64), or (1797, 1, 8, 8)
    (N, C, H, W) when flatten=False; y int64 labels 0..9, shape (1797,).
    """
    from sklearn.datasets import load_digits as load_sklearn_digits  # imported here: slow to import

    pixels, labels = load_sklearn_digits(return_X_y=True)
    X = (pixels / 16).astype(np.float32)
    if not flatten:
        X = X.reshape(-1, 1, 8, 8)
    return X, labels.astype(np.int64)


def data_dir():
    """The cache directory for downloaded datasets: $DLBOOK_DATA, else ~/.cache/dlbook.

    Returns a Path; it is not created here (the loaders that download create it).
    """
    return Path(os.environ.get("DLBOOK_DATA") or "~/.cache/dlbook").expanduser()


# ---------------------------------------------------------------- generated data


def linear_regression(n=100, seed=0):
    """Points on the line y = 2x + 1 plus noise U(0, 1), for linear regression by hand.

    Returns (X, Y): X float32 (n, 1) uniform on [0, 2); Y float32 (n, 1).
    The noise has mean 1/2, so least squares finds w ~ 2 and b ~ 1.5.
    """
    _check_count("n", n)
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 2, size=(n, 1))
    Y = 2 * X + 1 + rng.uniform(0, 1, size=(n, 1))
    return X.astype(np.float32), Y.astype(np.float32)


def moons(n=200, noise=0.2, seed=0):
    """Two interleaving half circles (as sklearn's make_moons), shuffled.

    Returns (X, y): X float32 (n, 2) with gaussian noise of std `noise`; y int64 (n,) in {0, 1}
    (n // 2 samples of class 0: the upper moon; the rest class 1: the lower one).
    """
    _check_count("n", n)
    _check_noise(noise)
    rng = np.random.default_rng(seed)
    n_upper = n // 2
    angle_upper = np.linspace(0, np.pi, n_upper)
    angle_lower = np.linspace(0, np.pi, n - n_upper)
    upper = np.stack([np.cos(angle_upper), np.sin(angle_upper)], axis=1)
    lower = np.stack([1 - np.cos(angle_lower), 0.5 - np.sin(angle_lower)], axis=1)
    X = np.concatenate([upper, lower]) + rng.normal(0, noise, size=(n, 2))
    y = np.concatenate([np.zeros(n_upper), np.ones(n - n_upper)])
    return _shuffled(X.astype(np.float32), y.astype(np.int64), rng)


def spirals(n_per_class=100, n_classes=3, noise=0.2, seed=0):
    """Interleaved spiral arms, one per class (the classic that a linear model cannot separate).

    Arm k: radius r from 0 to 1, angle 4k + 4r + noise * N(0, 1), point r (sin angle, cos angle).
    Returns (X, y): X float32 (n_per_class * n_classes, 2); y int64 in 0..n_classes-1, shuffled.
    """
    _check_count("n_per_class", n_per_class)
    _check_count("n_classes", n_classes)
    _check_noise(noise)
    rng = np.random.default_rng(seed)
    radius = np.tile(np.linspace(0, 1, n_per_class), n_classes)
    y = np.repeat(np.arange(n_classes), n_per_class)
    angle = 4 * y + 4 * radius + noise * rng.normal(size=radius.shape)
    X = radius[:, None] * np.stack([np.sin(angle), np.cos(angle)], axis=1)
    return _shuffled(X.astype(np.float32), y.astype(np.int64), rng)


def xor_table():
    """The XOR truth table: X float32 (4, 2), the corners (0,0), (0,1), (1,0), (1,1); y int64 [0, 1, 1, 0]."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    return X, np.array([0, 1, 1, 0], dtype=np.int64)


def xor(n=200, noise=0.1, seed=0):
    """XOR as a cloud: four gaussian blobs (std `noise`) at the corners (+-1, +-1) of a square.

    The label of a blob is the XOR of its corner's signs: 1 where exactly one coordinate is
    positive (the 2nd and 4th quadrants), 0 in the 1st and 3rd. The corners take turns, so
    each blob holds n // 4 or n // 4 + 1 samples.
    Returns (X, y): X float32 (n, 2); y int64 (n,) in {0, 1}, shuffled.
    """
    _check_count("n", n)
    _check_noise(noise)
    rng = np.random.default_rng(seed)
    corners = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=np.float64)
    corner_of_sample = np.arange(n) % len(corners)
    centers = corners[corner_of_sample]
    X = centers + rng.normal(0, noise, size=(n, 2))
    y = (centers[:, 0] > 0) != (centers[:, 1] > 0)
    return _shuffled(X.astype(np.float32), y.astype(np.int64), rng)


def sine_sequences(n=256, seq_len=20, seed=0, noise=0.0):
    """Sine waves of random phase and frequency, to predict the next value from the last seq_len.

    Sequence i: s_t = sin(omega_i t + phi_i), t = 0..seq_len, with phi_i uniform on [0, 2 pi)
    and omega_i uniform on [0.1, 0.6] radians per step (10 to 60 steps per period).
    Returns (X, Y): X float32 (n, seq_len, 1) = s_0..s_{seq_len-1} plus gaussian noise of std
    `noise` (batch first, as dlbook's RNN); Y float32 (n, 1) = the clean next value s_{seq_len}.
    """
    _check_count("n", n)
    _check_count("seq_len", seq_len)
    _check_noise(noise)
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    frequency = rng.uniform(0.1, 0.6, size=(n, 1))
    wave = np.sin(frequency * np.arange(seq_len + 1) + phase)       # (n, seq_len + 1)
    X = wave[:, :seq_len, None] + rng.normal(0, noise, size=(n, seq_len, 1))
    Y = wave[:, seq_len:]
    return X.astype(np.float32), Y.astype(np.float32)


def _shuffled(X, y, rng):
    order = rng.permutation(len(X))
    return X[order], y[order]
