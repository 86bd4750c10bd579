"""dlbook.experiments.differential_privacy: per-example gradients and clipping, DP-SGD's accuracy against its
noise, and the Renyi-DP accountant against its definition and against TensorFlow Privacy's published epsilons."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

import dlbook.data
from dlbook.experiments.differential_privacy import (
    accuracy,
    clip_per_example,
    dp_sgd,
    epsilon,
    per_example_gradients,
    rdp_sampled_gaussian,
    softmax_per_example_gradients,
)

RNG = np.random.default_rng(0)


def test_closed_form_per_example_gradients_match_batches_of_one_through_a_dlbook_model(dl):
    dl.set_default_dtype(np.float64)
    X, y = RNG.standard_normal((6, 4)), np.array([0, 2, 1, 2, 0, 1])
    model = dl.Sequential(dl.Linear(4, 3, seed=0))
    W, b = dl.to_numpy(model[0].weight), dl.to_numpy(model[0].bias)
    grad_W, grad_b = softmax_per_example_gradients(W, b, X, y)
    looped = per_example_gradients(model, dl.CrossEntropyLoss(), X, y)
    np.testing.assert_allclose(looped["0.weight"], grad_W, atol=1e-12)
    np.testing.assert_allclose(looped["0.bias"], grad_b, atol=1e-12)


def test_clipping_caps_each_example_at_the_norm_and_leaves_small_ones_alone():
    grad_W, grad_b = RNG.standard_normal((5, 3, 4)), RNG.standard_normal((5, 3))
    grad_W[0], grad_b[0] = grad_W[0] * 1e-3, grad_b[0] * 1e-3
    clipped_W, clipped_b = clip_per_example(grad_W, grad_b, max_norm=1.0)
    norms = np.sqrt((clipped_W**2).sum(axis=(1, 2)) + (clipped_b**2).sum(axis=1))
    assert (norms <= 1 + 1e-12).all() and np.allclose(norms[1:], 1.0)
    np.testing.assert_array_equal(clipped_W[0], grad_W[0])


def test_the_rdp_of_the_unsampled_gaussian_is_alpha_over_two_sigma_squared():
    for order in (2, 5, 32):
        assert rdp_sampled_gaussian(order, 1.0, 2.0) == pytest.approx(order / (2 * 2.0**2), rel=1e-12)


@pytest.mark.parametrize("order, q, sigma", [(2, 0.1, 1.0), (4, 0.05, 0.8), (8, 0.3, 2.0)])
def test_the_rdp_sum_equals_its_integral_definition(order, q, sigma):
    """A_alpha = E_{z ~ N(0, s^2)} [((1 - q) + q N(z; 1, s^2) / N(z; 0, s^2))^alpha]: numerical integration."""
    def integrand(z):
        ratio = math.exp((2 * z - 1) / (2 * sigma**2))             # N(z; 1, s^2) / N(z; 0, s^2)
        return stats.norm.pdf(z, 0, sigma) * ((1 - q) + q * ratio) ** order
    value, _ = integrate.quad(integrand, -40, 40, limit=200)
    assert rdp_sampled_gaussian(order, q, sigma) == pytest.approx(math.log(value) / (order - 1), rel=1e-6)


@pytest.mark.parametrize("sigma, epochs, published", [(1.1, 60, 3.01), (1.3, 15, 1.19), (0.7, 45, 7.10)])
def test_epsilon_matches_tensorflow_privacys_mnist_tutorial_table(sigma, epochs, published):
    """N = 60000, batch 256, delta = 1e-5 (tensorflow/privacy, tutorials/README.md)."""
    steps = math.ceil(epochs * 60000 / 256)
    assert epsilon(sigma, 256 / 60000, steps, delta=1e-5) == pytest.approx(published, rel=0.01)


def test_more_noise_gives_a_smaller_epsilon_and_more_steps_a_larger_one():
    epsilons = [epsilon(sigma, 0.05, 300) for sigma in (0.5, 1, 2, 4, 8)]
    assert epsilons == sorted(epsilons, reverse=True)
    assert epsilon(1.0, 0.05, 600) > epsilon(1.0, 0.05, 300)


@pytest.fixture(scope="module")
def digits():
    X, y = dlbook.data.load_digits()
    return dlbook.data.train_test_split(X, y, test_fraction=0.2, seed=0)


def test_dp_sgd_loses_accuracy_as_the_noise_multiplier_grows(digits):
    X_train, y_train, X_test, y_test = digits
    scores = {sigma: accuracy(*dp_sgd(X_train, y_train, noise_multiplier=sigma), X_test, y_test)
              for sigma in (0.0, 1.0, 4.0, 16.0)}
    assert scores[0.0] > 0.9 and scores[1.0] > 0.88, scores
    assert scores[0.0] > scores[4.0] > scores[16.0] + 0.2, scores


def test_dp_sgd_is_reproducible_from_its_seed(digits):
    X_train, y_train = digits[:2]
    first = dp_sgd(X_train, y_train, noise_multiplier=1.0, steps=20, seed=3)
    second = dp_sgd(X_train, y_train, noise_multiplier=1.0, steps=20, seed=3)
    np.testing.assert_array_equal(first[0], second[0])
