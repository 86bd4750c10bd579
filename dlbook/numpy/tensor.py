"""Arrays of the NumPy backend: dtype, device and conversion.

float32 by default, as torch; `set_default_dtype(np.float64)` for gradient checks.
"""

import contextlib
import math

import numpy as np

device = "cpu"
_default_dtype = np.dtype(np.float32)


def _as_numpy_dtype(dtype):
    """np.float64, 'float64', or torch.float64 (by its name) -> np.dtype."""
    text = str(dtype)
    return np.dtype(text.replace("torch.", "") if text.startswith("torch.") else dtype)


def set_default_dtype(dtype):
    """Set the floating dtype of new parameters and of asarray on float data (float32 or float64)."""
    global _default_dtype
    dtype = _as_numpy_dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"default dtype must be float32 or float64, got {dtype}")
    _default_dtype = dtype


def get_default_dtype():
    """The floating dtype of new parameters (np.float32 unless set)."""
    return _default_dtype


def _host_array(x):
    """A NumPy view of x: arrays, lists, scalars, or (duck-typed) CPU/GPU torch tensors."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor, without importing torch
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def asarray(x, dtype=None):
    """A backend array: floating data in the default dtype, integers as int64, bools kept."""
    array = _host_array(x)
    if dtype is not None:
        return array.astype(_as_numpy_dtype(dtype), copy=False)
    if array.dtype.kind == "f":
        return array.astype(_default_dtype, copy=False)
    if array.dtype.kind in "iu":
        return array.astype(np.int64, copy=False)
    return array


def to_numpy(x):
    """A NumPy array holding x (a backend array, a Parameter, or anything array-like)."""
    return _host_array(getattr(x, "data", x) if hasattr(x, "grad") else x)


def is_finite(x):
    """True when x holds no NaN or inf. One reduction first (NaN and inf survive a sum); an
    elementwise pass only when the sum is not finite, which a finite sum that overflowed also gives."""
    if x.dtype.kind != "f" or x.size == 0:
        return True
    if math.isfinite(x.sum(dtype=np.float64)):          # float64: a float32 sum cannot overflow
        return True
    return bool(np.isfinite(x).all())


@contextlib.contextmanager
def no_grad():
    """As torch.no_grad; the NumPy backend keeps no graph, so this only marks intent."""
    yield
