"""The initialization explorer: depth, initial weights and activation -> the size of every layer's
pre-activations on the way forward and of every layer's gradient on the way back.

One network deep_mlp(depth, width 128) per setting (dlbook.experiments.initialization), one standard-normal batch. Left:
the spread of |z_l| in each layer l (median, middle half, 5%-95%), on a log scale; right: ||dL/dW_l||.
Naive N(0, 0.01^2) weights shrink the signal by a constant factor per layer (it collapses), N(0, 1)
weights grow it (ReLU: it explodes; tanh: it saturates, |z| >> 1); Xavier keeps tanh's and He
keeps ReLU's.

The networks are those of the NumPy reference (dlbook.numpy, which never imports torch), computed in
float64, so that an exploding network shows how large it gets rather than inf.
"""

import functools

import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from .. import numpy as reference
from ..experiments.initialization import gradient_norms_by_layer, pre_activations_by_layer
from .explorer import Explorer
from .reference_dtype import float64

INITS = {"naive small": "naive_small", "naive large": "naive_large", "xavier": "xavier", "he": "kaiming"}
WIDTH = 128                  # units per layer: wide enough that He's variance wanders only a little
BATCH_SIZE = 128
SEED = 0
QUANTILES = (5, 25, 50, 75, 95)      # percent: whiskers, box, median of |z_l|
TANH_SATURATED = 2.0         # |z| > 2: tanh'(z) < 0.08, the unit passes almost no gradient


@functools.cache
def signal_by_layer(depth, init, activation):
    """(percentiles QUANTILES of |z_l|: (depth, 5), Var(z_l): (depth,)) for l = 1..depth, cached."""
    with float64():
        z = np.stack(pre_activations_by_layer(reference, depth, WIDTH, activation, init, SEED, BATCH_SIZE))
    magnitudes = np.abs(z).reshape(depth, -1)
    return np.percentile(magnitudes, QUANTILES, axis=1).T, z.reshape(depth, -1).var(axis=1)


@functools.cache
def gradient_norms(depth, init, activation):
    """||dL/dW_l|| for l = 1..depth (dlbook.experiments.initialization.gradient_norms_by_layer), cached."""
    with float64(), np.errstate(over="ignore", invalid="ignore"):
        return gradient_norms_by_layer(reference, depth, WIDTH, activation, init, SEED, BATCH_SIZE)


class InitializationExplorer(Explorer):
    """Pick a depth, an initialization and an activation; see the signal and the gradient per layer."""

    TITLE = "Initialization: the signal and the gradient, layer by layer"
    GRID = {
        "depth": [5, 10, 20, 30],
        "initialization": list(INITS),
        "activation": ["tanh", "relu"],
    }
    LABELS = {"depth": "depth (layers)", "initialization": "initial weights", "activation": "activation f"}
    DEFAULTS = {"depth": 20, "initialization": "naive small", "activation": "relu"}
    FIGSIZE = (7.2, 3.3)

    def compute(self, depth, initialization, activation):
        """{'layer': 1..depth; 'quantiles': (depth, 5) percentiles QUANTILES of |z_l|; 'variance': Var(z_l);
        'grad_norm': ||dL/dW_l||} (float64 arrays, first layer first). The pre-activations of a shallower
        network are the first ones of the deepest (the same weights, the same batch)."""
        if initialization not in INITS:
            raise ValueError(f"unknown initialization {initialization!r}; choose one of {list(INITS)}")
        quantiles, variance = signal_by_layer(max(depth, *self.GRID["depth"]), INITS[initialization], activation)
        return {
            "layer": np.arange(1, depth + 1),
            "quantiles": quantiles[:depth].copy(),                  # copies: the cache stays as computed
            "variance": variance[:depth].copy(),
            "grad_norm": gradient_norms(depth, INITS[initialization], activation).copy(),
        }

    def render(self, result, depth, initialization, activation):
        figure, (signal_axes, grad_axes) = self.new_figure(ncols=2)
        figure.subplots_adjust(left=0.1, right=0.98, bottom=0.16, top=0.85, wspace=0.32)
        layer, q = result["layer"], result["quantiles"]
        low, high = _log_limits(q[:, [0, 4]])
        if activation == "tanh" and high > TANH_SATURATED:
            signal_axes.axhspan(TANH_SATURATED, high, color="0.88", linewidth=0)
            signal_axes.text(0.03, 0.96, "tanh saturated", transform=signal_axes.transAxes, va="top", fontsize=8)
        signal_axes.vlines(layer, q[:, 0], q[:, 4], color="tab:blue", linewidth=1)
        signal_axes.vlines(layer, q[:, 1], q[:, 3], color="tab:blue", linewidth=4)
        signal_axes.plot(layer, q[:, 2], "o", color="black", markersize=2.5)
        ratio = result["variance"][-1] / result["variance"][0]
        signal_axes.set(yscale="log", ylim=(low, high), xlim=(0.3, depth + 0.7),
                        xlabel="layer l", ylabel="|z_l| (log scale)",
                        title=f"pre-activations: Var(z_{depth}) / Var(z_1) = {ratio:.2g}")
        norms = result["grad_norm"]
        finite = np.isfinite(norms) & (norms > 0)
        grad_axes.plot(layer[finite], norms[finite], "o-", color="tab:red", markersize=3)
        grad_axes.set(yscale="log", ylim=_log_limits(norms[finite]), xlim=(0.3, depth + 0.7),
                      xlabel="layer l", ylabel="||dL/dW_l|| (log scale)",
                      title=f"gradients: first / last = {norms[0] / norms[-1]:.2g}")
        ticks = range(1, depth + 1) if depth <= 10 else [1, *range(5, depth + 1, 5)]
        for axes in (signal_axes, grad_axes):
            axes.title.set_fontsize(9.5)
            axes.set_xticks(ticks)                                  # fixed ticks: cheaper than a locator
            axes.yaxis.set_major_locator(LogLocator(numticks=6))
            axes.yaxis.set_major_formatter(POWER_OF_TEN)          # plain text: mathtext is slow to lay out
            axes.yaxis.set_minor_locator(NullLocator())
        figure.suptitle(f"{depth} layers of width {WIDTH}, {activation}, {initialization} init", fontsize=10.5)
        return figure


POWER_OF_TEN = FuncFormatter(lambda value, position: f"1e{np.log10(value):.0f}" if value > 0 else "0")


def _log_limits(values):
    """y-limits of a log axis around `values`, at least 1e-2..1e2 so that a flat line looks flat."""
    values = np.asarray(values)[np.isfinite(values) & (np.asarray(values) > 0)]
    low, high = (values.min(), values.max()) if values.size else (1.0, 1.0)
    return min(low / 3, 1e-2), max(high * 3, 1e2)
