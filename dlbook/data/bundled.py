"""Data that needs no download: scikit-learn's bundled 8x8 digits, and the book's digit task
(the digits, or MNIST in a chapter's FULL=1 run)."""

import numpy as np

from .downloads import DatasetNotAvailableError
from .mnist import load_mnist
from .splits import TrainValTestSplit, train_test_split, train_val_test_split


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


def digits_or_mnist(full=False, flatten=True, val_fraction=0.15, test_fraction=0.15, seed=0):
    """The book's digit classification data: the bundled 8x8 digits, or MNIST when full=True and it
    is cached (or can be downloaded) - how a chapter's FULL=1 run scales up.

    Digits: split by train_val_test_split(val_fraction, test_fraction, seed). MNIST: its official
    10 000 test images are the test part; val_fraction of its 60 000 training images (stratified)
    the validation part. When MNIST is not available, prints why and returns the digits.
    Returns (split, name): a TrainValTestSplit and "digits" or "MNIST"."""
    if full:
        try:
            X_train, y_train = load_mnist("train", flatten=flatten)
            X_test, y_test = load_mnist("test", flatten=flatten)
        except DatasetNotAvailableError as error:
            print(f"FULL=1 but MNIST is not available, so the digits stand in for it.\n{str(error).splitlines()[0]}")
        else:
            parts = train_test_split(X_train, y_train, test_fraction=val_fraction, seed=seed)
            return TrainValTestSplit(*parts, X_test, y_test), "MNIST"
    X, y = load_digits(flatten=flatten)
    return train_val_test_split(X, y, val_fraction=val_fraction, test_fraction=test_fraction, seed=seed), "digits"
