"""The augmentation explorer: augmentation strength x training-set size -> validation accuracy.

An MLP 64-32-10 (dlbook.models.mlp on the NumPy reference, which never imports torch) learns the 8x8
digits from `per_class` images of each class, every epoch on a fresh augmented copy
(dlbook.experiments.reuse.fit_augmented), and is scored on two validation sets of 300 held-out digits:
as they are (centred, like the training ones), and off-centre and tilted (shifted by up to a pixel,
rotated by up to 10 degrees, seeded). Beside the accuracies, the same four training digits as the
network sees them at that strength. Everything is seeded: the same sliders give the same picture.
"""

import numpy as np

from .. import models
from .. import numpy as reference
from ..augmentation import augment
from ..data import load_digits, train_test_split
from ..experiments.reuse import accuracy, few_per_class, fit_augmented
from .explorer import Explorer

STRENGTHS = {                           # strength -> augment's keywords
    0: {},
    1: {"max_angle": 10.0},
    2: {"max_shift": 1, "max_angle": 10.0},
}
N_VALIDATION = 300
EPOCHS = 30
LEARNING_RATE = 3e-3


def digits_split():
    """The explorer's data: training images, and the held-out and off-centre validation sets."""
    X, y = load_digits(flatten=False)
    split = train_test_split(X, y, test_fraction=0.5, seed=0)
    X_val, y_val = split.X_test[:N_VALIDATION], split.Y_test[:N_VALIDATION]
    off_centre = augment(X_val, max_shift=1, max_angle=10.0, seed=123)
    return split.X_train, split.Y_train, {"held out": (X_val, y_val), "off-centre": (off_centre, y_val)}


def describe(strength):
    """The augmentation of a strength in words: 'none', 'rotate +-10 deg, shift +-1 px', ..."""
    keywords = STRENGTHS[strength]
    words = []
    if keywords.get("max_angle"):
        words.append(f"rotate +-{keywords['max_angle']:g} deg")
    if keywords.get("max_shift"):
        words.append(f"shift +-{keywords['max_shift']} px")
    if keywords.get("noise"):
        words.append(f"noise {keywords['noise']:g}")
    return ", ".join(words) or "none"


class AugmentationExplorer(Explorer):
    """Move the augmentation strength and the number of training images per class."""

    TITLE = "Augmentation strength and training-set size"
    GRID = {"strength": list(STRENGTHS), "per_class": [5, 10, 20]}
    LABELS = {"strength": "augmentation strength", "per_class": "training images per class"}
    DEFAULTS = {"strength": 0, "per_class": 10}
    FIGSIZE = (8, 3.2)

    def __init__(self, **initial):
        super().__init__(**initial)
        self._data = None

    def data(self):
        if self._data is None:
            self._data = digits_split()
        return self._data

    def compute(self, strength, per_class):
        """{'accuracy': {'held out': float, 'off-centre': float}, 'examples': (4, 8, 8) augmented digits}."""
        X_train, y_train, validation_sets = self.data()
        X_small, y_small = few_per_class(X_train, y_train, per_class, seed=0)
        model = models.mlp(reference, (64, 32, 10), seed=0)
        fit_augmented(model, reference.Adam(model.parameters(), lr=LEARNING_RATE), X_small, y_small,
                      epochs=EPOCHS, augmentation=STRENGTHS[strength], seed=0, flatten=True)
        scores = {name: accuracy(model, X_val, y_val, flatten=True) for name, (X_val, y_val) in validation_sets.items()}
        shown = X_small[::per_class][:4]                                  # one digit of each of the classes 0-3
        examples = augment(shown, **STRENGTHS[strength], seed=1) if strength else shown
        return {"accuracy": scores, "examples": np.asarray(examples)[:, 0]}

    def render(self, result, strength, per_class):
        figure = self.new_figure()[0]
        figure.clear()
        grid = figure.add_gridspec(2, 4, left=0.06, right=0.97, bottom=0.16, top=0.85, wspace=0.15, hspace=0.3,
                                   width_ratios=[1, 1, 0.5, 3])
        for index, image in enumerate(result["examples"]):
            axes = figure.add_subplot(grid[index // 2, index % 2])
            axes.imshow(image, cmap="gray_r", vmin=0, vmax=1)
            axes.set_xticks([])
            axes.set_yticks([])
        bars = figure.add_subplot(grid[:, 3])
        names = list(result["accuracy"])
        values = [result["accuracy"][name] for name in names]
        bars.bar(names, values, color=["tab:blue", "tab:orange"])
        for position, value in enumerate(values):
            bars.text(position, value + 0.02, f"{value:.3f}", ha="center")
        bars.set(ylim=(0, 1.05), ylabel="validation accuracy", xlabel="validation set",
                 title=f"{per_class * 10} training images")
        figure.suptitle(f"augmentation: {describe(strength)}", x=0.06, ha="left")
        return figure
