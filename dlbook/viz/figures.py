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
