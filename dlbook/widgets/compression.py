"""The compression explorer: sparsity and bits per weight -> test accuracy and file size.

One digits MLP 64-128-64-10, trained with the NumPy reference (dlbook.numpy, which never imports
torch), is pruned gradually by magnitude to each sparsity of the grid and fine-tuned with its mask
fixed (dlbook.compression.accuracy_vs_sparsity); then its weights are quantized to `bits` bits, one
affine scale per layer (32: left in float32). The file is the packed npz of dlbook.compression:
a bit mask of the non-zeros and their `bits`-bit values. Everything is computed once, from fixed
seeds: the same slider values always give the same numbers.
"""

import functools

import numpy as np
from matplotlib.ticker import FixedFormatter, FixedLocator, NullLocator

from .. import compression as compress
from .. import numpy as reference
from ..data import load_digits, train_test_split
from ..models import mlp
from ..state import load_numpy_state, numpy_state
from ..train import evaluate, fit
from .explorer import Explorer

SPARSITIES = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)
BITS = (32, 8, 4, 2)
SIZES = (64, 128, 64, 10)                # the digits MLP of chapter 11: dlbook.models.mlp(dl, SIZES)
EPOCHS, FINE_TUNE_EPOCHS = 30, 5
BITS_COLORS = {32: "tab:blue", 8: "tab:green", 4: "tab:orange", 2: "tab:red"}


@functools.lru_cache(maxsize=1)
def pruned_states():
    """({sparsity: fine-tuned NumPy state} with 0.0 the dense model, (X_test, y_test)), trained once."""
    X, y = load_digits()
    X_train, y_train, X_test, y_test = train_test_split(X, y, test_fraction=0.2, seed=0)
    model = mlp(reference, SIZES)
    fit(model, reference.CrossEntropyLoss(), reference.Adam(model.parameters(), lr=1e-3), X_train, y_train,
        epochs=EPOCHS, batch_size=32, progress=False)
    curve = compress.accuracy_vs_sparsity(model, SPARSITIES[1:], X_train, y_train, X_test, y_test,
                                          epochs=FINE_TUNE_EPOCHS)
    states = {0.0: numpy_state(model), **dict(zip(SPARSITIES[1:], curve["states"], strict=True))}
    return states, (X_test, y_test)


def compressed_state(sparsity, bits):
    """The weights the model computes with at this grid point (pruned, then quantized per layer)."""
    state = pruned_states()[0][sparsity]
    return state if bits == 32 else compress.quantized_state(state, bits, per_channel=False)


def test_accuracy(state):
    states, (X_test, y_test) = pruned_states()
    model = load_numpy_state(mlp(reference, SIZES), state)
    return evaluate(model, reference.CrossEntropyLoss(), X_test, y_test)["accuracy"]


@functools.lru_cache(maxsize=1)
def grid_table():
    """Accuracy and packed-npz size at every (sparsity, bits) of the grid, and the dense float32 npz."""
    rows = [(sparsity, bits, test_accuracy(compressed_state(sparsity, bits)),
             compress.npz_bytes(compress.pack_state(pruned_states()[0][sparsity], bits, per_channel=False)))
            for bits in BITS for sparsity in SPARSITIES]
    sparsity, bits, accuracy, file_bytes = (np.array(column) for column in zip(*rows, strict=True))
    dense = pruned_states()[0][0.0]
    return {"sparsity": sparsity, "bits": bits, "accuracy": accuracy, "file_bytes": file_bytes,
            "dense_accuracy": test_accuracy(dense), "dense_bytes": compress.npz_bytes(dense)}


def _fixed_ticks(axis, values):
    """Labelled ticks at values and no minor ticks: log axes otherwise cost most of a frame's drawing."""
    axis.set_major_locator(FixedLocator(values))
    axis.set_major_formatter(FixedFormatter([f"{value:g}" for value in values]))
    axis.set_minor_locator(NullLocator())


class CompressionExplorer(Explorer):
    """Prune and quantize one digits MLP; see what it keeps of its accuracy and how small its file gets."""

    TITLE = "Pruning and quantization: accuracy against file size"
    GRID = {"sparsity": list(SPARSITIES), "bits": list(BITS)}
    LABELS = {"sparsity": "sparsity (fraction of weights zeroed)", "bits": "bits per weight"}
    DEFAULTS = {"sparsity": 0.0, "bits": 32}
    FIGSIZE = (8, 3.3)

    def compute(self, sparsity, bits):
        """{'accuracy', 'file_bytes': this grid point; 'dense_accuracy', 'dense_bytes': the float32 npz of the
        dense model; 'table': every grid point (arrays 'sparsity', 'bits', 'accuracy', 'file_bytes');
        'histogram', 'edges': the non-zero weights of the first layer; 'zero_fraction' of that layer}."""
        table = grid_table()
        here = (table["sparsity"] == sparsity) & (table["bits"] == bits)
        first_layer = compressed_state(sparsity, bits)["0.weight"]
        limit = max(np.abs(state["0.weight"]).max() for state in pruned_states()[0].values())
        edges = np.linspace(-limit, limit, 121)
        histogram, _ = np.histogram(first_layer[first_layer != 0], bins=edges)
        return {
            "accuracy": float(table["accuracy"][here][0]), "file_bytes": int(table["file_bytes"][here][0]),
            "dense_accuracy": table["dense_accuracy"], "dense_bytes": table["dense_bytes"],
            "table": {key: table[key].copy() for key in ("sparsity", "bits", "accuracy", "file_bytes")},
            "histogram": histogram, "edges": edges, "zero_fraction": float((first_layer == 0).mean()),
        }

    def render(self, result, sparsity, bits):
        figure, (size_axes, weight_axes) = self.new_figure(ncols=2)
        figure.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.88, wspace=0.3)
        table = result["table"]
        for grid_bits in BITS:
            row = table["bits"] == grid_bits
            size_axes.plot(table["file_bytes"][row] / 1000, 100 * table["accuracy"][row], "o-", markersize=3,
                           linewidth=1, color=BITS_COLORS[grid_bits], label=f"{grid_bits} bits")
        size_axes.plot(result["dense_bytes"] / 1000, 100 * result["dense_accuracy"], "*", color="black",
                       markersize=11, label="dense float32")
        size_axes.plot(result["file_bytes"] / 1000, 100 * result["accuracy"], "o", color=BITS_COLORS[bits],
                       markersize=11, markeredgecolor="black")
        size_axes.set_xscale("log")
        _fixed_ticks(size_axes.xaxis, (2, 5, 10, 20, 50, 100))
        size_axes.set(xlim=(2, 100), ylim=(0, 100), xlabel="file size (KB, log scale)", ylabel="test accuracy (%)",
                      title=f"{100 * result['accuracy']:.1f}% correct, {result['file_bytes'] / 1000:.1f} KB "
                            f"({result['dense_bytes'] / result['file_bytes']:.1f}x smaller)")
        size_axes.legend(loc="lower right", fontsize=8, frameon=False)
        weight_axes.stairs(result["histogram"], result["edges"], fill=True, color=BITS_COLORS[bits])
        weight_axes.set_ylim(0.8, 3000)                    # before the log scale: a frame may have no counts
        weight_axes.set_yscale("log")
        _fixed_ticks(weight_axes.yaxis, (1, 10, 100, 1000))
        weight_axes.set(xlabel="weight value", ylabel="count of non-zero weights (log)",
                        title=f"layer 1: {result['zero_fraction']:.0%} zero, "
                              + ("float32" if bits == 32 else f"{2 ** bits} levels"))
        for axes in (size_axes, weight_axes):
            axes.title.set_fontsize(10)
        return figure
