"""One training step of a generative adversarial network (Goodfellow et al., 2014), on either backend.

A generator G maps noise z ~ p(z) to samples G(z); a discriminator D maps a sample to one logit, D's
belief that it is real (sigma(logit) = D(x)). One step alternates two updates on a batch of real x:

1. the discriminator, one step down its binary cross-entropy on real (label 1) and generated (label 0):
       L_D = -log D(x) - log(1 - D(G(z)))
2. the generator, one step down the non-saturating loss (label 1 for its own samples):
       L_G = -log D(G(z))
   rather than the minimax +log(1 - D(G(z))), whose gradient vanishes exactly when D wins early on
   (D(G(z)) ~ 0), when G needs it most.

Both use the backend's BCEWithLogitsLoss on D's logits. Backward goes layer by layer, so step 1 needs
no detach: D's backward returns dL/dG(z), and G's backward is simply not called. In step 2 D is frozen
(requires_grad_(False)) and passes dL_G/dG(z) back to G; only G's optimizer steps.
"""

from dataclasses import dataclass

import numpy as np

from .. import backend_of


@dataclass(frozen=True)
class GANStep:
    """What one gan_step measured: both losses (before their updates) and D's mean belief, sigma(logit),
    that the real and the generated batch are real."""

    discriminator_loss: float
    generator_loss: float
    real_score: float
    fake_score: float


def gaussian_noise(latent_dim, seed=None):
    """A noise source for gan_step: noise(n) -> z ~ N(0, I), float32 (n, latent_dim), from one seeded generator."""
    rng = np.random.default_rng(seed)

    def noise(n):
        return rng.standard_normal((n, latent_dim)).astype(np.float32)

    return noise


def _sigmoid_mean(dl, logits):
    return float(np.mean(1 / (1 + np.exp(-dl.to_numpy(logits).astype(np.float64)))))


def gan_step(generator, discriminator, generator_optimizer, discriminator_optimizer, real, noise):
    """One discriminator step, then one generator step (see the module docstring); returns a GANStep.

    generator, discriminator: models of one backend, D giving one logit per sample (N, 1);
    their optimizers; real: a batch (N, ...) (NumPy or backend array); noise: noise(n) -> z (N, latent),
    e.g. gaussian_noise(latent_dim, seed)."""
    dl = backend_of(discriminator)
    loss_fn = dl.BCEWithLogitsLoss()
    real = dl.asarray(real)
    fake = generator(dl.asarray(noise(real.shape[0])))                     # G(z)

    # 1. discriminator: L_D = -log D(x) - log(1 - D(G(z)))
    discriminator_optimizer.zero_grad()
    real_logits = discriminator(real)
    loss_real = loss_fn(real_logits, dl.asarray(np.ones(tuple(real_logits.shape))))
    discriminator.backward(loss_fn.backward())                             # dL/dtheta_D, real half
    fake_logits = discriminator(fake)
    loss_fake = loss_fn(fake_logits, dl.asarray(np.zeros(tuple(fake_logits.shape))))
    discriminator.backward(loss_fn.backward())                             # + the generated half (G untouched)
    discriminator_optimizer.step()

    # 2. generator, non-saturating: L_G = -log D(G(z)), through the updated D, which stays as it is
    flags = [param.requires_grad for param in discriminator.parameters()]
    discriminator.requires_grad_(False)
    try:
        generator_optimizer.zero_grad()
        logits = discriminator(fake)
        loss_generator = loss_fn(logits, dl.asarray(np.ones(tuple(logits.shape))))
        generator.backward(discriminator.backward(loss_fn.backward()))     # dL_G/dG(z), then into G
        generator_optimizer.step()
    finally:
        for param, flag in zip(discriminator.parameters(), flags):
            param.requires_grad_(flag)
    return GANStep(discriminator_loss=float(dl.to_numpy(loss_real)) + float(dl.to_numpy(loss_fake)),
                   generator_loss=float(dl.to_numpy(loss_generator)),
                   real_score=_sigmoid_mean(dl, real_logits), fake_score=_sigmoid_mean(dl, fake_logits))
