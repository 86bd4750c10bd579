"""The learning-rate explorer: learning rate and schedule -> gradient-descent trajectory and loss curve.

Gradient descent on the ill-conditioned quadratic L(w) = (a w1^2 + b w2^2) / 2 (curvatures a < b):
w <- w - eta_t grad L(w). A constant eta converges when eta < 2 / b and diverges beyond it;
a decaying schedule can rescue a learning rate that starts too large.

The steps are those of the real optimizer: the NumPy reference's SGD (dlbook.numpy, which never imports
torch) moves w through dlbook.experiments.optimizers.optimize_quadratic, with eta_t set before each step.
"""

import numpy as np
from matplotlib.ticker import NullLocator

from .. import numpy as reference
from .. import schedules
from ..experiments.optimizers import optimize_quadratic, quadratic_loss
from .explorer import Explorer

CURVATURES = (1.0, 4.0)                 # a, b: eta > 2 / b = 0.5 diverges along w2
HESSIAN = np.diag(CURVATURES)           # L(w) = 1/2 w^T H w
START = (-4.0, 2.0)
N_STEPS = 40
LOSS_TICKS = (1e-8, 1e-4, 1.0, 1e4)
_W1, _W2 = np.meshgrid(np.linspace(-5, 5, 100), np.linspace(-3.5, 3.5, 70))
LOSS_SURFACE = np.log1p(quadratic_loss(np.stack([_W1, _W2], axis=-1), HESSIAN))   # background: log(1 + L)
SCHEDULE_NAMES = ("constant", "step", "exponential", "cosine", "inverse time", "warm-up")


def learning_rates(schedule, lr0, n_steps=N_STEPS):
    """eta_t for t = 0..n_steps-1 under a named schedule (parameters chosen for n_steps)."""
    settings = {
        "constant": lambda t: lr0,
        "step": lambda t: schedules.step_lr(t, lr0, step_size=10, gamma=0.5),
        "exponential": lambda t: schedules.exponential_lr(t, lr0, gamma=0.93),
        "cosine": lambda t: schedules.cosine_annealing_lr(t, lr0, T_max=n_steps),
        "inverse time": lambda t: schedules.inverse_time_decay_lr(t, lr0, beta=0.2),
        "warm-up": lambda t: schedules.linear_warmup_lr(t, lr0, warmup_steps=10, start_factor=0.1),
    }
    if schedule not in settings:
        raise ValueError(f"unknown schedule {schedule!r}; choose one of {SCHEDULE_NAMES}")
    return np.array([settings[schedule](t) for t in range(n_steps)])


def gradient_descent(lrs, start=START):
    """The path of dl.SGD (the NumPy reference's) from `start` with learning rate eta_t = lrs[t] at step t:
    w_{t+1} = w_t - eta_t H w_t. Returns the trajectory (len(lrs) + 1, 2), inf after a divergence."""
    return optimize_quadratic(reference, "sgd", lrs, len(lrs), start=start, hessian=HESSIAN)


class LRExplorer(Explorer):
    """Move the learning rate and the schedule; watch the path of gradient descent and its loss."""

    TITLE = "Learning rate and schedule"
    GRID = {
        "lr": [0.05, 0.1, 0.2, 0.4, 0.55, 0.7],
        "schedule": list(SCHEDULE_NAMES),
    }
    LABELS = {"lr": "learning rate eta_0", "schedule": "schedule"}
    DEFAULTS = {"lr": 0.1, "schedule": "constant"}

    def compute(self, lr, schedule):
        """{'lrs': (T,), 'trajectory': (T + 1, 2), 'loss': (T + 1,), 'diverged': bool}."""
        lrs = learning_rates(schedule, lr)
        trajectory = gradient_descent(lrs)
        loss = quadratic_loss(trajectory, HESSIAN)
        return {"lrs": lrs, "trajectory": trajectory, "loss": loss, "diverged": bool(loss[-1] > loss[0])}

    def render(self, result, lr, schedule):
        figure, (path_axes, loss_axes) = self.new_figure(ncols=2)
        path_axes.imshow(LOSS_SURFACE, extent=(-5, 5, -3.5, 3.5), origin="lower", cmap="Greys", aspect="auto")
        trajectory = result["trajectory"]
        path = np.clip(trajectory[np.isfinite(trajectory).all(axis=1)], -50, 50)   # up to a divergence
        path_axes.plot(path[:, 0], path[:, 1], "o-", color="tab:blue", markersize=3, linewidth=1)
        path_axes.plot(0, 0, "*", color="tab:red", markersize=10)
        path_axes.set(xlim=(-5, 5), ylim=(-3.5, 3.5), xticks=(-4, -2, 0, 2, 4), yticks=(-2, 0, 2),   # fixed: fast
                      xlabel="w1", ylabel="w2",
                      title=f"gradient descent, eta_0 = {lr:g}, {schedule}")
        loss_axes.semilogy(np.maximum(result["loss"], 1e-12), color="tab:blue")
        loss_axes.set_yticks(LOSS_TICKS, [f"1e{round(np.log10(tick))}" for tick in LOSS_TICKS])  # no mathtext: fast
        loss_axes.yaxis.set_minor_locator(NullLocator())                     # no minor log ticks: fast
        loss_axes.set(xticks=(0, 10, 20, 30, 40), xlabel="step t", ylabel="loss L(w_t) (log scale)", ylim=(1e-8, 1e6),
                      title="diverges: eta too large" if result["diverged"] else "loss per step")
        lr_axes = loss_axes.twinx()
        lr_axes.plot(result["lrs"], color="tab:orange", linewidth=1)
        lr_axes.set_ylabel("learning rate eta_t", color="tab:orange")
        lr_axes.set_ylim(0, 0.75)
        lr_axes.set_yticks((0.0, 0.25, 0.5, 0.75))
        return figure
