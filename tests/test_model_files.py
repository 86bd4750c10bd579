"""Model files are data: dlbook.compression.load_state reads numbers stored inside the file and nothing
else. Each construct that could run code or read other files is refused with a ModelFileError that
names the file and the part; so is each way a file can be truncated or edited."""

import json
import struct

import h5py
import numpy as np
import pytest

from dlbook import compression
from dlbook.compression import ModelFileError

SECRET = b"the contents of some other local file"


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret.bin"
    path.write_bytes(SECRET)
    return path


def refused(path, *parts):
    """load_state(path) raises ModelFileError whose message names the file and every one of parts."""
    with pytest.raises(ModelFileError) as error:
        compression.load_state(path)
    message = str(error.value)
    assert str(path) in message and all(part in message for part in parts), message
    return message


def test_every_format_round_trips_a_state_of_numbers(tmp_path):
    state = {"weight": np.arange(12, dtype=np.float32).reshape(3, 4), "bias": np.ones(3, np.float32),
             "num_batches_tracked": np.array(7, np.int64), "mask": np.array([True, False])}
    for suffix in compression.FORMATS:
        compression.save_state(state, tmp_path / f"model{suffix}")
        loaded = compression.load_state(tmp_path / f"model{suffix}")
        assert list(loaded) == list(state) or set(loaded) == set(state)
        for name, value in state.items():
            assert loaded[name].dtype == value.dtype and loaded[name].shape == value.shape
            np.testing.assert_array_equal(loaded[name], value)


# ---------------------------------------------------------------- HDF5


def test_hdf5_external_raw_storage_is_refused_and_never_read(tmp_path, secret):
    path = tmp_path / "model.h5"
    with h5py.File(path, "w") as file:
        file.create_dataset("weight", shape=(len(SECRET),), dtype=np.uint8, external=[(str(secret), 0, len(SECRET))])
    with h5py.File(path, "r") as file:                       # h5py itself would hand over the other file
        assert bytes(file["weight"][()]) == SECRET
    refused(path, "'weight'", "external files", str(secret))


def test_hdf5_external_link_is_refused(tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as file:
        file["data"] = np.arange(3.0)
    path = tmp_path / "model.h5"
    with h5py.File(path, "w") as file:
        file["weight"] = h5py.ExternalLink(str(other), "/data")
    refused(path, "'weight'", "external link")


def test_hdf5_soft_link_is_refused(tmp_path):
    path = tmp_path / "model.h5"
    with h5py.File(path, "w") as file:
        file["hidden/data"] = np.arange(3.0)
        file["weight"] = h5py.SoftLink("/hidden/data")
    message = refused(path)
    assert "'hidden'" in message or "'weight'" in message


def test_hdf5_virtual_dataset_is_refused(tmp_path):
    source = tmp_path / "source.h5"
    with h5py.File(source, "w") as file:
        file["data"] = np.arange(4.0)
    layout = h5py.VirtualLayout(shape=(4,), dtype=np.float64)
    layout[:] = h5py.VirtualSource(str(source), "data", shape=(4,))
    path = tmp_path / "model.h5"
    with h5py.File(path, "w") as file:
        file.create_virtual_dataset("weight", layout)
    refused(path, "'weight'", "virtual")


@pytest.mark.parametrize("make", [
    lambda file: file.create_dataset("name", data="a string"),
    lambda file: file.create_dataset("name", data=np.array([b"bytes"], dtype="S5")),
    lambda file: file.create_dataset("name", data=np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")])),
    lambda file: file.create_dataset("name", data=np.array([1 + 2j])),
], ids=["string", "bytes", "compound", "complex"])
def test_hdf5_non_numeric_datasets_are_refused(tmp_path, make):
    path = tmp_path / "model.h5"
    with h5py.File(path, "w") as file:
        make(file)
    refused(path, "'name'", "not numbers")


def test_hdf5_groups_are_refused(tmp_path):
    path = tmp_path / "model.h5"
    with h5py.File(path, "w") as file:
        file["layer/weight"] = np.ones(2)
    refused(path, "'layer'", "Group")


def test_a_file_named_h5_that_is_not_hdf5_is_refused(tmp_path):
    path = tmp_path / "model.h5"
    path.write_bytes(b"not hdf5 at all")
    refused(path, "not an HDF5 file")


# ---------------------------------------------------------------- npz


def test_a_pickled_object_array_in_an_npz_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, weight=np.ones(2), payload=np.array([{"could": "run code"}], dtype=object))
    refused(path, "'payload'", "pickle")


def test_an_hdf5_file_named_npz_is_refused_with_what_it_is(tmp_path):
    path = tmp_path / "model.npz"
    with h5py.File(path, "w") as file:
        file["weight"] = np.ones(2)
    message = refused(path, "not an .npz file", "HDF5")
    assert "allow_pickle" not in message


def test_a_truncated_npz_is_refused(tmp_path):
    path = tmp_path / "model.npz"
    compression.save_state({"weight": np.ones((50, 50), np.float32)}, path)
    path.write_bytes(path.read_bytes()[:200])
    refused(path)


# ---------------------------------------------------------------- safetensors


def safetensors_file(path, header, data=b"", length=None):
    raw = json.dumps(header).encode() if isinstance(header, dict) else header
    path.write_bytes(struct.pack("<Q", len(raw) if length is None else length) + raw + data)
    return path


def test_an_oversized_safetensors_header_length_is_refused(tmp_path):
    path = safetensors_file(tmp_path / "model.safetensors", {}, length=2 ** 62)
    refused(path, "header length")


def test_a_safetensors_header_that_is_not_json_is_refused(tmp_path):
    refused(safetensors_file(tmp_path / "model.safetensors", b"{not json"), "not valid JSON")


def test_a_safetensors_file_shorter_than_its_length_field_is_refused(tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"\x01\x02")
    refused(path, "header length missing")


@pytest.mark.parametrize(("entry", "part"), [
    ({"dtype": "F32", "shape": [2], "data_offsets": [0, 800]}, "data_offsets"),
    ({"dtype": "F32", "shape": [4], "data_offsets": [0, 8]}, "needs 16 bytes"),
    ({"dtype": "OBJ", "shape": [2], "data_offsets": [0, 8]}, "dtype 'OBJ'"),
    ({"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}, "shape"),
    ({"dtype": "F32", "shape": [2]}, "data_offsets"),
], ids=["outside-the-data", "wrong-size", "unknown-dtype", "negative-shape", "no-offsets"])
def test_a_safetensors_entry_that_does_not_fit_the_file_is_refused(tmp_path, entry, part):
    path = safetensors_file(tmp_path / "model.safetensors", {"weight": entry}, data=b"\x00" * 8)
    refused(path, "'weight'", part)


def test_a_truncated_safetensors_file_is_refused(tmp_path):
    path = tmp_path / "model.safetensors"
    compression.save_state({"weight": np.ones((10, 10), np.float32)}, path)
    path.write_bytes(path.read_bytes()[:-40])
    refused(path, "'weight'", "data_offsets")


# ---------------------------------------------------------------- packed states


@pytest.fixture
def packed():
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((16, 8)).astype(np.float32)
    weight[np.abs(weight) < 0.8] = 0                              # pruned
    return compression.pack_state({"0.weight": weight, "0.bias": np.ones(16, np.float32)}, bits=4)


def test_a_packed_state_round_trips_through_an_npz_file(tmp_path, packed):
    compression.save_state(packed, tmp_path / "packed.npz")
    loaded = compression.load_state(tmp_path / "packed.npz")
    for name, value in compression.unpack_state(packed).items():
        np.testing.assert_array_equal(compression.unpack_state(loaded)[name], value)


def test_a_truncated_values_array_is_refused(packed):
    with pytest.raises(ModelFileError, match="checksum"):
        compression.unpack_state(packed | {"values": packed["values"][:-1]})


def test_an_edited_header_is_refused(packed):
    header = json.loads(bytes(packed["header"]).decode()) | {"bits": 8}
    edited = packed | {"header": np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)}
    with pytest.raises(ModelFileError, match="checksum"):
        compression.unpack_state(edited)


def test_lengths_are_checked_even_when_the_checksum_was_recomputed(packed):
    edited = packed | {"values": packed["values"][:-1]}
    edited["checksum"] = compression.checksum(edited)
    with pytest.raises(ModelFileError, match="part 'values' holds"):
        compression.unpack_state(edited, source="model.npz")


def test_a_packed_state_without_its_checksum_is_refused(packed):
    without = {name: value for name, value in packed.items() if name != "checksum"}
    with pytest.raises(ModelFileError, match=r"missing.*checksum|checksum.*missing|\['checksum'\]"):
        compression.unpack_state(without)
