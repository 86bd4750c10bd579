"""The batch-size explorer: its paths, their noise, the live widget and the static HTML."""


import numpy as np
import pytest

from dlbook.widgets import BatchSizeExplorer
from dlbook.widgets.linear_regression import EPOCHS, X

EXPLORER = BatchSizeExplorer()          # one instance: its cache runs each grid point once


def result(batch_size, lr=0.1):
    return EXPLORER.result(batch_size=batch_size, lr=lr)


@pytest.mark.parametrize("batch_size", BatchSizeExplorer.GRID["batch_size"])
def test_every_frame_spends_the_same_budget_of_samples(batch_size):
    r = result(batch_size)
    assert r["n_steps"] == EPOCHS * len(X) // batch_size and r["path"].shape == (r["n_steps"] + 1, 2)
    assert r["samples"][-1] == EPOCHS * len(X)
    assert np.all(r["excess"] >= -1e-12)                                 # L* is the lowest loss


def test_compute_is_pure_the_same_values_give_the_same_arrays():
    first, second = BatchSizeExplorer().compute(batch_size=4, lr=0.05), BatchSizeExplorer().compute(4, 0.05)
    np.testing.assert_array_equal(first["path"], second["path"])


def test_the_noise_floor_and_the_spread_fall_as_the_batch_grows():
    floors = [result(size)["final_excess"] for size in (1, 4, 16)]
    spreads = [result(size)["spread"] for size in (1, 4, 16, 64)]
    assert floors[0] > floors[1] > floors[2] and spreads == sorted(spreads, reverse=True)
    assert result(256)["spread"] == 0.0                                  # one exact step per epoch


def test_a_smaller_learning_rate_shrinks_the_cloud_of_single_sample_steps():
    assert result(1, lr=0.05)["spread"] < result(1, lr=0.2)["spread"] / 2


def test_render_draws_labelled_axes():
    figure = EXPLORER.figure(batch_size=16, lr=0.1)
    for axes in figure.axes:
        assert axes.get_xlabel() and axes.get_ylabel() and axes.get_title()
