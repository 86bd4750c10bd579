"""Learning-rate schedules: the learning rate eta_t as a pure function of the step t.

Every schedule takes the step t (an int >= 0) and the base learning rate lr0 = eta_0
and returns eta_t, a float. The values equal torch.optim.lr_scheduler's closed forms
where torch has the same schedule, so a chapter can plot them, a widget can slide
them, and `LRScheduler` can apply them to an optimizer of either backend:

    opt = dl.SGD(model.parameters(), lr=0.1)
    scheduler = LRScheduler(opt, cosine_annealing_lr, T_max=100)
    for epoch in range(100):
        ...                    # forward, backward, opt.step()
        scheduler.step()       # eta_{t+1}, as torch: after the optimizer's step

This module imports no backend (only math and NumPy).
"""

import math
from bisect import bisect_right
from numbers import Integral, Real

import numpy as np

# ---------------------------------------------------------------- argument checks


def _check_step(t):
    if isinstance(t, bool) or not isinstance(t, Integral) or t < 0:
        raise ValueError(f"the step t must be an integer >= 0, got {t!r}")


def _check_lr(lr0):
    if not isinstance(lr0, Real) or not lr0 >= 0:
        raise ValueError(f"the base learning rate lr0 must be a number >= 0, got {lr0!r}")


def _check_positive_int(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _check_positive(name, value):
    if not isinstance(value, Real) or not value > 0:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")


def _check_eta_min(eta_min, lr0):
    if not isinstance(eta_min, Real) or not 0 <= eta_min <= lr0:
        raise ValueError(f"eta_min must lie in [0, lr0] = [0, {lr0}], got {eta_min!r}")


def _check_start_factor(start_factor):
    if not isinstance(start_factor, Real) or not 0 <= start_factor <= 1:
        raise ValueError(f"start_factor must lie in [0, 1], got {start_factor!r}")


# ---------------------------------------------------------------- decays


def step_lr(t, lr0, step_size, gamma=0.1):
    """Step decay: eta_t = eta_0 * gamma^floor(t / step_size)   (torch StepLR).

    The learning rate is multiplied by gamma every `step_size` steps.
    """
    _check_step(t)
    _check_lr(lr0)
    _check_positive_int("step_size", step_size)
    _check_positive("gamma", gamma)
    return float(lr0 * gamma ** (t // step_size))


def multistep_lr(t, lr0, milestones, gamma=0.1):
    """Decay at milestones: eta_t = eta_0 * gamma^(number of milestones m <= t)   (torch MultiStepLR).

    milestones: steps (ints >= 1) at which the learning rate is multiplied by gamma;
    a milestone listed twice multiplies twice, as in torch.
    """
    _check_step(t)
    _check_lr(lr0)
    milestones = sorted(milestones)
    for milestone in milestones:
        _check_positive_int("every milestone", milestone)
    _check_positive("gamma", gamma)
    return float(lr0 * gamma ** bisect_right(milestones, t))


def exponential_lr(t, lr0, gamma):
    """Exponential decay: eta_t = eta_0 * gamma^t   (torch ExponentialLR)."""
    _check_step(t)
    _check_lr(lr0)
    _check_positive("gamma", gamma)
    return float(lr0 * gamma**t)


def cosine_annealing_lr(t, lr0, T_max, eta_min=0.0):
    """Cosine annealing: eta_t = eta_min + (eta_0 - eta_min) * (1 + cos(pi t / T_max)) / 2.

    Falls from eta_0 at t = 0 to eta_min at t = T_max along half a cosine (torch
    CosineAnnealingLR, its closed form `_get_closed_form_lr`). Past T_max the formula
    goes on as a cosine: the rate climbs back to eta_0 at t = 2 T_max, falls again,
    and so on with period 2 T_max, as torch's scheduler does when stepped past T_max.
    To stop at eta_min, choose T_max = the number of steps you train for.
    """
    _check_step(t)
    _check_lr(lr0)
    _check_positive_int("T_max", T_max)
    _check_eta_min(eta_min, lr0)
    eta_t = eta_min + (lr0 - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2
    return float(min(max(eta_t, eta_min), lr0))  # rounding must not step outside [eta_min, eta_0]


def inverse_time_decay_lr(t, lr0, beta):
    """Inverse-time decay: eta_t = eta_0 / (1 + beta * t)   (the book's lr0 / (1 + beta * iter)).

    torch has no class for it; LambdaLR(optimizer, lambda t: 1 / (1 + beta * t)) gives it.
    """
    _check_step(t)
    _check_lr(lr0)
    if not isinstance(beta, Real) or not beta >= 0:
        raise ValueError(f"beta must be a number >= 0, got {beta!r}")
    return float(lr0 / (1 + beta * t))


# ---------------------------------------------------------------- warm-up


def linear_warmup_lr(t, lr0, warmup_steps, start_factor=1 / 3):
    """Linear warm-up: eta_t = eta_0 * (s + (1 - s) * min(t, warmup_steps) / warmup_steps), s = start_factor.

    Rises in a straight line from s * eta_0 at t = 0 to eta_0 at t = warmup_steps,
    then stays at eta_0. Equals torch LinearLR(start_factor, end_factor=1.0,
    total_iters=warmup_steps). warmup_steps = 0 means no warm-up (eta_t = eta_0),
    and start_factor = 0 (warm-up from zero) is allowed, though torch's LinearLR
    refuses both.
    """
    _check_step(t)
    _check_lr(lr0)
    _check_positive_int("warmup_steps", warmup_steps, minimum=0)
    _check_start_factor(start_factor)
    if t >= warmup_steps:
        return float(lr0)
    return float(lr0 * (start_factor + (1 - start_factor) * t / warmup_steps))


def warmup_cosine_lr(t, lr0, warmup_steps, T_max, eta_min=0.0, start_factor=1 / 3):
    """Linear warm-up, then cosine annealing down to eta_min at step T_max.

        eta_t = linear_warmup_lr(t, eta_0, warmup_steps, start_factor)            for t < warmup_steps
        eta_t = cosine_annealing_lr(t - warmup_steps, eta_0, T_max - warmup_steps, eta_min)   after

    T_max counts from t = 0, warm-up included: pass the number of steps you train for,
    and the rate reaches eta_min at the last one. Past T_max the cosine goes on (see
    `cosine_annealing_lr`). Equals torch SequentialLR([LinearLR(start_factor,
    total_iters=warmup_steps), CosineAnnealingLR(T_max - warmup_steps, eta_min)],
    milestones=[warmup_steps]).
    """
    _check_step(t)
    _check_lr(lr0)
    _check_positive_int("warmup_steps", warmup_steps, minimum=0)
    if isinstance(T_max, bool) or not isinstance(T_max, Integral) or T_max <= warmup_steps:
        raise ValueError(f"T_max must be an integer > warmup_steps = {warmup_steps!r}, got {T_max!r}")
    _check_eta_min(eta_min, lr0)
    _check_start_factor(start_factor)
    if t < warmup_steps:
        return linear_warmup_lr(t, lr0, warmup_steps, start_factor)
    return cosine_annealing_lr(t - warmup_steps, lr0, T_max - warmup_steps, eta_min)


# ---------------------------------------------------------------- lookup and plots

SCHEDULES = {
    "step": step_lr,
    "multistep": multistep_lr,
    "exponential": exponential_lr,
    "cosine": cosine_annealing_lr,
    "inverse_time": inverse_time_decay_lr,
    "linear_warmup": linear_warmup_lr,
    "warmup_cosine": warmup_cosine_lr,
}
"""Every schedule by a short name, for widgets and configuration."""


def get_schedule(schedule):
    """The schedule function for `schedule`: a function passes through, a name is looked up in SCHEDULES."""
    if callable(schedule):
        return schedule
    if schedule in SCHEDULES:
        return SCHEDULES[schedule]
    raise ValueError(f"unknown schedule {schedule!r}: pass a function or one of {sorted(SCHEDULES)}")


def schedule_values(schedule, n_steps, **kwargs):
    """eta_t for t = 0 .. n_steps - 1, as a float64 array of shape (n_steps,), for plots.

    schedule: a function of this module (or its name in SCHEDULES); kwargs: its
    arguments after t, e.g. schedule_values(step_lr, 100, lr0=0.1, step_size=30).
    """
    _check_positive_int("n_steps", n_steps, minimum=0)
    schedule = get_schedule(schedule)
    return np.array([schedule(t, **kwargs) for t in range(n_steps)], dtype=np.float64)


# ---------------------------------------------------------------- driving an optimizer


class LRScheduler:
    """Sets an optimizer's learning rate from a schedule, step by step, as torch.optim.lr_scheduler.

    optimizer: any object with a settable `lr` (both backends' optimizers);
    schedule: a function of this module or its name; kwargs: its arguments after t.
    lr0 defaults to the optimizer's learning rate at construction (torch's base_lrs).

    At construction the optimizer's lr becomes schedule(0); each `step()`, called
    after `optimizer.step()`, advances t (`last_epoch`) by one and sets lr = schedule(t).
    """

    def __init__(self, optimizer, schedule, **kwargs):
        self.optimizer = optimizer
        self.schedule = get_schedule(schedule)
        self.kwargs = {"lr0": optimizer.lr, **kwargs}
        self.base_lrs = [self.kwargs["lr0"]]
        self.last_epoch = -1
        self.step()

    def step(self):
        """Advance the step t by one and set the optimizer's lr to eta_t."""
        self.last_epoch += 1
        self.optimizer.lr = self.schedule(self.last_epoch, **self.kwargs)
        self._last_lr = [self.optimizer.lr]

    def get_last_lr(self):
        """[eta_t], the learning rate last set, as a one-element list (torch: one per parameter group)."""
        return list(self._last_lr)

    def state_dict(self):
        """What `load_state_dict` needs to resume: the step and the schedule's arguments."""
        return {"last_epoch": self.last_epoch, "kwargs": dict(self.kwargs)}

    def load_state_dict(self, state):
        """Resume at step state['last_epoch'] and set the optimizer's lr to that step's value."""
        self.kwargs = dict(state["kwargs"])
        self.base_lrs = [self.kwargs["lr0"]]
        self.last_epoch = state["last_epoch"] - 1
        self.step()

    def __repr__(self):
        arguments = ", ".join(f"{name}={value!r}" for name, value in self.kwargs.items())
        return f"LRScheduler({self.schedule.__name__}, {arguments}, last_epoch={self.last_epoch})"
