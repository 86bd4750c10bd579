"""dlbook: the companion package of the book.

    import dlbook
    dl = dlbook.load()          # "numpy" (default) or "torch", from DLBOOK_BACKEND
    dlbook.manual_seed(0)       # every layer built without seed= draws the same on every run

Both backends export the same names with the same signatures, modelled on
torch.nn and torch.optim.
"""

import importlib
import os

from .core.init import manual_seed as manual_seed  # seed=None draws, both backends: dlbook.core.init's rule

__version__ = "0.1.0"

BACKENDS = ("numpy", "torch")


def load(name=None):
    """Return the backend module `dlbook.numpy` or `dlbook.torch`.

    name: "numpy" or "torch"; None reads DLBOOK_BACKEND (default "numpy").
    """
    name = (name or os.environ.get("DLBOOK_BACKEND") or "numpy").strip().lower()
    if name not in BACKENDS:
        raise ValueError(f"unknown dlbook backend {name!r}: choose one of {BACKENDS} (DLBOOK_BACKEND)")
    return importlib.import_module(f"dlbook.{name}")


def backend_of(obj):
    """The backend module that made `obj` (a module, layer, loss or optimizer of either backend).

    The convention of the whole package: a function that builds layers takes the backend `dl` as its
    first argument; a function given a model, loss or optimizer reads the backend off it, once, with
    backend_of. The answer is remembered per class, so the lookup is one dict read."""
    cls = type(obj)
    backend = _BACKEND_OF_CLASS.get(cls)
    if backend is None:
        backend = _BACKEND_OF_CLASS[cls] = _find_backend(cls)
    return backend


_BACKEND_OF_CLASS = {}


def _find_backend(cls):
    for base in cls.__mro__:
        package = base.__module__.split(".")[:2]
        if package[0] == "dlbook" and len(package) == 2 and package[1] in BACKENDS:
            return load(package[1])
    raise TypeError(f"{cls.__name__} does not come from a dlbook backend")
