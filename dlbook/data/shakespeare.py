"""Tiny Shakespeare, shipped with the package: the usual corpus of small character-level language models.

A subset of Shakespeare's plays (public domain), 1 115 394 characters of ASCII text, as distributed in
the char-rnn repository (data/tinyshakespeare/input.txt). It lives gzip-compressed in
dlbook/data/files/tinyshakespeare.txt.gz (about 430 KB) and is checked against the SHA-256 of the
uncompressed text every time it is loaded. Nothing is downloaded.
"""

import gzip
import hashlib
from numbers import Real
from pathlib import Path
from typing import NamedTuple

TINY_SHAKESPEARE_FILE = Path(__file__).parent / "files" / "tinyshakespeare.txt.gz"
TINY_SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
TINY_SHAKESPEARE_LENGTH = 1_115_394  # characters (= bytes: the text is ASCII)


class CorruptDataError(ValueError):
    """A shipped data file is not what the package expects (it was modified, truncated or replaced)."""


class TextSplit(NamedTuple):
    """A text cut by position: the first part to train on, the rest to validate on (unpack in this order)."""

    train: str
    val: str


def load_tiny_shakespeare(path=None):
    """The whole of Tiny Shakespeare as one str (1 115 394 characters, 65 distinct ones).

    path: a gzip file to read instead of the shipped one (the tests use it to feed a modified copy).
    The uncompressed bytes are checked against TINY_SHAKESPEARE_SHA256 on every load; a file that does
    not match (or is not gzip at all) raises CorruptDataError naming the file.
    """
    path = Path(TINY_SHAKESPEARE_FILE if path is None else path)
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as error:
        raise CorruptDataError(f"{path} is not a readable gzip file ({error}); reinstall dlbook to restore it") \
            from error
    digest = hashlib.sha256(data).hexdigest()
    if digest != TINY_SHAKESPEARE_SHA256:
        raise CorruptDataError(f"{path} does not hold Tiny Shakespeare: the SHA-256 of its text is {digest}, "
                               f"expected {TINY_SHAKESPEARE_SHA256}; reinstall dlbook to restore it")
    return data.decode("utf-8")


def split_text(text, val_fraction=0.1):
    """Cut `text` by position: TextSplit(train=the first 1 - val_fraction of it, val=the rest).

    Not shuffled: a language model is validated on text it has not seen in any window, so the last part
    is held out whole. len(val) = round(val_fraction * len(text)); val_fraction must lie in (0, 1).
    """
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, Real) or not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be a number in (0, 1), got {val_fraction!r}")
    cut = len(text) - round(val_fraction * len(text))
    return TextSplit(text[:cut], text[cut:])


def tiny_shakespeare_split(val_fraction=0.1):
    """Tiny Shakespeare cut by position: TextSplit(train, val), the first 90% and the last 10% by default
    (1 003 855 and 111 539 characters), as is customary for this corpus."""
    return split_text(load_tiny_shakespeare(), val_fraction)
