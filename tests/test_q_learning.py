"""dlbook.experiments.q_learning: the grid world's moves, BFS, and Q-learning's greedy path against the shortest one."""

import numpy as np
import pytest

from dlbook.experiments.q_learning import (
    GridWorld,
    greedy_path,
    optimal_from_every_cell,
    policy_figure,
    q_learning,
    reaches_goal_optimally,
    shortest_path,
    state_values,
)

WORLD = GridWorld()


def test_moves_into_walls_or_off_the_grid_stay_put_and_every_move_costs_one():
    assert WORLD.step((0, 0), 0) == ((0, 0), -1.0, False)            # up, off the grid
    assert WORLD.step((0, 0), 2) == ((1, 0), -1.0, False)            # down
    assert WORLD.step((0, 2), 1) == ((0, 2), -1.0, False)            # right, into the wall at (0, 3)
    assert WORLD.step((3, 4), 2) == ((4, 4), -1.0, True)             # down onto the goal


def test_bfs_finds_the_eight_move_path_of_the_chapters_world():
    path = shortest_path(WORLD)
    assert path[0] == WORLD.start and path[-1] == WORLD.goal and len(path) - 1 == 8
    assert all(abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1 for a, b in zip(path, path[1:]))
    assert not any(WORLD.is_wall(cell) for cell in path)


def test_bfs_says_none_when_the_goal_is_walled_off():
    assert shortest_path(GridWorld(("S#.", "##.", "..G"))) is None


def test_q_learning_walks_a_shortest_path_after_enough_episodes():
    Q, steps = q_learning(WORLD, episodes=100, epsilon=0.2, seed=0)
    assert reaches_goal_optimally(WORLD, Q)
    assert len(greedy_path(WORLD, Q)) == len(shortest_path(WORLD))
    assert steps[:5].mean() > 3 * steps[-5:].mean()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pure_exploration_learns_the_optimal_values_everywhere(seed):
    Q, _ = q_learning(WORLD, episodes=100, epsilon=1.0, seed=seed)
    assert optimal_from_every_cell(WORLD, Q) == 1.0
    values = state_values(WORLD, Q)
    assert values[WORLD.start] == pytest.approx(-8) and values[WORLD.goal] == 0


def test_too_few_episodes_do_not_find_the_shortest_path():
    Q, _ = q_learning(WORLD, episodes=3, epsilon=0.2, seed=0)
    assert not reaches_goal_optimally(WORLD, Q)


def test_on_another_world_q_learning_still_agrees_with_bfs():
    world = GridWorld(("S....", ".###.", "...#.", ".#...", ".#.#G"))
    Q, _ = q_learning(world, episodes=300, epsilon=0.3, seed=0)
    assert reaches_goal_optimally(world, Q)


def test_bad_maps_are_refused():
    with pytest.raises(ValueError):
        GridWorld(("S..", "..."))
    with pytest.raises(ValueError):
        GridWorld(("S.x", "..G"))


def test_the_policy_figure_has_labelled_axes():
    Q, _ = q_learning(WORLD, episodes=50, epsilon=0.5, seed=0)
    axes = policy_figure(WORLD, Q).axes[0]
    assert axes.get_xlabel() and axes.get_ylabel() and axes.get_title()
    assert np.isnan(state_values(WORLD, Q)[WORLD.walls()]).all()
