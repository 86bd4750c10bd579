"""Datasets and mini-batches: shapes, dtypes, determinism, coverage, stratification, errors."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlbook import data

# ---------------------------------------------------------------- batches


def test_batches_cover_every_sample_exactly_once_per_epoch():
    X = np.arange(103)
    seen = np.concatenate(list(data.batches(X, batch_size=10, seed=0)))
    assert sorted(seen) == list(range(103))


def test_batches_keep_inputs_and_targets_paired():
    X = np.arange(50).reshape(25, 2)
    Y = X[:, 0] * 10
    for x, y in data.batches(X, Y, batch_size=4, seed=3):
        np.testing.assert_array_equal(y, x[:, 0] * 10)


def test_batches_yield_inputs_alone_when_there_are_no_targets():
    first = next(data.batches(np.zeros((8, 3)), batch_size=4))
    assert isinstance(first, np.ndarray) and first.shape == (4, 3)


def test_batches_keep_the_sample_shape_and_dtype():
    X = np.zeros((10, 1, 8, 8), dtype=np.float32)
    y = np.zeros(10, dtype=np.int64)
    x_batch, y_batch = next(data.batches(X, y, batch_size=4))
    assert (x_batch.shape, x_batch.dtype) == ((4, 1, 8, 8), np.float32)
    assert (y_batch.shape, y_batch.dtype) == ((4,), np.int64)


def test_same_seed_gives_same_order_and_other_seed_another():
    def order(seed):
        return np.concatenate(list(data.batches(np.arange(100), batch_size=7, seed=seed)))

    np.testing.assert_array_equal(order(5), order(5))
    assert not np.array_equal(order(5), order(6))


def test_batches_without_shuffle_keep_the_original_order():
    seen = np.concatenate(list(data.batches(np.arange(10), batch_size=3, shuffle=False)))
    np.testing.assert_array_equal(seen, np.arange(10))


def test_drop_last_drops_the_smaller_last_batch():
    sizes = [len(x) for x in data.batches(np.arange(10), batch_size=4, drop_last=True)]
    assert sizes == [4, 4]


def test_batches_accept_lists():
    x, y = next(data.batches([[1, 2], [3, 4]], [0, 1], batch_size=2, shuffle=False))
    np.testing.assert_array_equal(x, [[1, 2], [3, 4]])


@given(n_samples=st.integers(0, 300), batch_size=st.integers(1, 64), drop_last=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_batches_have_the_expected_number_and_sizes(n_samples, batch_size, drop_last, seed):
    X = np.arange(n_samples)
    sizes = [len(x) for x in data.batches(X, batch_size=batch_size, seed=seed, drop_last=drop_last)]
    n_full, rest = divmod(n_samples, batch_size)
    assert sizes == [batch_size] * n_full + ([] if drop_last or rest == 0 else [rest])
    assert len(sizes) == (n_samples // batch_size if drop_last else math.ceil(n_samples / batch_size))


def test_batches_reject_inputs_and_targets_of_different_length_at_the_call():
    with pytest.raises(ValueError, match="X has 10 samples, Y has 9"):
        data.batches(np.zeros((10, 2)), np.zeros(9))


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True, None])
def test_batches_reject_a_batch_size_that_is_not_a_positive_int(batch_size):
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        data.batches(np.zeros(10), batch_size=batch_size)


# ---------------------------------------------------------------- one_hot


def test_one_hot_puts_a_single_one_at_each_label():
    np.testing.assert_array_equal(data.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    assert data.one_hot(np.array([1]), 2).dtype == np.float32


@pytest.mark.parametrize("labels", [np.array([0, 3]), np.array([-1]), np.array([0.5]), np.zeros((2, 2), int)])
def test_one_hot_rejects_labels_outside_the_classes(labels):
    with pytest.raises(ValueError, match="labels"):
        data.one_hot(labels, 3)


# ---------------------------------------------------------------- splits


def imbalanced_labels():
    """300 samples: 180 of class 0, 90 of class 1, 30 of class 2, in class order."""
    return np.repeat([0, 1, 2], [180, 90, 30]).astype(np.int64)


def test_split_parts_partition_the_samples():
    X = np.arange(300)
    parts = data.train_val_test_split(X, imbalanced_labels())
    everything = np.concatenate([parts.X_train, parts.X_val, parts.X_test])
    assert sorted(everything) == list(range(300))


def test_split_parts_have_the_requested_sizes():
    parts = data.train_val_test_split(np.arange(300), imbalanced_labels(), val_fraction=0.2,
                                      test_fraction=0.1)
    assert (len(parts.X_train), len(parts.X_val), len(parts.X_test)) == (210, 60, 30)


def test_split_keeps_inputs_and_targets_paired():
    X = np.arange(300)
    Y = X * 2.0
    parts = data.train_val_test_split(X, Y)
    for inputs, targets in [parts[0:2], parts[2:4], parts[4:6]]:
        np.testing.assert_array_equal(targets, inputs * 2.0)


def test_stratified_split_keeps_class_proportions_in_every_part():
    labels = imbalanced_labels()
    parts = data.train_val_test_split(np.arange(300), labels, val_fraction=0.2, test_fraction=0.1)
    for part_labels in (parts.Y_train, parts.Y_val, parts.Y_test):
        expected = np.bincount(labels) * len(part_labels) / len(labels)
        assert np.abs(np.bincount(part_labels, minlength=3) - expected).max() <= 1


def test_stratification_keeps_a_rare_class_in_the_test_part():
    labels = np.repeat([0, 1], [95, 5])
    for seed in range(20):
        parts = data.train_test_split(np.arange(100), labels, test_fraction=0.2, seed=seed)
        assert np.sum(parts.Y_test == 1) == 1


def test_split_parts_come_in_random_order_not_class_order():
    parts = data.train_val_test_split(np.arange(300), imbalanced_labels())
    assert not np.all(np.diff(parts.Y_train) >= 0)


def test_split_is_deterministic_by_seed():
    X, y = data.moons(n=100)
    first, again, other = (data.train_val_test_split(X, y, seed=seed) for seed in (1, 1, 2))
    np.testing.assert_array_equal(first.X_test, again.X_test)
    assert not np.array_equal(first.X_test, other.X_test)


def test_regression_targets_are_split_without_stratification():
    X, Y = data.linear_regression(n=100)
    parts = data.train_test_split(X, Y, test_fraction=0.25)
    assert (parts.X_train.shape, parts.Y_test.shape) == ((75, 1), (25, 1))


def test_train_test_split_unpacks_as_train_then_test_pairs():
    X_train, Y_train, X_test, Y_test = data.train_test_split(np.arange(10), np.arange(10) % 2,
                                                             test_fraction=0.2)
    assert (len(X_train), len(Y_train), len(X_test), len(Y_test)) == (8, 8, 2, 2)


@pytest.mark.parametrize("fractions, message", [
    (dict(val_fraction=-0.1), "val_fraction must lie in"),
    (dict(test_fraction=1.0), "test_fraction must lie in"),
    (dict(val_fraction=0.5, test_fraction=0.5), "sum must be < 1"),
])
def test_split_rejects_bad_fractions(fractions, message):
    with pytest.raises(ValueError, match=message):
        data.train_val_test_split(np.arange(10), np.arange(10), **fractions)


def test_split_rejects_inputs_and_targets_of_different_length():
    with pytest.raises(ValueError, match="X has 10 samples, Y has 8"):
        data.train_test_split(np.arange(10), np.arange(8))


def test_split_that_leaves_no_training_sample_says_so():
    with pytest.raises(ValueError, match="no training samples left"):
        data.train_val_test_split(np.arange(2), np.arange(2), val_fraction=0.4, test_fraction=0.4)


# ---------------------------------------------------------------- digits


def test_digits_are_1797_flat_images_in_zero_to_one():
    X, y = data.load_digits()
    assert (X.shape, X.dtype, y.shape, y.dtype) == ((1797, 64), np.float32, (1797,), np.int64)
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y)) == set(range(10))


def test_digits_unflattened_are_nchw_images():
    X, _ = data.load_digits(flatten=False)
    flat, _ = data.load_digits()
    assert X.shape == (1797, 1, 8, 8)
    np.testing.assert_array_equal(X.reshape(1797, 64), flat)


# ---------------------------------------------------------------- cache directory


def test_data_dir_defaults_to_the_user_cache(monkeypatch):
    monkeypatch.delenv("DLBOOK_DATA", raising=False)
    assert data.data_dir() == Path.home() / ".cache" / "dlbook"


def test_data_dir_follows_dlbook_data(monkeypatch, tmp_path):
    monkeypatch.setenv("DLBOOK_DATA", str(tmp_path / "datasets"))
    assert data.data_dir() == tmp_path / "datasets"
    assert not data.data_dir().exists()


# ---------------------------------------------------------------- generated data

CLASSIFICATION_SETS = [
    ("moons", lambda seed: data.moons(n=101, seed=seed), 101, 2),
    ("spirals", lambda seed: data.spirals(n_per_class=40, n_classes=4, seed=seed), 160, 4),
    ("xor", lambda seed: data.xor(n=102, seed=seed), 102, 2),
]
GENERATED_SETS = [
    *[(name, make) for name, make, _, _ in CLASSIFICATION_SETS],
    ("linear_regression", lambda seed: data.linear_regression(n=50, seed=seed)),
    ("sine_sequences", lambda seed: data.sine_sequences(n=30, seq_len=12, seed=seed, noise=0.1)),
]


@pytest.mark.parametrize("name, make, n_samples, n_classes", CLASSIFICATION_SETS,
                         ids=[case[0] for case in CLASSIFICATION_SETS])
def test_classification_sets_have_float32_points_and_int64_labels(name, make, n_samples, n_classes):
    X, y = make(0)
    assert (X.shape, X.dtype, y.shape, y.dtype) == ((n_samples, 2), np.float32, (n_samples,), np.int64)
    assert set(np.unique(y)) == set(range(n_classes))


@pytest.mark.parametrize("name, make", GENERATED_SETS, ids=[case[0] for case in GENERATED_SETS])
def test_generated_data_is_deterministic_by_seed(name, make):
    (X, Y), (X_again, Y_again), (X_other, _) = make(0), make(0), make(1)
    np.testing.assert_array_equal(X, X_again)
    np.testing.assert_array_equal(Y, Y_again)
    assert not np.array_equal(X, X_other)


def test_linear_regression_shapes_and_range():
    X, Y = data.linear_regression(n=40)
    assert (X.shape, X.dtype, Y.shape, Y.dtype) == ((40, 1), np.float32, (40, 1), np.float32)
    assert X.min() >= 0 and X.max() < 2
    residual = Y - (2 * X + 1)
    assert residual.min() >= -1e-6 and residual.max() <= 1 + 1e-6  # U(0, 1) noise, float32 rounding


def test_least_squares_on_linear_regression_finds_w_2_and_b_1_5():
    X, Y = data.linear_regression(n=10_000, seed=0)
    design = np.hstack([X, np.ones_like(X)]).astype(np.float64)
    (w, b), *_ = np.linalg.lstsq(design, Y[:, 0].astype(np.float64))
    # standard errors at n = 10 000: ~0.005 for w, ~0.006 for b; 0.03 is five of them or more
    assert w == pytest.approx(2.0, abs=0.03)
    assert b == pytest.approx(1.5, abs=0.03)


def test_moons_split_the_classes_evenly():
    _, y = data.moons(n=101)
    assert np.bincount(y).tolist() == [50, 51]


def test_spirals_have_n_per_class_points_of_each_class_within_the_unit_disc():
    X, y = data.spirals(n_per_class=30, n_classes=3)
    assert np.bincount(y).tolist() == [30, 30, 30]
    assert np.linalg.norm(X, axis=1).max() <= 1 + 1e-6


def test_xor_labels_are_the_xor_of_the_quadrant_signs():
    X, y = data.xor(n=400, noise=0.1)
    np.testing.assert_array_equal(y, (X[:, 0] > 0) != (X[:, 1] > 0))  # noise 0.1 never crosses an axis
    assert np.bincount(y).tolist() == [200, 200]


def test_xor_table_is_the_truth_table():
    X, y = data.xor_table()
    assert (X.dtype, y.dtype) == (np.float32, np.int64)
    np.testing.assert_array_equal(y, np.logical_xor(X[:, 0], X[:, 1]))
    assert sorted(map(tuple, X.tolist())) == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_sine_sequences_shapes_batch_first():
    X, Y = data.sine_sequences(n=16, seq_len=20)
    assert (X.shape, X.dtype, Y.shape, Y.dtype) == ((16, 20, 1), np.float32, (16, 1), np.float32)
    assert np.abs(X).max() <= 1 and np.abs(Y).max() <= 1


def test_sine_sequences_target_continues_the_sine_of_the_inputs():
    X, Y = data.sine_sequences(n=8, seq_len=30)
    wave = np.concatenate([X[:, :, 0], Y], axis=1).astype(np.float64)  # (n, seq_len + 1)
    # a sine obeys s_{t+1} + s_{t-1} = c s_t with c = 2 cos(omega): fit c on the inputs (least squares),
    # then the target must be the next term of that recurrence
    previous, now, following = wave[:, :-3], wave[:, 1:-2], wave[:, 2:-1]
    c = np.sum((following + previous) * now, axis=1) / np.sum(now**2, axis=1)
    predicted = c * wave[:, -2] - wave[:, -3]
    np.testing.assert_allclose(predicted, wave[:, -1], atol=1e-5)  # float32 inputs


def test_sine_sequences_noise_touches_inputs_but_not_targets():
    X_clean, Y_clean = data.sine_sequences(n=8, seed=2)
    X_noisy, Y_noisy = data.sine_sequences(n=8, seed=2, noise=0.1)
    np.testing.assert_array_equal(Y_clean, Y_noisy)
    assert 0.05 < np.std(X_noisy - X_clean) < 0.15


@pytest.mark.parametrize("make, message", [
    (lambda: data.moons(n=0), "n must be an integer >= 1"),
    (lambda: data.linear_regression(n=2.5), "n must be an integer >= 1"),
    (lambda: data.spirals(n_classes=0), "n_classes"),
    (lambda: data.xor(noise=-0.1), "noise must be a number >= 0"),
    (lambda: data.sine_sequences(seq_len=0), "seq_len"),
], ids=["no-samples", "fractional-n", "no-classes", "negative-noise", "empty-sequence"])
def test_generators_reject_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@given(labels=st.lists(st.integers(0, 4), min_size=1, max_size=200), val_fraction=st.floats(0, 0.45),
       test_fraction=st.floats(0, 0.45), seed=st.integers(0, 100))
def test_any_split_partitions_the_samples_and_keeps_class_shares(labels, val_fraction, test_fraction, seed):
    labels = np.array(labels)
    try:
        parts = data.train_val_test_split(np.arange(len(labels)), labels, val_fraction, test_fraction, seed)
    except ValueError as error:  # tiny datasets may leave no training sample: the only refusal allowed
        assert "no training samples left" in str(error)
        return
    assert sorted(np.concatenate([parts.X_train, parts.X_val, parts.X_test])) == list(range(len(labels)))
    assert len(parts.X_test) == round(test_fraction * len(labels))
    for part_labels, fraction in [(parts.Y_val, val_fraction), (parts.Y_test, test_fraction)]:
        share = np.bincount(labels, minlength=5) * fraction
        assert np.abs(np.bincount(part_labels, minlength=5) - share).max() < 2


def test_data_imports_no_backend():
    imported = subprocess.run([sys.executable, "-c", "import sys, dlbook.data; print(sorted(sys.modules))"],
                              capture_output=True, text=True, check=True).stdout
    assert not {"'torch'", "'dlbook.numpy'", "'dlbook.torch'"} & set(imported.strip("[]\n").split(", "))
