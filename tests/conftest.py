"""Shared fixtures: `dl` runs a test once per backend; `dl_np` / `dl_torch` name one; `torch` is the
torch module for the tests that compare with torch.nn (skipped, alone, when torch is missing: the NumPy
reference's own tests never import torch); `float64` makes float64 the default dtype of a test."""

import numpy as np
import pytest

import dlbook

BACKENDS = ["numpy", "torch"]


@pytest.fixture(params=BACKENDS)
def dl(request):
    """Each backend in turn (the torch one skipped when torch is missing)."""
    if request.param == "torch":
        pytest.importorskip("torch")
    return dlbook.load(request.param)


@pytest.fixture
def dl_np():
    return dlbook.load("numpy")


@pytest.fixture
def dl_torch():
    pytest.importorskip("torch")
    return dlbook.load("torch")


@pytest.fixture
def torch():
    """The torch module, for a test that needs torch itself (torch.nn as the oracle)."""
    return pytest.importorskip("torch")


@pytest.fixture
def float64():
    """float64 as the default dtype on every backend there is (the autouse fixture below sets float32 back)."""
    set_default_dtype(np.float64)


def set_default_dtype(dtype):
    for name in BACKENDS:
        try:
            dlbook.load(name).set_default_dtype(dtype)
        except ImportError:                      # torch is missing: the NumPy backend alone
            pass


@pytest.fixture(autouse=True)
def _float32_by_default():
    """Every test starts and ends with float32 as the default dtype on both backends."""
    yield
    set_default_dtype(np.float32)
