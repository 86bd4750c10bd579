"""The activation explorer: its curves, its saturated fractions, the live widget and the static HTML."""


import numpy as np
import pytest
from scipy.special import erf

from dlbook.widgets import ActivationExplorer
from dlbook.widgets.activation_slopes import LEAKY_SLOPE, activation_curves

Z = np.linspace(-6, 6, 121) + 0.05          # off the kink of ReLU at 0

CLOSED_FORMS = {                             # name: (f(z), f'(z)), written independently of dlbook
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    "tanh": (np.tanh, lambda z: 1 / np.cosh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
    "leaky_relu": (lambda z: np.where(z > 0, z, LEAKY_SLOPE * z), lambda z: np.where(z > 0, 1.0, LEAKY_SLOPE)),
    "gelu": (lambda z: z * (1 + erf(z / np.sqrt(2))) / 2,
             lambda z: (1 + erf(z / np.sqrt(2))) / 2 + z * np.exp(-z * z / 2) / np.sqrt(2 * np.pi)),
}


@pytest.mark.parametrize("name", ActivationExplorer.GRID["activation"])
def test_curves_match_the_closed_form_value_and_slope(name):
    value, slope = activation_curves(name, Z)
    f, f_prime = CLOSED_FORMS[name]
    np.testing.assert_allclose(value, f(Z), atol=1e-12)         # float64 throughout
    np.testing.assert_allclose(slope, f_prime(Z), atol=1e-12)


def test_sigmoid_and_tanh_saturate_more_and_pass_less_gradient_as_the_inputs_spread():
    explorer = ActivationExplorer()
    for name in ("sigmoid", "tanh"):
        results = [explorer.compute(name, spread) for spread in ActivationExplorer.GRID["spread"]]
        fractions = [result["saturated_fraction"] for result in results]
        slopes = [result["mean_slope"] for result in results]
        assert fractions == sorted(fractions) and fractions[-1] > 0.5, fractions
        assert slopes == sorted(slopes, reverse=True), slopes


def test_relu_is_flat_for_half_its_inputs_at_every_spread_and_leaky_relu_never():
    for spread in ActivationExplorer.GRID["spread"]:
        assert abs(ActivationExplorer().compute("relu", spread)["saturated_fraction"] - 0.5) < 0.02
        assert ActivationExplorer().compute("leaky_relu", spread)["saturated_fraction"] == 0.0


def test_the_saturated_region_is_where_the_slope_is_below_five_percent_of_its_largest():
    result = ActivationExplorer().compute("sigmoid", 1.0)
    z, flat = result["z"], result["saturated"]
    assert not flat[np.abs(z) < 4.3].any() and flat[np.abs(z) > 4.4].all()   # sigmoid' = 0.0125 at |z| ~ 4.36


def test_the_input_density_integrates_to_about_one_inside_the_plot():
    result = ActivationExplorer().compute("tanh", 1.0)
    assert abs(np.trapezoid(result["density"], result["z"]) - 1) < 1e-6


def test_an_unknown_activation_is_refused():
    with pytest.raises(ValueError, match="unknown activation"):
        activation_curves("swish", Z)


def test_render_draws_labelled_axes():
    figure = ActivationExplorer().figure(activation="gelu", spread=4.0)
    for axes in figure.axes[:2]:
        assert axes.get_xlabel() and axes.get_ylabel() and axes.get_title()
