"""Measurements behind the appendix's answers: time, memory and bytes, taken the same way on either backend.

    timing = stopwatch(lambda: model(x))                    # Timing(wall, cpu) of one call, in seconds
    runs = time_per_epoch(model, loss_fn, optimizer, X, y, batch_size=64, epochs=3)
    predict_time_per_sample(model, X, batch_size=1)         # Timing per sample of dlbook.train.predict
    peak_memory_bytes(lambda: forward_backward(...))        # tracemalloc: what NumPy allocated, at most
    state_dict_file_sizes(state, folder)                    # {'float32': bytes, 'float16': ..., 'int8': ...}

Two clocks. Wall time (time.perf_counter) is what the reader waits; CPU time (time.process_time: every
thread of this process, user + system) is what the work cost. On a machine shared with other work the wall
time grows and the CPU time does not, so every timing here carries both. A GPU runs asynchronously: each
timed function here ends by copying a result to NumPy, which waits for the device.

Peak memory: tracemalloc follows the memory that Python and NumPy allocate (NumPy reports its array buffers
to it). torch allocates its tensors itself, out of tracemalloc's sight: measure the NumPy backend, or on a
GPU ask torch.cuda.max_memory_allocated.

Written against the shared API (the backend is read off the model or passed as `dl`); imports no backend.
"""

import time
import tracemalloc
from typing import NamedTuple

import numpy as np

from .models import mlp
from .train import fit, predict

# ---------------------------------------------------------------- clocks


class Timing(NamedTuple):
    """Seconds on the two clocks: wall (perf_counter) and cpu (process_time, all threads of the process)."""

    wall: float
    cpu: float

    def __truediv__(self, count):
        """The time per item when the timed work handled `count` items."""
        return Timing(self.wall / count, self.cpu / count)


def stopwatch(fn, wait=None):
    """Call fn() once; returns (its result, Timing of the call).
    wait: called after fn() and before the clocks stop, e.g. to wait for a GPU's queued work."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    if wait is not None:
        wait()
    return result, Timing(time.perf_counter() - wall, time.process_time() - cpu)


def format_seconds(seconds):
    """A duration as a table shows it: '606 us', '147.7 ms', '1.36 s'."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def best_of(fn, repeats=3, wait=None):
    """The Timing of the fastest of `repeats` calls of fn() (after one untimed warm-up call, which pays
    one-off costs: imports, caches, a GPU's start-up). The minimum is the least disturbed by other work.
    wait: as in stopwatch, called after every call before its clocks stop."""
    stopwatch(fn, wait)
    timings = [stopwatch(fn, wait)[1] for _ in range(repeats)]
    return min(timings, key=lambda timing: timing.wall)


# ---------------------------------------------------------------- training time


class EpochTimes(NamedTuple):
    """One training run, per epoch: the mean training loss, and the wall and CPU seconds the epoch took."""

    train_loss: list
    wall: list
    cpu: list


def time_per_epoch(model, loss_fn, optimizer, X, Y, *, batch_size, epochs=1, seed=0, target_loss=None):
    """Train with dlbook.train.fit one epoch at a time and time each epoch; returns EpochTimes.
    The same mini-batches as fit(..., epochs=epochs, seed=seed): epoch e shuffles with seed + e.
    target_loss: stop after the first epoch whose training loss is at most this."""
    losses, walls, cpus = [], [], []
    for epoch in range(epochs):
        history, timing = stopwatch(lambda epoch=epoch: fit(model, loss_fn, optimizer, X, Y, epochs=1,
                                                            batch_size=batch_size, seed=seed + epoch,
                                                            progress=False))
        losses.append(history.train_loss[-1])
        walls.append(timing.wall)
        cpus.append(timing.cpu)
        if target_loss is not None and losses[-1] <= target_loss:
            break
    return EpochTimes(losses, walls, cpus)


def matmul_seconds(dl, n, repeats=3, seed=0):
    """Timing of one float32 product (n, n) @ (n, n) on dl's device: 2 n^3 floating-point operations.
    Reading one entry back to NumPy waits for a GPU to finish."""
    rng = np.random.default_rng(seed)
    a, b = (dl.asarray(rng.standard_normal((n, n), dtype=np.float32)) for _ in range(2))
    return best_of(lambda: dl.to_numpy((a @ b)[:1, :1]), repeats)


# ---------------------------------------------------------------- prediction time


def predict_time_per_sample(model, X, batch_size, repeats=3):
    """Timing per sample of dlbook.train.predict(model, X, batch_size): the best of `repeats` passes over X,
    divided by len(X)."""
    return best_of(lambda: predict(model, X, batch_size), repeats) / len(X)


# ---------------------------------------------------------------- memory


def peak_memory_bytes(fn):
    """The most memory fn() held at once beyond what was allocated when it started, in bytes, as tracemalloc
    sees it: Python objects and NumPy arrays, not torch tensors (torch allocates outside its sight)."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return peak - before


def forward_backward(model, loss_fn, x, y):
    """One forward and one backward pass (the gradients land in the parameters' .grad); returns the loss."""
    loss = loss_fn(model(x), y)
    model.backward(loss_fn.backward())
    return loss


def step_peak_memory_bytes(dl, batch_size, sizes=(64, 512, 512, 10), seed=0):
    """peak_memory_bytes of one forward + backward pass of mlp(dl, sizes, seed) on a batch of `batch_size`
    random inputs, after one warm-up pass (so that the gradient buffers already exist and are not counted):
    the activations kept for backward and the temporaries of the backward pass. Meaningful on the NumPy
    backend; on torch it sees next to nothing (see peak_memory_bytes)."""
    rng = np.random.default_rng(seed)
    model, loss_fn = mlp(dl, sizes, seed=seed), dl.CrossEntropyLoss()
    x = dl.asarray(rng.standard_normal((batch_size, sizes[0]), dtype=np.float32))
    y = dl.asarray(rng.integers(0, sizes[-1], batch_size))
    forward_backward(model, loss_fn, x, y)                          # warm-up: allocates the .grad buffers
    return peak_memory_bytes(lambda: forward_backward(model, loss_fn, x, y))


class Line(NamedTuple):
    """y ~ intercept + slope x, fitted by least squares; r2 = 1 - residual variance / variance of y."""

    slope: float
    intercept: float
    r2: float


def straight_line_fit(x, y):
    """Least-squares Line through the points (x, y)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    slope, intercept = np.polyfit(x, y, 1)
    residuals = y - (intercept + slope * x)
    return Line(float(slope), float(intercept), float(1 - residuals.var() / y.var()))
