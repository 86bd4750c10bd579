"""Downloaded datasets: the IDX and CIFAR-10 binary parsers on small files written here in the real
formats, loading from the cache, mirrors and checksums, and the offline error. Never touches the
network: every test runs with pooch's HTTP download replaced (failing unless a test says otherwise)."""

import gzip
import hashlib
import io
import struct
import tarfile

import numpy as np
import pooch
import pytest
import requests

from dlbook import data

# ---------------------------------------------------------------- writers of the real formats


def idx_bytes(array):
    """The IDX encoding of an array: 0, 0, type code, ndim, big-endian sizes, big-endian values."""
    code = {np.dtype(dtype).newbyteorder("="): code for code, dtype in data.IDX_DTYPES.items()}[array.dtype]
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx_gz(path, array):
    path.write_bytes(gzip.compress(idx_bytes(array)))
    return path


def cifar_records(images, labels):
    """CIFAR-10 binary records: per image, its label byte, then its R, G and B planes."""
    return np.concatenate([labels[:, None], images.reshape(len(images), -1)], axis=1).astype(np.uint8).tobytes()


def write_cifar_tar(path, batches):
    """A cifar-10-binary.tar.gz holding cifar-10-batches-bin/<name> for each (name, bytes) in batches."""
    with tarfile.open(path, "w:gz") as archive:
        for name, raw in batches.items():
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return path


def random_images(n, shape, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, *shape), dtype=np.uint8), rng.integers(0, 10, size=n).astype(np.uint8)


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path):
    """Every HTTP download fails as it does offline; the cache is an empty temporary folder."""
    calls = []

    def offline(self, url, output_file, pooch, check_only=False):
        calls.append(url)
        raise requests.exceptions.ConnectionError(f"no network (test): {url}")

    monkeypatch.setattr(pooch.downloaders.HTTPDownloader, "__call__", offline)
    monkeypatch.setenv("DLBOOK_DATA", str(tmp_path / "cache"))
    return calls


def cache_files(monkeypatch, dataset, files):
    """Put files (name -> bytes) in the cache of `dataset` and make their hashes the official ones."""
    folder = data.data_dir() / data.REMOTE_DATASETS[dataset].folder
    folder.mkdir(parents=True)
    for name, raw in files.items():
        (folder / name).write_bytes(raw)
    hashes = {name: hashlib.sha256(raw).hexdigest() for name, raw in files.items()}
    monkeypatch.setitem(data.REMOTE_DATASETS, dataset, data.REMOTE_DATASETS[dataset]._replace(sha256=hashes))
    return folder


# ---------------------------------------------------------------- IDX


def test_read_idx_reads_back_a_gzipped_mnist_style_image_file(tmp_path):
    images, labels = random_images(5, (28, 28), seed=0)
    np.testing.assert_array_equal(data.read_idx(write_idx_gz(tmp_path / "images.gz", images)), images)
    np.testing.assert_array_equal(data.read_idx(write_idx_gz(tmp_path / "labels.gz", labels)), labels)


def test_read_idx_reads_an_uncompressed_file(tmp_path):
    images, _ = random_images(3, (4, 5), seed=1)
    (tmp_path / "images").write_bytes(idx_bytes(images))
    np.testing.assert_array_equal(data.read_idx(tmp_path / "images"), images)


@pytest.mark.parametrize("dtype", [">i2", ">i4", ">f4", ">f8", "i1"])
def test_parse_idx_reads_every_type_in_native_byte_order(dtype):
    array = (np.arange(24).reshape(2, 3, 4) - 12).astype(np.dtype(dtype).newbyteorder("="))
    parsed = data.parse_idx(idx_bytes(array))
    np.testing.assert_array_equal(parsed, array)
    assert parsed.dtype.isnative and parsed.shape == (2, 3, 4)


def test_parse_idx_refuses_bytes_that_are_not_idx():
    with pytest.raises(ValueError, match="not an IDX file"):
        data.parse_idx(b"PK\x03\x04 a zip file")


def test_parse_idx_refuses_a_truncated_file():
    raw = idx_bytes(np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="truncated or corrupt"):
        data.parse_idx(raw[:-1])


# ---------------------------------------------------------------- CIFAR-10 binary


def test_parse_cifar10_records_splits_label_and_rgb_planes():
    images, labels = random_images(4, (3, 32, 32), seed=2)
    parsed_images, parsed_labels = data.parse_cifar10_records(cifar_records(images, labels))
    np.testing.assert_array_equal(parsed_images, images)
    np.testing.assert_array_equal(parsed_labels, labels)


def test_cifar10_record_holds_red_then_green_then_blue():
    image = np.zeros((1, 3, 32, 32), np.uint8)
    image[0, 0], image[0, 1], image[0, 2] = 10, 20, 30
    raw = cifar_records(image, np.array([7], np.uint8))
    assert raw[0] == 7 and raw[1] == 10 and raw[1 + 1024] == 20 and raw[1 + 2048] == 30


def test_parse_cifar10_records_refuses_partial_records_and_bad_labels():
    images, labels = random_images(2, (3, 32, 32), seed=3)
    with pytest.raises(ValueError, match="whole number"):
        data.parse_cifar10_records(cifar_records(images, labels)[:-5])
    with pytest.raises(ValueError, match="labels lie in 0..9"):
        data.parse_cifar10_records(cifar_records(images, np.array([3, 10], np.uint8)))


def tiny_cifar_batches():
    batches = {name: random_images(2, (3, 32, 32), seed=i) for i, name in
               enumerate(data.CIFAR10_BATCHES["train"] + data.CIFAR10_BATCHES["test"])}
    return batches, {name: cifar_records(*batch) for name, batch in batches.items()}


def test_read_cifar10_binary_reads_the_five_training_batches_in_order_and_the_test_batch(tmp_path):
    batches, raw = tiny_cifar_batches()
    path = write_cifar_tar(tmp_path / "cifar-10-binary.tar.gz", raw)
    images, labels = data.read_cifar10_binary(path, "train")
    expected = [batches[name] for name in data.CIFAR10_BATCHES["train"]]
    np.testing.assert_array_equal(images, np.concatenate([batch[0] for batch in expected]))
    np.testing.assert_array_equal(labels, np.concatenate([batch[1] for batch in expected]))
    test_images, test_labels = data.read_cifar10_binary(path, "test")
    np.testing.assert_array_equal(test_images, batches["test_batch.bin"][0])
    assert images.shape == (10, 3, 32, 32) and test_labels.shape == (2,)


def test_read_cifar10_binary_names_a_missing_batch(tmp_path):
    path = write_cifar_tar(tmp_path / "other.tar.gz", {"test_batch.bin": b""})
    with pytest.raises(ValueError, match="no cifar-10-batches-bin/data_batch_1.bin"):
        data.read_cifar10_binary(path, "train")


# ---------------------------------------------------------------- loading from the cache


def mnist_files(n_train=6, n_test=4):
    train_images, train_labels = random_images(n_train, (28, 28), seed=10)
    test_images, test_labels = random_images(n_test, (28, 28), seed=11)
    arrays = {"train-images-idx3-ubyte.gz": train_images, "train-labels-idx1-ubyte.gz": train_labels,
              "t10k-images-idx3-ubyte.gz": test_images, "t10k-labels-idx1-ubyte.gz": test_labels}
    return arrays, {name: gzip.compress(idx_bytes(array)) for name, array in arrays.items()}


@pytest.mark.parametrize("loader", ["mnist", "fashion-mnist"])
def test_idx_datasets_load_from_the_cache_without_downloading(monkeypatch, no_network, loader):
    arrays, files = mnist_files()
    cache_files(monkeypatch, loader, files)
    load = data.load_mnist if loader == "mnist" else data.load_fashion_mnist
    X, y = load("train", progress=False)
    assert (X.shape, X.dtype, y.dtype) == ((6, 784), np.float32, np.int64)
    np.testing.assert_allclose(X, arrays["train-images-idx3-ubyte.gz"].reshape(6, -1) / 255, atol=1e-7)
    np.testing.assert_array_equal(y, arrays["train-labels-idx1-ubyte.gz"])
    X_test, y_test = load("test", flatten=False, progress=False)
    assert X_test.shape == (4, 1, 28, 28) and len(y_test) == 4
    assert no_network == []                                    # nothing was downloaded


@pytest.mark.parametrize("loader", ["mnist", "fashion-mnist"])
def test_idx_labels_out_of_range_are_refused_with_the_label_and_its_index(monkeypatch, no_network, loader):
    arrays, files = mnist_files()
    labels = arrays["train-labels-idx1-ubyte.gz"].copy()
    labels[3] = 200                                            # a corrupt byte: no digit has class 200
    files["train-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(labels))
    cache_files(monkeypatch, loader, files)
    load = data.load_mnist if loader == "mnist" else data.load_fashion_mnist
    with pytest.raises(ValueError, match=r"label 200 at index 3 is out of range: expected labels 0\.\.9"):
        load("train", progress=False)


def test_cifar10_loads_from_the_cache(monkeypatch, no_network, tmp_path):
    batches, raw = tiny_cifar_batches()
    tar = write_cifar_tar(tmp_path / "cifar-10-binary.tar.gz", raw)
    cache_files(monkeypatch, "cifar10", {"cifar-10-binary.tar.gz": tar.read_bytes()})
    X, y = data.load_cifar10("test", flatten=False, progress=False)
    assert (X.shape, X.dtype, y.dtype) == ((2, 3, 32, 32), np.float32, np.int64)
    np.testing.assert_allclose(X * 255, batches["test_batch.bin"][0], atol=1e-4)
    assert data.load_cifar10("train", progress=False)[0].shape == (10, 3072)
    assert no_network == []


def test_a_download_is_checked_and_a_bad_mirror_skipped(monkeypatch):
    _, files = mnist_files()
    good = files["t10k-labels-idx1-ubyte.gz"]
    remote = data.REMOTE_DATASETS["mnist"]
    monkeypatch.setitem(data.REMOTE_DATASETS, "mnist", remote._replace(
        sha256={**remote.sha256, "t10k-labels-idx1-ubyte.gz": hashlib.sha256(good).hexdigest()}))
    served = []

    def mirrors(self, url, output_file, pooch, check_only=False):     # the first mirror serves the wrong bytes
        served.append(url)
        with open(output_file, "wb") as file:
            file.write(good if len(served) > 1 else b"<html>moved</html>")

    monkeypatch.setattr(pooch.downloaders.HTTPDownloader, "__call__", mirrors)
    path = data.fetch("mnist", "t10k-labels-idx1-ubyte.gz", progress=False)
    assert served == [mirror + "t10k-labels-idx1-ubyte.gz" for mirror in remote.mirrors[:2]]
    assert path == data.data_dir() / "mnist" / "t10k-labels-idx1-ubyte.gz" and path.read_bytes() == good


# ---------------------------------------------------------------- offline


def test_offline_and_not_cached_says_what_to_do(no_network):
    with pytest.raises(data.DatasetNotAvailableError) as error:
        data.load_mnist("train", progress=False)
    message, folder = str(error.value), data.data_dir() / "mnist"
    assert f"MNIST is not in the cache {folder} and could not be downloaded (no network?)" in message
    assert str(folder / "train-images-idx3-ubyte.gz") in message and "DLBOOK_DATA" in message
    assert no_network == [mirror + "train-images-idx3-ubyte.gz" for mirror in data.REMOTE_DATASETS["mnist"].mirrors]
    assert isinstance(error.value, FileNotFoundError)


@pytest.mark.parametrize(("load", "title"), [(data.load_fashion_mnist, "Fashion-MNIST"),
                                             (data.load_cifar10, "CIFAR-10")])
def test_every_loader_fails_clearly_offline(load, title):
    with pytest.raises(data.DatasetNotAvailableError, match=f"^{title} is not in the cache"):
        load("test", progress=False)


def test_a_corrupt_cached_file_is_not_used(no_network):
    folder = data.data_dir() / "mnist"
    folder.mkdir(parents=True)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"half a download")
    with pytest.raises(data.DatasetNotAvailableError, match="is not the official file"):
        data.fetch("mnist", "t10k-labels-idx1-ubyte.gz", progress=False)


def test_unknown_datasets_files_and_splits_are_refused():
    with pytest.raises(ValueError, match="unknown dataset"):
        data.fetch("imagenet", "train.tar")
    with pytest.raises(ValueError, match="has no file"):
        data.fetch("mnist", "train.csv")
    with pytest.raises(ValueError, match="split must be one of"):
        data.load_mnist("validation")


def test_every_dataset_has_mirrors_and_sha256_sums():
    for remote in data.REMOTE_DATASETS.values():
        assert len(remote.mirrors) > 1 and all(mirror.endswith("/") for mirror in remote.mirrors)
        assert all(len(digest) == 64 and int(digest, 16) >= 0 for digest in remote.sha256.values())


# ---------------------------------------------------------------- digits, or MNIST for FULL runs


def test_digits_or_mnist_gives_the_digits_by_default():
    split, name = data.digits_or_mnist()
    assert name == "digits" and split.X_train.shape[1] == 64
    assert len(split.X_train) + len(split.X_val) + len(split.X_test) == 1797


def test_digits_or_mnist_falls_back_to_the_digits_with_a_message_when_mnist_is_missing(capsys):
    split, name = data.digits_or_mnist(full=True)
    assert name == "digits" and "MNIST is not available" in capsys.readouterr().out


def test_digits_or_mnist_keeps_mnists_official_test_set(monkeypatch):
    arrays, files = mnist_files(n_train=40, n_test=7)
    cache_files(monkeypatch, "mnist", files)
    split, name = data.digits_or_mnist(full=True, flatten=False, val_fraction=0.25)
    assert name == "MNIST" and split.X_test.shape == (7, 1, 28, 28)
    np.testing.assert_array_equal(split.Y_test, arrays["t10k-labels-idx1-ubyte.gz"])
    assert (len(split.X_train), len(split.X_val)) == (30, 10)
