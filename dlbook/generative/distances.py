"""How close generated samples are to the data, without a likelihood: the maximum mean discrepancy with an
RBF kernel, and, for a mixture of Gaussians, how many of its modes the samples reach.

MMD (Gretton et al., 2012): with k(a, b) = exp(-||a - b||^2 / (2 h^2)),

    MMD^2(P, Q) = E k(x, x') + E k(y, y') - 2 E k(x, y),     x, x' ~ P,  y, y' ~ Q

zero exactly when P = Q (the RBF kernel is characteristic), growing as they move apart. From samples
X (n, D) and Y (m, D): the biased estimate averages every pair (0 for X against itself); the unbiased one
leaves out the pairs of a sample with itself (mean 0 when P = Q, so it can come out slightly negative).

Mode coverage: GANs tend to collapse onto a few modes; a mixture with means mu_k and standard deviation
std counts mode k as covered when at least min_samples samples lie within n_std std of mu_k.
"""

import numpy as np


def squared_distances(a, b):
    """||a_i - b_j||^2 for every pair: (n, m) from a: (n, D) and b: (m, D), float64, never below 0."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    distances = (a**2).sum(axis=1)[:, None] + (b**2).sum(axis=1)[None, :] - 2 * a @ b.T
    return np.maximum(distances, 0.0)


def rbf_kernel(a, b, bandwidth):
    """k(a_i, b_j) = exp(-||a_i - b_j||^2 / (2 h^2)) for every pair: (n, m)."""
    return np.exp(-squared_distances(a, b) / (2 * bandwidth**2))


def median_bandwidth(x, y):
    """The median heuristic: h = the median distance between distinct samples of X and Y pooled."""
    pooled = np.concatenate([np.asarray(x, np.float64), np.asarray(y, np.float64)])
    distances = np.sqrt(squared_distances(pooled, pooled)[np.triu_indices(len(pooled), k=1)])
    return float(np.median(distances[distances > 0])) if np.any(distances > 0) else 1.0


def mmd_squared(x, y, bandwidth=None, unbiased=False):
    """MMD^2 between samples x: (n, D) and y: (m, D) with an RBF kernel of bandwidth h (None: the median
    heuristic); biased (every pair, >= 0) or unbiased (no sample paired with itself)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"mmd_squared needs two sample sets (n, D) and (m, D), got {x.shape} and {y.shape}")
    h = median_bandwidth(x, y) if bandwidth is None else bandwidth
    k_xx, k_yy, k_xy = rbf_kernel(x, x, h), rbf_kernel(y, y, h), rbf_kernel(x, y, h)
    if not unbiased:
        return float(k_xx.mean() + k_yy.mean() - 2 * k_xy.mean())
    n, m = len(x), len(y)
    if n < 2 or m < 2:
        raise ValueError("the unbiased MMD needs at least two samples in each set")
    within_x = (k_xx.sum() - np.trace(k_xx)) / (n * (n - 1))          # E k(x, x'), x != x'
    within_y = (k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within_x + within_y - 2 * k_xy.mean())


def samples_per_mode(samples, centers, std, n_std=3.0):
    """How many samples lie within n_std * std (Euclidean distance) of each center: int64 (n_modes,)."""
    near = squared_distances(samples, centers) <= (n_std * std) ** 2
    return near.sum(axis=0).astype(np.int64)


def mode_coverage(samples, centers, std, n_std=3.0, min_samples=1):
    """The number of modes (centers: (n_modes, D)) with at least min_samples samples within n_std std."""
    return int(np.sum(samples_per_mode(samples, centers, std, n_std) >= min_samples))


def fraction_near_a_mode(samples, centers, std, n_std=3.0):
    """The share of samples within n_std std of some mode (the 'high-quality' samples)."""
    return float(np.mean((squared_distances(samples, centers) <= (n_std * std) ** 2).any(axis=1)))
