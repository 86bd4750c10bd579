"""Learning-rate schedules: torch.optim.lr_scheduler as the oracle, properties, bad arguments."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlbook.schedules import (
    SCHEDULES,
    LRScheduler,
    cosine_annealing_lr,
    exponential_lr,
    get_schedule,
    inverse_time_decay_lr,
    linear_warmup_lr,
    multistep_lr,
    schedule_values,
    step_lr,
    warmup_cosine_lr,
)

N_STEPS = 60
LR0 = 0.1

# torch updates the lr recursively (last lr times a factor each step), we evaluate the
# closed form. Each step rounds once (~1e-16 relative), so 60 steps stay far below 1e-12;
# the recursive cosine loses some relative precision of (eta_t - eta_min) near its bottom
# (measured: 2e-14 for warm-up + cosine). 1e-12 leaves room and still catches any
# off-by-one step, which changes values by percents.
REL_TOL = 1e-12

# (name, torch scheduler factory(optimizer, torch.optim.lr_scheduler), our schedule, its kwargs)
TORCH_TWINS = [
    ("StepLR", lambda opt, lrs: lrs.StepLR(opt, step_size=7, gamma=0.5),
     step_lr, dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", lambda opt, lrs: lrs.MultiStepLR(opt, milestones=[5, 20, 20, 41], gamma=0.3),
     multistep_lr, dict(milestones=[5, 20, 20, 41], gamma=0.3)),
    ("ExponentialLR", lambda opt, lrs: lrs.ExponentialLR(opt, gamma=0.93),
     exponential_lr, dict(gamma=0.93)),
    ("CosineAnnealingLR", lambda opt, lrs: lrs.CosineAnnealingLR(opt, T_max=25, eta_min=0.001),
     cosine_annealing_lr, dict(T_max=25, eta_min=0.001)),  # 60 steps: past T_max and 2 T_max
    ("CosineAnnealingLR-eta_min-0", lambda opt, lrs: lrs.CosineAnnealingLR(opt, T_max=25),
     cosine_annealing_lr, dict(T_max=25)),
    ("LinearLR", lambda opt, lrs: lrs.LinearLR(opt, start_factor=0.25, end_factor=1.0, total_iters=10),
     linear_warmup_lr, dict(warmup_steps=10, start_factor=0.25)),
    ("LinearLR-default-start", lambda opt, lrs: lrs.LinearLR(opt, total_iters=10),
     linear_warmup_lr, dict(warmup_steps=10)),
    ("LambdaLR", lambda opt, lrs: lrs.LambdaLR(opt, lambda t: 1 / (1 + 0.05 * t)),
     inverse_time_decay_lr, dict(beta=0.05)),
    ("SequentialLR", lambda opt, lrs: lrs.SequentialLR(
        opt, [lrs.LinearLR(opt, start_factor=0.25, total_iters=10), lrs.CosineAnnealingLR(opt, T_max=30,
                                                                                         eta_min=0.001)],
        milestones=[10]),
     warmup_cosine_lr, dict(warmup_steps=10, T_max=40, eta_min=0.001, start_factor=0.25)),
]


def torch_lr_values(make_scheduler, n_steps=N_STEPS, lr0=LR0):
    """The lr torch's scheduler gives at steps 0..n_steps-1, driving SGD on a dummy parameter."""
    torch = pytest.importorskip("torch")
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=lr0)
    scheduler = make_scheduler(optimizer, torch.optim.lr_scheduler)
    values = []
    for _ in range(n_steps):
        values.append(scheduler.get_last_lr()[0])
        optimizer.step()
        scheduler.step()
    return np.array(values)


@pytest.mark.torch
@pytest.mark.parametrize("name, make_scheduler, schedule, kwargs", TORCH_TWINS,
                         ids=[case[0] for case in TORCH_TWINS])
def test_schedule_equals_its_torch_twin(name, make_scheduler, schedule, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "scheduler.step() before optimizer.step()" misuse
        expected = torch_lr_values(make_scheduler)
    np.testing.assert_allclose(schedule_values(schedule, N_STEPS, lr0=LR0, **kwargs), expected,
                               rtol=REL_TOL, atol=0)


# ---------------------------------------------------------------- formulas at a glance


def test_step_lr_multiplies_by_gamma_every_step_size_steps():
    assert [step_lr(t, 1.0, step_size=3, gamma=0.5) for t in range(7)] == [1, 1, 1, 0.5, 0.5, 0.5, 0.25]


def test_inverse_time_decay_halves_the_rate_at_t_equal_one_over_beta():
    assert inverse_time_decay_lr(100, 0.2, beta=0.01) == pytest.approx(0.1)


def test_cosine_annealing_reaches_eta_min_at_T_max_and_climbs_back_after():
    assert cosine_annealing_lr(10, 0.1, T_max=10, eta_min=0.01) == pytest.approx(0.01)
    assert cosine_annealing_lr(20, 0.1, T_max=10, eta_min=0.01) == pytest.approx(0.1)


def test_linear_warmup_starts_at_start_factor_and_holds_lr0_after_warmup():
    assert linear_warmup_lr(0, 0.3, warmup_steps=5) == pytest.approx(0.1)
    assert linear_warmup_lr(5, 0.3, warmup_steps=5) == linear_warmup_lr(500, 0.3, warmup_steps=5) == 0.3


def test_zero_warmup_steps_mean_no_warmup():
    assert linear_warmup_lr(0, 0.3, warmup_steps=0) == 0.3


def test_warmup_cosine_peaks_after_warmup_and_ends_at_eta_min_at_T_max():
    assert warmup_cosine_lr(10, 0.1, warmup_steps=10, T_max=50) == 0.1
    assert warmup_cosine_lr(50, 0.1, warmup_steps=10, T_max=50, eta_min=0.002) == pytest.approx(0.002)


def test_schedule_values_returns_one_float64_per_step():
    values = schedule_values(exponential_lr, 5, lr0=1.0, gamma=0.5)
    assert values.dtype == np.float64
    np.testing.assert_array_equal(values, [1, 0.5, 0.25, 0.125, 0.0625])


def test_schedules_can_be_named():
    assert get_schedule("cosine") is cosine_annealing_lr
    assert all(get_schedule(name) is schedule for name, schedule in SCHEDULES.items())
    np.testing.assert_array_equal(schedule_values("step", 4, lr0=1.0, step_size=2),
                                  schedule_values(step_lr, 4, lr0=1.0, step_size=2))


# ---------------------------------------------------------------- LRScheduler


class FakeOptimizer:
    """Anything with a settable `lr` is an optimizer to LRScheduler."""

    def __init__(self, lr):
        self.lr = lr


@pytest.mark.parametrize("schedule, kwargs", [
    (step_lr, dict(step_size=4)),
    (cosine_annealing_lr, dict(T_max=12, eta_min=0.01)),
    (warmup_cosine_lr, dict(warmup_steps=5, T_max=20)),
    (inverse_time_decay_lr, dict(beta=0.1)),
], ids=lambda value: getattr(value, "__name__", ""))
def test_lr_scheduler_sets_the_optimizers_lr_to_schedule_values(schedule, kwargs):
    optimizer = FakeOptimizer(lr=LR0)
    scheduler = LRScheduler(optimizer, schedule, **kwargs)
    seen = []
    for _ in range(30):
        seen.append(optimizer.lr)
        assert scheduler.get_last_lr() == [optimizer.lr]
        scheduler.step()
    np.testing.assert_array_equal(seen, schedule_values(schedule, 30, lr0=LR0, **kwargs))


def test_lr_scheduler_counts_steps_in_last_epoch_as_torch():
    scheduler = LRScheduler(FakeOptimizer(lr=LR0), "exponential", gamma=0.5)
    assert scheduler.last_epoch == 0
    scheduler.step()
    scheduler.step()
    assert scheduler.last_epoch == 2
    assert scheduler.base_lrs == [LR0]


def test_lr_scheduler_sets_schedule_at_step_zero_on_construction():
    optimizer = FakeOptimizer(lr=0.3)
    LRScheduler(optimizer, linear_warmup_lr, warmup_steps=3)
    assert optimizer.lr == pytest.approx(0.1)


def test_lr_scheduler_takes_lr0_from_the_arguments_over_the_optimizer():
    optimizer = FakeOptimizer(lr=0.3)
    LRScheduler(optimizer, exponential_lr, lr0=0.05, gamma=0.9)
    assert optimizer.lr == 0.05


def test_lr_scheduler_resumes_from_its_state_dict():
    first = LRScheduler(FakeOptimizer(lr=LR0), step_lr, step_size=2)
    for _ in range(5):
        first.step()
    resumed = LRScheduler(FakeOptimizer(lr=123.0), step_lr, step_size=2)
    resumed.load_state_dict(first.state_dict())
    assert (resumed.last_epoch, resumed.get_last_lr()) == (first.last_epoch, first.get_last_lr())


@pytest.mark.torch
def test_lr_scheduler_drives_a_torch_optimizer_through_param_groups():
    torch = pytest.importorskip("torch")

    class TorchSGDWithLr(torch.optim.SGD):  # the `lr` property both dlbook backends have
        lr = property(lambda self: self.param_groups[0]["lr"],
                      lambda self, value: self.param_groups[0].__setitem__("lr", value))

    optimizer = TorchSGDWithLr([torch.nn.Parameter(torch.zeros(1))], lr=LR0)
    scheduler = LRScheduler(optimizer, step_lr, step_size=1, gamma=0.5)
    scheduler.step()
    assert optimizer.param_groups[0]["lr"] == pytest.approx(LR0 / 2)


# ---------------------------------------------------------------- properties

learning_rates = st.floats(1e-6, 10.0)
decay_factors = st.floats(1e-3, 1.0)
steps = st.integers(0, 10_000)


@given(lr0=learning_rates, gamma=decay_factors, step_size=st.integers(1, 100), t=steps)
def test_decays_never_increase_and_stay_in_zero_to_lr0(lr0, gamma, step_size, t):
    for schedule, kwargs in [(step_lr, dict(step_size=step_size, gamma=gamma)),
                             (multistep_lr, dict(milestones=[step_size, 2 * step_size], gamma=gamma)),
                             (exponential_lr, dict(gamma=gamma)),
                             (inverse_time_decay_lr, dict(beta=1 - gamma))]:
        now, later = schedule(t, lr0, **kwargs), schedule(t + 1, lr0, **kwargs)
        assert 0 <= later <= now <= lr0, schedule.__name__


@given(lr0=learning_rates, eta_min_fraction=st.floats(0, 1), T_max=st.integers(1, 1000), data=st.data())
def test_cosine_annealing_falls_from_lr0_to_eta_min_until_T_max(lr0, eta_min_fraction, T_max, data):
    eta_min = eta_min_fraction * lr0
    t = data.draw(st.integers(0, T_max - 1))
    now = cosine_annealing_lr(t, lr0, T_max, eta_min)
    later = cosine_annealing_lr(t + 1, lr0, T_max, eta_min)
    assert eta_min <= later <= now <= lr0


@given(lr0=learning_rates, T_max=st.integers(1, 100), t=steps)
def test_cosine_annealing_stays_in_eta_min_to_lr0_past_T_max(lr0, T_max, t):
    eta_min = lr0 / 10
    assert eta_min <= cosine_annealing_lr(t, lr0, T_max, eta_min) <= lr0


@given(lr0=learning_rates, warmup_steps=st.integers(0, 1000), start_factor=st.floats(0, 1), t=steps)
def test_linear_warmup_never_decreases_and_stays_in_start_to_lr0(lr0, warmup_steps, start_factor, t):
    now = linear_warmup_lr(t, lr0, warmup_steps, start_factor)
    later = linear_warmup_lr(t + 1, lr0, warmup_steps, start_factor)
    assert start_factor * lr0 * (1 - 1e-12) <= now <= later <= lr0


@given(lr0=learning_rates, warmup_steps=st.integers(0, 100), cosine_steps=st.integers(1, 100), data=st.data())
def test_warmup_cosine_rises_then_falls_to_eta_min(lr0, warmup_steps, cosine_steps, data):
    T_max, eta_min = warmup_steps + cosine_steps, lr0 / 100
    t = data.draw(st.integers(0, T_max - 1))
    now = warmup_cosine_lr(t, lr0, warmup_steps, T_max, eta_min)
    later = warmup_cosine_lr(t + 1, lr0, warmup_steps, T_max, eta_min)
    assert (now <= later) if t < warmup_steps else (later <= now)
    assert eta_min <= later <= lr0 and now <= lr0


# ---------------------------------------------------------------- bad arguments

BAD_CALLS = [
    ("negative step", lambda: step_lr(-1, 0.1, step_size=5), "t must be an integer >= 0"),
    ("fractional step", lambda: exponential_lr(1.5, 0.1, gamma=0.9), "t must be an integer >= 0"),
    ("negative lr0", lambda: exponential_lr(0, -0.1, gamma=0.9), "lr0"),
    ("zero step_size", lambda: step_lr(0, 0.1, step_size=0), "step_size"),
    ("zero gamma", lambda: step_lr(0, 0.1, step_size=5, gamma=0), "gamma"),
    ("negative gamma", lambda: exponential_lr(0, 0.1, gamma=-0.5), "gamma"),
    ("zero milestone", lambda: multistep_lr(0, 0.1, milestones=[0, 5]), "milestone"),
    ("zero T_max", lambda: cosine_annealing_lr(0, 0.1, T_max=0), "T_max"),
    ("eta_min above lr0", lambda: cosine_annealing_lr(0, 0.1, T_max=10, eta_min=0.2), "eta_min"),
    ("negative beta", lambda: inverse_time_decay_lr(0, 0.1, beta=-0.1), "beta"),
    ("negative warmup", lambda: linear_warmup_lr(0, 0.1, warmup_steps=-1), "warmup_steps"),
    ("start_factor above 1", lambda: linear_warmup_lr(0, 0.1, 5, start_factor=2), "start_factor"),
    ("T_max within warm-up", lambda: warmup_cosine_lr(0, 0.1, warmup_steps=10, T_max=10), "T_max"),
    ("unknown name", lambda: get_schedule("cosine_with_restarts"), "unknown schedule"),
    ("negative n_steps", lambda: schedule_values(step_lr, -1, lr0=0.1, step_size=1), "n_steps"),
    ("bad schedule arguments", lambda: LRScheduler(FakeOptimizer(0.1), step_lr, step_size=0), "step_size"),
]


@pytest.mark.parametrize("description, call, message", BAD_CALLS, ids=[case[0] for case in BAD_CALLS])
def test_bad_arguments_raise_a_value_error_naming_the_argument(description, call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_schedules_return_python_floats_even_for_integer_arguments():
    values = [step_lr(0, 1, step_size=1, gamma=1), exponential_lr(2, 1, gamma=1), linear_warmup_lr(5, 1, 0),
              cosine_annealing_lr(0, 1, T_max=1), inverse_time_decay_lr(0, 1, beta=0)]
    assert all(type(value) is float for value in values)


def test_schedules_import_no_backend():
    imported = subprocess.run([sys.executable, "-c", "import sys, dlbook.schedules; print(sorted(sys.modules))"],
                              capture_output=True, text=True, check=True).stdout
    assert not {"'torch'", "'dlbook.numpy'", "'dlbook.torch'"} & set(imported.strip("[]\n").split(", "))
