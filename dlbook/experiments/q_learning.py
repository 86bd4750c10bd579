"""Reinforcement learning: tabular Q-learning on a grid world (Watkins & Dayan, 1992), checked against BFS.

The agent moves up, right, down or left on a grid; a move into a wall or off the grid leaves it where
it is. Every move earns reward -1 until it reaches the goal, so the return of an episode is minus the
number of steps taken, and the best policy is a shortest path. Q-learning learns the value Q(s, a) of
each action in each state from experience alone, with no model of the grid:

    Q(s, a) <- Q(s, a) + alpha (r + gamma max_a' Q(s', a') - Q(s, a))       (max_a' Q(goal, a') = 0)

while acting epsilon-greedily: a random action with probability epsilon, else the best known one.
The greedy policy argmax_a Q(s, a) should then walk a shortest path, whose length breadth-first
search (BFS) finds directly from the map: the check on what was learned.

Pure NumPy: nothing here imports a backend.
"""

from collections import deque
from dataclasses import dataclass

import numpy as np

ACTIONS = ((-1, 0), (0, 1), (1, 0), (0, -1))        # (d_row, d_col): up, right, down, left
ACTION_NAMES = ("up", "right", "down", "left")
ARROWS = "↑→↓←"

WORLD_5X5 = (
    "S..#.",
    ".#...",
    ".#.#.",
    ".#.#.",
    "...#G",
)


@dataclass(frozen=True)
class GridWorld:
    """A grid from rows of text: 'S' start, 'G' goal, '#' wall, '.' free. States are (row, col) cells,
    numbered row * n_cols + col."""

    rows: tuple = WORLD_5X5

    def __post_init__(self):
        text = "".join(self.rows)
        if len({len(row) for row in self.rows}) != 1 or text.count("S") != 1 or text.count("G") != 1:
            raise ValueError("a grid world needs rows of equal length with exactly one 'S' and one 'G'")
        if set(text) - set("SG#."):
            raise ValueError(f"unknown cells {sorted(set(text) - set('SG#.'))}: use 'S', 'G', '#' and '.'")

    @property
    def shape(self):
        return len(self.rows), len(self.rows[0])

    @property
    def n_states(self):
        return self.shape[0] * self.shape[1]

    def find(self, mark):
        flat = "".join(self.rows).index(mark)
        return divmod(flat, self.shape[1])

    @property
    def start(self):
        return self.find("S")

    @property
    def goal(self):
        return self.find("G")

    def is_wall(self, cell):
        return self.rows[cell[0]][cell[1]] == "#"

    def walls(self):
        """A boolean (n_rows, n_cols) map of the walls."""
        return np.array([[mark == "#" for mark in row] for row in self.rows])

    def index(self, cell):
        return cell[0] * self.shape[1] + cell[1]

    def step(self, cell, action):
        """(next cell, reward -1, done): a move into a wall or off the grid stays put."""
        row, col = cell[0] + ACTIONS[action][0], cell[1] + ACTIONS[action][1]
        n_rows, n_cols = self.shape
        if not (0 <= row < n_rows and 0 <= col < n_cols) or self.is_wall((row, col)):
            row, col = cell
        return (row, col), -1.0, (row, col) == self.goal

    def free_cells(self):
        return [(row, col) for row in range(self.shape[0]) for col in range(self.shape[1])
                if not self.is_wall((row, col))]


def shortest_path(world, start=None):
    """The shortest path from start (default: 'S') to the goal by breadth-first search, as a list of
    cells from start to goal; None when the goal cannot be reached."""
    start = world.start if start is None else start
    previous, frontier = {start: None}, deque([start])
    while frontier:
        cell = frontier.popleft()
        if cell == world.goal:
            path = [cell]
            while previous[path[-1]] is not None:
                path.append(previous[path[-1]])
            return path[::-1]
        for action in range(len(ACTIONS)):
            neighbour, _, _ = world.step(cell, action)
            if neighbour not in previous:
                previous[neighbour] = cell
                frontier.append(neighbour)
    return None


def q_learning(world, episodes, epsilon=0.2, alpha=0.5, gamma=1.0, max_steps=200, seed=0):
    """Tabular Q-learning with an epsilon-greedy behaviour from 'S'; Q starts at 0 (optimistic, as every
    true value is negative). Returns (Q (n_states, 4), steps per episode (episodes,))."""
    rng = np.random.default_rng(seed)
    Q = np.zeros((world.n_states, len(ACTIONS)))
    steps_per_episode = np.zeros(episodes, dtype=int)
    for episode in range(episodes):
        cell, moves = world.start, 0
        while moves < max_steps:
            moves += 1
            state = world.index(cell)
            if rng.random() < epsilon:
                action = int(rng.integers(len(ACTIONS)))                 # explore
            else:
                best = np.flatnonzero(Q[state] == Q[state].max())       # exploit, ties broken at random
                action = int(rng.choice(best))
            next_cell, reward, done = world.step(cell, action)
            target = reward + (0.0 if done else gamma * Q[world.index(next_cell)].max())
            Q[state, action] += alpha * (target - Q[state, action])     # the temporal-difference update
            cell = next_cell
            if done:
                break
        steps_per_episode[episode] = moves
    return Q, steps_per_episode


def greedy_policy(Q):
    """argmax_a Q(s, a) for each state (the first action of equals): (n_states,) ints."""
    return Q.argmax(axis=1)


def state_values(world, Q):
    """V(s) = max_a Q(s, a) as an (n_rows, n_cols) map, NaN on walls and 0 at the goal."""
    values = Q.max(axis=1).reshape(world.shape).astype(float)
    values[world.walls()] = np.nan
    return values


def greedy_path(world, Q, start=None, max_steps=None):
    """The cells visited by following argmax_a Q from start (default 'S') until the goal, or until a
    cell repeats or max_steps moves (default: the number of cells) have passed: then it ends short of the goal."""
    cell = world.start if start is None else start
    policy, path = greedy_policy(Q), [cell]
    for _ in range(max_steps or world.n_states):
        if cell == world.goal:
            break
        cell, _, _ = world.step(cell, int(policy[world.index(cell)]))
        if cell in path:
            break
        path.append(cell)
    return path


def reaches_goal_optimally(world, Q):
    """Whether the greedy path from 'S' reaches the goal in as few moves as BFS's shortest path."""
    path, best = greedy_path(world, Q), shortest_path(world)
    return path[-1] == world.goal and len(path) == len(best)


def optimal_from_every_cell(world, Q):
    """The fraction of free cells (goal excluded) from which the greedy path is a shortest path."""
    starts = [cell for cell in world.free_cells() if cell != world.goal]
    good = [(lambda path: path[-1] == world.goal and len(path) == len(shortest_path(world, cell)))(
        greedy_path(world, Q, start=cell)) for cell in starts]
    return float(np.mean(good))


def policy_figure(world, Q, title="greedy policy of Q-learning", axes=None):
    """The grid with the value V(s) = max_a Q(s, a) as colour, walls in black, and an arrow per free cell
    for argmax_a Q(s, a); the greedy path from 'S' drawn on top. Returns the Figure."""
    from matplotlib.figure import Figure

    if axes is None:
        figure = Figure(figsize=(4.6, 4.2))
        axes = figure.add_axes((0.08, 0.06, 0.74, 0.84))
    values = state_values(world, Q)
    image = axes.imshow(values, cmap="viridis", vmin=-2 * world.n_states ** 0.5 - 4, vmax=0)
    axes.imshow(np.where(world.walls(), 1.0, np.nan), cmap="gray_r", vmin=0, vmax=1)
    policy = greedy_policy(Q).reshape(world.shape)
    n_rows, n_cols = world.shape
    cols, rows = np.meshgrid(np.arange(n_cols), np.arange(n_rows))
    free = ~world.walls()
    free[world.goal] = False
    d_col = np.array([ACTIONS[a][1] for a in policy.ravel()]).reshape(world.shape)
    d_row = np.array([ACTIONS[a][0] for a in policy.ravel()]).reshape(world.shape)
    axes.quiver(cols[free], rows[free], d_col[free], -d_row[free], color="white", pivot="middle",
                scale=1.6, scale_units="xy", width=0.012)
    path = np.array(greedy_path(world, Q))
    axes.plot(path[:, 1], path[:, 0], color="tab:orange", linewidth=2.5, alpha=0.8)
    axes.text(world.start[1], world.start[0] - 0.32, "S", ha="center", va="center", color="white", fontsize=9)
    axes.plot(world.goal[1], world.goal[0], "*", color="tab:red", markersize=18, markeredgecolor="white")
    axes.set(xticks=range(n_cols), yticks=range(n_rows), xlabel="column", ylabel="row", title=title)
    axes.figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label="V(s) = max_a Q(s, a)")
    return axes.figure
