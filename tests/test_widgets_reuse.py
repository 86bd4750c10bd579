"""The augmentation explorer: its accuracies, its example digits and its figure."""

import numpy as np
import pytest

from dlbook.widgets import AugmentationExplorer
from dlbook.widgets.reuse import STRENGTHS, describe


@pytest.fixture(scope="module")
def explorer():
    return AugmentationExplorer()


def test_every_strength_is_described():
    assert describe(0) == "none"
    assert all("rotate" in describe(strength) for strength in STRENGTHS if strength)


def test_the_result_holds_two_accuracies_and_four_digits(explorer):
    result = explorer.result(strength=1, per_class=5)
    assert set(result["accuracy"]) == {"held out", "off-centre"}
    assert all(0 <= value <= 1 for value in result["accuracy"].values())
    assert result["examples"].shape == (4, 8, 8)


def test_strength_zero_shows_the_digits_unchanged(explorer):
    X_train, y_train, _ = explorer.data()
    from dlbook.experiments.reuse import few_per_class
    X_small, _ = few_per_class(X_train, y_train, 5, seed=0)
    assert np.array_equal(explorer.result(strength=0, per_class=5)["examples"], X_small[::5][:4, 0])


def test_more_images_help_and_shifts_help_on_off_centre_digits(explorer):
    plain = [explorer.result(strength=0, per_class=k)["accuracy"]["held out"] for k in (5, 20)]
    assert plain[1] > plain[0] + 0.05
    shifted = explorer.result(strength=2, per_class=20)["accuracy"]["off-centre"]
    assert shifted > explorer.result(strength=0, per_class=20)["accuracy"]["off-centre"] + 0.1


def test_the_same_sliders_give_the_same_result():
    first = AugmentationExplorer().compute(strength=2, per_class=5)
    again = AugmentationExplorer().compute(strength=2, per_class=5)
    assert first["accuracy"] == again["accuracy"] and np.array_equal(first["examples"], again["examples"])


def test_render_draws_labelled_axes(explorer):
    figure = explorer.figure(strength=2, per_class=10)
    bars = figure.axes[-1]
    assert bars.get_xlabel() and bars.get_ylabel() and bars.get_title()
