"""Spatial benchmarks: Conv2d and MaxPool2d forward+backward, and the book's CNN trained on digits.

`python -m benchmarks.spatial` prints this table alone."""


import dlbook
from dlbook import models
from dlbook.data import load_digits, train_val_test_split

from .timing import compare, compare_training, forward_backward

BACKENDS = ("numpy", "torch")

# (label, input shape (N, C, H, W), out_channels, target ratio numpy/torch): 3x3 kernels, padding 1
CONV_CASES = [
    ("(a) N64 C1 8x8 -> 16", (64, 1, 8, 8), 16, 0.6),
    ("(b) N64 C16 8x8 -> 32", (64, 16, 8, 8), 32, 1.5),
    ("(c) N64 C1 28x28 -> 32", (64, 1, 28, 28), 32, 0.8),
    ("(d) N32 C3 32x32 -> 32", (32, 3, 32, 32), 32, 1.3),
]
POOL_SHAPE = (64, 32, 28, 28)


def cnn(dl, seed=0):
    """The book's CNN for 1x8x8 digits (dlbook.models.digits_cnn): Conv(32, 3x3)-MaxPool-Conv(64, 3x3)-MaxPool-
    Flatten-Dense(128)-Dense(10)."""
    return models.digits_cnn(dl, seed=seed)


def run(repeats):
    dls = {name: dlbook.load(name) for name in BACKENDS}
    rows = []
    for label, shape, out_channels, target in CONV_CASES:
        runs = [forward_backward(dl, dl.Conv2d(shape[1], out_channels, 3, padding=1, seed=0), shape)
                for dl in dls.values()]
        rows.append(compare(f"Conv2d 3x3 pad 1 forward+backward {label}", *runs, repeats, target=target))
    runs = [forward_backward(dl, dl.MaxPool2d(2), POOL_SHAPE) for dl in dls.values()]
    rows.append(compare(f"MaxPool2d 2x2 forward+backward, N64 C32 {POOL_SHAPE[2]}x{POOL_SHAPE[3]}", *runs,
                        repeats, target=1.5))
    X, y = load_digits(flatten=False)
    split = train_val_test_split(X, y, seed=0)
    rows.append(compare_training("CNN Conv32-Pool-Conv64-Pool-Dense128-Dense10 on digits, 20 epochs, Adam, batch 64",
                                 dls, cnn, split, repeats, target=1.0))
    return rows
