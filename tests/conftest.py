"""Shared fixtures: `dl` runs a test once per backend; `dl_np` / `dl_torch` name one."""

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


@pytest.fixture(autouse=True)
def _float32_by_default():
    """Every test starts and ends with float32 as the default dtype on both backends."""
    yield
    dlbook.load("numpy").set_default_dtype(np.float32)
    try:
        dlbook.load("torch").set_default_dtype(np.float32)
    except ImportError:
        pass
