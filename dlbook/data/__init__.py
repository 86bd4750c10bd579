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
Downloaded datasets (MNIST, Fashion-MNIST, CIFAR-10) live under `data_dir()`: fetched once,
checked against their SHA-256, and read from there ever after; offline, their loaders say what to do.
This module imports no backend.
"""

import gzip
import math
import os
import struct
import tarfile
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


def marked_sign_sequences(n=4096, seq_len=30, marker_steps=5, seed=0):
    """A memory task: remember the sign of one marked value and answer after the last step.

    Every step t carries two channels: a value v_t uniform on [-1, 1), and a marker, 1 at one step m
    drawn uniformly from the first `marker_steps` steps and 0 elsewhere. The label is 1 where v_m > 0,
    else 0: the answer sits seq_len - m steps before the end, behind values just like it.
    Returns (X, y): X float32 (n, seq_len, 2) (batch first, as dlbook's RNN); y int64 (n,) in {0, 1}.
    """
    _check_count("n", n)
    _check_count("marker_steps", marker_steps)
    _check_count("seq_len", seq_len, minimum=marker_steps)
    rng = np.random.default_rng(seed)
    X = np.zeros((n, seq_len, 2))
    X[:, :, 0] = rng.uniform(-1, 1, size=(n, seq_len))             # values v_t
    marked = rng.integers(0, marker_steps, size=n)                   # the marked step m of each sequence
    X[np.arange(n), marked, 1] = 1                                   # marker
    y = X[np.arange(n), marked, 0] > 0
    return X.astype(np.float32), y.astype(np.int64)


def _shuffled(X, y, rng):
    order = rng.permutation(len(X))
    return X[order], y[order]


# ---------------------------------------------------------------- generated tabular data, with flaws


CUSTOMER_FEATURES = ("income", "age", "purchases", "days_since_visit", "tenure", "country")
"""The numeric columns of `customer_churn`, in order (units in its docstring)."""

REGIONS = ("north", "south", "east", "west")
"""The categories of `customer_churn`'s region codes 0..3."""


class CustomerTable(NamedTuple):
    """A table of customers: numeric features with gaps, a categorical column, a binary target."""

    X: np.ndarray               # float32 (n, 6): the CUSTOMER_FEATURES, NaN where a value is missing
    region: np.ndarray          # int64 (n,): codes 0..3 into REGIONS
    y: np.ndarray               # int64 (n,): 1 = the customer left within a year (churned)
    feature_names: tuple
    region_names: tuple


def customer_churn(n=2000, seed=0):
    """A generated table of n customers, with the flaws of real tables, to practise preprocessing on.

    Columns of X (float32, NaN where missing):
      income            dollars per year, log-normal (median 40 000): long right tail, 8% missing
      age               years, normal (42, 13) clipped to [18, 90], 3% missing
      purchases         purchases last year, a count (many 0s, a long tail), 10% missing
      days_since_visit  days since the last visit, exponential (mean 30): skewed
      tenure            years as a customer, uniform on [0, 20)
      country           always 1: a column without variance (every customer is from one country)
    region: int64 codes 0..3 (north, south, east, west) - a category, not a quantity.
    y: churned or not. Customers who visit rarely, buy little, earn less, are younger or newer
    churn more, and the west more than the north; the rule is linear in log(days + 1),
    log(purchases + 1) and log(income) - the scales that preprocessing recovers - plus
    logistic noise. Missing values are missing completely at random.
    Returns a CustomerTable(X, region, y, feature_names, region_names).
    """
    _check_count("n", n)
    rng = np.random.default_rng(seed)
    income = np.exp(rng.normal(np.log(40_000), 0.8, n))
    age = np.clip(rng.normal(42, 13, n), 18, 90)
    purchases = rng.poisson(np.exp(rng.normal(1.5, 1.0, n))).astype(np.float64)
    days = rng.exponential(30, n)
    tenure = rng.uniform(0, 20, n)
    region = rng.integers(0, len(REGIONS), n)
    score = (1.6 * (np.log1p(days) - 3.0) - 1.2 * (np.log1p(purchases) - 1.5)
             - 1.0 * (np.log(income) - np.log(40_000)) / 0.8 - 0.03 * (age - 42) - 0.08 * (tenure - 10)
             + np.array([-0.6, 0.0, 0.2, 0.6])[region] - 0.5)
    y = (score + rng.logistic(0, 1, n) > 0).astype(np.int64)
    X = np.stack([income, age, purchases, days, tenure, np.ones(n)], axis=1)
    for column, fraction in ((0, 0.08), (1, 0.03), (2, 0.10)):
        X[rng.random(n) < fraction, column] = np.nan
    return CustomerTable(X.astype(np.float32), region.astype(np.int64), y, CUSTOMER_FEATURES, REGIONS)


# ---------------------------------------------------------------- downloaded datasets: MNIST, Fashion-MNIST, CIFAR-10
#
# Each file is fetched once into data_dir() / <dataset> / <file> through pooch, from the first
# mirror that answers, and kept only if its SHA-256 matches the official file's; later calls read
# the cache and touch no network. The parsers below read the files as distributed (IDX for MNIST
# and Fashion-MNIST, the binary version of CIFAR-10, which needs no pickle).


class DatasetNotAvailableError(FileNotFoundError):
    """A dataset file is neither in the cache nor downloadable (no network, or every mirror failed)."""


class RemoteDataset(NamedTuple):
    """Where a dataset's files come from and what they must hash to."""

    title: str                  # as the error messages name it
    folder: str                 # its folder under data_dir()
    mirrors: tuple              # base URLs, tried in order; a file's URL is mirror + file name
    sha256: dict                # file name -> SHA-256 of the official file


# SHA-256 sums as published with torchvision / tensorflow-datasets (and the datasets' own pages'
# MD5 sums for the same files); a download that does not match is refused.
REMOTE_DATASETS = {
    "mnist": RemoteDataset(
        "MNIST", "mnist",
        ("https://ossci-datasets.s3.amazonaws.com/mnist/",
         "https://storage.googleapis.com/cvdf-datasets/mnist/",
         "http://yann.lecun.com/exdb/mnist/"),
        {"train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
         "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
         "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
         "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"}),
    "fashion-mnist": RemoteDataset(
        "Fashion-MNIST", "fashion-mnist",
        ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
         "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
        {"train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
         "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
         "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
         "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"}),
    "cifar10": RemoteDataset(
        "CIFAR-10", "cifar10",
        ("https://www.cs.toronto.edu/~kriz/",
         "https://storage.googleapis.com/s4tf-hosted-binaries/datasets/CIFAR10/"),
        {"cifar-10-binary.tar.gz": "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"}),
}

SPLITS = ("train", "test")

FASHION_MNIST_CLASSES = ("T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker",
                         "bag", "ankle boot")
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def fetch(dataset, filename, progress=True):
    """The path of one file of a dataset in the cache, downloaded (and checked) first if it is not there.

    dataset: a key of REMOTE_DATASETS ("mnist", "fashion-mnist", "cifar10"); filename: one of its files.
    Raises DatasetNotAvailableError, saying where to put the file, when it is not cached and no
    mirror delivers it (offline, say)."""
    if dataset not in REMOTE_DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}: choose one of {tuple(REMOTE_DATASETS)}")
    remote = REMOTE_DATASETS[dataset]
    if filename not in remote.sha256:
        raise ValueError(f"{remote.title} has no file {filename!r}: its files are {tuple(remote.sha256)}")
    import pooch  # imported here: only the downloaded datasets need it

    folder = data_dir() / remote.folder
    failures = []
    for mirror in remote.mirrors:
        try:
            return Path(pooch.retrieve(mirror + filename, known_hash=f"sha256:{remote.sha256[filename]}",
                                       fname=filename, path=folder, progressbar=progress))
        except (OSError, ValueError) as error:       # no network, an HTTP error, or a checksum mismatch
            failures.append(f"  {mirror + filename}: {type(error).__name__}: {error}")
    raise DatasetNotAvailableError(_not_available_message(remote, filename, folder, failures))


def _not_available_message(remote, filename, folder, failures):
    path = folder / filename
    state = (f"is in the cache as {path} but is not the official file (its SHA-256 differs)" if path.exists()
             else f"is not in the cache {folder}")
    return (f"{remote.title} {state} and could not be downloaded (no network?). Download "
            f"{remote.mirrors[0] + filename} (or the same file from a mirror) to {path}, or set DLBOOK_DATA "
            f"to a folder that holds {remote.folder}/{filename}. Expected SHA-256: {remote.sha256[filename]}."
            + (f" {remote.title} needs all of {', '.join(remote.sha256)} in that folder." if len(remote.sha256) > 1
               else "")
            + "\nTried:\n" + "\n".join(failures))


def _check_split(split):
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")


# ---- IDX: MNIST and Fashion-MNIST

IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
"""IDX type codes (the file's third byte) -> big-endian NumPy dtypes."""


def parse_idx(raw, source="IDX data"):
    """The array held by the bytes of an IDX file (not gzipped).

    IDX, the format of MNIST: two zero bytes; a type code (0x08 = unsigned byte, see IDX_DTYPES);
    the number of dimensions d; d sizes as big-endian uint32; then the values, big-endian, in
    row-major order. Returns an array of that shape and type, in native byte order."""
    raw = bytes(raw)
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] not in IDX_DTYPES:
        raise ValueError(f"{source} is not an IDX file: it starts with the bytes {raw[:4].hex(' ')}")
    ndim = raw[3]
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(f"{source} ends inside its IDX header ({len(raw)} bytes, {ndim} dimensions)")
    shape = struct.unpack(f">{ndim}I", raw[4:header_size])
    dtype = np.dtype(IDX_DTYPES[raw[2]])
    expected_size = header_size + math.prod(shape) * dtype.itemsize
    if len(raw) != expected_size:
        raise ValueError(f"{source} holds {len(raw)} bytes, but its header (shape {shape}, {dtype}) "
                         f"promises {expected_size}: the file is truncated or corrupt")
    return np.frombuffer(raw, dtype, offset=header_size).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx(path):
    """The array in an IDX file, gzipped (.gz, as MNIST is distributed) or not."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":                                   # the gzip magic number
        raw = gzip.decompress(raw)
    return parse_idx(raw, source=str(path))


def _images_and_labels(images, labels, source):
    """uint8 images (N, ...) and labels (N,) -> X float32 in [0, 1], y int64, checked against each other."""
    if images.dtype != np.uint8 or labels.dtype != np.uint8 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"{source}: expected uint8 images (N, ...) and uint8 labels (N,), got images "
                         f"{images.dtype} {images.shape} and labels {labels.dtype} {labels.shape}")
    return (images / np.float32(255)).astype(np.float32), labels.astype(np.int64)


def _load_idx_dataset(dataset, split, flatten, progress):
    _check_split(split)
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(fetch(dataset, f"{prefix}-images-idx3-ubyte.gz", progress))
    labels = read_idx(fetch(dataset, f"{prefix}-labels-idx1-ubyte.gz", progress))
    X, y = _images_and_labels(images, labels, f"{REMOTE_DATASETS[dataset].title} {split}")
    return (X.reshape(len(X), -1) if flatten else X[:, None]), y


def load_mnist(split="train", flatten=True, progress=True):
    """MNIST handwritten digits, 28x28 grey: 60 000 training and 10 000 test images, 10 classes.

    Downloaded once into data_dir() / "mnist" (checked against SHA-256); offline and not cached:
    DatasetNotAvailableError, with what to do. split: "train" or "test".
    Returns (X, y): X float32 in [0, 1] (pixel / 255), (N, 784), or (N, 1, 28, 28) (N, C, H, W)
    when flatten=False; y int64 labels 0..9, (N,)."""
    return _load_idx_dataset("mnist", split, flatten, progress)


def load_fashion_mnist(split="train", flatten=True, progress=True):
    """Fashion-MNIST: 28x28 grey photos of clothes, 60 000 training and 10 000 test, 10 classes
    (FASHION_MNIST_CLASSES). Same files, format and return values as load_mnist."""
    return _load_idx_dataset("fashion-mnist", split, flatten, progress)


# ---- CIFAR-10, binary version

CIFAR10_BATCHES = {"train": tuple(f"data_batch_{i}.bin" for i in range(1, 6)), "test": ("test_batch.bin",)}
"""The files of each split inside cifar-10-binary.tar.gz, in the folder cifar-10-batches-bin/."""

CIFAR10_RECORD_SIZE = 1 + 3 * 32 * 32
"""One record of the binary version: a label byte, then 1024 red, 1024 green and 1024 blue bytes."""


def parse_cifar10_records(raw, source="CIFAR-10 data"):
    """The bytes of one CIFAR-10 binary batch -> (images uint8 (n, 3, 32, 32), labels uint8 (n,)).

    Each record: 1 byte label 0..9, then the 32x32 red channel, the green, the blue, each row-major."""
    if len(raw) % CIFAR10_RECORD_SIZE:
        raise ValueError(f"{source} holds {len(raw)} bytes, not a whole number of {CIFAR10_RECORD_SIZE}-byte "
                         f"CIFAR-10 records: the file is truncated or corrupt")
    records = np.frombuffer(raw, np.uint8).reshape(-1, CIFAR10_RECORD_SIZE)
    labels = records[:, 0].copy()
    if labels.size and labels.max() >= len(CIFAR10_CLASSES):
        raise ValueError(f"{source}: a label byte is {labels.max()}, but CIFAR-10 labels lie in 0..9")
    return records[:, 1:].reshape(-1, 3, 32, 32).copy(), labels


def read_cifar10_binary(path, split="train"):
    """(images uint8 (N, 3, 32, 32), labels uint8 (N,)) of one split, read from cifar-10-binary.tar.gz
    without extracting it (nothing is written; no pickle is involved)."""
    _check_split(split)
    images, labels = [], []
    with tarfile.open(path, "r:gz") as archive:
        for name in CIFAR10_BATCHES[split]:
            member = f"cifar-10-batches-bin/{name}"
            try:
                raw = archive.extractfile(member).read()
            except KeyError:
                raise ValueError(f"{path} holds no {member}: is it cifar-10-binary.tar.gz?") from None
            batch_images, batch_labels = parse_cifar10_records(raw, source=f"{path}:{member}")
            images.append(batch_images)
            labels.append(batch_labels)
    return np.concatenate(images), np.concatenate(labels)


def load_cifar10(split="train", flatten=True, progress=True):
    """CIFAR-10: 32x32 colour photos, 50 000 training and 10 000 test, 10 classes (CIFAR10_CLASSES).

    Downloaded once into data_dir() / "cifar10" (the binary version, checked against SHA-256);
    offline and not cached: DatasetNotAvailableError, with what to do. split: "train" or "test".
    Returns (X, y): X float32 in [0, 1] (pixel / 255), (N, 3072), or (N, 3, 32, 32) (N, C, H, W)
    when flatten=False; y int64 labels 0..9, (N,)."""
    _check_split(split)
    images, labels = read_cifar10_binary(fetch("cifar10", "cifar-10-binary.tar.gz", progress), split)
    X, y = _images_and_labels(images, labels, f"CIFAR-10 {split}")
    return (X.reshape(len(X), -1) if flatten else X), y


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
