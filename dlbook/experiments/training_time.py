"""How long training takes: the batch size against the time per epoch and the progress per epoch, and
each optimizer against the epochs and seconds it needs to reach a training loss (the appendix's
"which batch size?" and "which optimizer?"). Every run trains the same MLP (dlbook.models.mlp) from the
same initial weights, timed epoch by epoch with dlbook.measure.time_per_epoch; takes the backend `dl`."""

import math

import numpy as np
from threadpoolctl import threadpool_limits

from ..measure import time_per_epoch
from ..models import mlp
from ..train import TrainingDivergedError, fit
from .optimizers import make_optimizer


def batch_size_runs(dl, X, Y, epochs, *, lr=0.1, sizes=(64, 32, 10), seed=0):
    """For each batch size, the same MLP (dlbook.models.mlp(dl, sizes, seed=seed): the same initial
    weights) trained by dl.SGD(lr) with cross-entropy; epochs: {batch_size: how many epochs}.
    Returns {batch_size: EpochTimes}. A smaller batch takes more steps per epoch: each epoch costs
    more time and lowers the loss further. Timed on one thread (threadpoolctl limits BLAS and OpenMP,
    torch's CPU threads included): with several threads on a shared machine, threads that spin while
    waiting for each other count as CPU time and blur the comparison."""
    runs = {}
    with threadpool_limits(limits=1):
        for batch_size, n_epochs in epochs.items():
            model = mlp(dl, sizes, seed=seed)
            optimizer = dl.SGD(model.parameters(), lr=lr)
            runs[batch_size] = time_per_epoch(model, dl.CrossEntropyLoss(), optimizer, X, Y,
                                              batch_size=batch_size, epochs=n_epochs, seed=seed)
    return runs


def epochs_to_loss(train_loss, target):
    """The first epoch (counted from 1) whose training loss is at most `target`, or None if none is."""
    return next((epoch for epoch, loss in enumerate(train_loss, start=1) if loss <= target), None)


def optimizer_runs(dl, X, Y, lr_grid, *, target_loss, max_epochs=20, batch_size=64, sizes=(64, 32, 10), seed=0):
    """For each optimizer name and learning rate of lr_grid ({name: [lr, ...]}, names as
    dlbook.experiments.optimizers.make_optimizer's), the same MLP from the same initial weights trained until its
    training loss reaches target_loss, for max_epochs at most. Returns {(name, lr): EpochTimes}; apply
    epochs_to_loss to each train_loss for the epochs it needed (None: not within max_epochs). Timed on one thread,
    as batch_size_runs, so that the CPU times of the two compare."""
    runs = {}
    with threadpool_limits(limits=1):
        for name, lrs in lr_grid.items():
            for lr in lrs:
                model = mlp(dl, sizes, seed=seed)
                optimizer = make_optimizer(dl, name, model.parameters(), lr)
                runs[name, lr] = time_per_epoch(model, dl.CrossEntropyLoss(), optimizer, X, Y,
                                                batch_size=batch_size, epochs=max_epochs, seed=seed,
                                                target_loss=target_loss)
    return runs


def batch_and_lr_run(dl, X, Y, *, batch_size, lr, epochs, sizes=(64, 32, 10), seed=0):
    """The same MLP trained by dl.SGD(lr) with mini-batches of batch_size for `epochs` epochs, untimed (a pure
    function of its arguments: the appendix's explorer). Returns {'train_loss': per epoch (NaN from a diverged
    epoch on), 'steps_per_epoch': ceil(N / batch_size), 'diverged': bool}."""
    model = mlp(dl, sizes, seed=seed)
    loss_fn, optimizer = dl.CrossEntropyLoss(), dl.SGD(model.parameters(), lr=lr)
    losses, diverged = [], False
    for epoch in range(epochs):
        try:
            history = fit(model, loss_fn, optimizer, X, Y, epochs=1, batch_size=batch_size, seed=seed + epoch,
                          progress=False)
        except TrainingDivergedError:
            diverged = True
            break
        losses.append(history.train_loss[-1])
    losses += [math.nan] * (epochs - len(losses))
    return {"train_loss": np.array(losses), "steps_per_epoch": math.ceil(len(X) / batch_size), "diverged": diverged}
