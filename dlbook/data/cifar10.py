"""CIFAR-10: the records of its binary version, read straight from the archive, and its loader."""

import tarfile

import numpy as np

from .downloads import check_split, fetch, images_and_labels

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
"""The names of CIFAR-10's labels 0..9."""

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
    check_split(split)
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
    check_split(split)
    images, labels = read_cifar10_binary(fetch("cifar10", "cifar-10-binary.tar.gz", progress), split)
    X, y = images_and_labels(images, labels, f"CIFAR-10 {split}")
    return (X.reshape(len(X), -1) if flatten else X), y

