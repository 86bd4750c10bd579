"""Side-by-side timing: both backends in one process, at one thread count, interleaved repeats.

The ratio numpy / torch is what we report (< 1: the NumPy reference is faster)."""

import statistics
import time
from dataclasses import dataclass

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from dlbook.measure import format_seconds
from dlbook.train import evaluate, fit


@dataclass
class Comparison:
    name: str
    numpy_seconds: float
    torch_seconds: float
    target: float | None = None
    note: str = ""

    @property
    def ratio(self):
        return self.numpy_seconds / self.torch_seconds

    @property
    def verdict(self):
        if self.target is None:
            return ""
        return "met" if self.ratio <= self.target else "NOT met"


def median_seconds(fn, repeats):
    """Median wall time of fn() over `repeats` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compare(name, numpy_fn, torch_fn, repeats=7, target=None, note=""):
    """Time both functions alternately (numpy, torch, numpy, ...) so both see the same machine state."""
    numpy_fn(), torch_fn()
    numpy_times, torch_times = [], []
    for _ in range(repeats):
        numpy_times.append(median_seconds(numpy_fn, 1))
        torch_times.append(median_seconds(torch_fn, 1))
    return Comparison(name, statistics.median(numpy_times), statistics.median(torch_times), target, note)


def forward_backward(dl, layer, input_shape, seed=0):
    """A function that runs zero_grad, forward and backward of `layer` on a fixed standard-normal
    input and dL/dy."""
    rng = np.random.default_rng(seed)
    x = dl.asarray(rng.standard_normal(input_shape))
    dy = dl.asarray(rng.standard_normal(tuple(layer(x).shape)))

    def run():
        layer.zero_grad()
        layer(x)
        layer.backward(dy)

    return run


def compare_training(name, dls, build_model, split, repeats, target=None):
    """compare() of training build_model on both backends (training_run), the test accuracies noted."""
    accuracies = {}
    row = compare(name, *(training_run(dl, build_model, split, accuracies) for dl in dls.values()), repeats,
                  target=target)
    row.note = f"test accuracy numpy {accuracies['numpy']:.3f}, torch {accuracies['torch']:.3f}"
    return row


def training_run(dl, build_model, split, accuracies, epochs=20, seed=0):
    """A function that trains build_model(dl) with Adam (lr 1e-3, batch 64) on split's training part for
    `epochs` and records its test accuracy in accuracies[dl.name]."""

    def run():
        model, loss_fn = build_model(dl), dl.CrossEntropyLoss()
        fit(model, loss_fn, dl.Adam(model.parameters(), lr=1e-3), split.X_train, split.Y_train,
            epochs=epochs, batch_size=64, seed=seed, progress=False)
        accuracies[dl.name] = evaluate(model, loss_fn, split.X_test, split.Y_test)["accuracy"]

    return run


def same_threads(n_threads):
    """Limit NumPy's BLAS and torch to the same number of threads (a context manager for BLAS)."""
    torch.set_num_threads(n_threads)
    return threadpool_limits(limits=n_threads)


def format_table(rows, n_threads, repeats):
    """A Markdown table of the comparisons."""
    lines = [
        f"NumPy / torch-CPU time ratios, {n_threads} thread(s) each, median of {repeats} interleaved repeats "
        f"(torch {torch.__version__})",
        "",
        "| case | numpy | torch | ratio numpy/torch | target | verdict | note |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for row in rows:
        target = f"<= {row.target:g}x" if row.target is not None else ""
        lines.append(f"| {row.name} | {format_seconds(row.numpy_seconds)} | {format_seconds(row.torch_seconds)} | "
                     f"{row.ratio:.2f}x | {target} | {row.verdict} | {row.note} |")
    return "\n".join(lines)
