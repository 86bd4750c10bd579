"""fit / evaluate / History: the training loop, written once against the shared API, so it runs
on either backend (the backend is read off the model).

    history = fit(model, dl.CrossEntropyLoss(), dl.Adam(model.parameters(), lr=1e-3),
                  X_train, y_train, epochs=20, batch_size=64, validation_data=(X_val, y_val))

One step: loss = L(model(x), y); grads <- model.backward(dL/dy); optional clipping; optimizer.step().
A NaN or inf loss stops training with a message that names the step and the likely cause.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from . import backend_of
from .core.errors import NonFiniteError
from .data import batches
from .state import numpy_state

try:
    from tqdm.auto import tqdm
except ImportError:  # pragma: no cover - tqdm is in requirements.txt
    tqdm = None


class TrainingDivergedError(FloatingPointError):
    """The loss became NaN or inf during fit."""


@dataclass
class History:
    """Per-epoch curves of one fit: losses and accuracies (None where they do not apply)."""

    train_loss: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False

    @property
    def epochs(self):
        return len(self.train_loss)

    def __getitem__(self, name):
        return getattr(self, name)

    def as_dict(self):
        return {name: list(getattr(self, name)) for name in ("train_loss", "train_accuracy", "val_loss",
                                                             "val_accuracy", "lr")}


def accuracy(outputs, targets):
    """Fraction of correct predictions, or None for regression.

    outputs: (N, C) logits with targets (N,) class indices -> argmax;
    outputs: (N, 1) or (N,) logits with 0/1 targets of the same shape -> logit > 0."""
    outputs, targets = np.asarray(outputs), np.asarray(targets)
    if outputs.ndim == 2 and targets.ndim == 1 and targets.dtype.kind in "iu" and outputs.shape[1] > 1:
        return float((outputs.argmax(axis=1) == targets).mean())
    if outputs.shape == targets.shape and np.isin(targets, (0, 1)).all():
        return float(((outputs > 0) == (targets > 0.5)).mean())
    return None


def predict(model, X, batch_size=512):
    """model(X) in eval mode and without a graph, as a NumPy array (X: NumPy, any leading N)."""
    dl = backend_of(model)
    was_training = model.training
    model.eval()
    try:
        with dl.no_grad():
            outputs = [dl.to_numpy(model(dl.asarray(x))) for x in batches(X, batch_size=batch_size, shuffle=False)]
    finally:
        model.train(was_training)
    return np.concatenate(outputs)


def evaluate(model, loss_fn, X, Y, batch_size=512):
    """{'loss': mean loss, 'accuracy': fraction correct or None} of model on (X, Y), in eval mode."""
    dl = backend_of(model)
    outputs = predict(model, X, batch_size)
    with dl.no_grad():
        loss = float(dl.to_numpy(loss_fn(dl.asarray(outputs), dl.asarray(Y))))
    return {"loss": loss, "accuracy": accuracy(outputs, Y)}


def _diverged(value, epoch, step, optimizer, what="the loss"):
    return TrainingDivergedError(
        f"{what} became {value} at epoch {epoch}, step {step}: training diverged. Likely causes: a learning "
        f"rate too large (lr={optimizer.lr}); inputs that are not standardized or hold NaN/inf; exploding "
        f"gradients (try clip_grad_norm=1.0)."
    )


def train_step(model, loss_fn, optimizer, x, y, clip_grad_norm=None):
    """One step of gradient descent on a mini-batch (x, y: arrays of the model's backend);
    returns (loss as float, outputs)."""
    return _step(backend_of(model), model, loss_fn, optimizer, x, y, clip_grad_norm)


def _step(dl, model, loss_fn, optimizer, x, y, clip_grad_norm):
    """train_step with the backend dl already known (fit reads it once, not once per mini-batch)."""
    outputs = model(x)
    loss = loss_fn(outputs, y)                                  # forward
    optimizer.zero_grad()
    model.backward(loss_fn.backward())                          # backward, layer by layer
    if clip_grad_norm is not None:
        dl.clip_grad_norm_(list(model.parameters()), clip_grad_norm)
    optimizer.step()                                            # theta <- theta - eta * update
    return float(dl.to_numpy(loss)), outputs


def _check_clip_grad_norm(max_norm):
    """None (no clipping) or a finite number > 0: a zero norm would freeze learning, a negative one
    reverse it, NaN wipe it out."""
    if max_norm is None:
        return
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float, np.number)) or not max_norm > 0 \
            or not math.isfinite(max_norm):
        raise ValueError(f"fit: clip_grad_norm must be None or a finite number > 0, got {max_norm!r}")


def _parameters_are_finite(dl, model):
    """True when no parameter holds NaN or inf (checked once per epoch: a step can break the weights
    without the loss of that step showing it)."""
    return all(bool(dl.is_finite(parameter.data)) for parameter in model.parameters())


def fit(model, loss_fn, optimizer, X, Y, *, epochs=10, batch_size=32, validation_data=None, scheduler=None,
        clip_grad_norm=None, early_stopping_patience=None, restore_best=True, seed=0, progress=True):
    """Train `model` on NumPy arrays X, Y with mini-batches; returns a History.

    validation_data: (X_val, Y_val), evaluated after every epoch;
    scheduler: anything with .step(), stepped once per epoch (dlbook.schedules.LRScheduler);
    clip_grad_norm: rescale the gradients to at most this joint norm before each step;
    early_stopping_patience: stop when val loss has not improved for that many epochs
        (restore_best: then load the best epoch's weights back);
    seed: the order of the mini-batches (epoch e uses seed + e)."""
    _check_clip_grad_norm(clip_grad_norm)
    dl = backend_of(model)
    history, best_loss, best_state, waited = History(), math.inf, None, 0
    epoch_bar = range(epochs)
    if progress and tqdm is not None:
        epoch_bar = tqdm(epoch_bar, desc="epochs", leave=False)
    for epoch in epoch_bar:
        model.train()
        losses, correct, step = [], [], 0
        for step, (x, y) in enumerate(batches(X, Y, batch_size=batch_size, seed=seed + epoch)):
            try:
                loss, outputs = _step(dl, model, loss_fn, optimizer, dl.asarray(x), dl.asarray(y), clip_grad_norm)
            except NonFiniteError as error:
                raise _diverged("NaN or inf inside the model", epoch, step, optimizer) from error
            if not math.isfinite(loss):
                raise _diverged(loss, epoch, step, optimizer)
            losses.append(loss * len(x))
            batch_accuracy = accuracy(dl.to_numpy(outputs), y)
            correct.append(None if batch_accuracy is None else batch_accuracy * len(x))
        if not _parameters_are_finite(dl, model):
            raise _diverged("NaN or inf", epoch, step, optimizer, what="a weight")
        history.lr.append(optimizer.lr)
        history.train_loss.append(sum(losses) / len(X))
        history.train_accuracy.append(None if correct[0] is None else sum(correct) / len(X))
        if scheduler is not None:
            scheduler.step()
        if validation_data is not None:
            try:
                scores = evaluate(model, loss_fn, *validation_data)
            except NonFiniteError as error:
                raise _diverged("NaN or inf inside the model", epoch, step, optimizer,
                                what="on the validation data, a value") from error
            if not math.isfinite(scores["loss"]):
                raise _diverged(scores["loss"], epoch, step, optimizer, what="the validation loss")
            history.val_loss.append(scores["loss"])
            history.val_accuracy.append(scores["accuracy"])
            if scores["loss"] < best_loss:
                best_loss, history.best_epoch, waited = scores["loss"], epoch, 0
                if early_stopping_patience is not None and restore_best:
                    best_state = numpy_state(model)
            else:
                waited += 1
            if early_stopping_patience is not None and waited >= early_stopping_patience:
                history.stopped_early = True
                break
        if hasattr(epoch_bar, "set_postfix"):
            epoch_bar.set_postfix(loss=f"{history.train_loss[-1]:.4f}")
    if best_state is not None and history.stopped_early:
        model.load_state_dict(best_state)
    return history
