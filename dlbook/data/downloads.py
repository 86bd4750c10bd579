"""Downloaded datasets: the cache directory, where each dataset's files come from and what they hash to,
and fetching a file once (pooch, checked by SHA-256); offline, an error that says what to do.

Each file is fetched once into data_dir() / <dataset> / <file> through pooch, from the first
mirror that answers, and kept only if its SHA-256 matches the official file's; later calls read
the cache and touch no network. The formats are read in dlbook.data.mnist and dlbook.data.cifar10.
"""

import os
from pathlib import Path
from typing import NamedTuple

import numpy as np


def data_dir():
    """The cache directory for downloaded datasets: $DLBOOK_DATA, else ~/.cache/dlbook.

    Returns a Path; it is not created here (the loaders that download create it).
    """
    return Path(os.environ.get("DLBOOK_DATA") or "~/.cache/dlbook").expanduser()


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
"""The official parts of every downloaded dataset, as the loaders' `split` argument names them."""


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


def check_split(split):
    """Raise ValueError unless split is one of SPLITS, the official parts of a downloaded dataset."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")


def images_and_labels(images, labels, source, n_classes=10):
    """The pixels and labels of a downloaded dataset, as every dataset here holds them: uint8 images (N, ...)
    and labels (N,) -> X float32 in [0, 1] (pixel / 255), y int64, checked against each other and
    against the class count (labels 0 .. n_classes - 1: a corrupt file must not yield label 200)."""
    if images.dtype != np.uint8 or labels.dtype != np.uint8 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"{source}: expected uint8 images (N, ...) and uint8 labels (N,), got images "
                         f"{images.dtype} {images.shape} and labels {labels.dtype} {labels.shape}")
    if labels.size and int(labels.max()) >= n_classes:
        index = int(np.argmax(labels >= n_classes))
        raise ValueError(f"{source}: label {int(labels[index])} at index {index} is out of range: expected "
                         f"labels 0..{n_classes - 1} (the file is corrupt or not this dataset's)")
    return (images / np.float32(255)).astype(np.float32), labels.astype(np.int64)
