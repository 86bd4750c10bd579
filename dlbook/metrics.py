"""Metrics of a classifier beyond accuracy: the confusion matrix, precision, recall and F1, the ROC curve.

    matrix = confusion_matrix(y_true, y_pred, n_classes)   # matrix[i, j]: true class i, predicted j
    fpr, tpr, thresholds = roc_curve(y_true, scores)       # a binary task, scores = logits or probabilities
    auc = roc_auc(y_true, scores)

The diagonal holds the correct predictions; every off-diagonal count names a mistake (a 3
read as an 8). Rows are true classes, columns predicted ones, as in scikit-learn. For one class,
with TP, FP, FN its true positives, false positives and false negatives,

    precision = TP / (TP + FP),   recall = TP / (TP + FN),   F1 = 2 precision recall / (precision + recall).

The ROC curve plots the true-positive rate (recall) against the false-positive rate FP / (FP + TN)
as the decision threshold sweeps from +inf down; its area (AUC) is the probability that a random
positive scores above a random negative (ties count one half). All NumPy; no backend is imported here.
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


def f1_scores(matrix):
    """Per class: F1 = 2 precision recall / (precision + recall), the harmonic mean of the two, float64
    (n_classes,); 0 where a class has no true positive (as scikit-learn's f1_score with zero_division=0)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    correct = np.diag(matrix)
    predicted_plus_true = matrix.sum(axis=0) + matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = 2 * correct / predicted_plus_true           # = 2PR / (P + R), written with counts
    return np.where(correct > 0, f1, 0.0)


def _binary_scores(y_true, scores):
    y_true = _check_labels("y_true", y_true, 2)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != y_true.shape:
        raise ValueError(f"scores must hold one score per sample, of shape {y_true.shape}, got {scores.shape}")
    if not np.isfinite(scores).all():
        raise ValueError("scores must be finite (no NaN or inf)")
    n_positive = int(y_true.sum())
    if n_positive in (0, len(y_true)):
        raise ValueError(f"a ROC curve needs both classes in y_true, got {n_positive} positives of {len(y_true)}")
    return y_true, scores, n_positive


def roc_curve(y_true, scores):
    """The ROC curve of a binary task: (fpr, tpr, thresholds), each float64 (n_distinct_scores + 1,).

    y_true: (N,) labels 0/1; scores: (N,) larger = more confident in class 1 (logits or probabilities).
    Point t predicts 1 for every sample with score >= thresholds[t]; thresholds[0] = inf (nothing
    predicted 1: the point (0, 0)) and the last threshold is the smallest score (everything 1: (1, 1)).
    As scikit-learn's roc_curve(..., drop_intermediate=False)."""
    y_true, scores, n_positive = _binary_scores(y_true, scores)
    order = np.argsort(-scores, kind="stable")                       # highest score first
    sorted_scores, sorted_true = scores[order], y_true[order]
    last_of_each = np.r_[np.flatnonzero(np.diff(sorted_scores)), len(scores) - 1]   # ties move together
    true_positives = np.cumsum(sorted_true)[last_of_each]
    false_positives = last_of_each + 1 - true_positives
    tpr = np.r_[0, true_positives] / n_positive                      # recall
    fpr = np.r_[0, false_positives] / (len(y_true) - n_positive)     # FP / (FP + TN)
    return fpr, tpr, np.r_[np.inf, sorted_scores[last_of_each]]


def roc_auc(y_true, scores):
    """The area under the ROC curve (trapezoids between its points), a float in [0, 1]: 0.5 for random
    scores, 1 when every positive scores above every negative."""
    fpr, tpr, _ = roc_curve(y_true, scores)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def ranking_probability(y_true, scores):
    """P(score of a random positive > score of a random negative) + P(equal) / 2, by comparing every
    pair: (n_positive * n_negative) comparisons, the definition that roc_auc computes from the curve."""
    y_true, scores, _ = _binary_scores(y_true, scores)
    positive, negative = scores[y_true == 1][:, None], scores[y_true == 0][None, :]
    return float(np.mean((positive > negative) + 0.5 * (positive == negative)))


def roc_figure(curves, title="ROC curve"):
    """curves = {name: (fpr, tpr)} drawn on one axes, with the diagonal of random guessing."""
    fig, ax = figure(size=(4.2, 4.0))
    for name, (fpr, tpr) in curves.items():
        ax.plot(fpr, tpr, drawstyle="default", label=name)
    ax.plot([0, 1], [0, 1], "--", color="grey", linewidth=1, label="random scores (AUC 0.5)")
    ax.set(title=title, xlabel="false-positive rate FP / (FP + TN)", ylabel="true-positive rate (recall)",
           xlim=(-0.01, 1.01), ylim=(-0.01, 1.01))
    ax.legend(loc="lower right", fontsize=7)
    return fig


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
