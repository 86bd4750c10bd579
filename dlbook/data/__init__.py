"""Datasets and mini-batches, offline first: NumPy arrays in, NumPy arrays out.

Conventions, for every dataset here:
- inputs X are float32, shape (N, ...) with the sample axis first;
- class labels y are int64, shape (N,);
- regression targets Y are float32, shape (N, 1);
- a `seed` makes the data reproducible: the same seed gives the same arrays.

A chapter turns NumPy batches into backend arrays itself:

    for x, y in dlbook.data.batches(X, Y, batch_size=64, seed=0):
        x, y = dl.asarray(x), dl.asarray(y)

One module per concept; every public name is also here, as dlbook.data.<name>:
  minibatches   batches over an epoch, one_hot
  splits        train_val_test_split, train_test_split (stratified by class)
  generated     linear_regression, moons, spirals, xor, sine and marked-sign sequences, customer_churn,
                gaussians on a circle (for generative models)
  bundled       scikit-learn's 8x8 digits (no network); digits_or_mnist for FULL runs
  downloads     the cache data_dir(), each dataset's mirrors and SHA-256 sums, fetch (pooch)
  mnist         the IDX format; MNIST and Fashion-MNIST
  cifar10       CIFAR-10's binary records; CIFAR-10
  shakespeare   Tiny Shakespeare, shipped compressed and checked by SHA-256; split_text by position
  checks        the argument checks the modules share

Nothing here touches the network except `fetch`: digits come with scikit-learn, Tiny Shakespeare with
this package (dlbook/data/files), the rest is generated.
Downloaded datasets (MNIST, Fashion-MNIST, CIFAR-10) live under `data_dir()`: fetched once,
checked against their SHA-256, and read from there ever after; offline, their loaders say what to do.
This package imports no backend.
"""

from .bundled import digits_or_mnist, load_digits
from .cifar10 import (
    CIFAR10_BATCHES,
    CIFAR10_CLASSES,
    CIFAR10_RECORD_SIZE,
    load_cifar10,
    parse_cifar10_records,
    read_cifar10_binary,
)
from .downloads import REMOTE_DATASETS, SPLITS, DatasetNotAvailableError, RemoteDataset, data_dir, fetch
from .generated import (
    CUSTOMER_FEATURES,
    REGIONS,
    CustomerTable,
    circle_centers,
    customer_churn,
    gaussian_mixture_circle,
    linear_regression,
    marked_sign_sequences,
    moons,
    sine_sequences,
    spirals,
    xor,
    xor_table,
)
from .minibatches import batches, one_hot
from .mnist import FASHION_MNIST_CLASSES, IDX_DTYPES, load_fashion_mnist, load_mnist, parse_idx, read_idx
from .shakespeare import (
    TINY_SHAKESPEARE_FILE,
    TINY_SHAKESPEARE_LENGTH,
    TINY_SHAKESPEARE_SHA256,
    CorruptDataError,
    TextSplit,
    load_tiny_shakespeare,
    split_text,
    tiny_shakespeare_split,
)
from .splits import TrainTestSplit, TrainValTestSplit, train_test_split, train_val_test_split

__all__ = [
    # minibatches
    "batches", "one_hot",
    # splits
    "TrainValTestSplit", "TrainTestSplit", "train_val_test_split", "train_test_split",
    # generated
    "linear_regression", "moons", "spirals", "xor_table", "xor", "sine_sequences", "marked_sign_sequences",
    "CUSTOMER_FEATURES", "REGIONS", "CustomerTable", "customer_churn", "gaussian_mixture_circle", "circle_centers",
    # bundled
    "load_digits", "digits_or_mnist",
    # downloads
    "data_dir", "DatasetNotAvailableError", "RemoteDataset", "REMOTE_DATASETS", "SPLITS", "fetch",
    # mnist
    "IDX_DTYPES", "parse_idx", "read_idx", "load_mnist", "load_fashion_mnist", "FASHION_MNIST_CLASSES",
    # cifar10
    "CIFAR10_CLASSES", "CIFAR10_BATCHES", "CIFAR10_RECORD_SIZE", "parse_cifar10_records", "read_cifar10_binary",
    "load_cifar10",
    # shakespeare
    "load_tiny_shakespeare", "tiny_shakespeare_split", "split_text", "TextSplit", "CorruptDataError",
    "TINY_SHAKESPEARE_FILE", "TINY_SHAKESPEARE_SHA256", "TINY_SHAKESPEARE_LENGTH",
]
