"""dlbook.generative.distances: MMD with an RBF kernel (zero for a set against itself, the closed form of two
shifted Gaussians, growing with the shift, a brute-force double sum) and mode coverage on the mixture of
eight Gaussians on a circle (dlbook.data.gaussian_mixture_circle).

Tolerances: exact identities in float64 (1e-12); the unbiased estimate of n = 1500 samples per set against
its population value: four of its standard deviations, measured over 20 seeds."""

import numpy as np
import pytest

from dlbook.data import circle_centers, gaussian_mixture_circle
from dlbook.generative.distances import (
    fraction_near_a_mode,
    median_bandwidth,
    mmd_squared,
    mode_coverage,
    rbf_kernel,
    samples_per_mode,
)

rng = np.random.default_rng(0)
X = rng.standard_normal((300, 2))


def test_the_biased_mmd_of_a_set_with_itself_is_zero():
    assert mmd_squared(X, X) == pytest.approx(0.0, abs=1e-12)
    assert mmd_squared(X, X, bandwidth=0.3) == pytest.approx(0.0, abs=1e-12)


def test_the_mmd_equals_the_brute_force_double_sum_and_is_symmetric():
    x, y, h = X[:7], X[7:12] + 0.5, 0.8

    def k(a, b):
        return np.exp(-np.sum((a - b) ** 2) / (2 * h**2))

    expected = (np.mean([[k(a, b) for b in x] for a in x]) + np.mean([[k(a, b) for b in y] for a in y])
                - 2 * np.mean([[k(a, b) for b in y] for a in x]))
    assert mmd_squared(x, y, bandwidth=h) == pytest.approx(expected, rel=1e-12)
    assert mmd_squared(y, x, bandwidth=h) == pytest.approx(expected, rel=1e-12)
    unbiased = (np.sum([[k(a, b) for b in x] for a in x]) - 7) / 42 + (np.sum([[k(a, b) for b in y] for a in y]) - 5) \
        / 20 - 2 * np.mean([[k(a, b) for b in y] for a in x])
    assert mmd_squared(x, y, bandwidth=h, unbiased=True) == pytest.approx(unbiased, rel=1e-12)


# the estimate's standard deviation over seeds, measured for n = 1500: 4e-4, 4e-3 and 9e-3; tolerance 4 of them
@pytest.mark.parametrize("shift, tolerance", [(0.0, 0.002), (0.5, 0.016), (1.5, 0.036)])
def test_the_unbiased_mmd_of_two_gaussians_matches_its_closed_form(shift, tolerance):
    # N(0, I) vs N(d, I) in D = 2, kernel bandwidth h: x - y ~ N(d, 2 I), so
    # MMD^2 = 2 (h^2 / (h^2 + 2))^(D/2) (1 - exp(-|d|^2 / (2 (h^2 + 2))))
    h, sample = 1.0, np.random.default_rng(1)
    x, y = sample.standard_normal((1500, 2)), sample.standard_normal((1500, 2)) + [shift, 0.0]
    expected = 2 * (h**2 / (h**2 + 2)) * (1 - np.exp(-shift**2 / (2 * (h**2 + 2))))
    assert mmd_squared(x, y, bandwidth=h, unbiased=True) == pytest.approx(expected, abs=tolerance)


def test_the_mmd_grows_with_the_shift_between_the_sets():
    values = [mmd_squared(X, X[::-1] + [shift, 0.0], bandwidth=1.0) for shift in (0.0, 0.25, 0.5, 1.0, 2.0)]
    assert values[0] == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.diff(values) > 0)


def test_the_median_bandwidth_is_the_median_pairwise_distance():
    points = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]])                     # distances 3, 4, 5
    assert median_bandwidth(points[:2], points[2:]) == pytest.approx(4.0)
    assert rbf_kernel(points, points, 1.0)[0, 1] == pytest.approx(np.exp(-4.5))


def test_mismatched_sample_sets_are_refused():
    with pytest.raises(ValueError, match=r"\(n, D\) and \(m, D\)"):
        mmd_squared(X, X[:, :1])
    with pytest.raises(ValueError, match="at least two samples"):
        mmd_squared(X[:1], X, unbiased=True)


# ---------------------------------------------------------------- modes


def test_the_mixture_data_covers_all_eight_modes_and_almost_every_sample_is_near_one():
    samples, modes = gaussian_mixture_circle(800, std=0.05, seed=0)
    centers = circle_centers()
    assert mode_coverage(samples, centers, std=0.05) == 8
    np.testing.assert_array_equal(samples_per_mode(samples, centers, std=0.05, n_std=4.0), np.bincount(modes))
    assert fraction_near_a_mode(samples, centers, std=0.05) > 0.98        # within 3 std in 2-D: 98.9%


def test_a_collapsed_generator_covers_only_the_modes_it_reaches():
    samples, modes = gaussian_mixture_circle(800, std=0.05, seed=1)
    collapsed = samples[np.isin(modes, [0, 3, 5])]
    assert mode_coverage(collapsed, circle_centers(), std=0.05) == 3
    assert mode_coverage(collapsed[:10], circle_centers(), std=0.05, min_samples=20) == 0
    assert mode_coverage(np.zeros((50, 2)), circle_centers(), std=0.05) == 0        # the centre: no mode
    assert fraction_near_a_mode(np.zeros((50, 2)), circle_centers(), std=0.05) == 0.0


def test_the_mixture_is_seeded_balanced_and_on_the_circle():
    X1, y1 = gaussian_mixture_circle(100, n_modes=4, radius=3.0, std=0.0, seed=2)
    X2, y2 = gaussian_mixture_circle(100, n_modes=4, radius=3.0, std=0.0, seed=2)
    np.testing.assert_array_equal(X1, X2)
    assert X1.dtype == np.float32 and y1.dtype == np.int64 and X1.shape == (100, 2)
    np.testing.assert_allclose(np.linalg.norm(X1, axis=1), 3.0, rtol=1e-6)
    np.testing.assert_array_equal(np.bincount(y1), [25, 25, 25, 25])
    np.testing.assert_allclose(X1, circle_centers(4, 3.0)[y1], atol=1e-6)
