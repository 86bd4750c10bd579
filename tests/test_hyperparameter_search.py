"""dlbook.experiments.hyperparameter_search: grid and random search with the same budget, and why random wins
when one hyperparameter matters much more than the others (Bergstra & Bengio, 2012)."""

import numpy as np
import pytest

from dlbook.experiments.hyperparameter_search import (
    Range,
    compare_on_toy,
    grid_points_per_axis,
    grid_search,
    low_effective_dimension,
    random_search,
)
from dlbook.models import mlp

SPACE = {"lr": Range(1e-3, 1.0, log=True), "width": Range(8, 64, log=True, integer=True)}


def record(**setting):
    return -abs(np.log10(setting["lr"]) + 1)            # best at lr = 0.1


@pytest.mark.parametrize("n_trials, n_dims, expected", [(9, 2, 3), (10, 2, 3), (8, 3, 2), (27, 3, 3), (3, 1, 3)])
def test_the_grid_is_the_largest_full_grid_within_the_budget(n_trials, n_dims, expected):
    assert grid_points_per_axis(n_trials, n_dims) == expected


def test_grid_search_tries_every_combination_of_evenly_spaced_values():
    result = grid_search(record, SPACE, n_trials=9)
    assert len(result.trials) == 9
    np.testing.assert_allclose(sorted(set(result.values("lr"))), [1e-3, 10**-1.5, 1.0])
    assert sorted(set(result.values("width"))) == [8, 23, 64]


def test_random_search_spends_the_budget_on_distinct_values_inside_the_ranges():
    result = random_search(record, SPACE, n_trials=9, seed=0)
    lrs, widths = result.values("lr"), result.values("width")
    assert len(set(lrs)) == 9 and ((1e-3 <= lrs) & (lrs <= 1.0)).all()
    assert widths.dtype.kind == "i" and ((8 <= widths) & (widths <= 64)).all()


def test_random_search_is_reproducible_from_its_seed():
    assert random_search(record, SPACE, 5, seed=3).trials == random_search(record, SPACE, 5, seed=3).trials
    assert random_search(record, SPACE, 5, seed=3).trials != random_search(record, SPACE, 5, seed=4).trials


def test_best_is_the_highest_scoring_trial_and_best_so_far_never_falls():
    result = random_search(record, SPACE, n_trials=12, seed=1)
    assert result.best["score"] == result.scores.max()
    assert (np.diff(result.best_so_far()) >= 0).all() and result.best_so_far()[-1] == result.best["score"]


def test_a_log_range_samples_uniformly_in_the_exponent():
    values = Range(1e-4, 1.0, log=True).sample(np.random.default_rng(0), 20_000)
    assert abs(np.mean(np.log10(values) < -2) - 0.5) < 0.02


def test_an_empty_or_non_positive_log_range_is_refused():
    with pytest.raises(ValueError):
        Range(1.0, 1.0)
    with pytest.raises(ValueError):
        Range(0.0, 1.0, log=True)


def test_the_toy_objective_peaks_where_its_important_axis_says():
    assert low_effective_dimension(0.37, 0.5) > low_effective_dimension(0.6, 0.5) + 0.5
    assert abs(low_effective_dimension(0.37, 0.5) - low_effective_dimension(0.37, 0.0)) <= 0.02 + 1e-12


def test_random_search_beats_grid_search_on_average_when_one_axis_matters():
    result = compare_on_toy(n_trials=9, n_repeats=200, seed=0)
    assert result["random_mean_best"] > result["grid_mean_best"] + 0.2, result
    assert result["random_at_least_as_good"] > 0.7, result


def test_searches_work_with_a_dlbook_model_on_either_backend(dl):
    X = np.random.default_rng(0).standard_normal((64, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)

    def objective(lr, width):
        model = mlp(dl, (4, width, 2))
        optimizer, loss_fn = dl.SGD(model.parameters(), lr=lr), dl.CrossEntropyLoss()
        for _ in range(20):
            loss = loss_fn(model(dl.asarray(X)), dl.asarray(y))
            optimizer.zero_grad()
            model.backward(loss_fn.backward())
            optimizer.step()
        return -float(dl.to_numpy(loss))

    result = random_search(objective, SPACE, n_trials=4, seed=0)
    assert len(result.trials) == 4 and np.isfinite(result.scores).all()
