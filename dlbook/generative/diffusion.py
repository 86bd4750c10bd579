"""Denoising diffusion (DDPM, Ho et al., 2020): noise the data step by step, learn to predict the noise,
and sample by removing it step by step.

Forward process, T steps with a schedule beta_1 .. beta_T (linear from 1e-4 to 0.02 in Ho et al.):

    q(x_t | x_{t-1}) = N(sqrt(alpha_t) x_{t-1}, beta_t I),      alpha_t = 1 - beta_t
    q(x_t | x_0)     = N(sqrt(alpha_bar_t) x_0, (1 - alpha_bar_t) I),   alpha_bar_t = prod_{s <= t} alpha_s
    so in closed form  x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps,   eps ~ N(0, I)

Training: a network eps_theta(x_t, t) predicts the eps that made x_t, by the (simplified) loss
    L = E_{t, x_0, eps} || eps - eps_theta(x_t, t) ||^2

Ancestral sampling, from x_T ~ N(0, I) down to x_0:
    x_{t-1} = 1/sqrt(alpha_t) (x_t - beta_t / sqrt(1 - alpha_bar_t) eps_theta(x_t, t)) + sigma_t z,
    z ~ N(0, I) (z = 0 at the last step), sigma_t^2 = beta_t (or the posterior's
    beta~_t = (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) beta_t; Ho et al. found both work).

Arrays here are NumPy, indexed from 0: entry t of every schedule array is Ho et al.'s step t + 1, so
t = 0 is the first noising step and t = T - 1 the last. Every random draw comes from a seeded generator.
A model enters through denoiser_input (x_t beside an embedding of t) and noise_predictor.
"""

from dataclasses import dataclass

import numpy as np

from .. import backend_of


@dataclass(frozen=True)
class NoiseSchedule:
    """beta_t for t = 0 .. T - 1 (Ho et al.'s 1 .. T) and what follows from it."""

    betas: np.ndarray

    @property
    def n_steps(self):
        return len(self.betas)

    @property
    def alphas(self):
        return 1.0 - self.betas                                      # alpha_t = 1 - beta_t

    @property
    def alpha_bars(self):
        return np.cumprod(self.alphas)                               # alpha_bar_t = prod_{s <= t} alpha_s

    @property
    def posterior_variances(self):
        """beta~_t = (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) beta_t (alpha_bar before the first step: 1)."""
        previous = np.concatenate([[1.0], self.alpha_bars[:-1]])
        return (1 - previous) / (1 - self.alpha_bars) * self.betas


def linear_schedule(n_steps=1000, beta_start=1e-4, beta_end=0.02):
    """Ho et al.'s schedule: beta_t linear from beta_start to beta_end over n_steps steps (float64)."""
    if not (isinstance(n_steps, int) and n_steps >= 1):
        raise ValueError(f"n_steps must be an integer >= 1, got {n_steps!r}")
    if not 0 < beta_start <= beta_end < 1:
        raise ValueError(f"need 0 < beta_start <= beta_end < 1, got {beta_start} and {beta_end}")
    return NoiseSchedule(np.linspace(beta_start, beta_end, n_steps))


def _per_sample(values, t, ndim):
    """values[t] shaped (N, 1, ..., 1) to scale samples of rank ndim (t: one step per sample, or one for all)."""
    picked = np.asarray(values)[np.asarray(t)]
    return picked.reshape(picked.shape + (1,) * (ndim - picked.ndim))


def noised(schedule, x0, t, eps):
    """x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps: a sample of q(x_t | x_0) in one step.
    x0, eps: (N, ...); t: (N,) steps in 0 .. T - 1, or one step for the whole batch."""
    alpha_bar = _per_sample(schedule.alpha_bars, t, np.ndim(x0))
    return np.sqrt(alpha_bar) * x0 + np.sqrt(1 - alpha_bar) * eps


def noise_prediction_loss(eps_theta, eps):
    """L = mean of (eps - eps_theta)^2 over every number (what MSELoss computes in training)."""
    return float(np.mean((np.asarray(eps, np.float64) - eps_theta) ** 2))


def time_embedding(t, n_steps, n_frequencies=4):
    """Step t as features the network can read: sin and cos of pi 2^k t / T for k < n_frequencies,
    float32 (N, 2 n_frequencies); t: (N,) steps."""
    angles = np.pi * (np.asarray(t, np.float64)[:, None] / n_steps) * 2.0 ** np.arange(n_frequencies)
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=1).astype(np.float32)


def denoiser_input(x_t, t, schedule, n_frequencies=4):
    """A denoiser's input for flat samples x_t: (N, D): [x_t | time_embedding(t)], float32 (N, D + 2 n_frequencies)."""
    t = np.broadcast_to(np.asarray(t), (len(x_t),))
    return np.concatenate([np.asarray(x_t, np.float32), time_embedding(t, schedule.n_steps, n_frequencies)], axis=1)


def training_step(model, optimizer, schedule, x0, rng, n_frequencies=4):
    """One step of DDPM training on a batch x0: (N, D) (NumPy): draw t ~ U{0 .. T - 1} and eps ~ N(0, I) from
    rng (a NumPy Generator), noise x0 in closed form, and take one optimizer step on
    L = MSE(eps_theta([x_t | t]), eps). Returns L (a float)."""
    dl = backend_of(model)
    loss_fn = dl.MSELoss()
    t = rng.integers(0, schedule.n_steps, len(x0))
    eps = rng.standard_normal(x0.shape)
    x_t = noised(schedule, x0, t, eps)
    eps_theta = model(dl.asarray(denoiser_input(x_t, t, schedule, n_frequencies)))
    loss = loss_fn(eps_theta, dl.asarray(eps))                    # L = || eps - eps_theta(x_t, t) ||^2
    optimizer.zero_grad()
    model.backward(loss_fn.backward())
    optimizer.step()
    return float(dl.to_numpy(loss))


def noise_predictor(model, schedule, n_frequencies=4):
    """predict_noise(x_t, t) -> eps_theta (NumPy, float64) of a denoiser trained with training_step, run in
    eval mode without a graph: what ancestral_sample takes."""
    dl = backend_of(model)

    def predict_noise(x_t, t):
        was_training = model.training
        model.eval()
        try:
            with dl.no_grad():
                return dl.to_numpy(model(dl.asarray(denoiser_input(x_t, t, schedule, n_frequencies)))).astype(float)
        finally:
            model.train(was_training)

    return predict_noise


def ancestral_sample(predict_noise, schedule, shape, seed=None, variance="beta"):
    """Samples x_0 of shape `shape` by ancestral sampling (see the module docstring), from x_T ~ N(0, I).

    predict_noise(x_t, t) -> eps_theta, arrays of `shape` (t: the step, an int); variance: 'beta'
    (sigma_t^2 = beta_t) or 'posterior' (beta~_t). Seeded: the same seed gives the same samples."""
    if variance not in ("beta", "posterior"):
        raise ValueError(f"variance must be 'beta' or 'posterior', got {variance!r}")
    rng = np.random.default_rng(seed)
    sigmas = np.sqrt(schedule.betas if variance == "beta" else schedule.posterior_variances)
    betas, alphas, alpha_bars = schedule.betas, schedule.alphas, schedule.alpha_bars
    x = rng.standard_normal(shape)                                                   # x_T ~ N(0, I)
    for t in reversed(range(schedule.n_steps)):
        eps_theta = predict_noise(x, t)
        mean = (x - betas[t] / np.sqrt(1 - alpha_bars[t]) * eps_theta) / np.sqrt(alphas[t])
        z = rng.standard_normal(shape) if t > 0 else 0.0                             # no noise at the last step
        x = mean + sigmas[t] * z                                                     # x_{t-1}
    return x
