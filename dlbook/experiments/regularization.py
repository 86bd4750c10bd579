"""Overfitting and the ways to fight it: L2 / weight decay, dropout, early stopping; batch normalization.

    L(theta) + lambda R(theta),   R(theta) = ||theta||^2 / 2,   grad = grad L(theta) + lambda theta

The generalization gap of a model is how much better it does on the data it was trained on than on
data it has not seen: train accuracy - validation accuracy, or validation loss - training loss, both
measured in eval mode (dropout off, batch norm on its running statistics) on the final weights.

    split = digits_split(n_train=150, n_val=400)
    run = train_regularized(dl, split, weight_decay=1e-2, seed=0)     # a RegularizedRun
    run.gap["loss_gap"], run.history.val_loss

Written against the shared API: `dl` is dlbook.numpy or dlbook.torch (this module imports no backend).
"""

from typing import NamedTuple

import numpy as np

from .. import backend_of, data
from ..models import mlp
from ..train import evaluate, fit, predict

# ---------------------------------------------------------------- the generalization gap


def generalization_gap(model, loss_fn, X_train, y_train, X_val, y_val):
    """Scores of `model` on the training and the validation data, in eval mode, and their gaps.

    Returns {'train_loss', 'val_loss', 'train_accuracy', 'val_accuracy',
    'accuracy_gap': train accuracy - val accuracy, 'loss_gap': val loss - train loss} (floats)."""
    train = evaluate(model, loss_fn, X_train, y_train)
    val = evaluate(model, loss_fn, X_val, y_val)
    return {
        "train_loss": train["loss"], "val_loss": val["loss"],
        "train_accuracy": train["accuracy"], "val_accuracy": val["accuracy"],
        "accuracy_gap": train["accuracy"] - val["accuracy"],
        "loss_gap": val["loss"] - train["loss"],
    }


# ---------------------------------------------------------------- overfitting digits


class Split(NamedTuple):
    """A small training set and a validation set (NumPy arrays)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray


def digits_split(n_train=150, n_val=400, seed=0):
    """n_train random digits to train on and n_val other ones to validate on (scikit-learn's 8x8 digits:
    X float32 (n, 64) in [0, 1], y int64 (n,)). The same seed gives the same split."""
    X, y = data.load_digits()
    if n_train < 1 or n_val < 1 or n_train + n_val > len(X):
        raise ValueError(f"n_train={n_train} and n_val={n_val} must be >= 1 and add up to at most {len(X)}")
    order = np.random.default_rng(seed).permutation(len(X))
    train, val = order[:n_train], order[n_train:n_train + n_val]
    return Split(X[train], y[train], X[val], y[val])


class RegularizedRun(NamedTuple):
    """One training run: its per-epoch History, its generalization gap (see generalization_gap) and
    the norm ||W|| of its weight matrices at the end."""

    history: object
    gap: dict
    weight_norm: float


def weight_norm(model):
    """sqrt(sum of squared entries) of every weight matrix of `model` (biases and BN excluded)."""
    dl = backend_of(model)
    squares = [np.sum(dl.to_numpy(param.data).astype(np.float64) ** 2)
               for name, param in model.named_parameters() if name.endswith("weight") and param.ndim == 2]
    return float(np.sqrt(sum(squares)))


def train_regularized(dl, split, *, weight_decay=0.0, dropout=0.0, early_stopping_patience=None, seed=0,
                      epochs=100, lr=0.2, momentum=0.9, width=128, batch_size=None, progress=False):
    """Train dlbook.models.mlp(dl, (n_features, width, width, n_classes), dropout=dropout, seed=seed) (for
    digits: 64 -> 128 -> 128 -> 10, ReLU) on split's training part with
    dl.SGD(lr, momentum, weight_decay) and cross-entropy, validating every epoch (full batch by default:
    batch_size=None uses all training samples at once). early_stopping_patience: stop when the
    validation loss has not improved for that many epochs and restore the best weights.
    Returns a RegularizedRun(history, gap, weight_norm)."""
    n_classes = int(max(split.y_train.max(), split.y_val.max())) + 1
    model = mlp(dl, (split.X_train.shape[1], width, width, n_classes), dropout=dropout, seed=seed)
    loss_fn = dl.CrossEntropyLoss()
    optimizer = dl.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    history = fit(model, loss_fn, optimizer, split.X_train, split.y_train, epochs=epochs,
                  batch_size=batch_size or len(split.X_train), validation_data=(split.X_val, split.y_val),
                  early_stopping_patience=early_stopping_patience, seed=seed, progress=progress)
    gap = generalization_gap(model, loss_fn, *split)
    return RegularizedRun(history, gap, weight_norm(model))


def compare_regularizers(dl, split, settings, seeds=(0, 1, 2), progress=False, **options):
    """train_regularized once per setting and seed. settings: {name: keyword arguments of
    train_regularized, e.g. {'weight_decay': 1e-2}}; options: shared ones (epochs=, lr=, ...).
    Returns {name: [RegularizedRun per seed]}."""
    runs = [(name, seed) for name in settings for seed in seeds]
    if progress:
        from tqdm.auto import tqdm

        runs = tqdm(runs, desc="runs", leave=False)
    results = {name: [] for name in settings}
    for name, seed in runs:
        results[name].append(train_regularized(dl, split, seed=seed, **{**options, **settings[name]}))
    return results


def mean_gaps(results):
    """{name: {score: mean over the seeds}} of compare_regularizers' results, for every key of the gap
    dicts and 'weight_norm' and 'epochs' (how many epochs each run trained)."""
    summary = {}
    for name, runs in results.items():
        means = {key: float(np.mean([run.gap[key] for run in runs])) for key in runs[0].gap}
        means["weight_norm"] = float(np.mean([run.weight_norm for run in runs]))
        means["epochs"] = float(np.mean([run.history.epochs for run in runs]))
        summary[name] = means
    return summary


# ---------------------------------------------------------------- batch normalization in a deep net


def deep_sigmoid_run(dl, X, y, *, batch_norm, depth=8, width=32, epochs=5, lr=0.1, momentum=0.9, batch_size=64,
                     seed=0, progress=False):
    """Train dlbook.models.mlp(dl, (n_features, width x depth, n_classes), 'sigmoid', batch_norm=batch_norm)
    on (X, y) with dl.SGD(lr, momentum) and cross-entropy; the same seed gives the same Linear weights and the same
    mini-batches with or without batch norm. Returns the History."""
    n_classes = int(y.max()) + 1
    model = mlp(dl, (X.shape[1],) + (width,) * depth + (n_classes,), "sigmoid", batch_norm=batch_norm, seed=seed)
    optimizer = dl.SGD(model.parameters(), lr=lr, momentum=momentum)
    return fit(model, dl.CrossEntropyLoss(), optimizer, X, y, epochs=epochs, batch_size=batch_size, seed=seed,
               progress=progress)


# ---------------------------------------------------------------- a regularized classifier on moons


def moons_split(n_train=40, n_val=400, noise=0.3, seed=0):
    """Noisy two-moons data: a small training set (seed) and a large validation set (seed + 1)."""
    X_train, y_train = data.moons(n_train, noise=noise, seed=seed)
    X_val, y_val = data.moons(n_val, noise=noise, seed=seed + 1)
    return Split(X_train, y_train, X_val, y_val)


def train_moons_classifier(dl, split, width, weight_decay=0.0, dropout=0.0, n_steps=200, lr=0.1, seed=0):
    """A one-hidden-layer ReLU MLP 2 -> width -> 2 (with Dropout(dropout) after the hidden layer) trained
    on split's training part by full-batch AdamW(lr, weight_decay = lambda) for n_steps steps: decoupled
    weight decay, every weight multiplied by 1 - eta lambda before Adam's step on the loss's gradient
    (the decay rule derived for SGD, not Adam's L2 term, which Adam would rescale by its sqrt(v)).
    Deterministic: the same arguments give the same weights.
    Returns (model in eval mode, generalization_gap of it)."""
    model = mlp(dl, (2, width, 2), dropout=dropout, seed=seed)
    loss_fn = dl.CrossEntropyLoss()
    optimizer = dl.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    x, y = dl.asarray(split.X_train), dl.asarray(split.y_train)
    for _ in range(n_steps):                                    # full-batch steps
        loss_fn(model(x), y)                                    # forward (dropout draws a new mask)
        optimizer.zero_grad()
        model.backward(loss_fn.backward())                      # backward
        optimizer.step()                                        # theta <- (1 - eta lambda) theta, then Adam's step
    model.eval()
    return model, generalization_gap(model, loss_fn, *split)


def class_probability(model, points):
    """P(class 1 | x) for points: (M, 2) NumPy -> (M,) float64, the softmax of model's two logits."""
    logits = predict(model, np.asarray(points, dtype=np.float32)).astype(np.float64)
    return 1.0 / (1.0 + np.exp(logits[:, 0] - logits[:, 1]))     # softmax(z)_1 = sigmoid(z1 - z0)
