"""The width explorer: a shallow ReLU network's width w and a 1-D target -> the function it fits.

Universal approximation in one picture: with one hidden layer of w ReLU units, evenly spaced kinks
and the output layer fitted by least squares (dlbook.experiments.universal_approximation), the
network is the best piecewise-linear curve with w kinks. Left: the target, the network's fit and
its kinks; right: the fit's error against the width, for every width on the grid. Computed with the
NumPy reference in float64.
"""

import numpy as np

from .. import numpy as reference
from ..experiments.universal_approximation import TARGETS, WIDTHS, fit_shallow_network
from .explorer import Explorer
from .reference_dtype import float64


class WidthExplorer(Explorer):
    """Pick a target and a hidden-layer width; see the shallow network's fit and its error."""

    TITLE = "What a shallow network of width w can fit"
    GRID = {"width": list(WIDTHS), "target": list(TARGETS)}
    LABELS = {"width": "hidden units w", "target": "target function"}
    DEFAULTS = {"width": 4, "target": "wave"}
    FIGSIZE = (8, 3.2)

    def compute(self, width, target):
        """{'x', 'target', 'prediction': (n,) arrays; 'kinks': (width,); 'rmse': float;
        'widths', 'rmse_by_width': the error of every width on the grid, for this target}."""
        with float64():
            fits = {w: fit_shallow_network(reference, target, w) for w in self.GRID["width"]}
        fit = fits[width]
        return {"x": fit["x"], "target": fit["target"], "prediction": fit["prediction"], "kinks": fit["kinks"],
                "rmse": fit["rmse"], "widths": np.array(self.GRID["width"]),
                "rmse_by_width": np.array([fits[w]["rmse"] for w in self.GRID["width"]])}

    def render(self, result, width, target):
        figure, (fit_axes, error_axes) = self.new_figure(ncols=2)
        figure.subplots_adjust(left=0.08, right=0.98, bottom=0.17, top=0.88, wspace=0.3)
        fit_axes.plot(result["x"], result["target"], color="0.5", linewidth=3, label="target")
        fit_axes.plot(result["x"], result["prediction"], color="tab:blue", linewidth=1.8, label=f"network, w = {width}")
        fit_axes.vlines(result["kinks"], -1.5, 1.6, color="tab:orange", linewidth=0.6, alpha=0.6)   # one artist
        fit_axes.set(xlim=(-1, 1), ylim=(-1.5, 1.6), xlabel="input x", ylabel="output",
                     title=f"{target}: RMSE {result['rmse']:.3f} (orange: kinks)")
        fit_axes.legend(loc="lower left", fontsize=8)
        error_axes.loglog(result["widths"], result["rmse_by_width"], "o-", color="tab:blue")
        error_axes.plot([width], [result["rmse"]], "o", color="tab:red", markersize=9)
        error_axes.set(xlabel="hidden units w (log scale)", ylabel="RMSE (log scale)",
                       title="error of the fit against the width")
        error_axes.set_xticks(result["widths"], [str(w) for w in result["widths"]])
        return figure
