"""The gradient-flow explorer: its norms, the bound, the live widget and the static HTML."""


import numpy as np
import pytest

from dlbook.experiments.gradients_through_time import jacobian_norms_from_states
from dlbook.widgets import GradientFlowExplorer
from dlbook.widgets.gradients_through_time import HIDDEN_SIZE, gradient_norms_through_time, tanh_rnn

GRID = GradientFlowExplorer.GRID


@pytest.mark.parametrize("steps", GRID["steps"])
def test_one_norm_per_step_ending_at_one(steps):
    result = GradientFlowExplorer().compute(steps, 0.8)
    assert result["t"].tolist() == list(range(steps + 1))
    assert result["norms"].shape == (steps + 1,) and result["norms"][-1] == 1.0
    assert result["first"] == result["norms"][0]


def test_the_norms_never_exceed_the_bound_scale_to_the_power_of_the_distance():
    for steps in GRID["steps"]:
        for scale in GRID["scale"]:
            result = GradientFlowExplorer().compute(steps, scale)
            assert np.all(result["norms"] <= result["bound"] * (1 + 1e-9)), (steps, scale)


def test_small_weights_vanish_and_large_weights_explode_over_forty_steps():
    first = {scale: GradientFlowExplorer().compute(40, scale)["first"] for scale in GRID["scale"]}
    assert first[0.5] < 1e-10 and first[0.8] < 1e-3                    # ~0.5^40, ~0.8^40
    assert first[1.5] > 100 and first[1.2] > 1                        # grow while tanh' stays near 1
    assert list(first.values()) == sorted(first.values())


def test_longer_sequences_vanish_further():
    firsts = [GradientFlowExplorer().compute(steps, 0.8)["first"] for steps in GRID["steps"]]
    assert firsts[0] > firsts[1] > firsts[2]


def test_the_norms_equal_an_independent_tanh_recursion():
    rnn = tanh_rnn(1.2)
    w_ih, w_hh = rnn.weight_ih_l0.data.astype(np.float64), rnn.weight_hh_l0.data.astype(np.float64)
    from dlbook.widgets.gradients_through_time import _INPUTS
    h, states = np.zeros(HIDDEN_SIZE), [np.zeros(HIDDEN_SIZE)]
    for x_t in _INPUTS[0, :20]:
        h = np.tanh(w_ih @ x_t + w_hh @ h)
        states.append(h)
    np.testing.assert_allclose(gradient_norms_through_time(20, 1.2), jacobian_norms_from_states(w_hh, states),
                               rtol=1e-9)


def test_the_same_sliders_give_the_same_result():
    first, again = GradientFlowExplorer().compute(20, 1.0), GradientFlowExplorer().compute(20, 1.0)
    assert np.array_equal(first["norms"], again["norms"])


def test_render_draws_labelled_axes():
    figure = GradientFlowExplorer().figure(steps=10, scale=1.5)
    axes = figure.axes[0]
    assert axes.get_xlabel() and axes.get_ylabel() and axes.get_title() and axes.get_yscale() == "log"
