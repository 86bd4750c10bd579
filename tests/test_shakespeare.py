"""Tiny Shakespeare, shipped with the package: it loads offline, is checked by SHA-256 on every load
(a modified copy is refused, naming the file), is installed with the package, and splits by position."""

import fnmatch
import gzip
import hashlib
import tomllib
from pathlib import Path

import pytest

import dlbook.data
from dlbook.data import (
    TINY_SHAKESPEARE_FILE,
    TINY_SHAKESPEARE_LENGTH,
    TINY_SHAKESPEARE_SHA256,
    CorruptDataError,
    load_tiny_shakespeare,
    split_text,
    tiny_shakespeare_split,
)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def text():
    return load_tiny_shakespeare()


def test_the_corpus_loads_whole_and_as_published(text):
    assert len(text) == TINY_SHAKESPEARE_LENGTH == 1_115_394
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == TINY_SHAKESPEARE_SHA256
    assert text.startswith("First Citizen:\nBefore we proceed any further, hear me speak.")
    assert len(set(text)) == 65


def test_the_corpus_ships_compressed_inside_the_package():
    package = Path(dlbook.data.__file__).parent
    assert TINY_SHAKESPEARE_FILE.parent.parent == package
    assert 300_000 < TINY_SHAKESPEARE_FILE.stat().st_size < 500_000        # gzip: about 430 KB, not 1.1 MB


def test_pyproject_installs_the_corpus_with_the_package():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = config["package-data"]["dlbook.data"]
    shipped = TINY_SHAKESPEARE_FILE.relative_to(Path(dlbook.data.__file__).parent).as_posix()
    assert any(fnmatch.fnmatch(shipped, pattern) for pattern in patterns), (shipped, patterns)
    assert any(fnmatch.fnmatch("dlbook.data", include) for include in config["packages"]["find"]["include"])


def test_a_modified_copy_is_refused_naming_the_file(tmp_path, text):
    modified = tmp_path / "tinyshakespeare.txt.gz"
    modified.write_bytes(gzip.compress(text.replace("Citizen", "Citizan", 1).encode("utf-8")))
    with pytest.raises(CorruptDataError, match="SHA-256") as error:
        load_tiny_shakespeare(modified)
    assert str(modified) in str(error.value)
    same = tmp_path / "same.txt.gz"                      # the check passes on an unmodified copy
    same.write_bytes(gzip.compress(text.encode("utf-8")))
    assert load_tiny_shakespeare(same) == text


@pytest.mark.parametrize("content", [b"", b"not gzip at all", gzip.compress(b"First Citizen:", mtime=0)[:20]],
                         ids=["empty", "not gzip at all", "truncated gzip"])
def test_a_file_that_is_not_gzip_is_refused_naming_the_file(tmp_path, content):
    broken = tmp_path / "broken.gz"
    broken.write_bytes(content)
    with pytest.raises(CorruptDataError, match="broken.gz"):
        load_tiny_shakespeare(broken)


def test_the_split_is_by_position_90_10(text):
    train, val = tiny_shakespeare_split()
    assert (len(train), len(val)) == (1_003_855, 111_539)
    assert train + val == text
    assert val.startswith(text[1_003_855:1_003_900])
    split = tiny_shakespeare_split(val_fraction=0.25)
    assert len(split.val) == round(0.25 * len(text)) and split.train == text[:len(split.train)]


def test_split_text_sizes_on_a_small_text():
    assert split_text("abcdefghij", 0.2) == ("abcdefgh", "ij")
    assert split_text("abcdefghij", 0.5).val == "fghij"


@pytest.mark.parametrize("val_fraction", [0, 1, -0.1, 1.5, True, "0.1", float("nan")])
def test_bad_val_fractions_are_refused(val_fraction):
    with pytest.raises(ValueError, match="val_fraction"):
        split_text("abcdefghij", val_fraction)


def test_dlbook_data_exports_the_corpus():
    for name in ("load_tiny_shakespeare", "tiny_shakespeare_split", "split_text", "TextSplit", "CorruptDataError",
                 "TINY_SHAKESPEARE_SHA256"):
        assert name in dlbook.data.__all__ and hasattr(dlbook.data, name)
