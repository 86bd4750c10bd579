"""Linear regression y_hat = w x + b by gradient descent: batch, stochastic and mini-batch.

The mean squared error over N samples and its gradient, written out:

    L(w, b) = 1/N sum_i (y_hat_i - y_i)^2
    dL/dw   = 2/N sum_i (y_hat_i - y_i) x_i
    dL/db   = 2/N sum_i (y_hat_i - y_i)

and the update (w, b) <- (w, b) - eta (dL/dw, dL/db), where the sums run over all samples
(batch), one sample (stochastic) or a mini-batch of them. `least_squares` gives the exact
minimiser from the normal equations, to measure how close each variant gets.

This module imports no backend: `gradient_descent(..., dl=None)` runs the formulas above in
NumPy; given a backend `dl`, it runs the same loop with dl.Linear(1, 1), dl.MSELoss and dl.SGD.
"""

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from ..data import batches

VARIANTS = ("batch", "stochastic", "mini-batch")
"""The three ways to choose the samples of one step: all of them, one, or a mini-batch."""


def _as_columns(X, Y):
    """X, Y: (N, 1) or (N,) -> x, y: (N,) float64."""
    x, y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if x.ndim != 1 or y.shape != x.shape:
        raise ValueError(f"linear regression of one input on one target expects X and Y of shape (N, 1) or (N,), "
                         f"got X {np.shape(X)} and Y {np.shape(Y)}")
    return x, y


def mse_loss(w, b, X, Y):
    """L(w, b) = 1/N sum (w x_i + b - y_i)^2, in float64."""
    x, y = _as_columns(X, Y)
    return float(np.mean((w * x + b - y) ** 2))


def mse_gradient(w, b, X, Y):
    """(dL/dw, dL/db) of the mean squared error of y_hat = w x + b on the samples (X, Y)."""
    x, y = _as_columns(X, Y)
    error = w * x + b - y                       # y_hat - y
    grad_w = 2 * np.mean(error * x)             # dL/dw = 2/N sum (y_hat - y) x
    grad_b = 2 * np.mean(error)                 # dL/db = 2/N sum (y_hat - y)
    return float(grad_w), float(grad_b)


def least_squares(X, Y):
    """The exact minimiser (w, b) of the mean squared error, from the normal equations.

    With the design matrix A = [x, 1] (N, 2): theta = (A^T A)^-1 A^T y, solved as a linear
    system (never by forming the inverse)."""
    x, y = _as_columns(X, Y)
    A = np.stack([x, np.ones_like(x)], axis=1)            # (N, 2): one row (x_i, 1) per sample
    w, b = np.linalg.solve(A.T @ A, A.T @ y)              # (A^T A) theta = A^T y
    return float(w), float(b)


def batch_size_of(variant, n_samples, batch_size=32):
    """How many samples one step of `variant` uses: N (batch), 1 (stochastic) or batch_size (mini-batch)."""
    if variant == "batch":
        return n_samples
    if variant == "stochastic":
        return 1
    if variant == "mini-batch":
        if isinstance(batch_size, bool) or not isinstance(batch_size, Integral) or batch_size < 1:
            raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
        return min(batch_size, n_samples)
    raise ValueError(f"unknown variant {variant!r}: choose one of {VARIANTS}")


@dataclass
class DescentHistory:
    """What one run of gradient descent went through.

    loss: (epochs + 1,) the full-data loss L(w, b) at the start and after every epoch;
    path: (n_steps + 1, 2) the parameters (w, b) at the start and after every step;
    steps_per_epoch: how many steps one epoch takes (1 for batch, N for stochastic)."""

    loss: np.ndarray
    path: np.ndarray
    steps_per_epoch: int

    @property
    def n_steps(self):
        return len(self.path) - 1

    def last_epoch_spread(self):
        """How far (w, b) wanders during the last epoch: the root-mean-square distance of its
        steps from their mean (0 for batch gradient descent, which takes one step per epoch)."""
        last_epoch = self.path[-self.steps_per_epoch:]
        return float(np.sqrt(((last_epoch - last_epoch.mean(axis=0)) ** 2).sum(axis=1).mean()))


class _HandWritten:
    """(w, b) as two floats, stepped with the formulas of mse_gradient (float64)."""

    def __init__(self, X, Y, w, b, lr):
        self.x, self.y = _as_columns(X, Y)
        self.w, self.b, self.lr = float(w), float(b), lr

    def step(self, indices):
        grad_w, grad_b = mse_gradient(self.w, self.b, self.x[indices], self.y[indices])
        self.w -= self.lr * grad_w                            # w <- w - eta dL/dw
        self.b -= self.lr * grad_b                            # b <- b - eta dL/db

    def parameters(self):
        return self.w, self.b


class _WithBackend:
    """(w, b) as dl.Linear(1, 1), stepped by dl.MSELoss, the layer's backward and dl.SGD (float32)."""

    def __init__(self, dl, X, Y, w, b, lr):
        from ..train import train_step

        self.dl, self.train_step = dl, train_step
        self.X, self.Y = dl.asarray(np.reshape(X, (-1, 1))), dl.asarray(np.reshape(Y, (-1, 1)))
        self.model = dl.Linear(1, 1, seed=0)
        self.model.load_state_dict({"weight": np.full((1, 1), w, np.float32), "bias": np.full(1, b, np.float32)})
        self.loss_fn = dl.MSELoss()
        self.optimizer = dl.SGD(self.model.parameters(), lr=lr)

    def step(self, indices):
        indices = self.dl.asarray(indices)
        self.train_step(self.model, self.loss_fn, self.optimizer, self.X[indices], self.Y[indices])

    def parameters(self):
        to_numpy = self.dl.to_numpy
        return float(to_numpy(self.model.weight.data)[0, 0]), float(to_numpy(self.model.bias.data)[0])


def gradient_descent(X, Y, variant="batch", lr=0.1, epochs=100, batch_size=32, seed=0, dl=None, w0=0.0, b0=0.0):
    """Fit y_hat = w x + b to (X, Y) by gradient descent on the mean squared error.

    X, Y: (N, 1) NumPy arrays. variant: "batch" (one step per epoch on all N samples),
    "stochastic" (N steps per epoch, one sample each) or "mini-batch" (steps on batch_size
    samples). Every epoch visits the samples in a new random order drawn from seed + epoch.
    dl: None for the hand-written NumPy formulas (float64), or a backend (dlbook.load()) to
    step dl.Linear(1, 1) with dl.MSELoss and dl.SGD (float32). Starts at (w0, b0).

    Returns (w, b, history): the final parameters and a DescentHistory.
    """
    _as_columns(X, Y)
    if not isinstance(lr, Real) or not lr > 0:
        raise ValueError(f"lr must be a number > 0, got {lr!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, Integral) or epochs < 0:
        raise ValueError(f"epochs must be an integer >= 0, got {epochs!r}")
    n_samples = len(X)
    size = batch_size_of(variant, n_samples, batch_size)
    model = _HandWritten(X, Y, w0, b0, lr) if dl is None else _WithBackend(dl, X, Y, w0, b0, lr)
    path = [model.parameters()]
    losses = [mse_loss(*path[-1], X, Y)]
    for epoch in range(epochs):
        for indices in batches(np.arange(n_samples), batch_size=size, shuffle=variant != "batch", seed=seed + epoch):
            model.step(indices)                               # one step on the samples X[indices]
            path.append(model.parameters())
        losses.append(mse_loss(*path[-1], X, Y))
        if not np.isfinite(losses[-1]):
            raise FloatingPointError(f"gradient descent diverged at epoch {epoch} (loss {losses[-1]}): "
                                     f"lr={lr} is too large for {variant} steps on this data")
    w, b = path[-1]
    steps_per_epoch = -(-n_samples // size)                   # ceil(N / batch size)
    return w, b, DescentHistory(loss=np.array(losses), path=np.array(path), steps_per_epoch=steps_per_epoch)


def distance_to(solution, w, b):
    """Euclidean distance between (w, b) and solution = (w*, b*)."""
    return float(np.hypot(w - solution[0], b - solution[1]))


def loss_surface(X, Y, w, b):
    """L(w, b) for arrays w and b of any one shape (a grid, or the points of a path), from the sums the
    mean squared error expands into: mean(x^2) w^2 + b^2 + mean(y^2) + 2 mean(x) w b - 2 mean(xy) w - 2 mean(y) b."""
    x, y = _as_columns(X, Y)
    w, b = np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return (w**2 * np.mean(x * x) + b**2 + np.mean(y * y) + 2 * w * b * np.mean(x)
            - 2 * w * np.mean(x * y) - 2 * b * np.mean(y))


def plot_paths(X, Y, histories, solution=None):
    """Where the steps of each run go, on the contour lines of L(w, b).

    Left: the path of (w, b) during the first epoch (one step for batch gradient descent,
    N for stochastic). Right: the points (w, b) visited during the last epoch, around the
    least-squares solution. histories: {label: DescentHistory}; solution: (w*, b*), by default
    least_squares(X, Y), marked by a star."""
    from ..viz import figure

    x, y = _as_columns(X, Y)
    solution = least_squares(x, y) if solution is None else solution
    first_epochs = {label: h.path[:h.steps_per_epoch + 1] for label, h in histories.items()}
    last_epochs = {label: h.path[-h.steps_per_epoch:] for label, h in histories.items()}
    fig, (left, right) = figure(ncols=2, size=(8.4, 3.8))
    for ax, parts in ((left, first_epochs), (right, last_epochs)):
        points = np.concatenate([*parts.values(), np.array([solution])])
        margin = 0.15 * np.ptp(points, axis=0).max() + 0.01
        low, high = points.min(axis=0) - margin, points.max(axis=0) + margin
        w_grid, b_grid = np.meshgrid(np.linspace(low[0], high[0], 120), np.linspace(low[1], high[1], 120))
        ax.contour(w_grid, b_grid, loss_surface(x, y, w_grid, b_grid), levels=12, colors="0.8", linewidths=0.7)
        ax.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]), xlabel="slope w", ylabel="intercept b")
    for label, path in first_epochs.items():
        left.plot(path[:, 0], path[:, 1], "o-", markersize=2, linewidth=0.7, label=label)
    for label, points in last_epochs.items():
        right.plot(points[:, 0], points[:, 1], "o", markersize=2.5, alpha=0.6, label=label)
    for ax in (left, right):
        ax.plot(*solution, "*", color="black", markersize=12, label="least squares")
    left.set_title("first epoch: the path of (w, b)")
    right.set_title("last epoch: the points (w, b) visited")
    right.legend(loc="upper right", fontsize="small")
    return fig
