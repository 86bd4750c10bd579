"""The activation explorer: an activation f and the spread of its inputs -> f(z), f'(z) and how many
inputs land where the slope vanishes.

A unit passes the gradient back multiplied by f'(z). Where |f'(z)| is tiny (the shaded, saturated
region: below 5% of the activation's largest slope) almost nothing flows back. Pre-activations
z ~ N(0, s^2): the larger the spread s, the more of them sit in the flat tails of sigmoid and tanh;
ReLU is flat for every z < 0, whatever s; leaky ReLU is never flat.

The curves come from the NumPy reference's own layers (dlbook.numpy, which never imports torch):
f from forward, f' from backward with dy = 1 (dlbook.experiments.activation_slopes).
"""

import numpy as np

from .. import numpy as reference
from ..experiments.activation_slopes import SATURATION_FRACTION, saturated, slope_from_backward
from .explorer import Explorer

ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "leaky_relu", "gelu")
LEAKY_SLOPE = 0.1                       # leaky ReLU's slope for z < 0, large enough to see
Z = np.linspace(-8, 8, 401)             # the pre-activations drawn
N_SAMPLES = 20_000                      # samples of z ~ N(0, s^2) for the saturated fraction
_STANDARD_NORMAL = np.random.default_rng(0).standard_normal(N_SAMPLES)     # the same draws in every frame


def activation_layer(name):
    """A fresh dlbook.numpy layer for one of ACTIVATION_NAMES."""
    layers = {
        "sigmoid": reference.Sigmoid, "tanh": reference.Tanh, "relu": reference.ReLU,
        "leaky_relu": lambda: reference.LeakyReLU(LEAKY_SLOPE), "gelu": reference.GELU,
    }
    if name not in layers:
        raise ValueError(f"unknown activation {name!r}; choose one of {ACTIVATION_NAMES}")
    return layers[name]()


def activation_curves(name, z):
    """(f(z), f'(z)) as float64 NumPy arrays: forward, and backward with dy = 1."""
    layer = activation_layer(name)
    value = np.asarray(layer(np.asarray(z, dtype=np.float64)), dtype=np.float64)
    return value, slope_from_backward(layer, z)


class ActivationExplorer(Explorer):
    """Pick an activation and the spread of its inputs; see f, f' and the saturated region."""

    TITLE = "Activation functions and where they saturate"
    GRID = {
        "activation": list(ACTIVATION_NAMES),
        "spread": [0.5, 1.0, 2.0, 4.0, 8.0],
    }
    LABELS = {"activation": "activation f", "spread": "spread s of the inputs, z ~ N(0, s^2)"}
    DEFAULTS = {"activation": "sigmoid", "spread": 1.0}
    FIGSIZE = (7.2, 3.3)

    def compute(self, activation, spread):
        """{'z', 'value', 'slope', 'saturated', 'density': (len(Z),) arrays over Z;
        'saturated_fraction': share of z ~ N(0, spread^2) with a saturated slope;
        'mean_slope': mean |f'(z)| over those z}."""
        value, slope = activation_curves(activation, Z)
        largest = np.abs(slope).max()                                        # max |f'| over Z
        samples = spread * _STANDARD_NORMAL
        sample_slope = activation_curves(activation, samples)[1]
        density = np.exp(-0.5 * (Z / spread) ** 2) / (spread * np.sqrt(2 * np.pi))
        return {
            "z": Z, "value": value, "slope": slope, "saturated": saturated(slope, largest=largest),
            "density": density,
            "saturated_fraction": float(saturated(sample_slope, largest=largest).mean()),
            "mean_slope": float(np.abs(sample_slope).mean()),
        }

    def render(self, result, activation, spread):
        figure, (value_axes, slope_axes) = self.new_figure(ncols=2)
        figure.subplots_adjust(left=0.09, right=0.98, bottom=0.28, top=0.9, wspace=0.3)   # room for the legend
        z, flat = result["z"], result["saturated"]
        for axes in (value_axes, slope_axes):
            axes.fill_between(z, 0, 1, where=flat, transform=axes.get_xaxis_transform(), color="0.85",
                              linewidth=0, label=f"saturated: |f'| < {SATURATION_FRACTION:.0%} of max")
            axes.fill_between(z, 0, 0.35 * result["density"] / result["density"].max(),
                              transform=axes.get_xaxis_transform(), color="tab:orange", alpha=0.35,
                              linewidth=0, label=f"inputs z ~ N(0, {spread:g}²)")
        value_axes.plot(z, result["value"], color="tab:blue", linewidth=2)
        value_axes.set(xlim=(z[0], z[-1]), xlabel="pre-activation z", ylabel="f(z)", title=f"{activation}: f(z)")
        figure.legend(*value_axes.get_legend_handles_labels(), loc="lower center", ncols=2, fontsize=9,
                      frameon=False)
        slope_axes.plot(z, result["slope"], color="tab:green", linewidth=2)
        slope_axes.set(xlim=(z[0], z[-1]), ylim=(-0.25, 1.25), xlabel="pre-activation z", ylabel="slope f'(z)",
                       title=f"f'(z): {result['saturated_fraction']:.0%} of inputs saturated, "
                             f"mean |f'| {result['mean_slope']:.2f}")
        slope_axes.title.set_fontsize(9.5)
        return figure
