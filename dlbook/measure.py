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
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .compression import dequantize, prunable_names, quantize
from .experiments.optimizers import make_optimizer, mlp
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


def batch_size_runs(dl, X, Y, epochs, *, lr=0.1, sizes=(64, 32, 10), seed=0):
    """For each batch size, the same MLP (dlbook.experiments.optimizers.mlp(dl, sizes, seed): the same initial
    weights) trained by dl.SGD(lr) with cross-entropy; epochs: {batch_size: how many epochs}.
    Returns {batch_size: EpochTimes}. A smaller batch takes more steps per epoch: each epoch costs
    more time and lowers the loss further."""
    runs = {}
    for batch_size, n_epochs in epochs.items():
        model = mlp(dl, sizes, seed)
        runs[batch_size] = time_per_epoch(model, dl.CrossEntropyLoss(), dl.SGD(model.parameters(), lr=lr), X, Y,
                                          batch_size=batch_size, epochs=n_epochs, seed=seed)
    return runs


def epochs_to_loss(train_loss, target):
    """The first epoch (counted from 1) whose training loss is at most `target`, or None if none is."""
    return next((epoch for epoch, loss in enumerate(train_loss, start=1) if loss <= target), None)


def optimizer_runs(dl, X, Y, lr_grid, *, target_loss, max_epochs=20, batch_size=64, sizes=(64, 32, 10), seed=0):
    """For each optimizer name and learning rate of lr_grid ({name: [lr, ...]}, names as
    dlbook.experiments.optimizers.make_optimizer's), the same MLP from the same initial weights trained until its
    training loss reaches target_loss, for max_epochs at most. Returns {(name, lr): EpochTimes}; apply
    epochs_to_loss to each train_loss for the epochs it needed (None: not within max_epochs)."""
    runs = {}
    for name, lrs in lr_grid.items():
        for lr in lrs:
            model = mlp(dl, sizes, seed)
            optimizer = make_optimizer(dl, name, model.parameters(), lr)
            runs[name, lr] = time_per_epoch(model, dl.CrossEntropyLoss(), optimizer, X, Y, batch_size=batch_size,
                                            epochs=max_epochs, seed=seed, target_loss=target_loss)
    return runs


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
    model, loss_fn = mlp(dl, sizes, seed), dl.CrossEntropyLoss()
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


# ---------------------------------------------------------------- model files


def float16_state(state):
    """Every floating array of a state {name: NumPy array} in float16 (half the bytes; about 3 significant
    digits, largest value 65504)."""
    return {name: value.astype(np.float16) if value.dtype.kind == "f" else value for name, value in state.items()}


def int8_state(state):
    """The arrays of an int8 model file: each weight matrix or filter w (ndim >= 2) as three arrays,
    '<name>.q' (int8), '<name>.scale' and '<name>.zero_point' (one per output channel), with
    w ~ scale * (q - zero_point) (dlbook.compression.quantize); biases (1-D, few) stay float32."""
    weights, arrays = set(prunable_names(state)), {}
    for name, value in state.items():
        if name in weights:
            q, scale, zero_point = quantize(value, bits=8, per_channel=True)
            arrays |= {f"{name}.q": q, f"{name}.scale": scale, f"{name}.zero_point": zero_point}
        else:
            arrays[name] = np.asarray(value, dtype=np.float32)
    return arrays


def float32_state(arrays):
    """A float32 state from the arrays of any of the three files: int8 weights dequantized
    (scale * (q - zero_point)), float16 arrays widened. Inverts float16_state and int8_state."""
    state = {}
    for name, value in arrays.items():
        if name.endswith(".q"):
            base = name.removesuffix(".q")
            state[base] = dequantize(value, arrays[f"{base}.scale"], arrays[f"{base}.zero_point"])
        elif not name.endswith((".scale", ".zero_point")):
            state[name] = np.asarray(value, dtype=np.float32)
    return state


def load_npz(path):
    """The arrays of an .npz file, {name: array}, without unpickling anything."""
    with np.load(path, allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}


def state_dict_file_sizes(state, folder):
    """Write a float32 state {name: NumPy array} to `folder` three ways with np.savez (uncompressed):
    float32.npz, float16.npz (float16_state) and int8.npz (int8_state).
    Returns {'float32': bytes, 'float16': bytes, 'int8': bytes}, the sizes of the files."""
    folder = Path(folder)
    files = {"float32": state, "float16": float16_state(state), "int8": int8_state(state)}
    sizes = {}
    for label, arrays in files.items():
        path = folder / f"{label}.npz"
        np.savez(path, **arrays)
        sizes[label] = path.stat().st_size
    return sizes


def state_bytes(state):
    """The bytes of the numbers alone: sum of array.nbytes (what a file holds besides its headers)."""
    return sum(np.asarray(value).nbytes for value in state.values())

