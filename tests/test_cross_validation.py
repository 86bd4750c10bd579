"""K-fold cross-validation: the folds partition the rows, stratified folds keep the class shares."""

import numpy as np
import pytest

from dlbook.experiments.cross_validation import cross_validate, k_fold_indices


def test_the_validation_folds_partition_the_rows_and_never_meet_their_training_rows():
    folds = k_fold_indices(103, k=5, seed=0)
    validated = np.concatenate([val for _, val in folds])
    np.testing.assert_array_equal(np.sort(validated), np.arange(103))
    for train, val in folds:
        assert not np.intersect1d(train, val).size and len(train) + len(val) == 103
        assert len(val) in (20, 21)


def test_stratified_folds_keep_each_class_share():
    labels = np.r_[np.ones(20, np.int64), np.zeros(80, np.int64)]
    for _, val in k_fold_indices(100, k=5, seed=1, stratify=labels):
        assert labels[val].sum() == 4 and len(val) == 20


def test_cross_validate_scores_every_fold_once():
    X, y = np.arange(10.0)[:, None], np.arange(10)
    folds = k_fold_indices(10, k=5, seed=0)
    scores = cross_validate(lambda X_tr, y_tr, X_va, y_va: X_va.sum(), X, y, folds)
    assert scores.shape == (5,) and scores.sum() == X.sum()


def test_k_must_lie_between_two_and_n():
    with pytest.raises(ValueError, match="k must be"):
        k_fold_indices(10, k=1)
    with pytest.raises(ValueError, match="k must be"):
        k_fold_indices(3, k=4)
