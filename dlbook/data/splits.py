"""Training, validation and test parts of a dataset, at random, stratified by class when Y holds labels."""

from numbers import Real
from typing import NamedTuple

import numpy as np

from .checks import check_same_length


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
    check_same_length(X, Y)
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
