"""Figures of training and of classifiers: an empty labelled figure, loss curves, decision boundaries."""

import numpy as np
from matplotlib.figure import Figure


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
    """Predicted class over the plane with the points on top, a class the same colour in both.

    predict: (M, 2) NumPy array -> (M,) class labels; X: (N, 2); y: (N,) class labels.
    The plane spans the points plus `padding` on every side, predicted on a resolution x resolution
    grid; each class fills one band of the contour, its label +- 1/2."""
    X, y = np.asarray(X), np.asarray(y)
    x_min, y_min = X.min(axis=0) - padding
    x_max, y_max = X.max(axis=0) + padding
    grid_x, grid_y = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    labels = np.asarray(predict(np.c_[grid_x.ravel(), grid_y.ravel()].astype(np.float32))).reshape(grid_x.shape)
    first, last = min(labels.min(), y.min()), max(labels.max(), y.max())
    colours = dict(cmap="coolwarm", vmin=first, vmax=last)          # one colour per class, regions and points
    fig, axes = figure(size=(4.8, 4.2))
    axes.contourf(grid_x, grid_y, labels, levels=np.arange(first, last + 2) - 0.5, alpha=0.3, **colours)
    axes.scatter(X[:, 0], X[:, 1], c=y, s=12, edgecolors="k", linewidths=0.3, **colours)
    axes.set(title=title, xlabel="x1", ylabel="x2")
    return fig
