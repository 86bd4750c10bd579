"""The Q-learning explorer: episodes of experience and exploration rate epsilon -> the greedy policy and
the values V(s) = max_a Q(s, a) learned on the chapter's 5x5 grid world.

Few episodes leave most cells unvisited (V = 0, arbitrary arrows); with epsilon = 0 the agent still
explores at first (Q starts at 0, above every true value, so untried actions look best), finds one way
to the goal and then keeps to it: the path from S becomes optimal, cells off it stay unlearned. With
epsilon = 1 it wanders at random, yet Q-learning is off-policy: it learns the optimal values from
every cell, in long episodes. Compute is pure NumPy (dlbook.experiments.q_learning).
"""

import numpy as np

from ..experiments.q_learning import (
    ACTIONS,
    GridWorld,
    greedy_path,
    greedy_policy,
    optimal_from_every_cell,
    q_learning,
    reaches_goal_optimally,
    shortest_path,
    state_values,
)
from .explorer import Explorer

WORLD = GridWorld()
FRAME_DPI = 88
EPISODE_TICKS = (1, 10, 100)
MOVE_TICKS = (8, 20, 50, 100, 200)
VALUE_RANGE = (-16, 0)                  # V(s) = -(moves to the goal) lies in [-16, 0] on this grid


class QLearningExplorer(Explorer):
    """Pick the number of episodes and epsilon; see the greedy policy, V(s) and the path from S."""

    TITLE = "Q-learning on a grid world"
    GRID = {
        "episodes": [5, 20, 50, 200],
        "epsilon": [0.0, 0.2, 0.5, 1.0],
    }
    LABELS = {"episodes": "episodes of experience", "epsilon": "exploration rate epsilon"}
    DEFAULTS = {"episodes": 20, "epsilon": 0.2}
    FIGSIZE = (7.0, 3.4)
    DPI = FRAME_DPI

    def compute(self, episodes, epsilon):
        """{'values': (5, 5) V(s), NaN on walls; 'policy': (5, 5) greedy actions; 'path': (k, 2) cells of
        the greedy path from S; 'optimal_path': bool; 'optimal_fraction': share of cells whose greedy
        path is a shortest one; 'steps': (episodes,) moves per episode}."""
        Q, steps = q_learning(WORLD, episodes, epsilon=epsilon, seed=0)
        return {
            "values": state_values(WORLD, Q),
            "policy": greedy_policy(Q).reshape(WORLD.shape),
            "path": np.array(greedy_path(WORLD, Q)),
            "optimal_path": reaches_goal_optimally(WORLD, Q),
            "optimal_fraction": optimal_from_every_cell(WORLD, Q),
            "steps": steps,
        }

    def render(self, result, episodes, epsilon):
        figure, (grid_axes, steps_axes) = self.new_figure(ncols=2)
        figure.subplots_adjust(left=0.06, right=0.97, bottom=0.16, top=0.86, wspace=0.3)
        walls = WORLD.walls()
        shown = np.where(walls, np.nan, result["values"])
        grid_axes.imshow(shown, cmap="viridis", vmin=VALUE_RANGE[0], vmax=VALUE_RANGE[1])
        grid_axes.imshow(np.where(walls, 1.0, np.nan), cmap="gray_r", vmin=0, vmax=1)
        free = ~walls
        free[WORLD.goal] = False
        rows, cols = np.nonzero(free)
        actions = result["policy"][rows, cols]
        grid_axes.quiver(cols, rows, [ACTIONS[a][1] for a in actions], [-ACTIONS[a][0] for a in actions],
                         color="white", pivot="middle", scale=1.6, scale_units="xy", width=0.014)
        path = result["path"]
        grid_axes.plot(path[:, 1], path[:, 0], color="tab:orange", linewidth=2.5, alpha=0.85)
        grid_axes.plot(WORLD.goal[1], WORLD.goal[0], "*", color="tab:red", markersize=16, markeredgecolor="white")
        grid_axes.text(WORLD.start[1] - 0.3, WORLD.start[0] - 0.22, "S", color="white", fontsize=9, weight="bold")
        verdict = "optimal" if result["optimal_path"] else "not optimal"
        grid_axes.set(xticks=[], yticks=[],
                      title=f"path from S {verdict}; optimal from {result['optimal_fraction']:.0%} of cells")
        grid_axes.title.set_fontsize(9)
        steps_axes.plot(np.arange(1, episodes + 1), result["steps"], "o-" if episodes <= 50 else "-", markersize=3,
                        color="tab:blue", linewidth=1)
        steps_axes.axhline(len(shortest_path(WORLD)) - 1, color="tab:green", linestyle="--",
                           label="shortest path (BFS)")
        steps_axes.set(xscale="log", yscale="log", ylim=(5, 300), xlim=(0.8, max(self.GRID["episodes"]) * 1.2),
                       xlabel="episode (log scale)", ylabel="moves to reach the goal (log scale)",
                       title=f"{episodes} episodes, epsilon = {epsilon:g}")
        steps_axes.set_xticks(EPISODE_TICKS, [str(tick) for tick in EPISODE_TICKS])      # no mathtext: fast
        steps_axes.set_yticks(MOVE_TICKS, [str(tick) for tick in MOVE_TICKS])
        steps_axes.minorticks_off()
        steps_axes.legend(loc="upper right", fontsize=8)
        return figure
