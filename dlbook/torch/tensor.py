"""Tensors of the torch backend: device (CUDA > MPS > CPU, DLBOOK_DEVICE overrides), dtype, conversion."""

import os

import numpy as np
import torch


def pick_device():
    """DLBOOK_DEVICE if set ('cpu', 'cuda', 'cuda:1', 'mps'), else CUDA, then MPS, then the CPU."""
    requested = os.environ.get("DLBOOK_DEVICE", "").strip()
    if requested:
        return torch.device(requested)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


device = pick_device()
no_grad = torch.no_grad
_default_dtype = torch.float32


def _as_torch_dtype(dtype):
    """np.float64, 'float64' or torch.float64 -> torch.float64."""
    if isinstance(dtype, torch.dtype):
        return dtype
    return getattr(torch, np.dtype(dtype).name)


def set_default_dtype(dtype):
    """Set the floating dtype of new parameters and of asarray on float data (float32 or float64);
    also torch's own default, as torch.set_default_dtype."""
    global _default_dtype
    dtype = _as_torch_dtype(dtype)
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"default dtype must be float32 or float64, got {dtype}")
    _default_dtype = dtype
    torch.set_default_dtype(dtype)


def get_default_dtype():
    """The floating dtype of new parameters (torch.float32 unless set)."""
    return _default_dtype


def asarray(x, dtype=None):
    """A tensor on `device`: floating data in the default dtype, integers as int64, bools kept."""
    if isinstance(x, torch.Tensor):
        tensor = x
    else:
        tensor = torch.as_tensor(np.asarray(x))
    if dtype is not None:
        tensor = tensor.to(_as_torch_dtype(dtype))
    elif tensor.is_floating_point():
        tensor = tensor.to(_default_dtype)
    elif tensor.dtype not in (torch.bool,) and not tensor.is_complex():
        tensor = tensor.to(torch.int64)
    return tensor.to(device)


def to_numpy(x):
    """A NumPy array holding x (a tensor, a Parameter, or anything array-like)."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def is_finite(x):
    """True when x holds no NaN or inf. One reduction first, an elementwise pass only if it overflowed."""
    if not x.is_floating_point() or x.numel() == 0:
        return True
    if bool(torch.isfinite(x.detach().sum())):
        return True
    return bool(torch.isfinite(x).all())

