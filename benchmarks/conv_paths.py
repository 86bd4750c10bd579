"""The NumPy Conv2d's ways to dL/dx, each forced in turn, timed on the spatial benchmark's shapes.

`python -m benchmarks.conv_paths [--repeats R]` prints, for each shape, the backward time with dL/dx by
col2im over the kernel offsets (the simplest way), by col2im in one np.add.at, and as a full convolution
(stride 1), and which one Conv2d takes. A way is kept in dlbook/numpy/kernels.py only while it is
faster (by > 10%) than the offsets on some shape where Conv2d takes it."""

import argparse
import statistics
import time

import numpy as np

import dlbook
from dlbook.numpy import kernels

from .spatial import CONV_CASES
from .timing import same_threads

# the book CNN's two convolutions (benchmarks.spatial.cnn) on a batch of 64 digits
CASES = [(label, shape, out_channels) for label, shape, out_channels, _ in CONV_CASES] + [
    ("CNN conv1 N64 C1 8x8 -> 32", (64, 1, 8, 8), 32),
    ("CNN conv2 N64 C32 4x4 -> 64", (64, 32, 4, 4), 64),
]
PATHS = ("offsets", "add.at", "full convolution")


class forced_path:
    """Within `with forced_path(name):`, every Conv2d backward takes that way to dL/dx."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.saved = kernels.SHORT_RUN, kernels.Im2col.full_convolution_pays
        kernels.SHORT_RUN = {"offsets": 0, "add.at": np.iinfo(np.int64).max}.get(self.path, 0)
        takes_full = self.path == "full convolution"
        kernels.Im2col.full_convolution_pays = lambda im2col, out_channels: takes_full

    def __exit__(self, *exc):
        kernels.SHORT_RUN, kernels.Im2col.full_convolution_pays = self.saved


def path_taken(layer):
    """The way Conv2d takes to dL/dx for its last forward."""
    im2col = layer.im2col
    if im2col.full_convolution_pays(layer.out_channels):
        return "full convolution"
    run = im2col.input_shape[1] if im2col.channels_last else im2col.out_size[1]
    return "add.at" if run < kernels.SHORT_RUN else "offsets"


def backward_seconds(layer, grad_out, repeats):
    """The median time of layer.backward(grad_out) (after its forward), best of three medians."""
    medians = []
    for _ in range(3):
        layer.backward(grad_out)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            layer.backward(grad_out)
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times))
    return min(medians)


def run(repeats):
    dl = dlbook.load("numpy")
    rows = []
    for label, shape, out_channels in CASES:
        rng = np.random.default_rng(0)
        layer = dl.Conv2d(shape[1], out_channels, 3, padding=1, seed=0)
        x = dl.asarray(rng.standard_normal(shape))
        y = layer(x)
        grad_out = np.empty_like(y)                  # dL/dy in y's memory layout, as the next layer returns it
        grad_out[...] = rng.standard_normal(y.shape)
        seconds = {}
        for path in PATHS:
            with forced_path(path):
                seconds[path] = backward_seconds(layer, grad_out, repeats)
        rows.append((label, "channels last" if layer.im2col.channels_last else "channels first", seconds,
                     path_taken(layer)))
    return rows


def format_table(rows, n_threads, repeats):
    lines = [f"NumPy Conv2d 3x3 pad 1 backward, by the way to dL/dx, {n_threads} thread(s), median of {repeats} "
             f"(change vs offsets)", "",
             "| shape | layout | " + " | ".join(PATHS) + " | Conv2d takes |",
             "|---|---|" + "---:|" * len(PATHS) + "---|"]
    for label, layout, seconds, taken in rows:
        base = seconds["offsets"]
        cells = [f"{s * 1e3:.3f} ms ({(s - base) / base:+.0%})" for s in seconds.values()]
        lines.append(f"| {label} | {layout} | " + " | ".join(cells) + f" | {taken} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=41)
    args = parser.parse_args()
    with same_threads(args.threads):
        rows = run(args.repeats)
    print(format_table(rows, args.threads, args.repeats))


if __name__ == "__main__":
    main()
