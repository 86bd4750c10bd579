"""Optimizers on an ill-conditioned 2-D quadratic: the real dl optimizers step one 2-vector.

    L(theta) = 1/2 theta^T H theta,   grad L(theta) = H theta,

with H symmetric positive definite. Its eigenvalues are the curvatures along the principal
axes; their ratio (the condition number) is what makes plain gradient descent zigzag across
the steep direction and crawl along the flat one. `optimize_quadratic` puts theta in a
Parameter of a tiny dl.Module, writes grad L into `.grad` and calls the backend's own
optimizer (dl.SGD, dl.RMSprop, dl.Adam), so the trajectory is the one those classes take.

This module imports no backend: it takes `dl` (dlbook.load()).
"""

import numpy as np

from .. import models

HESSIAN = np.diag([1.0, 50.0])          # curvatures 1 (flat, along theta1) and 50 (steep, along theta2)
START = (-4.0, 1.5)
DIVERGED = 1e6                          # |theta| beyond this: the run has diverged

OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam")
"""Short names of the optimizers, in the order the chapter introduces them."""


def make_optimizer(dl, name, params, lr, **options):
    """The optimizer `name` of backend dl over params.

    sgd: dl.SGD(lr); momentum: dl.SGD(lr, momentum=0.9); nesterov: dl.SGD(lr, momentum=0.9,
    nesterov=True); rmsprop: dl.RMSprop(lr); adam: dl.Adam(lr); adamw: dl.AdamW(lr). options override or add
    keyword arguments, e.g. momentum=0.5 or betas=(0.9, 0.99)."""
    settings = {
        "sgd": (dl.SGD, {}),
        "momentum": (dl.SGD, {"momentum": 0.9}),
        "nesterov": (dl.SGD, {"momentum": 0.9, "nesterov": True}),
        "rmsprop": (dl.RMSprop, {}),
        "adam": (dl.Adam, {}),
        "adamw": (dl.AdamW, {}),
    }
    if name not in settings:
        raise ValueError(f"unknown optimizer {name!r}: choose one of {tuple(settings)}")
    optimizer_class, defaults = settings[name]
    return optimizer_class(params, lr=lr, **{**defaults, **options})


def quadratic_loss(theta, hessian=HESSIAN):
    """L(theta) = 1/2 theta^T H theta for theta: (..., 2) -> (...)."""
    theta = np.asarray(theta, dtype=np.float64)
    finite = np.isfinite(theta).all(axis=-1)
    theta = np.where(finite[..., None], theta, 0.0)
    loss = 0.5 * np.einsum("...i,ij,...j->...", theta, np.asarray(hessian, dtype=np.float64), theta)
    return np.where(finite, loss, np.inf)                             # a diverged point (inf) has loss inf


def quadratic_gradient(theta, hessian=HESSIAN):
    """grad L(theta) = H theta for theta: (2,) -> (2,)."""
    return np.asarray(hessian, dtype=np.float64) @ np.asarray(theta, dtype=np.float64)


def _point(dl, start):
    """A tiny dl.Module holding one Parameter `theta` (the shape of start), set to start."""
    module = dl.Module()
    module.theta = dl.Parameter(dl.asarray(np.asarray(start, dtype=np.float32)))
    return module


def optimize(dl, optimizer_name, lr, steps, gradient, start=START, **options):
    """Step the backend's optimizer `steps` times on a loss known by its gradient.

    gradient: a function theta (float64 array) -> grad L(theta), written into theta.grad before each
    optimizer.step(). lr: one learning rate, or one per step (a schedule, set as optimizer.lr before
    each step). Returns the trajectory: float64 (steps + 1, *shape of start); rows after a divergence
    (|theta| > 1e6) are inf."""
    lrs = np.full(steps, lr, dtype=np.float64) if np.ndim(lr) == 0 else np.asarray(lr, dtype=np.float64)
    if lrs.shape != (steps,):
        raise ValueError(f"lr must be one learning rate or one per step ({steps}), got {lrs.shape[0]}")
    point = _point(dl, start)
    optimizer = make_optimizer(dl, optimizer_name, point.parameters(), float(lrs[0]) if steps else 0.0, **options)
    trajectory = [dl.to_numpy(point.theta.data).astype(np.float64)]
    for eta in lrs:
        if np.abs(trajectory[-1]).max() > DIVERGED:
            trajectory.append(np.full(trajectory[-1].shape, np.inf))
            continue
        optimizer.lr = float(eta)                                     # eta_t of the schedule
        optimizer.zero_grad()
        point.theta.grad = dl.asarray(np.asarray(gradient(trajectory[-1]), dtype=np.float32))   # g
        optimizer.step()                                              # the backend's update rule
        trajectory.append(dl.to_numpy(point.theta.data).astype(np.float64))
    return np.array(trajectory)


def optimize_quadratic(dl, optimizer_name, lr, steps, start=START, hessian=HESSIAN, **options):
    """Minimise L(theta) = 1/2 theta^T H theta from `start` with the backend's optimizer.

    Each step writes grad L = H theta into theta.grad and calls optimizer.step() (see `optimize`).
    lr: the learning rate eta, or a schedule: a sequence of `steps` rates eta_0 .. eta_{steps-1}, set as
    optimizer.lr before each step. optimizer_name: one of OPTIMIZERS; options: its keyword arguments
    (see make_optimizer). Returns the trajectory: float64 (steps + 1, 2), theta at the start and after
    every step. A run that diverges (|theta| > 1e6) stops there: the rows after it are inf.
    """
    hessian = np.asarray(hessian, dtype=np.float64)
    if hessian.shape != (2, 2) or not np.allclose(hessian, hessian.T):
        raise ValueError(f"hessian must be a symmetric 2 x 2 matrix, got shape {hessian.shape}")
    return optimize(dl, optimizer_name, lr, steps, lambda theta: quadratic_gradient(theta, hessian), start,
                    **options)


def tune_learning_rate(dl, optimizer_name, lr_grid, steps, hessian=HESSIAN, **options):
    """The learning rate of lr_grid with the lowest loss after `steps` steps on the quadratic, every
    rate given the same budget. Returns (best lr, {lr: final loss}); a diverged run's loss is inf."""
    final = {float(lr): float(quadratic_loss(optimize_quadratic(dl, optimizer_name, float(lr), steps,
                                                                hessian=hessian, **options)[-1], hessian))
             for lr in lr_grid}
    return min(final, key=final.get), final


def adagrad(gradient, start, lr, steps, eps=1e-10):
    """AdaGrad (Duchi et al., 2011) by hand, as torch.optim.Adagrad with its defaults:
    v <- v + g^2 (the sum of every squared gradient so far);  theta <- theta - eta g / (sqrt(v) + eps).
    gradient: theta -> g. Returns the trajectory, float64 (steps + 1, *shape of start)."""
    theta = np.array(start, dtype=np.float64)
    v = np.zeros_like(theta)
    trajectory = [theta.copy()]
    for _ in range(steps):
        g = gradient(theta)
        v += g * g                                                    # v = v + g^2: it only grows
        theta = theta - lr * g / (np.sqrt(v) + eps)                   # theta <- theta - eta g / (sqrt(v) + eps)
        trajectory.append(theta.copy())
    return np.array(trajectory)


def decay_under_noise(dl, optimizer_name, lr, weight_decay, noise_scales=(0.01, 10.0), steps=200, n_weights=500,
                      seed=0):
    """How much weight decay shrinks weights whose loss is flat, by the size of their gradient noise.

    n_weights weights per entry of noise_scales, all starting at 1; at every step each gets the
    gradient noise_scale * N(0, 1) (the same draws for every optimizer: a NumPy Generator seeded with
    seed), a loss with no pull of its own. The optimizer (see make_optimizer: "sgd", "adam", or
    "adamw") is built with weight_decay. Returns (steps + 1, len(noise_scales)): the mean weight of
    each group after every step. Under SGD and AdamW the mean decays by (1 - eta lambda) per step
    whatever the noise; under Adam's L2 the decay lambda theta is divided by sqrt(v) like the rest
    of the gradient, so a noisy weight hardly decays and a quiet one decays fast."""
    scales = np.repeat(np.asarray(noise_scales, dtype=np.float64), n_weights)
    generator = np.random.default_rng(seed)
    trajectory = optimize(dl, optimizer_name, lr, steps, lambda theta: scales * generator.standard_normal(len(scales)),
                          start=np.ones(len(scales)), weight_decay=weight_decay)
    return trajectory.reshape(steps + 1, len(noise_scales), n_weights).mean(axis=2)


def plot_trajectories(trajectories, hessian=HESSIAN, title="optimizers on an ill-conditioned quadratic",
                      extent=(-4.5, 4.5, -2.5, 2.5)):
    """Each trajectory {label: (T + 1, 2)} on the contour lines of L; the minimum marked by a star."""
    from ..viz import figure

    theta1, theta2 = np.meshgrid(np.linspace(*extent[:2], 200), np.linspace(*extent[2:], 120))
    loss = quadratic_loss(np.stack([theta1, theta2], axis=-1), hessian)
    fig, axes = figure(size=(7.2, 4.2))
    axes.contour(theta1, theta2, loss, levels=np.geomspace(0.02, loss.max(), 12), colors="0.75", linewidths=0.7)
    for label, trajectory in trajectories.items():
        path = np.clip(trajectory, -50, 50)                           # a diverging path stays drawable
        axes.plot(path[:, 0], path[:, 1], "o-", markersize=2.5, linewidth=1, label=label)
    axes.plot(0, 0, "*", color="black", markersize=12, label="minimum")
    axes.set(xlim=extent[:2], ylim=extent[2:], xlabel="theta1 (flat direction)", ylabel="theta2 (steep direction)",
             title=title)
    axes.legend(loc="lower right", fontsize="small")
    return fig


# ---------------------------------------------------------------- the same network, one optimizer at a time


def sweep_learning_rates(dl, X, Y, lr_grid, epochs=15, batch_size=64, sizes=(64, 32, 10), loss_fn=None, seed=0,
                         progress=True):
    """Train the same MLP from the same initial weights, on the same mini-batches, once per
    optimizer and learning rate.

    lr_grid: {optimizer name (see make_optimizer): [learning rates]}; loss_fn defaults to
    dl.CrossEntropyLoss(). Returns {name: {lr: History}}; a run whose loss became NaN or inf
    is kept as None (that learning rate diverged)."""
    from ..train import TrainingDivergedError, fit

    loss_fn = dl.CrossEntropyLoss() if loss_fn is None else loss_fn
    runs = [(name, lr) for name, lrs in lr_grid.items() for lr in lrs]
    if progress:
        from tqdm.auto import tqdm

        runs = tqdm(runs, desc="runs", leave=False)
    results = {name: {} for name in lr_grid}
    for name, lr in runs:
        model = models.mlp(dl, sizes, seed=seed)
        optimizer = make_optimizer(dl, name, model.parameters(), lr)
        try:
            history = fit(model, loss_fn, optimizer, X, Y, epochs=epochs, batch_size=batch_size, seed=seed,
                          progress=False)
        except TrainingDivergedError:
            history = None
        results[name][lr] = history
    return results


def best_runs(results):
    """{name: (lr, History)}: for each optimizer, the learning rate with the lowest final training loss."""
    best = {}
    for name, runs in results.items():
        finished = {lr: history for lr, history in runs.items() if history is not None}
        if finished:
            lr = min(finished, key=lambda lr: finished[lr].train_loss[-1])
            best[name] = (lr, finished[lr])
    return best
