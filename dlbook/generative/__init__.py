"""The maths of generative models, written once for both backends (NumPy arrays in and out; a function
given a model reads its backend with dlbook.backend_of). One concept per module:

  vae          the reparameterization trick z = mu + sigma eps and the Gaussian KL term, each with its
               gradient written out; a Reparameterize layer that plugs both into model.backward
  gan          one GAN training step: the discriminator, then the generator (non-saturating loss)
  diffusion    DDPM (Ho et al., 2020): the linear beta schedule, closed-form noising, the noise-prediction
               loss and ancestral sampling
  distances    how close generated samples are to the data: MMD with an RBF kernel, modes covered

Nothing here loads a backend at import time.
"""

from . import diffusion, distances, gan, vae

__all__ = ["diffusion", "distances", "gan", "vae"]
