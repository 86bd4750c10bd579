"""The width explorer: the fit of every width, its error curve, and its frames."""

import numpy as np

from dlbook.widgets import WidthExplorer


def test_compute_returns_the_fit_of_the_chosen_width_and_the_error_of_every_width():
    explorer = WidthExplorer()
    result = explorer.compute(width=8, target="wave")
    assert result["prediction"].shape == result["x"].shape == result["target"].shape
    assert len(result["kinks"]) == 8
    assert result["rmse"] == result["rmse_by_width"][list(explorer.GRID["width"]).index(8)]
    assert np.all(np.diff(result["rmse_by_width"]) <= 1e-9)              # nested kinks: never worse


def test_smooth_targets_are_fitted_ten_times_better_by_32_units_than_by_one():
    explorer = WidthExplorer()
    for target in ("bump", "wave"):
        errors = explorer.compute(width=32, target=target)["rmse_by_width"]
        assert errors[-1] < errors[0] / 10, (target, errors)


def test_the_first_frame_is_a_png():
    assert WidthExplorer().png()[:8] == b"\x89PNG\r\n\x1a\n"
