"""The generative models chapter's experiments, on either backend: an autoencoder's bottleneck, a VAE with a
2-D latent space, a GAN on eight Gaussians and a diffusion model on the same eight Gaussians.

    errors = bottleneck_errors(dl, split, latent_dims=(2, 4, 8, 16))       # reconstruction error per width
    model = train_vae(dl, split.X_train)                                     # Sequential(encoder, z, decoder)
    run = train_gan(dl, X, n_steps=2000)                                     # coverage of the modes over training
    denoiser, schedule, losses = train_diffusion(dl, X)                     # DDPM noise predictor
    baseline = gaussian_fit_samples(X, n, seed)                              # the one-Gaussian baseline

Every network comes from dlbook.models (autoencoder, vae, gan_generator, gan_discriminator, denoiser);
the maths from dlbook.generative. Images are the 8x8 digits with pixels in [0, 1]: the decoders output
one logit per pixel, trained with BCEWithLogitsLoss (a Bernoulli likelihood), so sigma(logit) is the
reconstruction. Everything is seeded; this module imports no backend.
"""

from dataclasses import dataclass, field

import numpy as np

from ..generative import diffusion, distances, gan
from ..models import autoencoder, denoiser, gan_discriminator, gan_generator, vae
from ..train import fit, predict

try:
    from tqdm.auto import tqdm
except ImportError:  # pragma: no cover - tqdm is in requirements.txt
    tqdm = None


def sigmoid(logits):
    """1 / (1 + exp(-logits)), float64, for pixel logits -> pixel intensities in [0, 1]."""
    return 1 / (1 + np.exp(-np.asarray(logits, np.float64)))


def reconstruct(model, X):
    """sigma(model(X)) in eval mode (a VAE then decodes z = mu): NumPy (N, 64) in [0, 1]."""
    return sigmoid(predict(model, X))


def reconstruction_error(model, X):
    """The mean squared error per pixel between X and its reconstruction (pixels in [0, 1])."""
    return float(np.mean((reconstruct(model, X) - np.asarray(X, np.float64)) ** 2))


def train_autoencoder(dl, X, latent_dim, *, hidden=64, epochs=20, lr=1e-2, batch_size=256, seed=0):
    """An autoencoder 64 -> hidden -> latent_dim -> hidden -> 64 (dlbook.models.autoencoder) trained with
    Adam on BCEWithLogitsLoss(model(x), x) by dlbook.train.fit: returns the trained model."""
    model = autoencoder(dl, X.shape[1], latent_dim, hidden=hidden, seed=seed)
    optimizer = dl.Adam(model.parameters(), lr=lr)
    fit(model, dl.BCEWithLogitsLoss(), optimizer, X, X, epochs=epochs, batch_size=batch_size, seed=seed,
        progress=False)
    return model


def train_bottlenecks(dl, X, latent_dims=(2, 4, 8, 16), progress=True, **train_kwargs):
    """{latent_dim: an autoencoder trained on X with that bottleneck} (train_autoencoder, same seed)."""
    widths = tqdm(latent_dims, desc="bottlenecks", leave=False) if progress and tqdm is not None else latent_dims
    return {latent_dim: train_autoencoder(dl, X, latent_dim, **train_kwargs) for latent_dim in widths}


def bottleneck_errors(dl, split, latent_dims=(2, 4, 8, 16), progress=True, **train_kwargs):
    """{latent_dim: test reconstruction error} of an autoencoder trained on split.X_train for each width."""
    models = train_bottlenecks(dl, split.X_train, latent_dims, progress, **train_kwargs)
    return {latent_dim: reconstruction_error(model, split.X_test) for latent_dim, model in models.items()}


def train_vae(dl, X, *, latent_dim=2, hidden=64, kl_weight=None, epochs=30, lr=1e-2, batch_size=256, seed=0):
    """A VAE (dlbook.models.vae) trained by dlbook.train.fit on BCEWithLogitsLoss(model(x), x): the loss the
    loop sees is the reconstruction term per pixel; the Reparameterize layer adds kl_weight dKL/dh with
    kl_weight = 1 / 64 (None), so the gradient is that of the negative ELBO per pixel,
    (sum over 64 pixels of the BCE + KL) / 64; a larger kl_weight is a beta-VAE. Returns (model, history)."""
    model = vae(dl, X.shape[1], latent_dim, hidden=hidden, kl_weight=kl_weight, seed=seed)
    optimizer = dl.Adam(model.parameters(), lr=lr)
    history = fit(model, dl.BCEWithLogitsLoss(), optimizer, X, X, epochs=epochs, batch_size=batch_size,
                  seed=seed, progress=False)
    return model, history


def negative_elbo(model, X):
    """(reconstruction, kl) per sample of a VAE on X, in nats, eval mode (z = mu for the reconstruction):
    reconstruction = sum over pixels of the binary cross-entropy, kl = KL(q(z | x) || N(0, I))."""
    encoder, decoder = model[0], model[2]
    h = predict(encoder, X)
    latent_dim = h.shape[1] // 2
    mu, logvar = h[:, :latent_dim], h[:, latent_dim:]
    logits = predict(decoder, mu.astype(np.float32)).astype(np.float64)
    x = np.asarray(X, np.float64)
    bce = np.maximum(logits, 0) - logits * x + np.log1p(np.exp(-np.abs(logits)))      # stable BCE from logits
    kl = -0.5 * np.sum(1 + logvar - mu**2 - np.exp(logvar), axis=1)
    return float(bce.sum(axis=1).mean()), float(kl.mean())


def latent_means(model, X):
    """mu(x) of a VAE's encoder for every row of X: NumPy (N, latent_dim)."""
    h = predict(model[0], X)
    return h[:, :h.shape[1] // 2]


def decode(model, z):
    """sigma(decoder(z)): the images a VAE's decoder makes of latent codes z (N, latent_dim), NumPy (N, 64)."""
    return sigmoid(predict(model[2], np.asarray(z, np.float32)))


def latent_grid(values):
    """Every (z1, z2) with z1, z2 from values: (len(values)^2, 2), rows with z2 from top (largest) to bottom,
    z1 from left to right, as an image grid reads."""
    values = np.asarray(values, np.float64)
    z1, z2 = np.meshgrid(values, values[::-1])
    return np.stack([z1.ravel(), z2.ravel()], axis=1)


@dataclass
class GANRun:
    """A GAN's training run: the step numbers checked, the modes covered and the share of samples near a
    mode at each, the losses at every step, and the final samples."""

    steps: list = field(default_factory=list)
    coverage: list = field(default_factory=list)
    near_a_mode: list = field(default_factory=list)
    discriminator_loss: list = field(default_factory=list)
    generator_loss: list = field(default_factory=list)
    snapshots: dict = field(default_factory=dict)
    generator: object = None


def generated(generator, n, seed):
    """n samples G(z), z ~ N(0, I) from `seed`, in eval mode: NumPy (n, 2)."""
    latent_dim = generator[0].in_features
    return predict(generator, gan.gaussian_noise(latent_dim, seed=seed)(n)).astype(np.float64)


def train_gan(dl, X, centers, std, *, n_steps=800, batch_size=256, latent_dim=2, hidden=64, lr=5e-3,
              check_every=50, n_check=1000, snapshot_steps=(), seed=0, progress=True):
    """Train a GAN (dlbook.models.gan_generator / gan_discriminator, Adam with beta1 = 0.5) on X with
    dlbook.generative.gan.gan_step; every check_every steps measure, on n_check fresh samples, the modes
    covered (mode_coverage: a mode counts with at least 1% of the samples within 3 std) and the
    fraction of samples within 3 std of some mode. Returns a GANRun."""
    generator = gan_generator(dl, latent_dim, hidden, X.shape[1], seed=seed)
    discriminator = gan_discriminator(dl, X.shape[1], hidden, seed=seed + 10)
    g_opt = dl.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.999))
    d_opt = dl.Adam(discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
    noise = gan.gaussian_noise(latent_dim, seed=seed)
    rng = np.random.default_rng(seed)
    run = GANRun(generator=generator)
    min_samples = max(1, n_check // 100)

    def check(step):
        samples = generated(generator, n_check, seed=10_000 + step)
        run.steps.append(step)
        run.coverage.append(distances.mode_coverage(samples, centers, std, min_samples=min_samples))
        run.near_a_mode.append(distances.fraction_near_a_mode(samples, centers, std))
        if step in snapshot_steps:
            run.snapshots[step] = samples

    steps = range(1, n_steps + 1)
    if progress and tqdm is not None:
        steps = tqdm(steps, desc="GAN steps", leave=False)
    check(0)
    for step in steps:
        real = X[rng.integers(0, len(X), batch_size)]
        result = gan.gan_step(generator, discriminator, g_opt, d_opt, real, noise)
        run.discriminator_loss.append(result.discriminator_loss)
        run.generator_loss.append(result.generator_loss)
        if step % check_every == 0:
            check(step)
    return run


def short_schedule(n_steps=200):
    """Ho et al.'s linear schedule (beta from 1e-4 to 0.02 over 1000 steps) squeezed into n_steps steps:
    every beta times 1000 / n_steps, so that x_T is as close to pure noise (alpha_bar_T ~ 3e-5 for 200)
    with five times fewer network calls when sampling."""
    scale = 1000 / n_steps
    return diffusion.linear_schedule(n_steps, 1e-4 * scale, 0.02 * scale)


def train_diffusion(dl, X, *, n_steps=1500, batch_size=256, hidden=64, lr=5e-3, schedule=None, seed=0,
                    progress=True):
    """A DDPM noise predictor (dlbook.models.denoiser) trained with dlbook.generative.diffusion.training_step
    on random batches of X for n_steps steps (Adam; schedule: short_schedule() by default).
    Returns (model, schedule, losses)."""
    schedule = short_schedule() if schedule is None else schedule
    model = denoiser(dl, X.shape[1], hidden, seed=seed)
    optimizer = dl.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    steps = range(n_steps)
    if progress and tqdm is not None:
        steps = tqdm(steps, desc="diffusion steps", leave=False)
    losses = [diffusion.training_step(model, optimizer, schedule, X[rng.integers(0, len(X), batch_size)], rng)
              for _ in steps]
    return model, schedule, np.asarray(losses)


def reverse_trajectory(predict_noise, schedule, shape, keep_steps, seed=None):
    """Ancestral sampling as in dlbook.generative.diffusion.ancestral_sample, keeping x_t for each t in
    keep_steps (t = n_steps: the starting noise x_T; t = 0: the samples x_0): {t: (shape) array}."""
    rng = np.random.default_rng(seed)
    betas, alphas, alpha_bars = schedule.betas, schedule.alphas, schedule.alpha_bars
    x = rng.standard_normal(shape)
    kept = {schedule.n_steps: x} if schedule.n_steps in keep_steps else {}
    for t in reversed(range(schedule.n_steps)):
        eps_theta = predict_noise(x, t)
        mean = (x - betas[t] / np.sqrt(1 - alpha_bars[t]) * eps_theta) / np.sqrt(alphas[t])
        z = rng.standard_normal(shape) if t > 0 else 0.0
        x = mean + np.sqrt(betas[t]) * z                     # x_{t-1}: kept under the index t of x_t's step
        if t in keep_steps:
            kept[t] = x
    return kept


def gaussian_fit_samples(X, n, seed=0):
    """n samples of the Gaussian with the mean and covariance of X: the baseline a generative model must beat."""
    X = np.asarray(X, np.float64)
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal(X.mean(axis=0), np.cov(X, rowvar=False), size=n)


__all__ = ["GANRun", "bottleneck_errors", "decode", "gaussian_fit_samples", "generated", "latent_grid",
           "latent_means", "negative_elbo", "reconstruct", "reconstruction_error", "reverse_trajectory",
           "short_schedule", "sigmoid", "train_autoencoder", "train_bottlenecks", "train_diffusion", "train_gan",
           "train_vae"]
