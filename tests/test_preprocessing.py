"""Preprocessing: imputation, log(x + 1), standardization fitted on the training split, pipelines,
and the generated customer table they are practised on."""

import numpy as np
import pytest

from dlbook import data
from dlbook import preprocessing as pp

NAN = np.nan

# ---------------------------------------------------------------- missing values


def test_impute_missing_fills_each_column_with_its_own_value():
    X = np.array([[1.0, NAN], [NAN, 4.0], [3.0, 5.0]])
    np.testing.assert_array_equal(pp.impute_missing(X, [10.0, 20.0]), [[1, 20], [10, 4], [3, 5]])


def test_impute_missing_leaves_its_input_unchanged():
    X = np.array([[NAN, 1.0]])
    pp.impute_missing(X, [0.0, 0.0])
    assert np.isnan(X[0, 0])


def test_impute_missing_needs_one_value_per_column():
    with pytest.raises(ValueError, match="one fill value per column"):
        pp.impute_missing(np.zeros((2, 3)), [0.0, 0.0])


@pytest.mark.parametrize(("strategy", "expected"), [("median", 2.0), ("mean", 4.0)])
def test_imputer_learns_median_or_mean_of_present_training_values(strategy, expected):
    X_train = np.array([[1.0], [2.0], [9.0], [NAN]])
    imputer = pp.Imputer(strategy).fit(X_train)
    assert imputer.fill_values_[0] == expected


def test_imputer_fills_other_splits_with_training_statistics():
    imputer = pp.Imputer("median").fit(np.array([[1.0], [2.0], [3.0]]))
    X_test = np.array([[NAN], [100.0], [200.0]])            # its own median would be 150
    assert imputer.transform(X_test)[0, 0] == 2.0


def test_imputer_refuses_a_column_without_any_training_value():
    with pytest.raises(ValueError, match=r"columns \[1\] hold no value"):
        pp.Imputer().fit(np.array([[1.0, NAN], [2.0, NAN]]))


def test_imputer_refuses_to_transform_before_fit_or_with_other_columns():
    with pytest.raises(RuntimeError, match="not fitted"):
        pp.Imputer().transform(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="fitted on 2 features, got 3"):
        pp.Imputer().fit(np.zeros((2, 2))).transform(np.zeros((2, 3)))


def test_imputer_refuses_an_unknown_strategy():
    with pytest.raises(ValueError, match="strategy must be one of"):
        pp.Imputer("mode")


def test_missing_fraction_counts_nan_per_column():
    X = np.array([[NAN, 1.0], [NAN, NAN], [1.0, 1.0], [1.0, 1.0]])
    np.testing.assert_allclose(pp.missing_fraction(X), [0.5, 0.25])


def test_constant_columns_ignore_missing_values():
    X = np.array([[1.0, 5.0, NAN], [1.0, 6.0, NAN], [NAN, 7.0, NAN]])
    np.testing.assert_array_equal(pp.constant_columns(X), [True, False, True])


# ---------------------------------------------------------------- log(x + 1)


def test_log1p_features_transforms_only_the_given_columns():
    X = np.array([[0.0, 0.0], [np.e - 1, 5.0]])
    np.testing.assert_allclose(pp.log1p_features(X, [0]), [[0.0, 0.0], [1.0, 5.0]])


def test_log1p_keeps_zero_at_zero_and_missing_values_missing():
    out = pp.log1p_features(np.array([[0.0], [NAN]]), [0])
    assert out[0, 0] == 0 and np.isnan(out[1, 0])


def test_log1p_refuses_negative_values():
    with pytest.raises(ValueError, match=r"columns \[1\] hold negative values"):
        pp.log1p_features(np.array([[1.0, -2.0]]), [0, 1])


def test_log1p_refuses_columns_out_of_range():
    with pytest.raises(ValueError, match="columns must be indices"):
        pp.log1p_features(np.zeros((2, 2)), [2])


def test_log1p_unskews_a_log_normal_column():
    X = np.random.default_rng(0).lognormal(np.log(40_000), 1, size=(5000, 1))      # incomes, say
    assert pp.skewness(X)[0] > 3 and abs(pp.skewness(pp.log1p_features(X, [0]))[0]) < 0.5


def test_skewness_is_zero_for_symmetric_data_and_two_for_an_exponential():
    rng = np.random.default_rng(0)
    X = np.stack([rng.normal(size=200_000), rng.exponential(size=200_000), np.ones(200_000)], axis=1)
    np.testing.assert_allclose(pp.skewness(X), [0, 2, 0], atol=0.05)


# ---------------------------------------------------------------- standardization


def test_standardizer_gives_the_training_split_mean_zero_and_std_one():
    X = np.random.default_rng(0).normal([100, -3], [50, 0.01], size=(500, 2))
    Z = pp.Standardizer().fit_transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=1e-12)


def test_standardizer_applies_training_statistics_to_other_splits():
    standardizer = pp.Standardizer().fit(np.array([[0.0], [2.0]]))           # mu = 1, sigma = 1
    np.testing.assert_allclose(standardizer.transform(np.array([[11.0], [-1.0]])), [[10.0], [-2.0]])


def test_standardizer_maps_a_constant_column_to_zero_instead_of_dividing_by_zero():
    X = np.array([[5.0, 1.0], [5.0, 2.0], [5.0, 3.0]])
    standardizer = pp.Standardizer()
    with np.errstate(all="raise"):                                            # no 0 / 0 anywhere
        Z = standardizer.fit_transform(X)
    np.testing.assert_array_equal(Z[:, 0], 0)
    np.testing.assert_array_equal(standardizer.constant_, [True, False])
    assert standardizer.scale_[0] == 1


def test_standardizer_treats_a_float32_constant_column_as_constant():
    X = np.full((1000, 1), 0.1, dtype=np.float32)
    assert pp.Standardizer().fit(X).constant_[0]


def test_standardizer_inverse_transform_undoes_transform():
    X = np.random.default_rng(1).normal(3, 7, size=(20, 3))
    standardizer = pp.Standardizer().fit(X)
    np.testing.assert_allclose(standardizer.inverse_transform(standardizer.transform(X)), X)


def test_standardizer_refuses_missing_values():
    with pytest.raises(ValueError, match="missing values.*Imputer"):
        pp.Standardizer().fit(np.array([[1.0], [NAN]]))


def test_standardizer_refuses_to_transform_before_fit():
    with pytest.raises(RuntimeError, match="not fitted"):
        pp.Standardizer().transform(np.zeros((1, 1)))


def test_transforms_keep_float32_and_turn_integers_into_float64():
    X32 = np.arange(6, dtype=np.float32).reshape(3, 2)
    assert pp.Standardizer().fit_transform(X32).dtype == np.float32
    assert pp.Standardizer().fit_transform(X32.astype(np.int64)).dtype == np.float64


def test_transforms_refuse_anything_but_a_matrix():
    with pytest.raises(ValueError, match=r"shape \(N, D\)"):
        pp.Standardizer().fit(np.zeros(5))


# ---------------------------------------------------------------- pipelines, encodings, description


def test_pipeline_fits_each_step_on_the_output_of_the_previous_one():
    X_train = np.array([[0.0], [np.e - 1], [np.e - 1], [NAN]])     # imputed with the median e - 1, then log1p
    pipeline = pp.Pipeline([pp.Imputer("median"), pp.Log1p([0]), pp.Standardizer()])
    Z = pipeline.fit_transform(X_train)
    expected = np.array([0.0, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(Z[:, 0], (expected - expected.mean()) / expected.std())
    np.testing.assert_allclose(pipeline.transform(X_train), Z)


def test_pipeline_transform_uses_only_training_statistics():
    pipeline = pp.Pipeline([pp.Imputer(), pp.Standardizer()]).fit(np.array([[0.0], [2.0]]))
    np.testing.assert_allclose(pipeline.transform(np.array([[NAN], [1000.0]])), [[0.0], [999.0]])


def test_one_hot_is_the_data_modules_encoding():
    np.testing.assert_array_equal(pp.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])


def test_describe_lists_every_feature_with_its_missing_share():
    table = pp.describe(np.array([[1.0, NAN], [3.0, 2.0]]), ["a", "b"])
    lines = table.splitlines()
    assert len(lines) == 3 and lines[1].startswith("a") and "50.0%" in lines[2]


# ---------------------------------------------------------------- the customer table


def test_customer_churn_has_the_documented_columns_and_flaws():
    table = data.customer_churn(n=3000, seed=0)
    assert table.X.shape == (3000, len(data.CUSTOMER_FEATURES)) and table.X.dtype == np.float32
    assert table.region.dtype == np.int64 and set(np.unique(table.region)) == {0, 1, 2, 3}
    assert set(np.unique(table.y)) == {0, 1} and 0.2 < table.y.mean() < 0.6
    missing = pp.missing_fraction(table.X)
    np.testing.assert_allclose(missing[:3], [0.08, 0.03, 0.10], atol=0.02)
    assert np.all(missing[3:] == 0)
    assert pp.constant_columns(table.X).tolist() == [False] * 5 + [True]
    skew = pp.skewness(table.X)
    assert skew[0] > 1.5 and skew[2] > 1.5 and skew[3] > 1.5 and abs(skew[1]) < 0.5


def test_customer_churn_is_reproducible_from_its_seed():
    first, again, other = data.customer_churn(100, seed=1), data.customer_churn(100, seed=1), data.customer_churn(100)
    np.testing.assert_array_equal(first.X, again.X)
    assert not np.array_equal(np.nan_to_num(first.X), np.nan_to_num(other.X))
