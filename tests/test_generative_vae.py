"""dlbook.generative.vae: the reparameterization trick and the Gaussian KL term, their hand-written gradients
against central differences and torch autograd, and the Reparameterize layer in a model's backward.

Tolerances: central differences in float64 (eps 1e-6) leave ~1e-10 relative error (test_gradients.py's
docstring): 1e-7. torch autograd computes the same formulas in float64: 1e-12. Monte Carlo statistics of
n draws: a few standard errors (stated where used)."""

import numpy as np
import pytest

from dlbook.data import gaussian_mixture_circle
from dlbook.generative.vae import (
    gaussian_kl,
    gaussian_kl_backward,
    reparameterization,
    reparameterize,
    reparameterize_backward,
)
from dlbook.gradcheck import gradcheck_report, numerical_gradient, relative_error

rng = np.random.default_rng(0)
MU, LOGVAR, EPS = rng.normal(0, 1, (5, 3)), rng.normal(0, 0.7, (5, 3)), rng.standard_normal((5, 3))
GRAD_Z = rng.standard_normal((5, 3))


# ---------------------------------------------------------------- reparameterization


def test_z_has_mean_mu_and_standard_deviation_sigma():
    mu, logvar = np.array([1.0, -2.0]), np.log(np.array([0.25, 4.0]))
    z = reparameterize(mu, logvar, np.random.default_rng(1).standard_normal((40_000, 2)))
    np.testing.assert_allclose(z.mean(axis=0), mu, atol=0.03)                  # 4 standard errors of 2/200
    np.testing.assert_allclose(z.std(axis=0), [0.5, 2.0], rtol=0.02)


def test_reparameterize_backward_matches_finite_differences():
    mu, logvar = MU.copy(), LOGVAR.copy()
    grad_mu, grad_logvar = reparameterize_backward(GRAD_Z, logvar, EPS)

    def f():
        return float(np.sum(reparameterize(mu, logvar, EPS) * GRAD_Z))

    assert relative_error(grad_mu, numerical_gradient(f, mu)) < 1e-7
    assert relative_error(grad_logvar, numerical_gradient(f, logvar)) < 1e-7


def test_reparameterize_backward_equals_torch_autograd(torch):
    mu, logvar = torch.tensor(MU, requires_grad=True), torch.tensor(LOGVAR, requires_grad=True)
    (mu + torch.exp(0.5 * logvar) * torch.tensor(EPS)).backward(torch.tensor(GRAD_Z))
    grad_mu, grad_logvar = reparameterize_backward(GRAD_Z, LOGVAR, EPS)
    np.testing.assert_allclose(grad_mu, mu.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(grad_logvar, logvar.grad.numpy(), rtol=1e-12)


# ---------------------------------------------------------------- KL(N(mu, sigma^2) || N(0, 1))


def test_kl_is_zero_at_the_prior_and_positive_elsewhere():
    assert gaussian_kl(np.zeros((4, 3)), np.zeros((4, 3))) == 0.0
    assert np.all(gaussian_kl(MU, LOGVAR, reduction="none") > 0)


def test_kl_equals_torch_distributions_closed_form(torch):
    normal = torch.distributions.Normal
    q = normal(torch.tensor(MU), torch.exp(0.5 * torch.tensor(LOGVAR)))
    per_sample = torch.distributions.kl_divergence(q, normal(0.0, 1.0)).sum(dim=1).numpy()
    np.testing.assert_allclose(gaussian_kl(MU, LOGVAR, reduction="none"), per_sample, rtol=1e-12)
    assert gaussian_kl(MU, LOGVAR) == pytest.approx(per_sample.mean(), rel=1e-12)
    assert gaussian_kl(MU, LOGVAR, reduction="sum") == pytest.approx(per_sample.sum(), rel=1e-12)


def test_kl_equals_a_monte_carlo_estimate_of_e_log_q_minus_log_p():
    mu, logvar = np.array([[0.8, -0.3]]), np.array([[-0.5, 0.4]])
    z = reparameterize(mu, logvar, np.random.default_rng(2).standard_normal((200_000, 2)))
    log_q = -0.5 * ((z - mu) ** 2 / np.exp(logvar) + logvar).sum(axis=1)
    log_p = -0.5 * (z**2).sum(axis=1)                                          # the 2 pi terms cancel
    assert gaussian_kl(mu, logvar) == pytest.approx((log_q - log_p).mean(), abs=0.01)   # ~5 standard errors


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_kl_backward_matches_finite_differences_and_torch_autograd(torch, reduction):
    mu, logvar = MU.copy(), LOGVAR.copy()
    grad_out = np.random.default_rng(3).standard_normal(5) if reduction == "none" else 1.7
    grad_mu, grad_logvar = gaussian_kl_backward(mu, logvar, reduction, grad_out)

    def f():
        return float(np.sum(gaussian_kl(mu, logvar, reduction) * grad_out))

    assert relative_error(grad_mu, numerical_gradient(f, mu)) < 1e-7
    assert relative_error(grad_logvar, numerical_gradient(f, logvar)) < 1e-7
    mu_t, logvar_t = torch.tensor(MU, requires_grad=True), torch.tensor(LOGVAR, requires_grad=True)
    per_sample = -0.5 * (1 + logvar_t - mu_t**2 - logvar_t.exp()).sum(dim=1)
    kl = {"mean": per_sample.mean(), "sum": per_sample.sum(), "none": per_sample}[reduction]
    kl.backward(torch.as_tensor(grad_out, dtype=torch.float64))
    np.testing.assert_allclose(grad_mu, mu_t.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(grad_logvar, logvar_t.grad.numpy(), rtol=1e-12)


def test_an_unknown_reduction_is_refused():
    with pytest.raises(ValueError, match="reduction must be one of"):
        gaussian_kl(MU, LOGVAR, reduction="batchmean")


# ---------------------------------------------------------------- the layer


def test_the_layer_passes_a_gradient_check_through_the_reparameterization(dl):
    report = gradcheck_report(reparameterization(dl, 3, kl_weight=0.0, seed=0), input_shape=(5, 6))
    assert report["input"] < 1e-7, report


@pytest.mark.parametrize("kl_weight", [1.0, 0.25])
def test_the_layers_backward_adds_the_weighted_kl_gradient(dl, float64, kl_weight):
    layer = reparameterization(dl, 3, kl_weight=kl_weight, seed=0)
    h = np.concatenate([MU, LOGVAR], axis=1)
    z = layer(dl.asarray(h))
    eps = layer.eps.copy()
    grad_h = dl.to_numpy(layer.backward(dl.asarray(GRAD_Z)))

    def f():          # sum(z dy) + beta KL, with the eps that forward drew
        mu, logvar = h[:, :3], h[:, 3:]
        return float(np.sum(reparameterize(mu, logvar, eps) * GRAD_Z) + kl_weight * gaussian_kl(mu, logvar))

    assert relative_error(grad_h, numerical_gradient(f, h)) < 1e-7
    np.testing.assert_allclose(dl.to_numpy(z), reparameterize(MU, LOGVAR, eps), rtol=1e-12)
    assert layer.kl == pytest.approx(gaussian_kl(MU, LOGVAR), rel=1e-12)


def test_the_layer_draws_the_same_noise_for_one_seed_on_both_backends_and_none_in_eval(dl_np, dl_torch):
    h = np.concatenate([MU, LOGVAR], axis=1).astype(np.float32)
    z_np = dl_np.to_numpy(reparameterization(dl_np, 3, seed=4)(dl_np.asarray(h)))
    z_torch = dl_torch.to_numpy(reparameterization(dl_torch, 3, seed=4)(dl_torch.asarray(h)))
    np.testing.assert_allclose(z_np, z_torch, rtol=1e-6)
    layer = reparameterization(dl_np, 3, seed=4).eval()
    np.testing.assert_array_equal(dl_np.to_numpy(layer(dl_np.asarray(h))), h[:, :3])


def test_the_layer_refuses_an_input_that_is_not_mu_beside_logvar(dl):
    with pytest.raises(dl.ShapeError, match=r"Reparameterize\(3\) expected input of shape \(N, 6\)"):
        reparameterization(dl, 3, seed=0)(dl.asarray(np.zeros((4, 5))))


def test_a_small_vae_lowers_its_loss_on_both_backends(dl):
    # the eight gaussians on a circle through a 2-D code: reconstruction + KL falls over 150 Adam steps
    X, _ = gaussian_mixture_circle(256, seed=0)
    encoder = [dl.Linear(2, 32, seed=0), dl.Tanh(), dl.Linear(32, 4, seed=1)]
    decoder = [dl.Linear(2, 32, seed=2), dl.Tanh(), dl.Linear(32, 2, seed=3)]
    latent = reparameterization(dl, 2, kl_weight=0.1, seed=5)
    model = dl.Sequential(*encoder, latent, *decoder)
    optimizer, loss_fn = dl.Adam(model.parameters(), lr=1e-2), dl.MSELoss()
    losses = []
    for _ in range(150):
        reconstruction = loss_fn(model(dl.asarray(X)), dl.asarray(X))
        losses.append(float(dl.to_numpy(reconstruction)) + 0.1 * latent.kl)
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:10])
