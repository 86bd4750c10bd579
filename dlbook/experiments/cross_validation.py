"""K-fold cross-validation: K validation scores from one data set instead of one.

Split the rows into K folds of (almost) equal size; for k = 1..K train on the other K - 1 folds and
score on fold k. Every row is validated on exactly once, and the K scores show how much a single
validation split's score would have depended on which rows it drew. Everything the model learns from
data, the preprocessing's statistics included, is fitted inside the loop on the K - 1 training folds.

    folds = k_fold_indices(len(y), k=5, seed=0, stratify=y)
    scores = cross_validate(train_and_score, X, y, folds)    # train_and_score(X_tr, y_tr, X_va, y_va) -> float

Backend-agnostic: NumPy indices in and out; the caller's train_and_score builds and trains its model.
"""

import numpy as np


def k_fold_indices(n, k=5, seed=0, stratify=None):
    """[(train_rows, val_rows), ...] for K folds of range(n): int64 arrays, the val_rows of the K folds
    disjoint and together every row once. stratify: (n,) class labels, dealt to the folds class by class
    so that each fold holds each class's share (as scikit-learn's StratifiedKFold)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 2 <= k <= n:
        raise ValueError(f"k_fold_indices: k must be an integer in [2, n = {n}], got {k!r}")
    rng = np.random.default_rng(seed)
    labels = np.zeros(n, np.int64) if stratify is None else np.asarray(stratify)
    if labels.shape != (n,):
        raise ValueError(f"k_fold_indices: stratify must hold one label per row, shape ({n},), got {labels.shape}")
    fold_of = np.empty(n, np.int64)
    start = 0
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        fold_of[rows] = (start + np.arange(len(rows))) % k      # deal the class round the folds
        start += len(rows)
    return [(np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)) for fold in range(k)]


def cross_validate(train_and_score, X, y, folds):
    """[train_and_score(X[train], y[train], X[val], y[val]) for each fold] as a float64 array (K,)."""
    X, y = np.asarray(X), np.asarray(y)
    return np.array([float(train_and_score(X[train], y[train], X[val], y[val])) for train, val in folds])
