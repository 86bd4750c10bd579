"""Metrics of a classifier beyond accuracy: the confusion matrix, precision and recall.

    matrix = confusion_matrix(y_true, y_pred, n_classes)   # matrix[i, j]: true class i, predicted j

The diagonal holds the correct predictions; every off-diagonal count names a mistake (a 3
read as an 8). Rows are true classes, columns predicted ones, as in scikit-learn.
All NumPy; no backend is imported here.
"""

import numpy as np

from .viz import figure


def _check_labels(name, labels, n_classes):
    labels = np.asarray(labels)
    if labels.ndim != 1 or not (np.issubdtype(labels.dtype, np.integer) or labels.dtype == np.bool_):
        raise ValueError(f"{name} must hold integer class labels of shape (N,), got {labels.dtype} {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"{name} must lie in [0, {n_classes}), got labels from {labels.min()} to {labels.max()}")
    return labels.astype(np.int64)


def confusion_matrix(y_true, y_pred, n_classes):
    """Counts of (true, predicted) pairs: int64 (n_classes, n_classes), matrix[i, j] = how many
    samples of true class i were predicted as class j.

    y_true, y_pred: (N,) integer labels in [0, n_classes). The matrix sums to N; its trace is the
    number of correct predictions, so accuracy = trace / N."""
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 1:
        raise ValueError(f"n_classes must be an integer >= 1, got {n_classes!r}")
    y_true = _check_labels("y_true", y_true, n_classes)
    y_pred = _check_labels("y_pred", y_pred, n_classes)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must hold one label per sample each, got {y_true.shape} and "
                         f"{y_pred.shape}")
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def accuracy_from_confusion(matrix):
    """Fraction correct: trace / total."""
    matrix = np.asarray(matrix)
    return float(np.trace(matrix) / matrix.sum())


def precision_recall(matrix):
    """Per class: precision = correct / predicted as that class (column sums), recall = correct /
    truly of that class (row sums). Returns two float64 (n_classes,) arrays (NaN where a class was
    never predicted, or never present)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    correct = np.diag(matrix)
    with np.errstate(invalid="ignore", divide="ignore"):
        return correct / matrix.sum(axis=0), correct / matrix.sum(axis=1)


def most_confused(matrix, k=3):
    """The k largest off-diagonal counts, as [(true class, predicted class, count), ...], largest first."""
    matrix = np.asarray(matrix)
    mistakes = matrix.copy()
    np.fill_diagonal(mistakes, 0)
    order = np.argsort(mistakes, axis=None, kind="stable")[::-1][:k]
    pairs = [(*np.unravel_index(index, matrix.shape), mistakes.flat[index]) for index in order]
    return [(int(true), int(predicted), int(count)) for true, predicted, count in pairs if count > 0]


def confusion_matrix_figure(matrix, class_names=None, title="confusion matrix"):
    """The matrix as a heat map with its counts written in each cell; rows true, columns predicted."""
    matrix = np.asarray(matrix)
    n_classes = len(matrix)
    names = [str(name) for name in (class_names if class_names is not None else range(n_classes))]
    size = 1.4 + 0.3 * n_classes
    fig, ax = figure(size=(size + 0.8, size))
    image = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(image, ax=ax, label="samples")
    threshold = matrix.max() / 2
    for (true, predicted), count in np.ndenumerate(matrix):
        if count:
            ax.text(predicted, true, str(count), ha="center", va="center", fontsize=7,
                    color="white" if count > threshold else "black")
    ax.set_xticks(range(n_classes), names)
    ax.set_yticks(range(n_classes), names)
    ax.set(title=title, xlabel="predicted class", ylabel="true class")
    return fig
