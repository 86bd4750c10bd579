"""dlbook.experiments.residual_networks: plain and residual networks of equal depth, and the degradation of deep
plain ones."""

import numpy as np

import dlbook.data
import dlbook.train
from dlbook.experiments.residual_networks import compare_training, count_linear_layers, depth_comparison, shapes_through
from dlbook.models import plain_network, residual_cnn, residual_conv_block, residual_network


def test_plain_and_residual_networks_have_depth_linear_layers(dl):
    for depth in (2, 4, 30):
        assert count_linear_layers(plain_network(dl, depth, 8, 2, 3)) == depth
        assert count_linear_layers(residual_network(dl, depth, 8, 2, 3)) == depth


def test_compare_training_returns_one_loss_per_seed_and_epoch(dl):
    X, y = dlbook.data.spirals(n_per_class=20, seed=0)
    builders = {"plain": lambda seed: plain_network(dl, 3, 8, 2, 3, seed)}
    losses = compare_training(dl, builders, X, y, epochs=3, lr=0.01, seeds=(0, 100), progress=False)
    assert losses["plain"].shape == (2, 3) and np.isfinite(losses["plain"]).all()


def test_with_batch_norm_a_deep_plain_network_trains_worse_and_a_deep_residual_one_as_well_as_a_shallow_one(dl_np):
    # The chapter's degradation claim (section "Degradation, reproduced"), at its settings, for three seeds.
    # Measured (NumPy and torch alike to 2 decimals): after 10 epochs, plain 6 layers 0.21, 0.19, 0.24;
    # plain 30 layers 0.81-0.94; residual 30 layers 0.10-0.28.
    dl = dl_np
    X, y = dlbook.data.spirals(n_per_class=100, noise=0.2, seed=0)
    builders = depth_comparison(dl, width=16, shallow=6, batch_norm=True)
    losses = compare_training(dl, builders, X, y, epochs=10, lr=0.1, batch_size=64, seeds=(0, 1000, 2000),
                              progress=False)
    plain_6, plain_30, residual_30 = (loss[:, -1] for loss in losses.values())
    assert (plain_30 > 2 * plain_6).all(), losses
    assert (residual_30 < 1.5 * plain_6).all() and (residual_30 < plain_30 / 2).all(), losses


def test_with_batch_norm_no_learning_rate_lets_the_deep_plain_network_catch_up(dl_np):
    # The chapter's FULL=1 cell: each network at its best of three learning rates, 30 epochs (seed 0 here).
    dl = dl_np
    X, y = dlbook.data.spirals(n_per_class=100, noise=0.2, seed=0)
    builders = depth_comparison(dl, width=16, shallow=6, batch_norm=True)
    runs = [compare_training(dl, builders, X, y, epochs=30, lr=lr, batch_size=64, progress=False)
            for lr in (0.01, 0.05, 0.1)]
    best = {name: min(losses[name][0, -1] for losses in runs) for name in builders}
    plain_6, plain_30, residual_30 = best.values()
    assert plain_30 > 2 * plain_6 and residual_30 < plain_30 / 2, best


def test_batch_norm_networks_keep_their_linear_layer_count_and_residual_blocks_start_as_the_identity(dl):
    plain = plain_network(dl, 6, 8, 2, 3, batch_norm=True)
    residual = residual_network(dl, 10, 8, 2, 3, batch_norm=True)
    assert count_linear_layers(plain) == 6 and count_linear_layers(residual) == 10
    assert sum(isinstance(layer, dl.BatchNorm1d) for layer in plain) == 5
    x = dl.asarray(np.random.default_rng(0).standard_normal((16, 8)).astype(np.float32))
    for block in (layer for layer in residual if isinstance(layer, dl.Residual)):
        assert np.array_equal(dl.to_numpy(block(x)), dl.to_numpy(x))


def test_the_convolutional_resnet_keeps_the_shape_through_its_blocks_and_they_start_as_the_identity(dl):
    model = residual_cnn(dl, channels=4, n_blocks=2, seed=0)
    x = dl.asarray(np.random.default_rng(0).standard_normal((3, 1, 8, 8)).astype(np.float32))
    shapes = shapes_through(model, x)
    assert shapes[0] == ("input", (3, 1, 8, 8)) and shapes[-1] == ("Linear", (3, 10))
    assert [shape for name, shape in shapes if name == "Residual(block)"] == [(3, 4, 4, 4)] * 2
    block = residual_conv_block(dl, 4, seed=0)
    h = dl.asarray(np.random.default_rng(1).standard_normal((2, 4, 5, 5)).astype(np.float32))
    assert np.array_equal(dl.to_numpy(block(h)), dl.to_numpy(h))          # gamma of the last BN is 0


def test_the_convolutional_resnet_learns_the_digits(dl_np):
    # The chapter's run: three epochs of Adam; measured training loss 1.82 -> 0.12 (NumPy).
    dl = dl_np
    X, y = dlbook.data.load_digits()
    model = residual_cnn(dl, channels=16, n_blocks=2, seed=0)
    history = dlbook.train.fit(model, dl.CrossEntropyLoss(), dl.Adam(model.parameters(), lr=0.01),
                               X.reshape(-1, 1, 8, 8), y, epochs=3, batch_size=64, seed=0, progress=False)
    assert history.train_loss[-1] < history.train_loss[0] / 3, history.train_loss
