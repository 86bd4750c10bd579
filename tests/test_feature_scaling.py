"""The condition number of least squares' Hessian, and gradient descent on badly scaled features."""

import numpy as np
import pytest

from dlbook import preprocessing as pp
from dlbook.experiments import feature_scaling


def test_hessian_is_two_a_transpose_a_over_n_with_a_bias_column():
    X = np.array([[1.0], [3.0]])                       # the MSE without 1/2, as torch.nn.MSELoss
    np.testing.assert_allclose(feature_scaling.least_squares_hessian(X), [[10.0, 4.0], [4.0, 2.0]])
    np.testing.assert_allclose(feature_scaling.least_squares_hessian(X, bias=False), [[10.0]])


def test_the_hessian_is_the_second_derivative_of_the_mse():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 2)), rng.normal(size=20)
    A, H = feature_scaling.design_matrix(X), feature_scaling.least_squares_hessian(X)
    theta, step = rng.normal(size=3), 1e-3 * rng.normal(size=3)
    loss = feature_scaling.least_squares_loss
    assert loss(A, y, theta) == pytest.approx(np.mean((A @ theta - y) ** 2))
    second_difference = loss(A, y, theta + step) - 2 * loss(A, y, theta) + loss(A, y, theta - step)
    assert second_difference == pytest.approx(step @ H @ step, rel=1e-6)      # exact for a quadratic


def test_condition_number_is_largest_over_smallest_eigenvalue():
    assert feature_scaling.condition_number(np.diag([4.0, 0.5])) == pytest.approx(8.0)
    assert feature_scaling.condition_number(np.diag([1.0, 0.0])) == np.inf


def test_standardizing_features_of_very_different_scales_makes_the_hessian_well_conditioned():
    rng = np.random.default_rng(0)
    X = np.stack([rng.normal(50_000, 20_000, 500), rng.normal(40, 10, 500)], axis=1)
    raw = feature_scaling.condition_number(feature_scaling.least_squares_hessian(X))
    hessian = feature_scaling.least_squares_hessian(pp.Standardizer().fit_transform(X))
    standardized = feature_scaling.condition_number(hessian)
    assert raw > 1e8 and standardized < 2


def test_gradient_descent_on_orthonormal_features_converges_in_one_step():
    X = np.array([[1.0], [-1.0]])                      # H = 2 I for [x, 1]: eta = 1/2 reaches the minimum
    excess = feature_scaling.gradient_descent_losses(X, np.array([3.0, 1.0]), steps=3)
    assert excess[0] > 0 and np.all(excess[1:] < 1e-12)


def test_gradient_descent_crawls_on_badly_scaled_features():
    rng = np.random.default_rng(0)
    X = np.stack([rng.normal(0, 1000, 200), rng.normal(0, 1, 200)], axis=1)
    y = X[:, 1] + rng.normal(0, 0.1, 200)
    raw = feature_scaling.gradient_descent_losses(X, y, steps=50)
    standardized = feature_scaling.gradient_descent_losses(pp.Standardizer().fit_transform(X), y, steps=50)
    assert raw[-1] > 0.5 * raw[0] and standardized[-1] < 1e-6 * standardized[0]


def test_design_matrix_refuses_missing_values():
    with pytest.raises(ValueError, match="NaN"):
        feature_scaling.least_squares_hessian(np.array([[np.nan]]))


def test_a_step_above_two_over_h_max_diverges_and_one_below_converges():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 2)), rng.normal(size=50)
    h_max = np.linalg.eigvalsh(feature_scaling.least_squares_hessian(X))[-1]
    below = feature_scaling.gradient_descent_losses(X, y, steps=200, lr=1.9 / h_max)
    above = feature_scaling.gradient_descent_losses(X, y, steps=200, lr=2.1 / h_max)
    assert below[-1] < 1e-6 * below[0] and above[-1] > above[0]
