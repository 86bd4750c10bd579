"""Negative log-likelihoods against the losses' closed forms; entropy, cross-entropy and KL divergence."""

import numpy as np
import pytest

from dlbook.experiments.likelihoods import (
    bernoulli_nll,
    categorical_nll,
    cross_entropy,
    entropy,
    gaussian_nll,
    kl_divergence,
)

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("noise_std", [0.3, 1.0, 3.0])
def test_the_gaussian_nll_is_the_squared_error_scaled_plus_a_constant(noise_std):
    y_hat, y = RNG.normal(size=10), RNG.normal(size=10)
    expected = np.mean((y - y_hat) ** 2) / (2 * noise_std**2) + 0.5 * np.log(2 * np.pi * noise_std**2)
    assert gaussian_nll(y_hat, y, noise_std) == pytest.approx(expected, rel=1e-12)


def test_the_bernoulli_nll_is_binary_cross_entropy():
    p, y = RNG.uniform(0.01, 0.99, size=10), RNG.integers(0, 2, size=10)
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert bernoulli_nll(p, y) == pytest.approx(expected, rel=1e-12)


def test_the_categorical_nll_is_minus_the_mean_log_probability_of_the_class():
    p = np.array([[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]])
    assert categorical_nll(p, np.array([0, 2])) == pytest.approx(-(np.log(0.5) + np.log(0.8)) / 2)


def test_entropy_is_log_k_for_the_uniform_distribution_and_zero_for_a_one_hot():
    assert entropy(np.full(4, 0.25)) == pytest.approx(np.log(4))
    assert entropy(np.array([0.0, 1.0, 0.0])) == 0


def test_cross_entropy_is_entropy_plus_kl_and_kl_is_never_negative():
    p, q = RNG.dirichlet(np.ones(6), size=200), RNG.dirichlet(np.ones(6), size=200)
    np.testing.assert_allclose(cross_entropy(p, q), entropy(p) + kl_divergence(p, q), atol=1e-12)
    assert kl_divergence(p, q).min() > 0
    np.testing.assert_allclose(kl_divergence(p, p), 0, atol=1e-12)
