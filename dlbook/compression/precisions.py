"""One state in three precisions: float32, float16 and int8 (weights quantized per output channel,
biases kept in float32), written as uncompressed .npz files, their sizes, and the way back to float32.

    sizes = state_dict_file_sizes(state, folder)     # {'float32': bytes, 'float16': ..., 'int8': ...}
    state = float32_state(read_npz(folder / "int8.npz"))
"""

from pathlib import Path

import numpy as np

from .pruning import prunable_names
from .quantization import dequantize, quantize


def float16_state(state):
    """Every floating array of a state {name: NumPy array} in float16 (half the bytes; about 3 significant
    digits, largest value 65504)."""
    return {name: value.astype(np.float16) if value.dtype.kind == "f" else value for name, value in state.items()}


def int8_state(state):
    """The arrays of an int8 model file: each weight matrix or filter w (ndim >= 2) as three arrays,
    '<name>.q' (int8), '<name>.scale' and '<name>.zero_point' (one per output channel), with
    w ~ scale * (q - zero_point) (dlbook.compression.quantize); biases (1-D, few) stay float32."""
    weights, arrays = set(prunable_names(state)), {}
    for name, value in state.items():
        if name in weights:
            q, scale, zero_point = quantize(value, bits=8, per_channel=True)
            arrays |= {f"{name}.q": q, f"{name}.scale": scale, f"{name}.zero_point": zero_point}
        else:
            arrays[name] = np.asarray(value, dtype=np.float32)
    return arrays


def float32_state(arrays):
    """A float32 state from the arrays of any of the three files: int8 weights dequantized
    (scale * (q - zero_point)), float16 arrays widened. Inverts float16_state and int8_state."""
    state = {}
    for name, value in arrays.items():
        if name.endswith(".q"):
            base = name.removesuffix(".q")
            state[base] = dequantize(value, arrays[f"{base}.scale"], arrays[f"{base}.zero_point"])
        elif not name.endswith((".scale", ".zero_point")):
            state[name] = np.asarray(value, dtype=np.float32)
    return state


def state_dict_file_sizes(state, folder):
    """Write a float32 state {name: NumPy array} to `folder` three ways with np.savez (uncompressed):
    float32.npz, float16.npz (float16_state) and int8.npz (int8_state).
    Returns {'float32': bytes, 'float16': bytes, 'int8': bytes}, the sizes of the files."""
    folder = Path(folder)
    files = {"float32": state, "float16": float16_state(state), "int8": int8_state(state)}
    sizes = {}
    for label, arrays in files.items():
        path = folder / f"{label}.npz"
        np.savez(path, **arrays)
        sizes[label] = path.stat().st_size
    return sizes


def state_bytes(state):
    """The bytes of the numbers alone: sum of array.nbytes (what a file holds besides its headers)."""
    return sum(np.asarray(value).nbytes for value in state.values())
