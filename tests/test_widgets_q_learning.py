"""The Q-learning explorer: what it computes on its grid, the live widget and the static HTML."""


import numpy as np
import pytest

from dlbook.widgets import QLearningExplorer

GRID = QLearningExplorer.GRID


@pytest.fixture(scope="module")
def results():
    explorer = QLearningExplorer()
    return {(episodes, epsilon): explorer.compute(episodes, epsilon)
            for episodes in GRID["episodes"] for epsilon in GRID["epsilon"]}


def test_with_the_most_episodes_every_epsilon_finds_the_shortest_path_from_s(results):
    for epsilon in GRID["epsilon"]:
        assert results[max(GRID["episodes"]), epsilon]["optimal_path"], epsilon


def test_five_episodes_are_not_enough(results):
    assert not any(results[5, epsilon]["optimal_path"] for epsilon in GRID["epsilon"])


def test_random_behaviour_learns_the_values_of_every_cell_greedy_behaviour_does_not(results):
    assert results[200, 1.0]["optimal_fraction"] == 1.0
    assert results[200, 0.0]["optimal_fraction"] < 0.8


def test_values_are_nan_on_walls_and_at_most_zero_elsewhere(results):
    values = results[50, 0.2]["values"]
    assert np.isnan(values).sum() == 7 and np.nanmax(values) <= 0
    assert len(results[50, 0.2]["steps"]) == 50


def test_render_draws_labelled_axes():
    figure = QLearningExplorer().figure()
    grid_axes, steps_axes = figure.axes[:2]
    assert grid_axes.get_title() and steps_axes.get_xlabel() and steps_axes.get_ylabel()
