"""MNIST and Fashion-MNIST: the IDX file format they are distributed in, and their loaders."""

import gzip
import math
import struct
from pathlib import Path

import numpy as np

from .downloads import REMOTE_DATASETS, check_split, fetch, images_and_labels

FASHION_MNIST_CLASSES = ("T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker",
                         "bag", "ankle boot")
"""The names of Fashion-MNIST's labels 0..9."""

# ---------------------------------------------------------------- the IDX format

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


# ---------------------------------------------------------------- the loaders


def _load_idx_dataset(dataset, split, flatten, progress):
    check_split(split)
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(fetch(dataset, f"{prefix}-images-idx3-ubyte.gz", progress))
    labels = read_idx(fetch(dataset, f"{prefix}-labels-idx1-ubyte.gz", progress))
    X, y = images_and_labels(images, labels, f"{REMOTE_DATASETS[dataset].title} {split}")
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

