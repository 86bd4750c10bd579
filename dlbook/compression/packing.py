"""A pruned and quantized state, packed: the integer values of its non-zeros plus a bit mask of where
they are, as flat arrays of numbers (nothing to unpickle), with lengths and a checksum that
unpack_state verifies before it builds a single weight."""

import hashlib
import json

import numpy as np

from .model_files import ModelFileError
from .pruning import prunable_names
from .quantization import integer_dtype, integer_range, quantize


def pack_bits(values, bits):
    """Unsigned integers < 2^bits -> bytes holding `bits` bits each (8 values of 4 bits fill 4 bytes)."""
    values = np.asarray(values, dtype=np.uint32)
    bit_planes = (values[:, None] >> np.arange(bits - 1, -1, -1, dtype=np.uint32)) & 1    # most significant first
    return np.packbits(bit_planes.astype(np.uint8).ravel())


def unpack_bits(packed, bits, count):
    """The inverse of pack_bits: `count` unsigned integers of `bits` bits each."""
    bit_planes = np.unpackbits(packed, count=count * bits).reshape(count, bits).astype(np.uint32)
    return bit_planes @ (np.uint32(1) << np.arange(bits - 1, -1, -1, dtype=np.uint32))


def pack_state(state, bits=8, per_channel=False):
    """A pruned state as five flat arrays of numbers (nothing to unpickle):

    - 'header': UTF-8 JSON of the names, shapes, bits and per_channel (how to rebuild the state);
    - 'mask': one bit per prunable weight, 1 where w != 0 (np.packbits over all of them, in order);
    - 'values': the non-zeros quantized to `bits` bits (q - q_min, bit-packed), or float32 for bits=32;
    - 'scales', 'zero_points': one per tensor, or one per output channel (per_channel);
    - 'others': biases and any other 1-D state, float32;
    - 'checksum': sha256 of all the parts (32 bytes), checked by unpack_state with every part's length.
    A pruned zero costs one bit (less once np.savez_compressed deflates the mask), a kept weight
    `bits` bits; unpack_state inverts it."""
    names = list(state)
    weights = prunable_names(state)
    flat = [np.ravel(state[name]) for name in weights]
    keep = np.concatenate(flat + [np.zeros(0)]) != 0
    header = {"names": names, "shapes": [list(np.shape(state[name])) for name in names], "bits": int(bits),
              "per_channel": bool(per_channel)}
    packed = {
        "header": np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8),
        "mask": np.packbits(keep),
        "others": np.concatenate([np.ravel(state[n]) for n in names if n not in weights] + [np.zeros(0)],
                                 dtype=np.float32),
    }
    if bits == 32:
        packed["values"] = np.concatenate(flat + [np.zeros(0)])[keep].astype(np.float32)
        return packed | {"checksum": checksum(packed)}
    q_min = integer_range(bits)[0]
    values, scales, zero_points = [], [], []
    for name, w in zip(weights, flat, strict=True):
        q, scale, zero_point = quantize(state[name], bits, per_channel, axis=0)
        values.append(q.ravel()[w != 0].astype(np.int64) - q_min)           # unsigned: 0 .. 2^bits - 1
        scales.append(scale.ravel())
        zero_points.append(zero_point.ravel())
    packed["values"] = pack_bits(np.concatenate(values), bits)
    packed["scales"] = np.concatenate(scales)
    packed["zero_points"] = np.concatenate(zero_points).astype(integer_dtype(bits))
    return packed | {"checksum": checksum(packed)}


PARTS = ("header", "mask", "others", "values", "scales", "zero_points")


def checksum(packed):
    """sha256 over every part of a packed state (name, dtype, shape and bytes, in a fixed order), as
    32 uint8: stored with the state, so that an edited or truncated part is caught on unpacking."""
    digest = hashlib.sha256()
    for name in PARTS:
        if name in packed:
            value = np.ascontiguousarray(packed[name])
            digest.update(f"{name}:{value.dtype.str}:{value.shape};".encode())
            digest.update(value.tobytes())
    return np.frombuffer(digest.digest(), dtype=np.uint8).copy()


def check_packed(packed, source="packed state"):
    """Raise ModelFileError unless `packed` has every part pack_state writes, its checksum matches, and
    each part's length fits the header. Returns the header (dict)."""
    required = ["header", "mask", "others", "values", "checksum"]
    missing = [name for name in required if name not in packed]
    if missing:
        raise ModelFileError(f"{source}: parts {missing} missing (a packed state holds {required} "
                             f"and, below 32 bits, scales and zero_points)")
    stored = np.asarray(packed["checksum"])
    if stored.shape != (32,) or not np.array_equal(stored.astype(np.uint8), checksum(packed)):
        raise ModelFileError(f"{source}: checksum does not match its contents: a part was edited or truncated")
    try:
        header = json.loads(bytes(np.asarray(packed["header"], dtype=np.uint8)).decode("utf-8"))
        names, shapes, bits, _ = header["names"], header["shapes"], header["bits"], header["per_channel"]
        if not all(isinstance(shape, list) and all(isinstance(n, int) and n >= 0 for n in shape) for shape in shapes):
            raise ValueError(f"shapes must be lists of sizes, got {shapes!r}")
    except (ValueError, KeyError, TypeError) as error:
        raise ModelFileError(f"{source}: header unreadable: {error}") from error
    if bits != 32 and not (isinstance(bits, int) and 2 <= bits <= 16):
        raise ModelFileError(f"{source}: header gives bits={bits!r}, expected 2..16 or 32")
    if len(names) != len(shapes):
        raise ModelFileError(f"{source}: header names {len(names)} arrays but gives {len(shapes)} shapes")
    check_part_lengths(packed, header, source)
    return header


def check_part_lengths(packed, header, source):
    """Raise ModelFileError unless mask, values, scales, zero_points and others have the lengths the header
    implies (a checksum can be recomputed by whoever edits a file; the lengths still have to agree)."""
    shapes = [tuple(shape) for shape in header["shapes"]]
    weight_sizes = [int(np.prod(shape)) for shape in shapes if len(shape) >= 2]
    other_size = sum(int(np.prod(shape)) for shape in shapes if len(shape) < 2)
    expected = {"mask": -(-sum(weight_sizes) // 8), "others": other_size}
    for name, length in expected.items():
        if np.size(packed[name]) != length:
            raise ModelFileError(f"{source}: part {name!r} holds {np.size(packed[name])} entries, the header's "
                                 f"shapes need {length}")
    kept = int(np.unpackbits(np.asarray(packed["mask"], dtype=np.uint8), count=sum(weight_sizes)).sum())
    bits = int(header["bits"])
    values = kept if bits == 32 else -(-kept * bits // 8)
    if np.size(packed["values"]) != values:
        raise ModelFileError(f"{source}: part 'values' holds {np.size(packed['values'])} entries, the mask's "
                             f"{kept} kept weights at {bits} bits need {values}")
    if bits != 32:
        channels = [shape[0] if header["per_channel"] else 1 for shape in shapes if len(shape) >= 2]
        for name in ("scales", "zero_points"):
            if name not in packed or np.size(packed[name]) != sum(channels):
                got = np.size(packed[name]) if name in packed else "none"
                raise ModelFileError(f"{source}: part {name!r} holds {got} entries, expected {sum(channels)} "
                                     f"(one per {'output channel' if header['per_channel'] else 'weight tensor'})")


def unpack_state(packed, source="packed state"):
    """The float32 state a packed one stands for: zeros where the mask is 0, the dequantized values
    elsewhere (at each non-zero exactly dequantize(*quantize(w)) of what pack_state was given)."""
    header = check_packed(packed, source)
    names, bits = header["names"], header["bits"]
    shapes = {name: tuple(shape) for name, shape in zip(names, header["shapes"], strict=True)}
    weights = [name for name in names if len(shapes[name]) >= 2]
    sizes = np.array([int(np.prod(shapes[name])) for name in weights], dtype=np.int64)
    keep = np.unpackbits(packed["mask"], count=int(sizes.sum())).astype(bool)
    flat = np.zeros(keep.size, np.float32)
    if bits == 32:
        flat[keep] = packed["values"]
    else:
        q = unpack_bits(packed["values"], bits, int(keep.sum())).astype(np.float32) + integer_range(bits)[0]
        channels = np.array([shapes[name][0] if header["per_channel"] else 1 for name in weights])
        per_entry = np.repeat(sizes // channels, channels)             # weights that share each scale
        scale = np.repeat(packed["scales"], per_entry)[keep]
        zero_point = np.repeat(packed["zero_points"].astype(np.float32), per_entry)[keep]
        flat[keep] = scale * (q - zero_point)                          # w_hat = scale * (q - zero_point)
    arrays = dict(zip(weights, np.split(flat, np.cumsum(sizes)[:-1]), strict=True))
    other_names = [name for name in names if name not in arrays]
    other_sizes = [int(np.prod(shapes[name])) for name in other_names]
    arrays.update(zip(other_names, np.split(packed["others"], np.cumsum(other_sizes)[:-1]), strict=True))
    return {name: arrays[name].reshape(shapes[name]).astype(np.float32) for name in names}
