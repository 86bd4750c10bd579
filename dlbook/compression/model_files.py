"""Model files: a state {name: NumPy array} written as .npz, .safetensors or .h5, and read back safely.

A model file from the internet is data, not code: loading one must neither run anything (no pickle)
nor read anything outside the file. load_state therefore accepts only arrays of numbers (bool, int,
uint, float) stored inside the file itself, and refuses everything else with a ModelFileError that
names the file and the part:

    .npz          a zip of .npy arrays; object arrays (pickles) refused; a file that is not a zip refused
    .safetensors  an 8-byte header length, a JSON header, raw bytes: the length, the JSON, each tensor's
                  dtype, shape and byte range checked against the file before anything is read
    .h5           HDF5 datasets at the top level, reached by hard links only: soft and external links,
                  external raw storage, virtual datasets, groups and non-numeric dtypes refused
"""

import io
import json
import math
import os
import struct
import zipfile
from pathlib import Path

import numpy as np

FORMATS = (".npz", ".safetensors", ".h5")
NUMERIC_KINDS = "biuf"                    # bool, signed and unsigned integers, floats
MAX_SAFETENSORS_HEADER = 100 * 2 ** 20    # bytes; the safetensors format's own limit


class ModelFileError(ValueError):
    """A model file that is not what it claims, or holds something load_state refuses to read."""


def save_state(state, path, compression=None):
    """Write a state {name: NumPy array} to path, in the format its suffix names:
    .npz (np.savez_compressed), .safetensors (safetensors.numpy) or .h5 (HDF5 via h5py;
    compression='gzip' compresses each array). Returns the file's size in bytes."""
    path = Path(path)
    state = {name: np.asarray(value, order="C") for name, value in state.items()}     # 0-d arrays stay 0-d
    if path.suffix == ".npz":
        with open(path, "wb") as file:                      # a file object: savez adds no suffix
            np.savez_compressed(file, **state)
    elif path.suffix == ".safetensors":
        from safetensors.numpy import save_file

        save_file(state, str(path))
    elif path.suffix == ".h5":
        import h5py

        with h5py.File(path, "w", track_order=True) as file:
            for name, value in state.items():
                file.create_dataset(name, data=value, compression=compression if value.ndim else None)
    else:
        raise ValueError(f"unknown model file format {path.suffix!r}: use one of {FORMATS}")
    return os.path.getsize(path)


def load_state(path):
    """Read a state {name: NumPy array} written by save_state, safely (see the module's docstring):
    never unpickles, never follows a link or a storage reference out of the file, returns numbers only."""
    path = Path(path)
    readers = {".npz": read_npz, ".safetensors": read_safetensors, ".h5": read_hdf5}
    if path.suffix not in readers:
        raise ValueError(f"unknown model file format {path.suffix!r}: use one of {FORMATS}")
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    return readers[path.suffix](path)


def check_numeric(path, name, dtype):
    """Raise ModelFileError unless dtype holds plain numbers (bool, int, uint, float)."""
    if np.dtype(dtype).kind not in NUMERIC_KINDS:
        raise ModelFileError(f"{path}: array {name!r} has dtype {dtype}, not numbers: refused "
                             f"(a model file holds bool, int, uint or float arrays only)")


def read_npz(path):
    """The arrays of an .npz file, refusing object arrays (pickles) and files that are not zips."""
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as file:
            start = file.read(8)
        kind = " (it is an HDF5 file: name it .h5)" if start.startswith(b"\x89HDF") else ""
        raise ModelFileError(f"{path}: not an .npz file (no zip archive; starts with {start!r}){kind}")
    state = {}
    with np.load(path, allow_pickle=False) as arrays:
        for name in arrays.files:
            try:
                value = arrays[name]
            except ValueError as error:                     # NumPy: object arrays need allow_pickle
                raise ModelFileError(f"{path}: array {name!r} holds Python objects (a pickle): refused") from error
            except (OSError, zipfile.BadZipFile, EOFError) as error:
                raise ModelFileError(f"{path}: array {name!r} cannot be read: {error}") from error
            check_numeric(path, name, value.dtype)
            state[name] = value
    return state


SAFETENSORS_DTYPES = {"BOOL": np.bool_, "U8": np.uint8, "I8": np.int8, "U16": np.uint16, "I16": np.int16,
                      "U32": np.uint32, "I32": np.int32, "U64": np.uint64, "I64": np.int64,
                      "F16": np.float16, "F32": np.float32, "F64": np.float64}


def safetensors_header(path, data):
    """The JSON header of a .safetensors file's bytes `data`, checked: a length that fits the file,
    valid UTF-8 JSON, an object of tensors. Returns (header without '__metadata__', offset of the data)."""
    if len(data) < 8:
        raise ModelFileError(f"{path}: header length missing ({len(data)} bytes; a .safetensors file starts with "
                             f"8 bytes giving the header's length)")
    (length,) = struct.unpack("<Q", data[:8])
    if length > MAX_SAFETENSORS_HEADER or 8 + length > len(data):
        raise ModelFileError(f"{path}: header length {length} bytes does not fit the file "
                             f"({len(data)} bytes, at most {MAX_SAFETENSORS_HEADER} for the header)")
    try:
        header = json.loads(data[8:8 + length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path}: header is not valid JSON: {error}") from error
    if not isinstance(header, dict):
        raise ModelFileError(f"{path}: header is not a JSON object of tensors")
    header.pop("__metadata__", None)
    return header, 8 + length


def safetensors_array(path, name, entry, buffer):
    """One tensor of a safetensors header entry {'dtype', 'shape', 'data_offsets'}, read from buffer."""
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise ModelFileError(f"{path}: header entry {name!r} must hold dtype, shape and data_offsets, got {entry!r}")
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if dtype not in SAFETENSORS_DTYPES:
        raise ModelFileError(f"{path}: tensor {name!r} has dtype {dtype!r}: refused "
                             f"(expected one of {sorted(SAFETENSORS_DTYPES)})")
    if not (isinstance(shape, list) and all(isinstance(n, int) and n >= 0 for n in shape)):
        raise ModelFileError(f"{path}: tensor {name!r} has shape {shape!r}, not a list of sizes")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(n, int) for n in offsets)
            and 0 <= offsets[0] <= offsets[1] <= len(buffer)):
        raise ModelFileError(f"{path}: tensor {name!r} has data_offsets {offsets!r}, outside the "
                             f"{len(buffer)} bytes of data")
    item = np.dtype(SAFETENSORS_DTYPES[dtype]).newbyteorder("<")
    expected = math.prod(shape) * item.itemsize
    if offsets[1] - offsets[0] != expected:
        raise ModelFileError(f"{path}: tensor {name!r} of shape {tuple(shape)} and dtype {dtype} needs {expected} "
                             f"bytes, its data_offsets {offsets} span {offsets[1] - offsets[0]}")
    return np.frombuffer(buffer[offsets[0]:offsets[1]], dtype=item).reshape(shape).astype(item.newbyteorder("="))


def read_safetensors(path):
    """The tensors of a .safetensors file, each checked against the file's bytes before it is read."""
    data = Path(path).read_bytes()
    header, start = safetensors_header(path, data)
    buffer = memoryview(data)[start:]
    return {name: safetensors_array(path, name, entry, buffer) for name, entry in header.items()}


def read_hdf5(path):
    """The top-level datasets of an HDF5 file, refusing anything that would read outside it."""
    import h5py

    if not h5py.is_hdf5(path):
        raise ModelFileError(f"{path}: not an HDF5 file")
    state = {}
    with h5py.File(path, "r") as file:
        for name in file:
            state[name] = hdf5_dataset(path, file, name)
    return state


def hdf5_dataset(path, file, name):
    """file[name] as a NumPy array, if it is a numeric dataset stored inside the file (see load_state)."""
    import h5py

    link = file.get(name, getlink=True)
    if isinstance(link, h5py.ExternalLink):
        raise ModelFileError(f"{path}: dataset {name!r} is an external link to {link.filename}:{link.path}: refused "
                             f"(a model file may only hold its own data)")
    if isinstance(link, h5py.SoftLink):
        raise ModelFileError(f"{path}: dataset {name!r} is a soft link to {link.path}: refused (hard links only)")
    item = file[name]
    if not isinstance(item, h5py.Dataset):
        raise ModelFileError(f"{path}: {name!r} is a {type(item).__name__}, not a dataset: refused "
                             f"(a model file holds its arrays at the top level)")
    if item.is_virtual:
        raise ModelFileError(f"{path}: dataset {name!r} is a virtual dataset (its data lives in other files): refused")
    if item.external:
        files = sorted({str(entry[0]) for entry in item.external})
        raise ModelFileError(f"{path}: dataset {name!r} keeps its data in external files {files}: refused")
    check_numeric(path, name, item.dtype)
    return item[()]


def npz_bytes(state):
    """The size in bytes of np.savez_compressed(state), written to memory (no file)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **state)
    return buffer.getbuffer().nbytes


def size_table(sizes, reference):
    """A plain-text table of file sizes {label: bytes}: kilobytes, and how many times smaller than
    sizes[reference] each file is."""
    width = max(len(label) for label in sizes)
    lines = [f"{'file':<{width}}  {'KB':>6}  {'x smaller':>9}"]
    lines += [f"{label:<{width}}  {size / 1000:>6.1f}  {sizes[reference] / size:>9.1f}"
              for label, size in sizes.items()]
    return "\n".join(lines)
