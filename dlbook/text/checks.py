"""Argument checks shared by the text modules: each names the argument, what it must be, and what came."""

import numpy as np

from ..data.checks import check_count

__all__ = ["as_token_ids", "check_count"]


def as_token_ids(ids, vocab_size=None, name="ids"):
    """`ids` (a sequence or array of token ids, shape (L,)) as an int64 array (L,), checked.

    Raises ValueError unless ids is one-dimensional and integer (an empty sequence is fine), and, when
    vocab_size is given, every id lies in [0, vocab_size): the message names the first bad id and where it is.
    """
    array = np.asarray(ids)
    if array.size == 0 and array.ndim == 1:
        return array.astype(np.int64)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must be a sequence of integer token ids, shape (L,), "
                         f"got {array.dtype} of shape {array.shape}")
    if vocab_size is not None:
        bad = np.flatnonzero((array < 0) | (array >= vocab_size))
        if bad.size:
            raise ValueError(f"{name} must lie in [0, {vocab_size}) (the vocabulary), "
                             f"got {array[bad[0]]} at position {bad[0]}")
    return array.astype(np.int64, copy=False)
