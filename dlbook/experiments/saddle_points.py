"""Gradient descent near a saddle point: slowed down by a direction of negative curvature, and freed by noise.

    L(theta) = 1/2 theta1^2 + 1/4 theta2^4 - 1/2 theta2^2,
    grad L   = (theta1, theta2^3 - theta2),

has a saddle at the origin (Hessian diag(1, -1): curvatures h = 1 and h = -1) and two minima at
(0, +-1), where L = -1/4. Near the saddle a gradient step multiplies theta2 by about 1 + eta: from
theta2 = y0 it takes some ln(threshold / |y0|) / ln(1 + eta) steps to get away, and from exactly
theta2 = 0 gradient descent never leaves. Noise in the gradient (as in stochastic gradient descent)
kicks it off the ridge.

The steps are the backend's own dl.SGD (through dlbook.experiments.optimizers.optimize). This module
imports no backend: it takes `dl` (dlbook.load()).
"""

import numpy as np

from .optimizers import optimize

HESSIAN_AT_SADDLE = np.diag([1.0, -1.0])       # curvatures h = 1 (theta1) and h = -1 (theta2)
ESCAPED = 0.5                                  # |theta2| beyond this: gradient descent has left the saddle


def saddle_loss(theta):
    """L(theta) = theta1^2 / 2 + theta2^4 / 4 - theta2^2 / 2, for theta: (..., 2) -> (...)."""
    theta = np.asarray(theta, dtype=np.float64)
    return 0.5 * theta[..., 0] ** 2 + 0.25 * theta[..., 1] ** 4 - 0.5 * theta[..., 1] ** 2


def saddle_gradient(theta):
    """grad L(theta) = (theta1, theta2^3 - theta2), for theta: (2,) -> (2,)."""
    theta = np.asarray(theta, dtype=np.float64)
    return np.array([theta[0], theta[1] ** 3 - theta[1]])


def descend(dl, start, lr, steps, noise=0.0, seed=0):
    """dl.SGD(lr) from start on L, with gradient noise ~ noise * N(0, 1) per coordinate and step (a NumPy
    Generator seeded with seed). Returns the trajectory, float64 (steps + 1, 2)."""
    generator = np.random.default_rng(seed)
    noisy = (lambda theta: saddle_gradient(theta) + noise * generator.standard_normal(2)) if noise else saddle_gradient
    return optimize(dl, "sgd", lr, steps, noisy, start=start)


def escape_step(trajectory, threshold=ESCAPED):
    """The first step at which |theta2| > threshold, or None if the run never gets that far."""
    away = np.abs(np.asarray(trajectory)[:, 1]) > threshold
    return int(np.argmax(away)) if away.any() else None


def predicted_escape_step(y0, lr, threshold=ESCAPED):
    """ln(threshold / |y0|) / ln(1 + eta): the steps to grow theta2 from y0 to threshold by the factor 1 + eta
    of the linearized step (the cubic term, ignored, slows the last few steps)."""
    return float(np.log(threshold / abs(y0)) / np.log1p(lr))


def plot_saddle(trajectories, title="gradient descent near the saddle of L", extent=(-1.2, 1.2, -1.3, 1.3)):
    """Each trajectory {label: (T + 1, 2)} on the contour lines of L; the saddle and the minima marked."""
    from ..viz import figure

    theta1, theta2 = np.meshgrid(np.linspace(*extent[:2], 160), np.linspace(*extent[2:], 160))
    fig, axes = figure(size=(6.4, 4.4))
    axes.contour(theta1, theta2, saddle_loss(np.stack([theta1, theta2], axis=-1)), levels=16, colors="0.75",
                 linewidths=0.7)
    for label, trajectory in trajectories.items():
        axes.plot(trajectory[:, 0], trajectory[:, 1], "o-", markersize=2, linewidth=0.8, label=label)
    axes.plot(0, 0, "x", color="black", markersize=9, label="saddle (0, 0)")
    axes.plot([0, 0], [-1, 1], "*", color="black", markersize=11, label="minima (0, +-1)")
    axes.set(xlim=extent[:2], ylim=extent[2:], xlabel="theta1 (curvature h = 1)",
             ylabel="theta2 (curvature h = -1 at the saddle)", title=title)
    axes.legend(loc="lower right", fontsize="small")
    return fig
