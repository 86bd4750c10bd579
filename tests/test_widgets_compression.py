"""The compression explorer: its accuracies and file sizes, the live widget and the static HTML."""


import numpy as np
import pytest

from dlbook import compression
from dlbook.widgets import CompressionExplorer
from dlbook.widgets.compression import BITS, SPARSITIES, pruned_states

GRID = CompressionExplorer.GRID


@pytest.fixture(scope="module")
def results():
    explorer = CompressionExplorer()
    return {(sparsity, bits): explorer.compute(sparsity, bits) for sparsity in SPARSITIES for bits in BITS}


def test_the_grid_is_the_one_the_chapter_promises():
    assert GRID == {"sparsity": [0, 0.5, 0.8, 0.9, 0.95, 0.99], "bits": [32, 8, 4, 2]}


def test_the_uncompressed_point_is_the_dense_model(results):
    dense = results[0.0, 32]
    assert dense["accuracy"] == dense["dense_accuracy"] > 0.95
    assert abs(dense["file_bytes"] - dense["dense_bytes"]) < 0.05 * dense["dense_bytes"]


def test_each_sparsity_zeros_that_fraction_of_the_weights():
    states, _ = pruned_states()
    for sparsity in SPARSITIES:
        assert abs(compression.weight_sparsity(states[sparsity]) - sparsity) < 1e-4


def test_the_file_shrinks_with_sparsity_and_with_fewer_bits(results):
    for bits in BITS:
        sizes = [results[sparsity, bits]["file_bytes"] for sparsity in SPARSITIES[1:]]
        assert sizes == sorted(sizes, reverse=True), (bits, sizes)
        if bits >= 4:
            assert results[0.0, bits]["file_bytes"] > sizes[0]
    for sparsity in SPARSITIES:
        sizes = [results[sparsity, bits]["file_bytes"] for bits in BITS]
        assert sizes == sorted(sizes, reverse=True), (sparsity, sizes)


def test_80_percent_sparse_int8_keeps_accuracy_within_a_point_at_a_fifth_of_the_size(results):
    point = results[0.8, 8]
    assert point["accuracy"] >= point["dense_accuracy"] - 0.01
    assert point["file_bytes"] * 5 < point["dense_bytes"]


def test_90_percent_sparse_int8_is_over_ten_times_smaller(results):
    point = results[0.9, 8]
    assert point["file_bytes"] * 10 < point["dense_bytes"] and point["accuracy"] > 0.95


def test_at_two_bits_half_sparsity_does_not_pay_for_its_mask(results):
    # the mask costs about a bit per weight at 50% sparsity, as much as the 2-bit values it saves
    assert results[0.5, 2]["file_bytes"] > results[0.0, 2]["file_bytes"]


def test_two_bits_and_99_percent_sparsity_cost_accuracy(results):
    assert results[0.9, 2]["accuracy"] < results[0.9, 8]["accuracy"] - 0.1
    assert results[0.99, 32]["accuracy"] < 0.5


@pytest.mark.parametrize("bits", [2, 4])
def test_the_histogram_shows_at_most_the_quantization_levels(results, bits):
    for sparsity in SPARSITIES:
        result = results[sparsity, bits]
        assert (result["histogram"] > 0).sum() <= 2 ** bits - 1           # one level stands for zero


def test_the_histogram_counts_the_non_zero_weights_of_the_first_layer(results):
    result = results[0.5, 32]
    n_weights = pruned_states()[0][0.5]["0.weight"].size
    assert result["histogram"].sum() == round(n_weights * (1 - result["zero_fraction"]))


def test_compute_is_deterministic_and_returns_copies():
    first = CompressionExplorer().compute(0.9, 4)
    first["table"]["accuracy"][:] = 0
    second = CompressionExplorer().compute(0.9, 4)
    assert second["table"]["accuracy"].min() > 0
    assert first["accuracy"] == second["accuracy"] and first["file_bytes"] == second["file_bytes"]
    np.testing.assert_array_equal(first["histogram"], second["histogram"])


def test_render_draws_labelled_axes():
    figure = CompressionExplorer().figure(sparsity=0.95, bits=4)
    for axes in figure.axes[:2]:
        assert axes.get_xlabel() and axes.get_ylabel() and axes.get_title()
