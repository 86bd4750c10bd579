"""The feature-scaling explorer: the spread of one feature -> the loss valley and gradient descent on it.

Least squares on two correlated features, y = x1 / s + 0.5 x2 + noise, where x1 is measured in
units that give it a standard deviation s (dollars instead of thousands of dollars, say). The
Hessian of the MSE, H = 2/N X^T X, has eigenvalues (curvatures) near 2 s^2 and 2: the bowl becomes a
valley whose walls are s^2 times more curved than its floor. Gradient descent with eta = 1 / h_max
(half the stability limit 2 / h_max) crosses the valley at once and then crawls along it;
standardized features make the slider irrelevant.
"""

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import BoundaryNorm, ListedColormap

from ..experiments.feature_scaling import condition_number, gradient_descent_path, least_squares_hessian
from ..preprocessing import Standardizer
from .explorer import Explorer

N_SAMPLES = 200
N_STEPS = 50
WINDOW = (-0.3, 1.3)                      # the w1 and w2 range shown, equal in both


def two_features(spread, n=N_SAMPLES, seed=0):
    """X (n, 2): x1 with standard deviation `spread`, x2 with 1, correlation 0.5; y = x1 / spread + 0.5 x2
    + N(0, 0.1^2) noise - so the best weights are (1 / spread, 0.5) whatever the spread."""
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=n)
    X = z * [spread, 1.0]
    y = z[:, 0] + 0.5 * z[:, 1] + rng.normal(0, 0.1, n)
    return X, y


_W1, _W2 = np.meshgrid(np.linspace(*WINDOW, 200), np.linspace(*WINDOW, 200))
BAND_COLORS = ListedColormap(colormaps["Greys"](np.linspace(0.02, 0.6, 8)))   # 8 bands of the loss, light to mid grey


class ScalingExplorer(Explorer):
    """Move the spread of x1, raw or standardized; watch the loss valley and gradient descent in it."""

    TITLE = "Feature scales and gradient descent"
    GRID = {"spread": [1, 4, 16, 64], "features": ["raw", "standardized"]}
    LABELS = {"spread": "standard deviation of x1", "features": "features"}
    DEFAULTS = {"spread": 16, "features": "raw"}
    FIGSIZE = (7.6, 3.3)
    DPI = 88

    def compute(self, spread, features):
        """{'thetas': (T + 1, 2) the path of (w1, w2), 'excess': (T + 1,) L - L*, 'kappa': condition number,
        'optimum': (2,) best weights, 'surface': log(1 + (L - L*)) on the shown (w1, w2) window}."""
        X, y = two_features(spread)
        if features == "standardized":
            X = Standardizer().fit_transform(X)
        H = least_squares_hessian(X, bias=False)                 # centered data: no bias needed
        thetas, excess = gradient_descent_path(X, y, steps=N_STEPS, bias=False)
        optimum = np.linalg.solve(H, 2 * X.T @ y / len(X))       # grad L = H w - 2/N X^T y = 0
        offset = np.stack([_W1 - optimum[0], _W2 - optimum[1]], axis=-1)
        surface_excess = 0.5 * np.einsum("...i,ij,...j->...", offset, H, offset)   # (w - w*)^T H (w - w*) / 2
        return {"thetas": thetas, "excess": excess, "kappa": condition_number(H), "optimum": optimum,
                "surface": np.log1p(surface_excess)}

    def render(self, result, spread, features):
        figure, (path_axes, loss_axes) = self.new_figure(ncols=2)
        bands = BoundaryNorm(np.linspace(0, result["surface"].max(), len(BAND_COLORS.colors) + 1),
                             len(BAND_COLORS.colors))
        path_axes.imshow(result["surface"], extent=(*WINDOW, *WINDOW), origin="lower", cmap=BAND_COLORS,
                         norm=bands, interpolation="nearest")      # imshow, not contourf: cheaper to draw
        path = np.clip(result["thetas"], *WINDOW)
        path_axes.plot(path[:, 0], path[:, 1], "o-", color="tab:blue", markersize=3, linewidth=1.5)
        path_axes.plot(*result["optimum"], "*", color="tab:red", markersize=10)
        path_axes.set(xlim=WINDOW, ylim=WINDOW, xlabel="w1", ylabel="w2",
                      title=f"{N_STEPS} steps, eta = 1 / h_max")
        loss_axes.semilogy(np.maximum(result["excess"], 1e-12), color="tab:blue")
        loss_axes.set(xlabel="step t", ylabel="L(w_t) - L* (log scale)", ylim=(1e-12, 10),
                      title=f"{features}, std of x1 = {spread}: kappa = {result['kappa']:.3g}")
        return figure
