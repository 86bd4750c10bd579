"""dlbook: the companion package of the book.

    import dlbook
    dl = dlbook.load()          # "numpy" (default) or "torch", from DLBOOK_BACKEND

Both backends export the same names with the same signatures, modelled on
torch.nn and torch.optim.
"""

import importlib
import os

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
    """The backend module that made `obj` (a module, layer, loss or optimizer)."""
    for cls in type(obj).__mro__:
        for name in BACKENDS:
            if cls.__module__.startswith(f"dlbook.{name}"):
                return load(name)
    raise TypeError(f"{type(obj).__name__} does not come from a dlbook backend")
