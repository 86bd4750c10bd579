"""Plots and displays shared by the chapters: matplotlib's object API, labelled axes, no backend import.

Every function takes NumPy arrays (convert with dl.to_numpy) and returns a matplotlib Figure, or
an IPython display object for source code.
"""

import inspect
import textwrap

import numpy as np
from matplotlib.figure import Figure


def show_source(obj):
    """The real source of a dlbook function, class or method, as a syntax-highlighted code block
    (IPython Markdown) - never a copy that could drift from the package."""
    from IPython.display import Markdown

    source = textwrap.dedent(inspect.getsource(obj))
    where = f"{inspect.getmodule(obj).__name__}.{getattr(obj, '__qualname__', getattr(obj, '__name__', ''))}"
    return Markdown(f"*From `{where}`:*\n\n```python\n{source}```")


def figure(ncols=1, nrows=1, size=(6.4, 3.6)):
    """A Figure and its axes (object API: nothing drawn on pyplot's global state)."""
    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(nrows, ncols)
    return fig, axes


def loss_curves(curves, title="loss during training", xlabel="epoch", ylabel="loss", logy=False):
    """One line per named curve: curves = {'train': [...], 'validation': [...]}."""
    fig, axes = figure()
    for name, values in curves.items():
        axes.plot(np.arange(1, len(values) + 1), values, label=name)
    if logy:
        axes.set_yscale("log")
    axes.set(title=title, xlabel=xlabel, ylabel=ylabel)
    axes.legend()
    return fig


def decision_boundary(predict, X, y, title="decision boundary", resolution=200, padding=0.5):
    """Predicted class over the plane with the points on top.

    predict: (M, 2) NumPy array -> (M,) class labels; X: (N, 2); y: (N,)."""
    x_min, y_min = X.min(axis=0) - padding
    x_max, y_max = X.max(axis=0) + padding
    grid_x, grid_y = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    labels = np.asarray(predict(np.c_[grid_x.ravel(), grid_y.ravel()].astype(np.float32))).reshape(grid_x.shape)
    fig, axes = figure(size=(4.8, 4.2))
    axes.contourf(grid_x, grid_y, labels, alpha=0.3, cmap="coolwarm")
    axes.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=12, edgecolors="k", linewidths=0.3)
    axes.set(title=title, xlabel="x1", ylabel="x2")
    return fig
