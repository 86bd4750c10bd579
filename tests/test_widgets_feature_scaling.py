"""The feature-scaling explorer: compute results, the live slider, the static HTML."""


import numpy as np

from dlbook.widgets import ScalingExplorer
from dlbook.widgets.feature_scaling import N_STEPS, two_features


def test_the_condition_number_grows_with_the_spread_of_raw_features():
    kappas = [ScalingExplorer().compute(spread=spread, features="raw")["kappa"]
              for spread in ScalingExplorer.GRID["spread"]]
    assert np.all(np.diff(kappas) > 0) and kappas[-1] > 1e3


def test_standardized_features_do_not_care_about_the_spread():
    results = [ScalingExplorer().compute(spread=spread, features="standardized")
               for spread in ScalingExplorer.GRID["spread"]]
    for result in results:
        assert result["kappa"] < 3
        np.testing.assert_allclose(result["thetas"], results[0]["thetas"], atol=1e-9)


def test_gradient_descent_converges_on_standardized_features_and_crawls_on_raw_ones():
    standardized = ScalingExplorer().compute(spread=64, features="standardized")
    raw = ScalingExplorer().compute(spread=64, features="raw")
    assert standardized["excess"][-1] < 1e-9 and raw["excess"][-1] > 0.05
    assert raw["thetas"].shape == (N_STEPS + 1, 2)


def test_the_best_weights_are_one_over_the_spread_and_one_half():
    X, y = two_features(spread=16)
    optimum = ScalingExplorer().compute(spread=16, features="raw")["optimum"]
    np.testing.assert_allclose(optimum, [1 / 16, 0.5], atol=0.03)
    np.testing.assert_allclose(X.std(axis=0), [16, 1], rtol=0.15)


def test_render_draws_labelled_axes():
    for axes in ScalingExplorer().figure().axes[:2]:
        assert axes.get_xlabel() and axes.get_ylabel() and axes.get_title()
