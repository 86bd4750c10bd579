"""The variational autoencoder's two pieces of maths (Kingma & Welling, 2014), each with its gradient.

The encoder gives, per sample, the mean mu and the log-variance logvar = log sigma^2 of a Gaussian
q(z | x) = N(mu, sigma^2) over the latent code z (D numbers). Training minimizes

    L = reconstruction loss(decoder(z), x) + beta KL(q(z | x) || N(0, I))

The reparameterization trick draws z so that it is differentiable in mu and logvar:

    z = mu + sigma * eps,   eps ~ N(0, I),   sigma = exp(logvar / 2)
    dL/dmu = dL/dz                                   (dz/dmu = 1)
    dL/dlogvar = dL/dz * eps * sigma / 2             (dz/dlogvar = eps * dsigma/dlogvar = eps sigma / 2)

and the KL term of two Gaussians has a closed form, summed over the D latent dimensions:

    KL = -1/2 sum_d (1 + logvar - mu^2 - sigma^2)
    dKL/dmu = mu,   dKL/dlogvar = (sigma^2 - 1) / 2   (0 at the prior: mu = 0, sigma = 1)

The functions take and return NumPy arrays. `reparameterization(dl, ...)` wraps both in a layer of
backend `dl` for model.backward: input h = [mu | logvar] (N, 2 D), output z (N, D); its backward returns
dL/dh = [dL/dmu | dL/dlogvar] with beta dKL/dh added, so that a Sequential(encoder, reparameterization,
decoder) trained on the reconstruction loss alone (fit, or the book's loop) follows the whole VAE loss.
"""

import numpy as np

from ..core.init import generator as make_generator

REDUCTIONS = ("mean", "sum", "none")


def reparameterize(mu, logvar, eps):
    """z = mu + sigma * eps with sigma = exp(logvar / 2); mu, logvar, eps: arrays of one shape (N, D)."""
    return mu + np.exp(0.5 * logvar) * eps


def reparameterize_backward(grad_z, logvar, eps):
    """(dL/dmu, dL/dlogvar) from grad_z = dL/dz, for the z = mu + exp(logvar / 2) eps of reparameterize."""
    sigma = np.exp(0.5 * logvar)
    grad_mu = grad_z                                       # dL/dmu = dL/dz
    grad_logvar = grad_z * eps * sigma / 2                 # dL/dlogvar = dL/dz * eps sigma / 2
    return grad_mu, grad_logvar


def _check_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def gaussian_kl(mu, logvar, reduction="mean"):
    """KL(N(mu, sigma^2) || N(0, 1)) = -1/2 sum_d (1 + logvar - mu^2 - sigma^2), summed over the last axis
    (the latent dimensions) of mu, logvar: (N, D); reduction over the samples: 'mean' (a number, the usual
    VAE term), 'sum', or 'none' (N,)."""
    _check_reduction(reduction)
    per_sample = -0.5 * np.sum(1 + logvar - mu**2 - np.exp(logvar), axis=-1)
    if reduction == "none":
        return per_sample
    return per_sample.mean() if reduction == "mean" else per_sample.sum()


def gaussian_kl_backward(mu, logvar, reduction="mean", grad_out=1.0):
    """(dKL/dmu, dKL/dlogvar) of gaussian_kl(mu, logvar, reduction), times grad_out (a number, or (N,) for
    reduction='none'): dKL/dmu = mu, dKL/dlogvar = (sigma^2 - 1) / 2, per sample (divided by N for 'mean')."""
    _check_reduction(reduction)
    scale = np.asarray(grad_out, dtype=np.result_type(mu, np.float32))
    if reduction == "none":
        scale = scale[..., None]                                     # one factor per sample
    elif reduction == "mean":
        scale = scale / int(np.prod(mu.shape[:-1]))                  # 1/N of each sample's gradient
    grad_mu = scale * mu                                             # dKL/dmu = mu
    grad_logvar = scale * (np.exp(logvar) - 1) / 2                   # dKL/dlogvar = (sigma^2 - 1) / 2
    return grad_mu, grad_logvar


_LAYER_CLASSES = {}


def reparameterization(dl, latent_dim, *, kl_weight=1.0, seed=None):
    """The layer h = [mu | logvar] (N, 2 latent_dim) -> z = mu + sigma eps (N, latent_dim) of backend dl.

    In training each forward draws a new eps ~ N(0, I) from a NumPy generator (`seed`, rewound by
    dlbook.gradcheck like dropout's); in eval mode z = mu. Every forward keeps `kl`, the batch mean of
    KL(q || N(0, I)). backward(dL/dz) returns dL/dh, kl_weight dKL/dh included (kl_weight = beta of a
    beta-VAE; 0 leaves only the reparameterization's gradient). The maths runs in NumPy on both backends
    (on torch it ends torch's own graph: train with model.backward, as the book does)."""
    cls = _LAYER_CLASSES.get(dl.name)
    if cls is None:
        cls = _LAYER_CLASSES[dl.name] = _reparameterize_class(dl)
    return cls(latent_dim, kl_weight=kl_weight, seed=seed)


def _reparameterize_class(dl):
    class Reparameterize(dl.Module):
        """z = mu + exp(logvar / 2) eps from h = [mu | logvar]; backward adds kl_weight dKL/dh (module vae)."""

        def __init__(self, latent_dim, *, kl_weight=1.0, seed=None):
            super().__init__()
            self.latent_dim, self.kl_weight = latent_dim, kl_weight
            self.generator = make_generator(seed)
            self.kl = None

        def forward(self, h):
            h = dl.to_numpy(h)
            if h.ndim != 2 or h.shape[1] != 2 * self.latent_dim:
                raise dl.ShapeError(f"{self.short_repr()} expected input of shape (N, {2 * self.latent_dim}) "
                                    f"= [mu | logvar], got {tuple(h.shape)}")
            self.mu, self.logvar = h[:, :self.latent_dim], h[:, self.latent_dim:]
            self.kl = float(gaussian_kl(self.mu, self.logvar))
            if self.training:
                self.eps = self.generator.standard_normal(self.mu.shape).astype(h.dtype)   # eps ~ N(0, I)
            else:
                self.eps = np.zeros_like(self.mu)                                           # z = mu
            return dl.asarray(reparameterize(self.mu, self.logvar, self.eps), dtype=h.dtype)

        def backward(self, grad_out):                                # grad_out = dL/dz: (N, latent_dim)
            grad_mu, grad_logvar = reparameterize_backward(dl.to_numpy(grad_out), self.logvar, self.eps)
            if self.kl_weight:
                kl_mu, kl_logvar = gaussian_kl_backward(self.mu, self.logvar)
                grad_mu = grad_mu + self.kl_weight * kl_mu           # + beta dKL/dmu
                grad_logvar = grad_logvar + self.kl_weight * kl_logvar   # + beta dKL/dlogvar
            grad_h = np.concatenate([grad_mu, grad_logvar], axis=1)     # dL/dh = [dL/dmu | dL/dlogvar]
            return dl.asarray(grad_h, dtype=self.mu.dtype)

        def extra_repr(self):
            return f"latent_dim={self.latent_dim}, kl_weight={self.kl_weight}"

        def short_repr(self):
            return f"Reparameterize({self.latent_dim})"

    return Reparameterize
