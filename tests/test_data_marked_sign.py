"""marked_sign_sequences: shapes, types, the marker, the labels, seeds and argument checks."""

import numpy as np
import pytest

from dlbook.data import marked_sign_sequences


def test_shapes_and_dtypes_follow_the_data_conventions():
    X, y = marked_sign_sequences(n=50, seq_len=12, marker_steps=3, seed=0)
    assert X.shape == (50, 12, 2) and X.dtype == np.float32
    assert y.shape == (50,) and y.dtype == np.int64 and set(np.unique(y)) <= {0, 1}


def test_one_marker_per_sequence_within_the_first_marker_steps():
    X, _ = marked_sign_sequences(n=500, seq_len=20, marker_steps=4, seed=1)
    markers = X[:, :, 1]
    assert np.all(markers.sum(axis=1) == 1) and set(np.unique(markers)) == {0.0, 1.0}
    marked = markers.argmax(axis=1)
    assert marked.max() < 4 and set(np.unique(marked)) == {0, 1, 2, 3}


def test_the_label_is_the_sign_of_the_marked_value():
    X, y = marked_sign_sequences(n=300, seed=2)
    marked_values = X[np.arange(300), X[:, :, 1].argmax(axis=1), 0]
    assert np.array_equal(y, (marked_values > 0).astype(np.int64))


def test_values_are_uniform_on_minus_one_to_one_and_the_classes_balanced():
    X, y = marked_sign_sequences(n=4000, seed=3)
    values = X[:, :, 0]
    assert values.min() >= -1 and values.max() < 1 and abs(values.mean()) < 0.01
    assert abs(y.mean() - 0.5) < 0.03


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    first, again, other = (marked_sign_sequences(n=20, seed=s) for s in (0, 0, 1))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], other[0])


@pytest.mark.parametrize("kwargs", [{"n": 0}, {"seq_len": 2.5}, {"marker_steps": 0}, {"seq_len": 3, "marker_steps": 5}])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        marked_sign_sequences(**kwargs)
