"""The generative models' explorers, drawn from dlbook.experiments.generative_models on the NumPy reference
(never torch):

  LatentSpaceExplorer        a point (z1, z2) of a VAE's 2-D latent space -> the digit its decoder makes,
                             beside the map of where the encoder puts the test digits of each class;
  ReverseDiffusionExplorer   a step t of the reverse process -> the samples x_t of a DDPM on eight Gaussians,
                             from pure noise (t = T) to the samples (t = 0).

Each trains its model once per process (seeded, cached: about a second on the reference) and then only
decodes or looks up: the same sliders give the same picture.
"""

from functools import lru_cache

import numpy as np

from .. import numpy as reference
from ..data import circle_centers, gaussian_mixture_circle, load_digits, train_test_split
from ..experiments.generative_models import (
    decode,
    latent_means,
    reverse_trajectory,
    short_schedule,
    train_diffusion,
    train_vae,
)
from ..generative.diffusion import noise_predictor
from .explorer import Explorer

LATENT_VALUES = [-2.0, -1.0, 0.0, 1.0, 2.0]                 # within 2 sigma of the prior N(0, I)
DIFFUSION_STEPS = [200, 150, 100, 60, 30, 10, 0]           # t of x_t shown, T = 200 down to 0
N_DIFFUSION_SAMPLES = 500
DIFFUSION_TRAINING_STEPS = 1000                            # the chapter trains 1500: a looser ring, 1/3 faster


@lru_cache(maxsize=1)
def trained_vae():
    """(model, test means mu (N, 2), test labels) of the chapter's 2-D VAE on the digits, trained once with
    the NumPy reference (train_vae's defaults, seed 0)."""
    X, y = load_digits()
    split = train_test_split(X, y, test_fraction=0.2, seed=0)
    model, _ = train_vae(reference, split.X_train)
    return model, latent_means(model, split.X_test), split.Y_test


@lru_cache(maxsize=1)
def reverse_process():
    """{t: samples x_t (500, 2)} for t in DIFFUSION_STEPS: one reverse run (seed 1) of a DDPM noise predictor
    trained once (1000 steps) with the NumPy reference on 2000 samples of the eight-Gaussian mixture."""
    X, _ = gaussian_mixture_circle(n=2000, seed=0)
    model, schedule, _ = train_diffusion(reference, X, n_steps=DIFFUSION_TRAINING_STEPS,
                                         schedule=short_schedule(max(DIFFUSION_STEPS)), progress=False)
    return reverse_trajectory(noise_predictor(model, schedule), schedule, (N_DIFFUSION_SAMPLES, 2),
                              set(DIFFUSION_STEPS), seed=1)


class LatentSpaceExplorer(Explorer):
    """Move a point through a VAE's 2-D latent space; see the digit the decoder makes of it."""

    TITLE = "Decoding a VAE's latent space"
    GRID = {"z1": LATENT_VALUES, "z2": LATENT_VALUES}
    LABELS = {"z1": "latent z1", "z2": "latent z2"}
    DEFAULTS = {"z1": 0.0, "z2": 0.0}
    FIGSIZE = (6.4, 3.0)

    def compute(self, z1, z2):
        """{'image': (8, 8) decoded pixels in [0, 1]; 'means': (N, 2) latent means of the test digits;
        'labels': (N,) their classes; 'nearest_class': the class of the test digit whose mean lies nearest}."""
        model, means, labels = trained_vae()
        image = decode(model, np.array([[z1, z2]]))[0].reshape(8, 8)
        nearest = int(labels[np.argmin(((means - [z1, z2]) ** 2).sum(axis=1))])
        return {"image": image, "means": means, "labels": labels, "nearest_class": nearest}

    def render(self, result, z1, z2):
        figure, (latent, digit) = self.new_figure(ncols=2)
        figure.subplots_adjust(left=0.09, right=0.97, bottom=0.16, top=0.86, wspace=0.25)
        means, labels = result["means"], result["labels"]
        latent.scatter(*means.T, c=labels, cmap="tab10", vmin=-0.5, vmax=9.5, s=4)
        for digit_class in range(10):                                # each class's label at its centre
            latent.text(*np.median(means[labels == digit_class], axis=0), str(digit_class), fontsize=9,
                        fontweight="bold", ha="center", va="center")
        latent.plot([z1], [z2], "k+", markersize=14, markeredgewidth=2)
        latent.set(xlim=(-3, 3), ylim=(-3, 3), xticks=[-2, 0, 2], yticks=[-2, 0, 2], xlabel="z1", ylabel="z2",
                   aspect="equal",
                   title="test digits' means mu(x), by class (labels: medians)")
        digit.imshow(result["image"], cmap="gray_r", vmin=0, vmax=1)
        digit.set(xticks=[], yticks=[], title=f"decoded z = ({z1:g}, {z2:g})\nnearest test digit: a "
                                              f"{result['nearest_class']}")
        return figure


class ReverseDiffusionExplorer(Explorer):
    """Move the step t of the reverse process; watch noise become eight Gaussians."""

    TITLE = "The reverse diffusion process, step by step"
    GRID = {"t": DIFFUSION_STEPS}
    LABELS = {"t": "step t (T = 200: pure noise)"}
    DEFAULTS = {"t": 200}
    FIGSIZE = (4.4, 3.6)

    def compute(self, t):
        """{'samples': (500, 2) x_t; 'centers': (8, 2) the modes of the data}."""
        return {"samples": reverse_process()[t], "centers": circle_centers()}

    def render(self, result, t):
        figure, axes = self.new_figure()
        figure.subplots_adjust(left=0.16, right=0.96, bottom=0.14, top=0.9)
        axes.scatter(*result["samples"].T, s=3, alpha=0.5, color="tab:blue", label="samples x_t")
        axes.scatter(*result["centers"].T, marker="x", color="tab:red", s=30, label="data modes")
        axes.set(xlim=(-4, 4), ylim=(-4, 4), aspect="equal", xlabel="x1", ylabel="x2",
                 title=f"x_t at t = {t}" + (" (pure noise)" if t == max(DIFFUSION_STEPS) else ""))
        axes.legend(loc="upper right", fontsize=8, frameon=False)
        return figure
