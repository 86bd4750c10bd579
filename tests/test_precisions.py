"""dlbook.compression.precisions: one state as float32, float16 and int8 files; their sizes; the way back."""

import numpy as np
import pytest

from dlbook import compression


@pytest.fixture
def state():
    rng = np.random.default_rng(0)
    return {"0.weight": rng.standard_normal((128, 64)).astype(np.float32),
            "0.bias": rng.standard_normal(128).astype(np.float32),
            "2.weight": rng.standard_normal((10, 128)).astype(np.float32),
            "2.bias": rng.standard_normal(10).astype(np.float32)}


def test_float16_state_halves_the_bytes(state):
    assert compression.state_bytes(compression.float16_state(state)) * 2 == compression.state_bytes(state)


def test_int8_state_quantizes_weights_and_keeps_biases(state):
    arrays = compression.int8_state(state)
    assert arrays["0.weight.q"].dtype == np.int8 and arrays["0.weight.scale"].shape == (128, 1)
    assert arrays["0.bias"].dtype == np.float32 and "0.bias.q" not in arrays
    restored = compression.float32_state(arrays)
    assert set(restored) == set(state)
    error = np.abs(restored["0.weight"] - state["0.weight"])
    assert (error <= arrays["0.weight.scale"] / 2 * (1 + 1e-5)).all()      # half a quantization step at most
    np.testing.assert_array_equal(restored["0.bias"], state["0.bias"])


def test_state_dict_file_sizes_writes_three_files_and_returns_their_sizes(state, tmp_path):
    sizes = compression.state_dict_file_sizes(state, tmp_path)
    assert list(sizes) == ["float32", "float16", "int8"]
    for name, size in sizes.items():
        assert (tmp_path / f"{name}.npz").stat().st_size == size > 0
    assert sizes["int8"] < sizes["float16"] < sizes["float32"]
    assert sizes["float32"] >= compression.state_bytes(state)                  # the numbers plus headers


def test_the_files_read_back_as_float32_states(state, tmp_path):
    compression.state_dict_file_sizes(state, tmp_path)
    for name in ("float32", "float16", "int8"):
        restored = compression.float32_state(compression.read_npz(tmp_path / f"{name}.npz"))
        assert set(restored) == set(state)
        for key, value in state.items():
            assert restored[key].dtype == np.float32
            np.testing.assert_allclose(restored[key], value, atol=0.05)    # int8: scale / 2 ~ 0.015 here
