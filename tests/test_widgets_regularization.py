"""The regularization explorer: what its trained networks do, the live widget and the static HTML."""


import numpy as np

from dlbook.widgets import RegularizationExplorer
from dlbook.widgets.regularization import RESOLUTION

EXPLORER = RegularizationExplorer()          # one instance: its cache trains each grid point once


def gap(width, weight_decay=0.0, dropout=0.0):
    return EXPLORER.result(width=width, weight_decay=weight_decay, dropout=dropout)["accuracy_gap"]


def test_compute_is_pure_the_same_values_give_the_same_arrays():
    first = RegularizationExplorer().compute(width=16, weight_decay=0.3, dropout=0.3)
    second = RegularizationExplorer().compute(width=16, weight_decay=0.3, dropout=0.3)
    np.testing.assert_array_equal(first["probability"], second["probability"])
    assert {k: v for k, v in first.items() if k != "probability"} == \
        {k: v for k, v in second.items() if k != "probability"}


def test_the_probability_map_covers_the_plane_with_values_between_zero_and_one():
    probability = EXPLORER.result(width=64, weight_decay=0.0, dropout=0.0)["probability"]
    assert probability.shape == (RESOLUTION, RESOLUTION)
    assert probability.min() < 0.05 and probability.max() > 0.95          # both classes are predicted


def test_a_wide_unregularized_network_fits_every_training_point_and_overfits():
    result = EXPLORER.result(width=64, weight_decay=0.0, dropout=0.0)
    assert result["train_accuracy"] == 1.0 and result["accuracy_gap"] > 0.15      # measured: +0.20


def test_l2_and_dropout_each_shrink_the_gap_of_the_wide_network():
    assert gap(64, weight_decay=1.0) < gap(64) - 0.1                     # measured: 0.02 vs 0.20
    assert gap(64, dropout=0.5) < gap(64) - 0.1                          # measured: 0.01 vs 0.20
    assert gap(64, weight_decay=0.3) < gap(64)


def test_a_narrow_network_overfits_less_than_a_wide_one():
    assert gap(4) < gap(64) - 0.1                                        # measured: -0.06 vs 0.20


def test_too_much_l2_underfits_whatever_the_width():
    for width in RegularizationExplorer.GRID["width"]:
        assert EXPLORER.result(width=width, weight_decay=3.0, dropout=0.0)["train_accuracy"] < 0.85


def test_render_draws_labelled_axes_with_the_gap_in_the_title():
    figure = EXPLORER.figure(width=64, weight_decay=0.0, dropout=0.0)
    axes = figure.axes[0]
    assert axes.get_xlabel() and axes.get_ylabel()
    assert "gap" in axes.get_title() and "+20%" in axes.get_title()
