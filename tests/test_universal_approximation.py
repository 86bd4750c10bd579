"""A shallow ReLU network fitted by least squares on its output layer: kinks, fit and error by width."""

import numpy as np
import pytest

from dlbook.experiments.universal_approximation import TARGETS, WIDTHS, fit_shallow_network, kinks, rmse_by_width


def test_kinks_are_evenly_spaced_over_minus_one_to_one_and_nested_for_doubled_widths():
    np.testing.assert_allclose(kinks(4), [-1, -0.5, 0, 0.5])
    assert set(kinks(4)) <= set(kinks(8))
    with pytest.raises(ValueError, match="positive integer"):
        kinks(0)


def test_the_model_is_the_fitted_network_and_its_rmse_is_measured_on_its_own_output(dl):
    fit = fit_shallow_network(dl, "bump", 8)
    output = dl.to_numpy(fit["model"](dl.asarray(fit["x"][:, None].astype(np.float32))))[:, 0]
    np.testing.assert_allclose(output, fit["prediction"], atol=1e-5)       # float32 vs float32 forward
    rmse = np.sqrt(np.mean((fit["prediction"] - fit["target"]) ** 2))
    assert fit["rmse"] == pytest.approx(rmse)


def test_one_unit_fits_the_least_squares_line(dl):
    fit = fit_shallow_network(dl, "bump", 1)
    slope, intercept = np.polyfit(fit["x"], fit["target"], 1)               # ReLU(x + 1) = x + 1 on [-1, 1]
    np.testing.assert_allclose(fit["prediction"], slope * fit["x"] + intercept, atol=1e-5)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_the_error_never_rises_as_the_width_doubles(dl, target):
    errors = list(rmse_by_width(dl, target, WIDTHS).values())
    assert all(wider <= narrower + 1e-6 for narrower, wider in zip(errors, errors[1:])), errors
    assert errors[-1] < errors[0] / 3, errors


def test_an_unknown_target_is_refused_with_the_choices(dl):
    with pytest.raises(ValueError, match="bump"):
        fit_shallow_network(dl, "cubic", 4)
