"""The generative models' explorers: the decoded digits of the VAE's latent space, the reverse process."""

import numpy as np

from dlbook.data import circle_centers
from dlbook.generative import distances
from dlbook.widgets import LatentSpaceExplorer, ReverseDiffusionExplorer
from dlbook.widgets.generative_models import DIFFUSION_STEPS, LATENT_VALUES


def test_every_latent_point_decodes_to_an_8x8_image_in_0_1():
    explorer = LatentSpaceExplorer()
    for z1 in LATENT_VALUES:
        for z2 in LATENT_VALUES:
            result = explorer.compute(z1, z2)
            assert result["image"].shape == (8, 8)
            assert result["image"].min() >= 0 and result["image"].max() <= 1
            assert 0 <= result["nearest_class"] <= 9


def test_different_latent_points_decode_to_different_digits():
    explorer = LatentSpaceExplorer()
    corners = [explorer.compute(z1, z2)["image"] for z1 in (-2.0, 2.0) for z2 in (-2.0, 2.0)]
    gaps = [np.abs(a - b).mean() for i, a in enumerate(corners) for b in corners[i + 1:]]
    assert min(gaps) > 0.02


def test_the_compute_is_deterministic():
    np.testing.assert_array_equal(LatentSpaceExplorer().compute(1.0, -1.0)["image"],
                                  LatentSpaceExplorer().compute(1.0, -1.0)["image"])


def test_the_reverse_process_starts_as_noise_and_ends_near_the_modes():
    explorer = ReverseDiffusionExplorer()
    start, end = (explorer.compute(t)["samples"] for t in (max(DIFFUSION_STEPS), 0))
    assert abs(start.std() - 1) < 0.1                                        # x_T ~ N(0, I)
    centers = circle_centers()
    assert distances.fraction_near_a_mode(end, centers, 0.05) > 3 * distances.fraction_near_a_mode(start, centers, 0.05)
    assert distances.mode_coverage(end, centers, 0.05, min_samples=5) >= 7           # 1000 training steps


def test_the_explorers_render_every_frame():
    assert LatentSpaceExplorer().png(z1=0.0, z2=0.0)[:4] == b"\x89PNG"
    assert all(ReverseDiffusionExplorer().png(t=t)[:4] == b"\x89PNG" for t in DIFFUSION_STEPS)
