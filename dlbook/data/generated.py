"""Generated datasets, drawn from a seed: regression, 2-D classification, sequences, and a flawed table."""

from typing import NamedTuple

import numpy as np

from .checks import check_count, check_noise

# ---------------------------------------------------------------- points and sequences


def linear_regression(n=100, seed=0):
    """Points on the line y = 2x + 1 plus noise U(0, 1), for linear regression by hand.

    Returns (X, Y): X float32 (n, 1) uniform on [0, 2); Y float32 (n, 1).
    The noise has mean 1/2, so least squares finds w ~ 2 and b ~ 1.5.
    """
    check_count("n", n)
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 2, size=(n, 1))
    Y = 2 * X + 1 + rng.uniform(0, 1, size=(n, 1))
    return X.astype(np.float32), Y.astype(np.float32)


def moons(n=200, noise=0.2, seed=0):
    """Two interleaving half circles (as sklearn's make_moons), shuffled.

    Returns (X, y): X float32 (n, 2) with gaussian noise of std `noise`; y int64 (n,) in {0, 1}
    (n // 2 samples of class 0: the upper moon; the rest class 1: the lower one).
    """
    check_count("n", n)
    check_noise(noise)
    rng = np.random.default_rng(seed)
    n_upper = n // 2
    angle_upper = np.linspace(0, np.pi, n_upper)
    angle_lower = np.linspace(0, np.pi, n - n_upper)
    upper = np.stack([np.cos(angle_upper), np.sin(angle_upper)], axis=1)
    lower = np.stack([1 - np.cos(angle_lower), 0.5 - np.sin(angle_lower)], axis=1)
    X = np.concatenate([upper, lower]) + rng.normal(0, noise, size=(n, 2))
    y = np.concatenate([np.zeros(n_upper), np.ones(n - n_upper)])
    return _shuffled(X.astype(np.float32), y.astype(np.int64), rng)


def spirals(n_per_class=100, n_classes=3, noise=0.2, seed=0):
    """Interleaved spiral arms, one per class (the classic that a linear model cannot separate).

    Arm k: radius r from 0 to 1, angle 4k + 4r + noise * N(0, 1), point r (sin angle, cos angle).
    Returns (X, y): X float32 (n_per_class * n_classes, 2); y int64 in 0..n_classes-1, shuffled.
    """
    check_count("n_per_class", n_per_class)
    check_count("n_classes", n_classes)
    check_noise(noise)
    rng = np.random.default_rng(seed)
    radius = np.tile(np.linspace(0, 1, n_per_class), n_classes)
    y = np.repeat(np.arange(n_classes), n_per_class)
    angle = 4 * y + 4 * radius + noise * rng.normal(size=radius.shape)
    X = radius[:, None] * np.stack([np.sin(angle), np.cos(angle)], axis=1)
    return _shuffled(X.astype(np.float32), y.astype(np.int64), rng)


def xor_table():
    """The XOR truth table: X float32 (4, 2), the corners (0,0), (0,1), (1,0), (1,1); y int64 [0, 1, 1, 0]."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    return X, np.array([0, 1, 1, 0], dtype=np.int64)


def xor(n=200, noise=0.1, seed=0):
    """XOR as a cloud: four gaussian blobs (std `noise`) at the corners (+-1, +-1) of a square.

    The label of a blob is the XOR of its corner's signs: 1 where exactly one coordinate is
    positive (the 2nd and 4th quadrants), 0 in the 1st and 3rd. The corners take turns, so
    each blob holds n // 4 or n // 4 + 1 samples.
    Returns (X, y): X float32 (n, 2); y int64 (n,) in {0, 1}, shuffled.
    """
    check_count("n", n)
    check_noise(noise)
    rng = np.random.default_rng(seed)
    corners = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=np.float64)
    corner_of_sample = np.arange(n) % len(corners)
    centers = corners[corner_of_sample]
    X = centers + rng.normal(0, noise, size=(n, 2))
    y = (centers[:, 0] > 0) != (centers[:, 1] > 0)
    return _shuffled(X.astype(np.float32), y.astype(np.int64), rng)


def sine_sequences(n=256, seq_len=20, seed=0, noise=0.0):
    """Sine waves of random phase and frequency, to predict the next value from the last seq_len.

    Sequence i: s_t = sin(omega_i t + phi_i), t = 0..seq_len, with phi_i uniform on [0, 2 pi)
    and omega_i uniform on [0.1, 0.6] radians per step (10 to 60 steps per period).
    Returns (X, Y): X float32 (n, seq_len, 1) = s_0..s_{seq_len-1} plus gaussian noise of std
    `noise` (batch first, as dlbook's RNN); Y float32 (n, 1) = the clean next value s_{seq_len}.
    """
    check_count("n", n)
    check_count("seq_len", seq_len)
    check_noise(noise)
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    frequency = rng.uniform(0.1, 0.6, size=(n, 1))
    wave = np.sin(frequency * np.arange(seq_len + 1) + phase)       # (n, seq_len + 1)
    X = wave[:, :seq_len, None] + rng.normal(0, noise, size=(n, seq_len, 1))
    Y = wave[:, seq_len:]
    return X.astype(np.float32), Y.astype(np.float32)


def marked_sign_sequences(n=4096, seq_len=30, marker_steps=5, seed=0):
    """A memory task: remember the sign of one marked value and answer after the last step.

    Every step t carries two channels: a value v_t uniform on [-1, 1), and a marker, 1 at one step m
    drawn uniformly from the first `marker_steps` steps and 0 elsewhere. The label is 1 where v_m > 0,
    else 0: the answer sits seq_len - m steps before the end, behind values just like it.
    Returns (X, y): X float32 (n, seq_len, 2) (batch first, as dlbook's RNN); y int64 (n,) in {0, 1}.
    """
    check_count("n", n)
    check_count("marker_steps", marker_steps)
    check_count("seq_len", seq_len, minimum=marker_steps)
    rng = np.random.default_rng(seed)
    X = np.zeros((n, seq_len, 2))
    X[:, :, 0] = rng.uniform(-1, 1, size=(n, seq_len))             # values v_t
    marked = rng.integers(0, marker_steps, size=n)                   # the marked step m of each sequence
    X[np.arange(n), marked, 1] = 1                                   # marker
    y = X[np.arange(n), marked, 0] > 0
    return X.astype(np.float32), y.astype(np.int64)


def circle_centers(n_modes=8, radius=2.0):
    """The means of gaussian_mixture_circle: float64 (n_modes, 2), mode k at angle 2 pi k / n_modes,
    radius (cos, sin)."""
    check_count("n_modes", n_modes)
    angle = 2 * np.pi * np.arange(n_modes) / n_modes
    return radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)


def gaussian_mixture_circle(n=1000, n_modes=8, radius=2.0, std=0.05, seed=0):
    """The generative models' toy target: an equal mixture of n_modes gaussians N(mu_k, std^2 I) whose means
    mu_k sit on a circle (circle_centers), eight by default, as in the GAN mode-collapse literature: a
    generator that covers few of them shows it at a glance (dlbook.generative.distances.mode_coverage).

    The modes take turns, so each holds n // n_modes or n // n_modes + 1 samples.
    Returns (X, y): X float32 (n, 2); y int64 (n,), the mode of each sample, shuffled."""
    check_count("n", n)
    check_noise(std)
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_modes
    X = circle_centers(n_modes, radius)[y] + rng.normal(0, std, size=(n, 2))
    return _shuffled(X.astype(np.float32), y.astype(np.int64), rng)


def _shuffled(X, y, rng):
    order = rng.permutation(len(X))
    return X[order], y[order]


# ---------------------------------------------------------------- generated tabular data, with flaws


CUSTOMER_FEATURES = ("income", "age", "purchases", "days_since_visit", "tenure", "country")
"""The numeric columns of `customer_churn`, in order (units in its docstring)."""

REGIONS = ("north", "south", "east", "west")
"""The categories of `customer_churn`'s region codes 0..3."""


class CustomerTable(NamedTuple):
    """A table of customers: numeric features with gaps, a categorical column, a binary target."""

    X: np.ndarray               # float32 (n, 6): the CUSTOMER_FEATURES, NaN where a value is missing
    region: np.ndarray          # int64 (n,): codes 0..3 into REGIONS
    y: np.ndarray               # int64 (n,): 1 = the customer left within a year (churned)
    feature_names: tuple
    region_names: tuple


def customer_churn(n=2000, seed=0):
    """A generated table of n customers, with the flaws of real tables, to practise preprocessing on.

    Columns of X (float32, NaN where missing):
      income            dollars per year, log-normal (median 40 000): long right tail, 8% missing
      age               years, normal (42, 13) clipped to [18, 90], 3% missing
      purchases         purchases last year, a count (many 0s, a long tail), 10% missing
      days_since_visit  days since the last visit, exponential (mean 30): skewed
      tenure            years as a customer, uniform on [0, 20)
      country           always 1: a column without variance (every customer is from one country)
    region: int64 codes 0..3 (north, south, east, west) - a category, not a quantity.
    y: churned or not. Customers who visit rarely, buy little, earn less, are younger or newer
    churn more, and the west more than the north; the rule is linear in log(days + 1),
    log(purchases + 1) and log(income) - the scales that preprocessing recovers - plus
    logistic noise. Missing values are missing completely at random.
    Returns a CustomerTable(X, region, y, feature_names, region_names).
    """
    check_count("n", n)
    rng = np.random.default_rng(seed)
    income = np.exp(rng.normal(np.log(40_000), 0.8, n))
    age = np.clip(rng.normal(42, 13, n), 18, 90)
    purchases = rng.poisson(np.exp(rng.normal(1.5, 1.0, n))).astype(np.float64)
    days = rng.exponential(30, n)
    tenure = rng.uniform(0, 20, n)
    region = rng.integers(0, len(REGIONS), n)
    score = (1.6 * (np.log1p(days) - 3.0) - 1.2 * (np.log1p(purchases) - 1.5)
             - 1.0 * (np.log(income) - np.log(40_000)) / 0.8 - 0.03 * (age - 42) - 0.08 * (tenure - 10)
             + np.array([-0.6, 0.0, 0.2, 0.6])[region] - 0.5)
    y = (score + rng.logistic(0, 1, n) > 0).astype(np.int64)
    X = np.stack([income, age, purchases, days, tenure, np.ones(n)], axis=1)
    for column, fraction in ((0, 0.08), (1, 0.03), (2, 0.10)):
        X[rng.random(n) < fraction, column] = np.nan
    return CustomerTable(X.astype(np.float32), region.astype(np.int64), y, CUSTOMER_FEATURES, REGIONS)
