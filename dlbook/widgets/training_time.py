"""The training-time explorer of the appendix: batch size x learning rate -> the training loss after each
epoch and the number of steps it took, for the appendix's 64-32-10 MLP trained with SGD on 80% of the
digits. compute() trains with the NumPy reference (dlbook.experiments.training_time.batch_and_lr_run): a
pure function of the sliders, no clock (times depend on the machine; the appendix measures them)."""

import numpy as np
from threadpoolctl import threadpool_limits

from .. import data
from .. import numpy as reference
from ..experiments.training_time import batch_and_lr_run
from .explorer import Explorer

EPOCHS = 3
_split = {}


def digits_train_split():
    """The appendix's training digits (80%, seed 0), loaded once."""
    if not _split:
        X, y = data.load_digits()
        X_train, y_train, _, _ = data.train_test_split(X, y, test_fraction=0.2, seed=0)
        _split.update(X=X_train, y=y_train)
    return _split["X"], _split["y"]


class TrainingTimeExplorer(Explorer):
    """Pick a batch size and a learning rate; see the loss per epoch and per step."""

    TITLE = "Batch size and learning rate: progress per epoch and per step"
    GRID = {"batch_size": [16, 64, 512], "lr": [0.01, 0.1, 1.0]}
    LABELS = {"batch_size": "batch size", "lr": "learning rate"}
    DEFAULTS = {"batch_size": 64, "lr": 0.1}
    FIGSIZE = (7.0, 3.2)

    def compute(self, batch_size, lr):
        """batch_and_lr_run's {'train_loss', 'steps_per_epoch', 'diverged'} for these sliders, EPOCHS epochs,
        plus 'steps': the step count at the end of each epoch."""
        X, y = digits_train_split()
        with threadpool_limits(limits=1):               # small products: one thread is fastest
            run = batch_and_lr_run(reference, X, y, batch_size=batch_size, lr=lr, epochs=EPOCHS)
        return {**run, "steps": run["steps_per_epoch"] * np.arange(1, EPOCHS + 1)}

    def render(self, result, batch_size, lr):
        figure, (epoch_axes, step_axes) = self.new_figure(ncols=2)
        figure.subplots_adjust(left=0.09, right=0.97, bottom=0.17, top=0.84, wspace=0.3)
        epochs = np.arange(1, EPOCHS + 1)
        epoch_axes.plot(epochs, result["train_loss"], "o-", color="tab:blue")
        epoch_axes.set(xlabel="epoch", ylabel="training loss (cross-entropy)", ylim=(0, 2.5),
                       title=f"batch {batch_size}, lr {lr:g}: {result['steps_per_epoch']} steps per epoch")
        step_axes.plot(result["steps"], result["train_loss"], "o-", color="tab:orange")
        step_axes.set(xscale="log", xlim=(1, 500), ylim=(0, 2.5), xlabel="SGD steps (log scale)",
                      ylabel="training loss (cross-entropy)",
                      title="diverged" if result["diverged"] else f"after {result['steps'][-1]} steps: "
                      f"{result['train_loss'][-1]:.3f}")
        for axes in (epoch_axes, step_axes):
            axes.title.set_fontsize(9)
        step_axes.minorticks_off()
        return figure
