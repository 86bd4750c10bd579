"""dlbook.generative.diffusion: the DDPM schedule in closed form, forward noising (closed form against the
step-by-step chain), ancestral sampling with the exact noise predictor of a Gaussian (it must give that
Gaussian back), seeding, and a small denoiser that learns on both backends.

Tolerances: schedule identities are float64 roundings (1e-12). Sample statistics of n draws: a few
standard errors (stated where used)."""

import numpy as np
import pytest

from dlbook.data import gaussian_mixture_circle
from dlbook.generative.diffusion import (
    ancestral_sample,
    denoiser_input,
    linear_schedule,
    noise_prediction_loss,
    noise_predictor,
    noised,
    training_step,
)

SCHEDULE = linear_schedule()


# ---------------------------------------------------------------- the schedule


def test_the_default_schedule_is_ho_et_als_linear_betas_from_1e_4_to_0_02_over_1000_steps():
    betas = SCHEDULE.betas
    assert SCHEDULE.n_steps == 1000 and betas[0] == 1e-4 and betas[-1] == pytest.approx(0.02, rel=1e-12)
    np.testing.assert_allclose(np.diff(betas), (0.02 - 1e-4) / 999, rtol=1e-9)


def test_alpha_bar_is_the_product_of_the_alphas_and_falls_to_about_4e_5():
    alpha_bars = SCHEDULE.alpha_bars
    for t in (0, 1, 10, 500, 999):
        assert alpha_bars[t] == pytest.approx(np.prod(1 - SCHEDULE.betas[:t + 1]), rel=1e-12)
    assert np.all(np.diff(alpha_bars) < 0)
    assert alpha_bars[-1] == pytest.approx(4.04e-5, rel=0.01)               # x_T is (almost) pure noise


def test_the_posterior_variance_is_zero_at_the_first_step_and_below_beta_after():
    variances = SCHEDULE.posterior_variances
    assert variances[0] == 0.0
    assert np.all(variances[1:] < SCHEDULE.betas[1:]) and np.all(variances[1:] > 0)


@pytest.mark.parametrize("kwargs", [dict(n_steps=0), dict(beta_start=0.0), dict(beta_start=0.1, beta_end=0.01),
                                    dict(beta_end=1.0)])
def test_bad_schedules_are_refused(kwargs):
    with pytest.raises(ValueError):
        linear_schedule(**kwargs)


# ---------------------------------------------------------------- forward noising


def test_closed_form_noising_has_the_chains_mean_and_variance_at_every_step():
    # x_t = sqrt(alpha_t) x_{t-1} + sqrt(beta_t) eps_t, step by step: mean sqrt(alpha_bar_t) x_0 and variance
    # 1 - alpha_bar_t, the q(x_t | x_0) that noised samples from in one step
    mean, variance = 1.0, 0.0
    for t in range(SCHEDULE.n_steps):
        mean = np.sqrt(SCHEDULE.alphas[t]) * mean
        variance = SCHEDULE.alphas[t] * variance + SCHEDULE.betas[t]
        if t in (0, 99, 999):
            assert mean == pytest.approx(np.sqrt(SCHEDULE.alpha_bars[t]), rel=1e-12)
            assert variance == pytest.approx(1 - SCHEDULE.alpha_bars[t], rel=1e-9)
            assert noised(SCHEDULE, np.array([1.0]), t, np.array([0.0]))[0] == pytest.approx(mean, rel=1e-12)


def test_noised_samples_have_the_closed_form_mean_and_variance():
    rng = np.random.default_rng(0)
    x0 = np.full((40_000, 1), 2.0)
    for t in (50, 400):
        x_t = noised(SCHEDULE, x0, t, rng.standard_normal(x0.shape))
        alpha_bar = SCHEDULE.alpha_bars[t]
        assert x_t.mean() == pytest.approx(2.0 * np.sqrt(alpha_bar), abs=0.02)     # 4 standard errors
        assert x_t.var() == pytest.approx(1 - alpha_bar, rel=0.03)


def test_noised_takes_one_step_per_sample_for_images():
    x0, eps = np.ones((3, 1, 2, 2)), np.zeros((3, 1, 2, 2))
    t = np.array([0, 10, 999])
    x_t = noised(SCHEDULE, x0, t, eps)
    assert x_t.shape == (3, 1, 2, 2)
    np.testing.assert_allclose(x_t[:, 0, 0, 0], np.sqrt(SCHEDULE.alpha_bars[t]), rtol=1e-12)


# ---------------------------------------------------------------- sampling


def gaussian_noise_predictor(mean, std):
    """The exact eps_theta for data N(m, s^2), ab = alpha_bar_t:
    E[eps | x_t] = sqrt(1 - ab) (x_t - sqrt(ab) m) / (ab s^2 + 1 - ab)."""

    def predict(x_t, t):
        alpha_bar = SCHEDULE.alpha_bars[t]
        return np.sqrt(1 - alpha_bar) * (x_t - np.sqrt(alpha_bar) * mean) / (alpha_bar * std**2 + 1 - alpha_bar)

    return predict


@pytest.mark.parametrize("variance", ["beta", "posterior"])
def test_sampling_with_the_exact_noise_predictor_gives_the_data_distribution_back(variance):
    samples = ancestral_sample(gaussian_noise_predictor(1.5, 0.5), SCHEDULE, (4000, 2), seed=0, variance=variance)
    np.testing.assert_allclose(samples.mean(axis=0), 1.5, atol=0.03)      # standard error 0.5 / 63 = 0.008
    np.testing.assert_allclose(samples.std(axis=0), 0.5, rtol=0.04)


def test_sampling_with_a_predictor_that_says_no_noise_only_rescales_pure_noise():
    # eps_theta = 0: x_{t-1} = x_t / sqrt(alpha_t) + sigma_t z, so the result is far from a N(1.5, 0.25) data set
    samples = ancestral_sample(lambda x, t: np.zeros_like(x), linear_schedule(50), (2000, 1), seed=0)
    assert abs(samples.mean()) < 0.5 and samples.std() > 1.0


def test_sampling_is_seeded():
    predict = gaussian_noise_predictor(0.0, 1.0)
    small = linear_schedule(20)
    np.testing.assert_array_equal(ancestral_sample(predict, small, (5, 2), seed=3),
                                  ancestral_sample(predict, small, (5, 2), seed=3))
    assert not np.array_equal(ancestral_sample(predict, small, (5, 2), seed=3),
                              ancestral_sample(predict, small, (5, 2), seed=4))


# ---------------------------------------------------------------- training a denoiser


def denoiser(dl):
    return dl.Sequential(dl.Linear(2 + 8, 64, seed=0), dl.GELU(), dl.Linear(64, 64, seed=1), dl.GELU(),
                         dl.Linear(64, 2, seed=2))


def test_the_denoiser_input_is_x_t_beside_eight_time_features():
    features = denoiser_input(np.zeros((3, 2)), np.array([0, 500, 999]), SCHEDULE)
    assert features.shape == (3, 10) and features.dtype == np.float32
    np.testing.assert_allclose(features[0, 2:], [0, 0, 0, 0, 1, 1, 1, 1], atol=1e-7)   # sin 0 = 0, cos 0 = 1


def test_a_small_denoiser_learns_to_predict_the_noise_on_both_backends(dl):
    # predicting eps = 0 scores E eps^2 = 1; after 300 steps the network does far better
    X, _ = gaussian_mixture_circle(512, seed=0)
    model, rng = denoiser(dl), np.random.default_rng(0)
    optimizer = dl.Adam(model.parameters(), lr=2e-3)
    losses = [training_step(model, optimizer, SCHEDULE, X, rng) for _ in range(300)]
    assert np.mean(losses[:10]) > 0.8 and np.mean(losses[-30:]) < 0.6
    check_rng = np.random.default_rng(1)
    t, eps = check_rng.integers(0, SCHEDULE.n_steps, 512), check_rng.standard_normal((512, 2))
    eps_theta = noise_predictor(model, SCHEDULE)(noised(SCHEDULE, X, t, eps), t)
    assert noise_prediction_loss(eps_theta, eps) < 0.6
    assert model.training                                     # noise_predictor put the mode back


def test_the_training_step_is_the_same_on_both_backends(dl_np, dl_torch):
    X, _ = gaussian_mixture_circle(64, seed=0)
    losses = {}
    for dl in (dl_np, dl_torch):
        model, rng = denoiser(dl), np.random.default_rng(0)
        optimizer = dl.Adam(model.parameters(), lr=2e-3)
        losses[dl.name] = [training_step(model, optimizer, SCHEDULE, X, rng) for _ in range(5)]
    np.testing.assert_allclose(losses["numpy"], losses["torch"], rtol=1e-4)   # float32, five Adam steps
