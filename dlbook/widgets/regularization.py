"""The regularization explorer: capacity, L2 strength and dropout -> the decision boundary of a small
network on noisy moons, and the gap between its training and validation accuracy.

Each frame is a fresh network 2 -> width -> 2 (ReLU, Dropout(p) after the hidden layer) trained on 40
noisy points by full-batch AdamW with weight_decay = lambda (decoupled weight decay:
theta <- (1 - eta lambda) theta each step, then Adam's step on the loss's gradient) for 200 steps, then
evaluated in eval mode on 400 other points from the same distribution.
A wide, unregularized network bends its boundary around single noisy points: 100% on the training
set, far less on the validation set. Larger lambda or p straighten the boundary and close the gap;
too much of either underfits.

The training uses the NumPy reference (dlbook.numpy, which never imports torch): pure and deterministic.
"""


import numpy as np
from matplotlib.figure import Figure

from .. import numpy as reference
from ..experiments.regularization import class_probability, moons_split, train_moons_classifier
from .explorer import Explorer

SPLIT = moons_split(n_train=40, n_val=400, noise=0.3, seed=2)       # the same points in every frame
N_STEPS = 200                           # full-batch AdamW steps per frame
LEARNING_RATE = 0.1
RESOLUTION = 60                         # the probability is drawn on a RESOLUTION x RESOLUTION grid
EXTENT = (-1.6, 2.6, -1.3, 1.8)         # x1 from, to; x2 from, to: the moons with their noise
_GRID_X1, _GRID_X2 = np.meshgrid(np.linspace(*EXTENT[:2], RESOLUTION), np.linspace(*EXTENT[2:], RESOLUTION))
GRID_POINTS = np.c_[_GRID_X1.ravel(), _GRID_X2.ravel()]                 # (RESOLUTION**2, 2)
X1_TICKS, X2_TICKS = (-1, 0, 1, 2), (-1, 0, 1)                          # few ticks: fewer texts to draw


class RegularizationExplorer(Explorer):
    """Move the hidden width, the L2 coefficient lambda and the dropout probability p; see the decision
    boundary on moons and the training and validation accuracies."""

    TITLE = "Capacity, L2 and dropout: decision boundary and generalization gap"
    GRID = {
        "width": [4, 16, 64],
        "weight_decay": [0.0, 0.3, 1.0, 3.0],           # AdamW's lambda: a decay of 1 - 0.1 lambda per step
        "dropout": [0.0, 0.3, 0.5],
    }
    LABELS = {"width": "hidden width (capacity)", "weight_decay": "weight decay lambda (AdamW)", "dropout": "dropout p"}
    DEFAULTS = {"width": 64, "weight_decay": 0.0, "dropout": 0.0}
    FIGSIZE = (6.0, 4.0)

    def compute(self, width, weight_decay, dropout):
        """{'probability': (RESOLUTION, RESOLUTION) P(class 1 | x) over EXTENT, 'train_accuracy',
        'val_accuracy', 'accuracy_gap' (train - val), 'train_loss', 'val_loss', 'loss_gap'}."""
        model, gap = train_moons_classifier(reference, SPLIT, width, weight_decay=weight_decay, dropout=dropout,
                                            n_steps=N_STEPS, lr=LEARNING_RATE)
        probability = class_probability(model, GRID_POINTS).reshape(RESOLUTION, RESOLUTION)
        return {"probability": probability, **gap}

    def render(self, result, width, weight_decay, dropout):
        figure = Figure(figsize=self.FIGSIZE)           # one fixed axes, no layout engine: fast to render
        axes = figure.add_axes((0.1, 0.12, 0.86, 0.74))
        axes.imshow(result["probability"], extent=EXTENT, origin="lower", cmap="coolwarm", vmin=0, vmax=1,
                    alpha=0.5, aspect="auto", interpolation="bilinear")
        axes.contour(_GRID_X1, _GRID_X2, result["probability"], levels=[0.5], colors="k", linewidths=1.2)
        axes.scatter(*SPLIT.X_train.T, c=SPLIT.y_train, cmap="coolwarm", s=24, edgecolors="k", linewidths=0.6)
        axes.set(xlim=EXTENT[:2], ylim=EXTENT[2:], xlabel="x1", ylabel="x2", xticks=X1_TICKS, yticks=X2_TICKS)
        train, val, gap = result["train_accuracy"], result["val_accuracy"], result["accuracy_gap"]
        axes.set_title(f"width {width}, lambda = {weight_decay:g}, p = {dropout:g}:  train {train:.0%}, "
                       f"validation {val:.0%}\ngeneralization gap (train - validation) {gap:+.0%}",
                       fontsize=10, y=1.01)                     # a fixed y: no title layout pass
        return figure
