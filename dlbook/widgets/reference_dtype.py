"""The NumPy reference in float64 for an explorer's compute, without changing anyone else's default.

Layers take the dtype of their parameters from the default dtype, and refuse input of another dtype
(as torch does). An explorer that needs float64 precision builds and runs its layers inside float64().
"""

import contextlib

import numpy as np

from .. import numpy as reference


@contextlib.contextmanager
def float64():
    """The NumPy reference in float64 inside the block (its default dtype restored after)."""
    previous = reference.get_default_dtype()
    reference.set_default_dtype(np.float64)
    try:
        yield
    finally:
        reference.set_default_dtype(previous)
