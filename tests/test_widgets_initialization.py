"""The initialization explorer: its per-layer statistics, the live widget and the static HTML."""


import numpy as np
import pytest

from dlbook import numpy as reference
from dlbook.widgets import InitializationExplorer
from dlbook.widgets.initialization import TANH_SATURATED


@pytest.fixture(scope="module")
def explorer():
    return InitializationExplorer()


def test_compute_gives_one_row_per_layer(explorer):
    result = explorer.compute(depth=10, initialization="he", activation="relu")
    assert result["layer"].tolist() == list(range(1, 11))
    assert result["quantiles"].shape == (10, 5) and result["variance"].shape == (10,)
    assert result["grad_norm"].shape == (10,)
    assert (np.diff(result["quantiles"], axis=1) >= 0).all()          # 5% <= 25% <= median <= 75% <= 95%


def test_a_shallower_network_shows_the_first_layers_of_the_deepest(explorer):
    shallow = explorer.compute(depth=5, initialization="xavier", activation="tanh")
    deep = explorer.compute(depth=30, initialization="xavier", activation="tanh")
    np.testing.assert_array_equal(shallow["quantiles"], deep["quantiles"][:5])


def test_he_keeps_relu_s_signal_and_naive_inits_collapse_or_explode_it(explorer):
    def ratio(initialization, activation):
        variance = explorer.compute(depth=30, initialization=initialization, activation=activation)["variance"]
        return variance[-1] / variance[0]

    assert 1 / 3 < ratio("he", "relu") < 3                              # width 128, seed 0: 2.9
    assert ratio("naive small", "relu") < 1e-40 and ratio("naive small", "tanh") < 1e-40
    assert ratio("naive large", "relu") > 1e40
    assert 1e-3 < ratio("xavier", "tanh") < 0.1                         # ~ 1 / (2 * 30): slow, not geometric


def test_naive_large_weights_saturate_every_tanh_layer(explorer):
    median = explorer.compute(depth=20, initialization="naive large", activation="tanh")["quantiles"][:, 2]
    assert (median > TANH_SATURATED).all(), median


def test_gradients_stay_finite_even_when_the_signal_explodes(explorer):
    norms = explorer.compute(depth=30, initialization="naive large", activation="relu")["grad_norm"]
    assert np.isfinite(norms).all() and (norms > 1e40).all()            # float64: no inf


def test_compute_leaves_the_reference_in_float32():
    InitializationExplorer().compute(depth=5, initialization="he", activation="tanh")
    assert reference.get_default_dtype() == np.float32


def test_an_unknown_initialization_is_refused(explorer):
    with pytest.raises(ValueError, match="unknown initialization"):
        explorer.compute(depth=5, initialization="orthogonal", activation="relu")


def test_render_draws_labelled_axes(explorer):
    figure = explorer.figure(depth=20, initialization="naive large", activation="tanh")
    for axes in figure.axes[:2]:
        assert axes.get_xlabel() and axes.get_ylabel() and axes.get_title()
