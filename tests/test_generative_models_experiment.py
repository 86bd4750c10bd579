"""The generative models chapter's experiments: small, seeded runs on both backends."""

import numpy as np
import pytest

import dlbook
from dlbook.data import circle_centers, gaussian_mixture_circle, load_digits, train_test_split
from dlbook.experiments import generative_models as gm
from dlbook.generative import diffusion, distances
from dlbook.models import autoencoder, denoiser, gan_discriminator, gan_generator, vae


@pytest.fixture(params=["numpy", "torch"])
def dl(request):
    if request.param == "torch":
        pytest.importorskip("torch")
    return dlbook.load(request.param)


@pytest.fixture(scope="module")
def split():
    X, y = load_digits()
    return train_test_split(X[:600], y[:600], test_fraction=0.25, seed=0)


def test_the_builders_have_the_shapes_their_docstrings_give(dl):
    x = dl.asarray(np.zeros((3, 64), np.float32))
    assert tuple(autoencoder(dl, 64, 4)(x).shape) == (3, 64)
    assert tuple(autoencoder(dl, 64, 4)[0](x).shape) == (3, 4)
    model = vae(dl, 64, 2)
    assert tuple(model[0](x).shape) == (3, 4) and tuple(model(x).shape) == (3, 64)
    assert model[1].kl_weight == pytest.approx(1 / 64)
    assert tuple(gan_generator(dl, 2, 8, 2)(dl.asarray(np.zeros((3, 2), np.float32))).shape) == (3, 2)
    assert tuple(gan_discriminator(dl, 2, 8)(dl.asarray(np.zeros((3, 2), np.float32))).shape) == (3, 1)
    assert tuple(denoiser(dl, 2, 16)(dl.asarray(np.zeros((3, 10), np.float32))).shape) == (3, 2)


def test_a_wider_bottleneck_reconstructs_better(dl, split):
    errors = gm.bottleneck_errors(dl, split, latent_dims=(2, 16), epochs=15, batch_size=64, progress=False)
    assert errors[16] < 0.8 * errors[2]
    assert 0 < errors[16] < errors[2] < 0.1


def test_a_trained_autoencoder_beats_predicting_the_mean_image(split):
    model = gm.train_autoencoder(dlbook.load("numpy"), split.X_train, 8, epochs=15, batch_size=64)
    mean_image_error = np.mean((split.X_test - split.X_train.mean(axis=0)) ** 2)
    assert gm.reconstruction_error(model, split.X_test) < 0.6 * mean_image_error


def test_vae_training_lowers_the_negative_elbo_and_gives_a_positive_kl(split):
    reference = dlbook.load("numpy")
    untrained = vae(reference, 64, 2)
    model, history = gm.train_vae(reference, split.X_train, epochs=15, batch_size=64)
    before, after = gm.negative_elbo(untrained, split.X_test), gm.negative_elbo(model, split.X_test)
    assert sum(after) < 0.7 * sum(before)
    assert after[1] > 0.1                                           # the code carries information
    assert history.train_loss[-1] < history.train_loss[0]


def test_latent_means_and_decode_have_the_right_shapes(split):
    model, _ = gm.train_vae(dlbook.load("numpy"), split.X_train, epochs=1)
    assert gm.latent_means(model, split.X_test).shape == (len(split.X_test), 2)
    images = gm.decode(model, gm.latent_grid([-1.0, 0.0, 1.0]))
    assert images.shape == (9, 64) and images.min() >= 0 and images.max() <= 1


def test_the_latent_grid_reads_like_an_image():
    grid = gm.latent_grid([-1.0, 1.0])
    np.testing.assert_array_equal(grid, [[-1, 1], [1, 1], [-1, -1], [1, -1]])


def test_a_short_gan_run_records_coverage_and_moves_towards_the_modes(dl):
    X, _ = gaussian_mixture_circle(n=1000, seed=0)
    run = gm.train_gan(dl, X, circle_centers(), 0.05, n_steps=300, check_every=100, snapshot_steps=(0, 300),
                       n_check=500, progress=False)
    assert run.steps == [0, 100, 200, 300] and len(run.generator_loss) == 300
    assert all(0 <= c <= 8 for c in run.coverage)
    assert run.near_a_mode[-1] > run.near_a_mode[0]
    assert run.snapshots[300].shape == (500, 2)


def test_the_short_schedule_ends_near_pure_noise_like_ho_et_als():
    schedule = gm.short_schedule(200)
    assert schedule.n_steps == 200 and schedule.betas[-1] == pytest.approx(0.1)
    assert schedule.alpha_bars[-1] < 1e-4


def test_the_reverse_trajectory_ends_at_ancestral_samples():
    schedule = gm.short_schedule(50)

    def predict(x, t):
        return 0.3 * x

    kept = gm.reverse_trajectory(predict, schedule, (20, 2), {50, 10, 0}, seed=3)
    assert sorted(kept) == [0, 10, 50]
    np.testing.assert_allclose(kept[0], diffusion.ancestral_sample(predict, schedule, (20, 2), seed=3), rtol=1e-12)


def test_a_small_diffusion_model_beats_the_gaussian_fit_in_mmd():
    X, _ = gaussian_mixture_circle(n=1000, seed=0)
    model, schedule, losses = gm.train_diffusion(dlbook.load("numpy"), X, n_steps=600, progress=False)
    samples = diffusion.ancestral_sample(diffusion.noise_predictor(model, schedule), schedule,
                                         (400, 2), seed=1)
    held_out, _ = gaussian_mixture_circle(n=400, seed=1)
    assert losses[-50:].mean() < losses[:10].mean()
    assert distances.mmd_squared(samples, held_out, 0.5, unbiased=True) < \
        0.6 * distances.mmd_squared(gm.gaussian_fit_samples(X, 400, seed=2), held_out, 0.5, unbiased=True)


def test_the_gaussian_fit_has_the_data_mean_and_covariance():
    X = np.random.default_rng(0).multivariate_normal([1, -2], [[2, 0.5], [0.5, 1]], size=500)
    samples = gm.gaussian_fit_samples(X, 20000, seed=0)
    np.testing.assert_allclose(samples.mean(axis=0), X.mean(axis=0), atol=0.05)
    np.testing.assert_allclose(np.cov(samples, rowvar=False), np.cov(X, rowvar=False), atol=0.06)
