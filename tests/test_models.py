"""dlbook.models: the MLPs and CNNs the chapters build, their layers, shapes and seeds on both backends."""

import numpy as np
import pytest

from dlbook import models


def kinds(model):
    return [type(layer).__name__ for layer in model]


def assert_same_state(dl_np, dl_torch, numpy_model, torch_model):
    numpy_state, torch_state = numpy_model.state_dict(), torch_model.state_dict()
    assert list(numpy_state) == list(torch_state)
    for name in numpy_state:
        np.testing.assert_array_equal(dl_np.to_numpy(numpy_state[name]), dl_torch.to_numpy(torch_state[name]))


def output_shape(dl, model, input_shape):
    with dl.no_grad():
        return tuple(model(dl.asarray(np.zeros(input_shape, np.float32))).shape)


# ---------------------------------------------------------------- MLPs


def test_mlp_puts_the_activation_between_linear_layers_and_none_after_the_last(dl):
    model = models.mlp(dl, (64, 32, 16, 10), "tanh")
    assert kinds(model) == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    assert [layer.out_features for layer in model if isinstance(layer, dl.Linear)] == [32, 16, 10]
    assert output_shape(dl, model, (5, 64)) == (5, 10)
    assert kinds(models.mlp(dl, (64, 10))) == ["Linear"]                 # softmax regression


def test_mlp_inserts_batch_norm_before_and_dropout_after_each_activation(dl):
    model = models.mlp(dl, (4, 8, 8, 3), "sigmoid", dropout=0.3, batch_norm=True)
    assert kinds(model) == ["Linear", "BatchNorm1d", "Sigmoid", "Dropout"] * 2 + ["Linear"]


def test_layer_i_of_an_mlp_draws_from_seed_plus_i(dl):
    model = models.mlp(dl, (6, 5, 4, 3), seed=10)
    for i, layer in enumerate(layer for layer in model if isinstance(layer, dl.Linear)):
        alone = dl.Linear(layer.in_features, layer.out_features, seed=10 + i)
        np.testing.assert_array_equal(dl.to_numpy(layer.weight.data), dl.to_numpy(alone.weight.data))


@pytest.mark.parametrize("init", models.INITS + (0.01,))
def test_every_builder_gives_the_same_initial_weights_on_both_backends(dl_np, dl_torch, init):
    build = lambda dl: models.mlp(dl, (8, 16, 16, 3), "relu", batch_norm=True, init=init, seed=4)  # noqa: E731
    assert_same_state(dl_np, dl_torch, build(dl_np), build(dl_torch))


@pytest.mark.parametrize("build", [
    lambda dl: models.digits_cnn(dl, seed=3),
    lambda dl: models.digits_cnn(dl, (8, 16), hidden=None),
    lambda dl: models.mnist_cnn(dl),
    lambda dl: models.residual_network(dl, 10, 8, 2, 3, seed=5),
    lambda dl: models.binary_classifier(dl, 9),
], ids=["digits_cnn", "small digits_cnn", "mnist_cnn", "residual_network", "binary_classifier"])
def test_the_cnns_and_residual_networks_start_alike_on_both_backends(dl_np, dl_torch, build):
    assert_same_state(dl_np, dl_torch, build(dl_np), build(dl_torch))


def test_the_same_seed_gives_the_same_dropout_masks(dl):
    x = dl.asarray(np.ones((16, 4), np.float32))
    outputs = [dl.to_numpy(models.mlp(dl, (4, 32, 2), dropout=0.5, seed=2)(x)) for _ in range(2)]
    np.testing.assert_array_equal(*outputs)


def test_inits_set_the_weight_variance_and_zero_the_bias(dl_np):
    n = 400
    for init, variance in (("kaiming", 2 / n), ("xavier", 2 / (2 * n)), (0.1, 0.01)):
        layer = models.linear(dl_np, n, n, init, seed=0)
        assert np.var(layer.weight.data) == pytest.approx(variance, rel=0.05), init
        assert not layer.bias.data.any()
    zero = models.linear(dl_np, 3, 2, "zeros")
    assert not zero.weight.data.any() and not zero.bias.data.any()


def test_unknown_activations_inits_and_sizes_are_refused(dl_np):
    with pytest.raises(ValueError, match="unknown activation"):
        models.mlp(dl_np, (4, 8, 3), "swish")
    with pytest.raises(ValueError, match="unknown init"):
        models.mlp(dl_np, (4, 8, 3), init="orthogonal")
    with pytest.raises(ValueError, match="at least an input and an output"):
        models.mlp(dl_np, (4,))


def test_the_binary_classifier_is_64_64_1_relu_with_one_logit(dl):
    model = models.binary_classifier(dl, 9)
    assert kinds(model) == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert output_shape(dl, model, (7, 9)) == (7, 1)


# ---------------------------------------------------------------- CNNs


def test_the_books_digits_cnn_has_the_shapes_and_parameters_of_chapter_8(dl):
    model = models.digits_cnn(dl)
    assert kinds(model) == ["Conv2d", "ReLU", "MaxPool2d"] * 2 + ["Flatten", "Linear", "ReLU", "Linear"]
    assert sum(int(np.prod(p.shape)) for p in model.parameters()) == 320 + 18_496 + 32_896 + 1_290
    assert output_shape(dl, model[:7], (2, 1, 8, 8)) == (2, 256)
    assert output_shape(dl, model, (2, 1, 8, 8)) == (2, 10)


def test_a_digits_cnn_without_a_hidden_layer_goes_from_flatten_to_the_logits(dl):
    model = models.digits_cnn(dl, channels=(4,), hidden=None)
    assert kinds(model) == ["Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear"]
    assert model[-1].in_features == 4 * 4 * 4 and output_shape(dl, model, (3, 1, 8, 8)) == (3, 10)


def test_the_mnist_cnn_flattens_576_features_for_28x28_and_1024_for_cifar(dl):
    model = models.mnist_cnn(dl)
    assert output_shape(dl, model[:9], (1, 1, 28, 28)) == (1, 576)
    assert output_shape(dl, model, (2, 1, 28, 28)) == (2, 10)
    cifar = models.mnist_cnn(dl, in_channels=3, image_size=32)
    assert cifar[-3].in_features == 1024 and output_shape(dl, cifar, (2, 3, 32, 32)) == (2, 10)


# ---------------------------------------------------------------- plain and residual networks


def test_the_plain_network_is_he_initialized_linear_relu_layers_with_a_linear_output(dl):
    model = models.plain_network(dl, 3, 8, 2, 3, seed=1)
    assert kinds(model) == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    np.testing.assert_array_equal(dl.to_numpy(model[2].weight.data),
                                  dl.to_numpy(models.linear(dl, 8, 8, "kaiming", seed=2).weight.data))


def test_a_residual_network_starts_as_the_two_layer_network_of_its_first_and_last_layer(dl):
    model = models.residual_network(dl, depth=30, width=16, in_features=2, out_features=3, seed=7)
    shallow = dl.Sequential(model[0], dl.ReLU(), model[-1])         # every block is the identity at step 0
    x = dl.asarray(np.random.default_rng(0).standard_normal((64, 2)))
    np.testing.assert_array_equal(dl.to_numpy(model(x)), dl.to_numpy(shallow(x)))


def test_every_residual_block_ends_with_a_zero_layer(dl):
    blocks = [layer for layer in models.residual_network(dl, 10, 8, 2, 3) if isinstance(layer, dl.Residual)]
    assert len(blocks) == 4
    for block in blocks:
        assert not dl.to_numpy(block.block[-1].weight.data).any() and not dl.to_numpy(block.block[-1].bias.data).any()
        assert dl.to_numpy(block.block[1].weight.data).any()


def test_depths_that_do_not_fit_are_refused(dl):
    with pytest.raises(ValueError, match="even number"):
        models.residual_network(dl, 5, 8, 2, 3)
    with pytest.raises(ValueError, match=">= 2"):
        models.plain_network(dl, 1, 8, 2, 3)
