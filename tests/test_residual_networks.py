"""dlbook.experiments.residual_networks: plain and residual networks of equal depth, and the degradation of deep
plain ones."""

import numpy as np

import dlbook.data
from dlbook.experiments.residual_networks import compare_training, count_linear_layers, depth_comparison
from dlbook.models import plain_network, residual_network


def test_plain_and_residual_networks_have_depth_linear_layers(dl):
    for depth in (2, 4, 30):
        assert count_linear_layers(plain_network(dl, depth, 8, 2, 3)) == depth
        assert count_linear_layers(residual_network(dl, depth, 8, 2, 3)) == depth










def test_compare_training_returns_one_loss_per_seed_and_epoch(dl):
    X, y = dlbook.data.spirals(n_per_class=20, seed=0)
    builders = {"plain": lambda seed: plain_network(dl, 3, 8, 2, 3, seed)}
    losses = compare_training(dl, builders, X, y, epochs=3, lr=0.01, seeds=(0, 100), progress=False)
    assert losses["plain"].shape == (2, 3) and np.isfinite(losses["plain"]).all()


def test_a_deep_plain_network_trains_worse_and_a_deep_residual_one_better_than_a_shallow_one(dl_np):
    # The chapter's claim (section 10.4), margins from measurement over seeds 0, 1000, ..., 9000 on both backends:
    # loss after 30 epochs, plain 3 layers 0.30-0.40, plain 30 layers 0.49-1.7, residual 30 layers 0.05-0.23.
    dl = dl_np
    X, y = dlbook.data.spirals(n_per_class=100, noise=0.2, seed=0)
    builders = depth_comparison(dl, width=16)
    losses = compare_training(dl, builders, X, y, epochs=30, lr=0.01, seeds=(0, 1000, 2000), progress=False)
    plain_3, plain_30, residual_30 = (loss[:, -1] for loss in losses.values())
    assert (plain_30 > 1.2 * plain_3).all(), losses
    assert (residual_30 < 0.7 * plain_3).all(), losses


def test_no_learning_rate_lets_the_deep_plain_network_catch_up(dl_np):
    # Section 10.5 with FULL=1: each network at its best of three learning rates. Seed 0, measured:
    # plain 3 layers 0.15 (at lr 0.03), plain 30 layers 0.80 (at 0.03), residual 30 layers 0.08 (at 0.01).
    dl = dl_np
    X, y = dlbook.data.spirals(n_per_class=100, noise=0.2, seed=0)
    builders = depth_comparison(dl, width=16)
    runs = [compare_training(dl, builders, X, y, epochs=30, lr=lr, progress=False) for lr in (0.003, 0.01, 0.03)]
    best = {name: min(losses[name][0, -1] for losses in runs) for name in builders}
    plain_3, plain_30, residual_30 = best.values()
    assert plain_30 > 2 * plain_3 and residual_30 < plain_3, best
