"""The batch-size explorer: batch size and learning rate -> the path of mini-batch gradient descent on a
least-squares problem, and how far above the lowest loss it stays.

Linear regression y_hat = w x + b on 256 points of y = 2x + 1 + U(0, 1) (dlbook.data.linear_regression),
by the hand-written gradient descent of dlbook.experiments.linear_regression (NumPy, float64, seeded):
every frame spends the same budget of 4 epochs, 1024 sample-gradients, from (w, b) = (0, 0). A batch of
|B| samples takes 256 / |B| steps per epoch, each along the gradient of its |B| samples: small batches
take many noisy steps and end in a cloud around the least-squares solution, the full batch takes few
exact ones. The left panel draws the path over L(w, b) (shaded, darker = higher), the right one the excess loss
L(w_t, b_t) - L* against the samples seen.
"""

import numpy as np
from matplotlib.ticker import NullLocator

from ..data import linear_regression as line_data
from ..experiments.linear_regression import gradient_descent, least_squares, loss_surface
from .explorer import Explorer

X, Y = line_data(n=256, seed=0)
SOLUTION = least_squares(X, Y)
BEST_LOSS = float(loss_surface(X, Y, *SOLUTION))
EPOCHS = 4
EXTENT = (-0.2, 3.0, -0.2, 2.6)         # w from, to; b from, to: the start (0, 0) and the solution (2, 1.5)
_W, _B = np.meshgrid(np.linspace(*EXTENT[:2], 80), np.linspace(*EXTENT[2:], 80))
BACKGROUND = np.log10(loss_surface(X, Y, _W, _B) - BEST_LOSS + 1e-3)    # log10 of the excess loss, shaded
EXCESS_LIMITS = (1e-5, 30.0)
EXCESS_TICKS = (1e-4, 1e-2, 1.0)


class BatchSizeExplorer(Explorer):
    """Move the batch size and the learning rate; watch the descent path and the noise it ends in."""

    TITLE = "Batch size and learning rate: the path of mini-batch gradient descent"
    GRID = {
        "batch_size": [1, 4, 16, 64, 256],
        "lr": [0.05, 0.1, 0.2],
    }
    LABELS = {"batch_size": "batch size |B| (256 = full batch)", "lr": "learning rate eta"}
    DEFAULTS = {"batch_size": 16, "lr": 0.1}
    FIGSIZE = (8, 3.4)

    def compute(self, batch_size, lr):
        """{'path': (steps + 1, 2) the (w, b) visited, 'samples': (steps + 1,) samples seen at each point,
        'excess': (steps + 1,) L(w, b) - L* along the path, 'final_excess': the mean excess loss over the
        last epoch's points, 'spread': the last epoch's spread, 'n_steps'}."""
        _, _, history = gradient_descent(X, Y, "mini-batch", lr=lr, epochs=EPOCHS, batch_size=batch_size, seed=0)
        excess = loss_surface(X, Y, history.path[:, 0], history.path[:, 1]) - BEST_LOSS
        samples = np.minimum(np.arange(len(history.path)) * batch_size, EPOCHS * len(X))
        last_epoch = excess[-history.steps_per_epoch:]
        return {"path": history.path, "samples": samples, "excess": excess, "n_steps": history.n_steps,
                "final_excess": float(last_epoch.mean()), "spread": history.last_epoch_spread()}

    def render(self, result, batch_size, lr):
        figure, (path_axes, loss_axes) = self.new_figure(ncols=2)
        path_axes.imshow(BACKGROUND, extent=EXTENT, origin="lower", cmap="Greys", aspect="auto", alpha=0.6)
        path = result["path"]
        path_axes.plot(path[:, 0], path[:, 1], "-", color="tab:blue", linewidth=0.6, alpha=0.8)
        path_axes.plot(path[-1, 0], path[-1, 1], "o", color="tab:blue", markersize=4)
        path_axes.plot(*SOLUTION, "*", color="black", markersize=10)
        path_axes.set(xlim=EXTENT[:2], ylim=EXTENT[2:], xticks=(0, 1, 2, 3), yticks=(0, 1, 2),   # fixed ticks: fast
                      xlabel="slope w", ylabel="intercept b",
                      title=f"|B| = {batch_size}, eta = {lr:g}: {result['n_steps']} steps")
        loss_axes.semilogy(result["samples"], np.maximum(result["excess"], EXCESS_LIMITS[0]), color="tab:blue",
                           linewidth=0.8)
        loss_axes.axhline(max(result["final_excess"], EXCESS_LIMITS[0]), color="tab:red", linestyle="--",
                          linewidth=0.8)
        loss_axes.set_yticks(EXCESS_TICKS, ["1e-4", "1e-2", "1"])          # plain text: fast
        loss_axes.yaxis.set_minor_locator(NullLocator())                     # no minor log ticks: fast
        loss_axes.set(ylim=EXCESS_LIMITS, xlim=(0, EPOCHS * len(X)), xticks=np.arange(0, EPOCHS * len(X) + 1, 256),
                      xlabel="samples seen", ylabel="L(w, b) - L* (log scale)",
                      title=f"last epoch's mean excess loss {result['final_excess']:.1e} (dashed)")
        return figure
