"""Tensors of the torch backend: device (CUDA > MPS > CPU, DLBOOK_DEVICE overrides), dtype, conversion."""

import os

import numpy as np
import torch


def available_devices():
    """The torch devices of this machine in the order dlbook prefers them: every CUDA GPU
    ('cuda:0', 'cuda:1', ...), then Apple's 'mps', then 'cpu' (always last, always there)."""
    devices = [f"cuda:{index}" for index in range(torch.cuda.device_count())] if torch.cuda.is_available() else []
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
    return devices + ["cpu"]


def pick_device():
    """DLBOOK_DEVICE if set ('cpu', 'cuda', 'cuda:1', 'mps'), else CUDA, then MPS, then the CPU.

    A DLBOOK_DEVICE that is no device of this machine (a typo, 'cuda' without a GPU, 'cuda:1' with one GPU)
    raises ValueError here, when dlbook.torch is imported, naming the variable, its value and the devices
    there are, rather than a torch error at the first tensor."""
    requested = os.environ.get("DLBOOK_DEVICE", "").strip()
    available = available_devices()
    if requested:
        choices = ", ".join(repr(name) for name in available)
        try:
            device = torch.device(requested)
        except (RuntimeError, ValueError):
            raise ValueError(f"DLBOOK_DEVICE={requested!r} is not a torch device name: this machine has {choices} "
                             f"(or unset DLBOOK_DEVICE to take the first)") from None
        name = f"{device.type}:{device.index or 0}" if device.type == "cuda" else device.type
        if name not in available:
            raise ValueError(f"DLBOOK_DEVICE={requested!r} is not a device of this machine: it has {choices} "
                             f"(or unset DLBOOK_DEVICE to take the first)")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if "mps" in available:
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

