"""dlbook.generative.gan: one GAN step on either backend equals the same step written in plain torch (the
DCGAN tutorial's pattern: D on real and on fake.detach(), then G through D with the non-saturating loss),
and freezes the discriminator only while the generator steps.

Tolerance: float64 on both sides, the same Adam updates in another order of roundings: 1e-10."""

import numpy as np
import pytest
from catalogue import to_array

from dlbook.data import gaussian_mixture_circle
from dlbook.generative.gan import GANStep, gan_step, gaussian_noise

BATCH, LATENT = 64, 2
X, _ = gaussian_mixture_circle(BATCH, seed=0)


def networks(dl):
    generator = dl.Sequential(dl.Linear(LATENT, 16, seed=0), dl.ReLU(), dl.Linear(16, 2, seed=1))
    discriminator = dl.Sequential(dl.Linear(2, 16, seed=2), dl.LeakyReLU(0.2), dl.Linear(16, 1, seed=3))
    return generator, discriminator


def adam(dl, model):
    return dl.Adam(model.parameters(), lr=1e-2, betas=(0.5, 0.999))


def torch_gan_steps(torch, generator, discriminator, n_steps):
    """The same steps in plain torch.nn / torch.optim, from our networks' weights; returns (G, D, losses)."""
    nn = torch.nn
    twins = (nn.Sequential(nn.Linear(LATENT, 16), nn.ReLU(), nn.Linear(16, 2)).double(),
             nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1)).double())
    for twin, ours in zip(twins, (generator, discriminator)):
        twin.load_state_dict({key: torch.tensor(to_array(value), dtype=torch.float64)
                              for key, value in ours.state_dict().items()})
    g, d = twins
    g_optimizer = torch.optim.Adam(g.parameters(), lr=1e-2, betas=(0.5, 0.999))
    d_optimizer = torch.optim.Adam(d.parameters(), lr=1e-2, betas=(0.5, 0.999))
    bce, noise, losses = nn.BCEWithLogitsLoss(), gaussian_noise(LATENT, seed=0), []
    ones, zeros, real = torch.ones(BATCH, 1, dtype=torch.float64), torch.zeros(BATCH, 1, dtype=torch.float64), \
        torch.tensor(X, dtype=torch.float64)
    for _ in range(n_steps):
        fake = g(torch.tensor(noise(BATCH), dtype=torch.float64))
        d_optimizer.zero_grad()
        d_loss = bce(d(real), ones) + bce(d(fake.detach()), zeros)
        d_loss.backward()
        d_optimizer.step()
        g_optimizer.zero_grad()
        g_loss = bce(d(fake), ones)                                   # non-saturating: -log D(G(z))
        g_loss.backward()
        g_optimizer.step()
        losses.append((d_loss.item(), g_loss.item()))
    return g, d, losses


def test_three_gan_steps_equal_plain_torch_on_every_parameter(dl, float64, torch):
    generator, discriminator = networks(dl)
    g_twin, d_twin, torch_losses = torch_gan_steps(torch, generator, discriminator, n_steps=3)
    g_optimizer, d_optimizer, noise = adam(dl, generator), adam(dl, discriminator), gaussian_noise(LATENT, seed=0)
    steps = [gan_step(generator, discriminator, g_optimizer, d_optimizer, X, noise) for _ in range(3)]
    for ours, twin in ((generator, g_twin), (discriminator, d_twin)):
        for key, value in twin.state_dict().items():
            np.testing.assert_allclose(to_array(ours.state_dict()[key]), to_array(value), rtol=1e-10, atol=1e-12)
    for step, (d_loss, g_loss) in zip(steps, torch_losses, strict=True):
        assert step.discriminator_loss == pytest.approx(d_loss, rel=1e-10)
        assert step.generator_loss == pytest.approx(g_loss, rel=1e-10)


def test_the_step_reports_losses_and_scores_between_zero_and_one(dl):
    generator, discriminator = networks(dl)
    step = gan_step(generator, discriminator, adam(dl, generator), adam(dl, discriminator), X,
                    gaussian_noise(LATENT, seed=1))
    assert isinstance(step, GANStep)
    assert 0 < step.real_score < 1 and 0 < step.fake_score < 1
    # at the start D guesses: each half of L_D near log 2, L_G near log 2
    assert step.discriminator_loss == pytest.approx(2 * np.log(2), rel=0.2)
    assert step.generator_loss == pytest.approx(np.log(2), rel=0.2)


def test_the_discriminator_is_frozen_only_during_the_generator_step(dl):
    generator, discriminator = networks(dl)
    discriminator[0].bias.requires_grad_(False)                  # the caller's own choice is kept
    before = to_array(discriminator[0].bias).copy()
    gan_step(generator, discriminator, adam(dl, generator), adam(dl, discriminator), X, gaussian_noise(LATENT, seed=1))
    assert [p.requires_grad for p in discriminator.parameters()] == [True, False, True, True]
    np.testing.assert_array_equal(to_array(discriminator[0].bias), before)
    assert all(p.grad is not None for name, p in generator.named_parameters())


def test_the_noise_source_is_seeded():
    np.testing.assert_array_equal(gaussian_noise(3, seed=5)(4), gaussian_noise(3, seed=5)(4))
    assert gaussian_noise(3, seed=5)(4).shape == (4, 3) and gaussian_noise(3)(1).dtype == np.float32
