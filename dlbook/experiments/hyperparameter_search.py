"""Hyperparameter search, the simplest AutoML: grid search and random search with a fixed budget of trials.

A search space names each hyperparameter's range; an objective maps one setting to a score (higher is
better, e.g. validation accuracy). Both searches spend the same number of trials:

    space = {"lr": Range(1e-3, 1.0, log=True), "width": Range(8, 64, log=True, integer=True)}
    grid = grid_search(objective, space, n_trials=9)        # 3 x 3 points
    rand = random_search(objective, space, n_trials=9, seed=0)
    grid.best, rand.best                                     # {'lr': ..., 'width': ..., 'score': ...}

Grid search with n trials over k hyperparameters tries only n^(1/k) distinct values of each; random
search tries n distinct values of every one. When one hyperparameter matters much more than the
others, random search explores that one n^(1 - 1/k) times more finely (Bergstra & Bengio, 2012).

Backend-agnostic: the objective trains whatever it likes; nothing here imports a backend.
"""

import functools
import itertools
import math
from dataclasses import dataclass, field

import numpy as np

try:
    from tqdm.auto import tqdm
except ImportError:  # pragma: no cover - tqdm is in requirements.txt
    tqdm = None


@dataclass(frozen=True)
class Range:
    """A hyperparameter's interval [low, high]; log: spread on a log scale (learning rates, widths);
    integer: rounded to whole numbers (widths, layer counts)."""

    low: float
    high: float
    log: bool = False
    integer: bool = False

    def __post_init__(self):
        if not self.low < self.high or (self.log and self.low <= 0):
            raise ValueError(f"Range needs low < high (and low > 0 on a log scale), got [{self.low}, {self.high}]")

    def _from_unit(self, u):
        """Map u in [0, 1] onto the range (uniformly in log space when log)."""
        u = np.asarray(u, dtype=float)
        if self.log:
            values = np.exp(np.log(self.low) + u * (np.log(self.high) - np.log(self.low)))
        else:
            values = self.low + u * (self.high - self.low)
        return np.round(values).astype(int) if self.integer else values

    def grid(self, n):
        """n evenly spaced values from low to high (the midpoint when n = 1)."""
        return self._from_unit(np.linspace(0, 1, n) if n > 1 else [0.5])

    def sample(self, rng, n):
        """n values drawn uniformly (log-uniformly when log) with a NumPy Generator."""
        return self._from_unit(rng.uniform(0, 1, n))


@dataclass
class SearchResult:
    """The trials of one search, in the order they ran: [{name: value, ..., 'score': s}, ...]."""

    method: str
    trials: list = field(default_factory=list)

    @property
    def best(self):
        """The trial with the highest score (the first of equals)."""
        return max(self.trials, key=lambda trial: trial["score"])

    def values(self, name):
        """Every value tried for one hyperparameter, as a NumPy array (trial order)."""
        return np.array([trial[name] for trial in self.trials])

    @property
    def scores(self):
        return np.array([trial["score"] for trial in self.trials])

    def best_so_far(self):
        """The best score after 1, 2, ..., n trials."""
        return np.maximum.accumulate(self.scores)


def grid_points_per_axis(n_trials, n_dims):
    """The most points per hyperparameter whose full grid fits the budget: floor(n_trials^(1/k))."""
    per_axis = max(1, math.floor(n_trials ** (1 / n_dims) + 1e-9))
    while (per_axis + 1) ** n_dims <= n_trials:                        # guard against float rounding
        per_axis += 1
    return per_axis


def _run(objective, settings, method, progress):
    result = SearchResult(method)
    if progress and tqdm is not None:
        settings = tqdm(settings, desc=f"{method} search", leave=False)
    for setting in settings:
        result.trials.append({**setting, "score": float(objective(**setting))})
    return result


def grid_search(objective, space, n_trials, progress=False):
    """Every combination of grid_points_per_axis(n_trials, k) evenly spaced values per hyperparameter:
    at most n_trials calls objective(**setting)."""
    per_axis = grid_points_per_axis(n_trials, len(space))
    axes = {name: [value.item() for value in spec.grid(per_axis)] for name, spec in space.items()}
    settings = [dict(zip(axes, combination)) for combination in itertools.product(*axes.values())]
    return _run(objective, settings, "grid", progress)


def random_search(objective, space, n_trials, seed=0, progress=False):
    """n_trials settings, each hyperparameter drawn independently from its range."""
    rng = np.random.default_rng(seed)
    columns = {name: spec.sample(rng, n_trials) for name, spec in space.items()}
    settings = [{name: column[index].item() for name, column in columns.items()} for index in range(n_trials)]
    return _run(objective, settings, "random", progress)


def low_effective_dimension(important, unimportant, peak=0.37, weight=0.02):
    """A toy objective on [0, 1]^2 where only one axis really matters (Bergstra & Bengio, 2012, Fig. 1):
    a narrow peak in `important` at `peak` plus a small bump in `unimportant`. Maximum 1 + weight."""
    return math.exp(-0.5 * ((important - peak) / 0.08) ** 2) + weight * math.sin(math.pi * unimportant)


def compare_on_toy(n_trials, n_repeats=200, seed=0):
    """Grid and random search with the same budget on low_effective_dimension, n_repeats times, each with
    a peak drawn uniformly in [0.05, 0.95] (where the best value lies is not known in advance) and its own
    random-search seed. Returns {'random_at_least_as_good': fraction of repeats, 'grid_mean_best',
    'random_mean_best': mean best scores}."""
    rng = np.random.default_rng(seed)
    space = {"important": Range(0.0, 1.0), "unimportant": Range(0.0, 1.0)}
    grid_best, random_best = [], []
    for repeat, peak in enumerate(rng.uniform(0.05, 0.95, n_repeats)):
        objective = functools.partial(low_effective_dimension, peak=peak)
        grid_best.append(grid_search(objective, space, n_trials).best["score"])
        random_best.append(random_search(objective, space, n_trials, seed=seed + repeat).best["score"])
    grid_best, random_best = np.array(grid_best), np.array(random_best)
    return {"random_at_least_as_good": float(np.mean(random_best >= grid_best)),
            "grid_mean_best": float(grid_best.mean()), "random_mean_best": float(random_best.mean())}
