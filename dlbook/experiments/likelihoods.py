"""Losses as negative log-likelihoods, and the entropy, cross-entropy and KL divergence behind them.

    gaussian_nll(y_hat, y, noise_std)       # mean of -log N(y; y_hat, noise_std^2): MSE / (2 s^2) + const
    bernoulli_nll(p, y)                     # mean of -log p^y (1 - p)^(1 - y): binary cross-entropy
    categorical_nll(probabilities, classes) # mean of -log p_y: categorical cross-entropy
    entropy(p); cross_entropy(p, q); kl_divergence(p, q)    # over the last axis, in nats

The likelihoods come from scipy.stats (an oracle independent of dlbook's losses); the information
measures are written out with scipy.special.xlogy, so that 0 log 0 = 0. NumPy arrays in, float64 out.
Imports no backend.
"""

import numpy as np
from scipy import special, stats


def gaussian_nll(y_hat, y, noise_std):
    """Mean over all entries of -log N(y; mean y_hat, variance noise_std^2)."""
    return float(-stats.norm.logpdf(np.asarray(y, np.float64), loc=np.asarray(y_hat, np.float64),
                                    scale=noise_std).mean())


def bernoulli_nll(p, y):
    """Mean of -log P(y) for y in {0, 1} with P(y = 1) = p."""
    return float(-stats.bernoulli.logpmf(np.asarray(y).astype(int), np.asarray(p, np.float64)).mean())


def categorical_nll(probabilities, classes):
    """Mean over rows of -log probabilities[i, classes[i]]: probabilities (N, K), classes (N,)."""
    probabilities, classes = np.asarray(probabilities, np.float64), np.asarray(classes)
    return float(-np.log(probabilities[np.arange(len(classes)), classes]).mean())


def entropy(p):
    """H(p) = -sum_k p_k log p_k over the last axis."""
    p = np.asarray(p, np.float64)
    return -special.xlogy(p, p).sum(axis=-1)


def cross_entropy(p, q):
    """H(p, q) = -sum_k p_k log q_k over the last axis."""
    return -special.xlogy(np.asarray(p, np.float64), np.asarray(q, np.float64)).sum(axis=-1)


def kl_divergence(p, q):
    """KL(p || q) = sum_k p_k log(p_k / q_k) over the last axis (0 where p_k = 0)."""
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    return (special.xlogy(p, p) - special.xlogy(p, q)).sum(axis=-1)
