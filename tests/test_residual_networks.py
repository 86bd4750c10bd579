"""dlbook.experiments.residual_networks: plain and residual networks of equal depth, and the degradation of deep
plain ones."""

import numpy as np
import pytest

import dlbook.data
from dlbook.experiments.residual_networks import compare_training, count_linear_layers, plain_network, residual_network


def test_plain_and_residual_networks_have_depth_linear_layers(dl):
    for depth in (2, 4, 30):
        assert count_linear_layers(dl, plain_network(dl, depth, 8, 2, 3)) == depth
        assert count_linear_layers(dl, residual_network(dl, depth, 8, 2, 3)) == depth


def test_the_plain_network_is_linear_relu_layers_with_a_linear_output(dl):
    kinds = [type(layer).__name__ for layer in plain_network(dl, 3, 8, 2, 3)]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]


def test_a_residual_network_starts_as_the_two_layer_network_of_its_first_and_last_layer(dl):
    model = residual_network(dl, depth=30, width=16, in_features=2, out_features=3, seed=7)
    shallow = dl.Sequential(model[0], dl.ReLU(), model[-1])         # every block is the identity at step 0
    x = dl.asarray(np.random.default_rng(0).standard_normal((64, 2)))
    np.testing.assert_array_equal(dl.to_numpy(model(x)), dl.to_numpy(shallow(x)))


def test_every_residual_block_ends_with_a_zero_layer(dl):
    blocks = [layer for layer in residual_network(dl, 10, 8, 2, 3) if isinstance(layer, dl.Residual)]
    assert len(blocks) == 4
    for block in blocks:
        assert not dl.to_numpy(block.block[-1].weight.data).any() and not dl.to_numpy(block.block[-1].bias.data).any()
        assert dl.to_numpy(block.block[1].weight.data).any()


def test_depths_that_do_not_fit_are_refused(dl):
    with pytest.raises(ValueError, match="even number"):
        residual_network(dl, 5, 8, 2, 3)
    with pytest.raises(ValueError, match=">= 2"):
        plain_network(dl, 1, 8, 2, 3)


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
    builders = {"plain 3": lambda seed: plain_network(dl, 3, 16, 2, 3, seed),
                "plain 30": lambda seed: plain_network(dl, 30, 16, 2, 3, seed),
                "residual 30": lambda seed: residual_network(dl, 30, 16, 2, 3, seed)}
    losses = compare_training(dl, builders, X, y, epochs=30, lr=0.01, seeds=(0, 1000, 2000), progress=False)
    final = {name: loss[:, -1] for name, loss in losses.items()}
    assert (final["plain 30"] > 1.2 * final["plain 3"]).all(), final
    assert (final["residual 30"] < 0.7 * final["plain 3"]).all(), final


def test_no_learning_rate_lets_the_deep_plain_network_catch_up(dl_np):
    # Section 10.5 with FULL=1: each network at its best of three learning rates. Seed 0, measured:
    # plain 3 layers 0.15 (at lr 0.03), plain 30 layers 0.80 (at 0.03), residual 30 layers 0.08 (at 0.01).
    dl = dl_np
    X, y = dlbook.data.spirals(n_per_class=100, noise=0.2, seed=0)
    builders = {"plain 3": lambda seed: plain_network(dl, 3, 16, 2, 3, seed),
                "plain 30": lambda seed: plain_network(dl, 30, 16, 2, 3, seed),
                "residual 30": lambda seed: residual_network(dl, 30, 16, 2, 3, seed)}
    runs = [compare_training(dl, builders, X, y, epochs=30, lr=lr, progress=False) for lr in (0.003, 0.01, 0.03)]
    best = {name: min(losses[name][0, -1] for losses in runs) for name in builders}
    assert best["plain 30"] > 2 * best["plain 3"], best
    assert best["residual 30"] < best["plain 3"], best
