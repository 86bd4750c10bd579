"""Confusion matrix, precision and recall, and the confusion-matrix figure."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from dlbook import metrics


def test_confusion_matrix_counts_true_rows_against_predicted_columns():
    matrix = metrics.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], n_classes=3)
    np.testing.assert_array_equal(matrix, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert matrix.dtype == np.int64


def test_confusion_matrix_agrees_with_scikit_learn():
    from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 5, 300), rng.integers(0, 5, 300)
    np.testing.assert_array_equal(metrics.confusion_matrix(y_true, y_pred, 5),
                                  sklearn_confusion_matrix(y_true, y_pred, labels=range(5)))


def test_confusion_matrix_sums_to_n_and_its_trace_counts_the_correct_ones():
    rng = np.random.default_rng(1)
    y_true, y_pred = rng.integers(0, 4, 50), rng.integers(0, 4, 50)
    matrix = metrics.confusion_matrix(y_true, y_pred, 4)
    assert matrix.sum() == 50 and np.trace(matrix) == np.sum(y_true == y_pred)
    assert metrics.accuracy_from_confusion(matrix) == pytest.approx(np.mean(y_true == y_pred))


def test_confusion_matrix_keeps_classes_that_never_occur():
    assert metrics.confusion_matrix([0], [0], n_classes=3).shape == (3, 3)


@pytest.mark.parametrize(("y_true", "y_pred", "message"), [
    ([0, 3], [0, 1], r"y_true must lie in \[0, 3\)"),
    ([0, 1], [0, -1], r"y_pred must lie in \[0, 3\)"),
    ([0.0, 1.0], [0, 1], "integer class labels"),
    ([0, 1, 2], [0, 1], "one label per sample"),
])
def test_confusion_matrix_refuses_bad_labels(y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        metrics.confusion_matrix(np.array(y_true), np.array(y_pred), 3)


def test_precision_and_recall_of_a_binary_matrix():
    matrix = np.array([[90, 10], [5, 45]])            # rows true, columns predicted
    precision, recall = metrics.precision_recall(matrix)
    np.testing.assert_allclose(precision, [90 / 95, 45 / 55])
    np.testing.assert_allclose(recall, [90 / 100, 45 / 50])


def test_most_confused_lists_the_largest_mistakes_first():
    matrix = np.array([[5, 0, 2], [4, 5, 0], [1, 0, 5]])
    assert metrics.most_confused(matrix, k=2) == [(1, 0, 4), (0, 2, 2)]


def test_confusion_matrix_figure_is_a_labelled_figure():
    fig = metrics.confusion_matrix_figure(np.array([[3, 1], [0, 4]]), ["no", "yes"])
    ax = fig.axes[0]
    assert isinstance(fig, Figure)
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["no", "yes"]


def test_f1_agrees_with_scikit_learn():
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(2)
    y_true, y_pred = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    y_pred[:5] = 3                                    # every class predicted at least once
    np.testing.assert_allclose(metrics.f1_scores(metrics.confusion_matrix(y_true, y_pred, 4)),
                               f1_score(y_true, y_pred, average=None, labels=range(4)))


def test_f1_is_the_harmonic_mean_of_precision_and_recall_and_zero_without_true_positives():
    matrix = np.array([[90, 10], [5, 45]])
    precision, recall = metrics.precision_recall(matrix)
    np.testing.assert_allclose(metrics.f1_scores(matrix), 2 * precision * recall / (precision + recall))
    np.testing.assert_array_equal(metrics.f1_scores(np.array([[9, 0], [1, 0]])), [18 / 19, 0.0])


@pytest.mark.parametrize("ties", [False, True])
def test_roc_curve_and_auc_agree_with_scikit_learn(ties):
    from sklearn.metrics import roc_auc_score
    from sklearn.metrics import roc_curve as sklearn_roc_curve

    rng = np.random.default_rng(3)
    y_true = (rng.random(300) < 0.1).astype(np.int64)
    scores = y_true + rng.normal(0, 0.8, 300)
    if ties:
        scores = np.round(scores, 1)                  # many equal scores
    fpr, tpr, thresholds = metrics.roc_curve(y_true, scores)
    expected = sklearn_roc_curve(y_true, scores, drop_intermediate=False)
    for ours, theirs in zip((fpr, tpr, thresholds), expected):
        np.testing.assert_allclose(ours, theirs)
    assert metrics.roc_auc(y_true, scores) == pytest.approx(roc_auc_score(y_true, scores))


def test_auc_is_the_probability_that_a_positive_outranks_a_negative():
    rng = np.random.default_rng(4)
    y_true = rng.integers(0, 2, 120)
    scores = np.round(y_true + rng.normal(0, 1, 120), 1)
    assert metrics.roc_auc(y_true, scores) == pytest.approx(metrics.ranking_probability(y_true, scores))
    assert metrics.roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert metrics.roc_auc([0, 1], [0.5, 0.5]) == 0.5


def test_roc_curve_refuses_a_single_class_and_mismatched_scores():
    with pytest.raises(ValueError, match="both classes"):
        metrics.roc_curve([0, 0, 0], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="one score per sample"):
        metrics.roc_curve([0, 1], [0.1, 0.2, 0.3])


def test_roc_figure_is_a_labelled_figure():
    fig = metrics.roc_figure({"model": (np.array([0, 0.5, 1]), np.array([0, 0.9, 1]))})
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
