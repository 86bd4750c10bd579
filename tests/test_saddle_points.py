"""Gradient descent near a saddle (dlbook.experiments.saddle_points)."""

import numpy as np

from dlbook.experiments.saddle_points import (
    HESSIAN_AT_SADDLE,
    descend,
    escape_step,
    plot_saddle,
    predicted_escape_step,
    saddle_gradient,
    saddle_loss,
)


def test_the_gradient_is_the_derivative_of_the_loss():
    theta, h = np.array([0.3, -0.7]), 1e-6
    numeric = [(saddle_loss(theta + h * e) - saddle_loss(theta - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(saddle_gradient(theta), numeric, atol=1e-8)


def test_the_origin_is_a_saddle_with_curvatures_one_and_minus_one():
    h = 1e-4
    hessian = np.array([(saddle_gradient(h * e) - saddle_gradient(-h * e)) / (2 * h) for e in np.eye(2)])
    np.testing.assert_allclose(hessian, HESSIAN_AT_SADDLE, atol=1e-6)
    assert np.allclose(saddle_gradient([0.0, 1.0]), 0) and saddle_loss([0.0, 1.0]) == -0.25


def test_gradient_descent_started_on_the_ridge_never_leaves_it(dl):
    assert escape_step(descend(dl, (1.0, 0.0), lr=0.1, steps=300)) is None


def test_escape_time_grows_like_the_log_of_one_over_the_start(dl):
    near, nearer = (escape_step(descend(dl, (1.0, y0), lr=0.1, steps=400)) for y0 in (1e-4, 1e-8))
    assert abs((nearer - near) - np.log(1e4) / np.log(1.1)) <= 1.5


def test_noise_kicks_gradient_descent_off_the_saddle(dl):
    assert all(escape_step(descend(dl, (0.0, 0.0), lr=0.1, steps=300, noise=0.01, seed=seed)) for seed in range(5))


def test_the_predicted_escape_step_is_the_linearized_growth():
    assert np.isclose(predicted_escape_step(0.5 / 1.1**10, 0.1), 10)


def test_plot_saddle_labels_its_axes(dl):
    axes = plot_saddle({"run": descend(dl, (1.0, 1e-3), lr=0.1, steps=50)}).axes[0]
    assert axes.get_xlabel() and axes.get_ylabel() and axes.get_title()
