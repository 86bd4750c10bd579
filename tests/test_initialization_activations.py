"""dlbook.experiments.initialization: the variance of every layer's pre-activations under naive, Xavier and He
initialization."""

import numpy as np
import pytest

from dlbook.experiments.initialization import activation_variances_by_layer, deep_mlp, pre_activations_by_layer

SEEDS = [0, 1000, 2000]          # layer i draws from seed + i: seeds 1000 apart share no weight matrix


def test_one_variance_per_linear_layer_as_float64(dl):
    variances = activation_variances_by_layer(dl, depth=4, width=8, activation="tanh", init="xavier", seed=0)
    assert variances.shape == (4,) and variances.dtype == np.float64 and (variances > 0).all()


def test_a_shallower_network_sees_the_first_pre_activations_of_a_deeper_one(dl):
    shallow = pre_activations_by_layer(dl, depth=3, width=8, activation="relu", init="kaiming", seed=5)
    deep = pre_activations_by_layer(dl, depth=6, width=8, activation="relu", init="kaiming", seed=5)
    for z_shallow, z_deep in zip(shallow, deep[:3]):
        np.testing.assert_array_equal(z_shallow, z_deep)


def test_the_first_layer_has_variance_fan_in_times_var_w_times_var_x(dl):
    # Var(z_1) = fan_in Var(W) Var(x) with Var(x) = 1: 2 for He, 1 for Xavier (square layers), 256 * 1e-4 for
    # N(0, 0.01^2); 65536 samples per layer: ~2% sampling error
    expected = {"kaiming": 2.0, "xavier": 1.0, "naive_small": 256 * 1e-4, "naive_large": 256.0}
    for init, variance in expected.items():
        measured = activation_variances_by_layer(dl, depth=1, width=256, activation="relu", init=init, seed=0)
        assert measured[0] == pytest.approx(variance, rel=0.1), init


def test_naive_inits_draw_normal_weights_of_the_stated_std(dl):
    for init, std in {"naive_small": 0.01, "naive_large": 1.0}.items():
        weight = dl.to_numpy(deep_mlp(dl, depth=1, width=256, init=init, seed=0)[0].weight.data)
        assert weight.std() == pytest.approx(std, rel=0.02)


# The chapter's claims, width 256, depth 30, margins from measurement (seeds 0, 1000, ..., 9000):
# ReLU + He: Var(z_l) / Var(z_1) in [0.40, 2.3]; tanh + Xavier: 2 l Var(z_l) at l = 30 in [0.92, 1.08];
# naive small: Var(z_30) / Var(x) ~ 1e-57 (ReLU), 1e-48 (tanh); naive large with ReLU ~ 1e63; ReLU + Xavier ~ 1e-9.
@pytest.mark.parametrize("seed", SEEDS)
def test_relu_with_he_init_keeps_the_variance_within_a_factor_three_of_the_first_layer(dl, seed):
    variances = activation_variances_by_layer(dl, depth=30, width=256, activation="relu", init="kaiming", seed=seed)
    ratio = variances / variances[0]
    assert 1 / 3 < ratio.min() and ratio.max() < 3, ratio


def test_tanh_with_xavier_init_decays_slowly_like_one_over_two_l(dl):
    variances = activation_variances_by_layer(dl, depth=30, width=256, activation="tanh", init="xavier", seed=0)
    assert 0.7 < 2 * 30 * variances[-1] < 1.4, variances[-1]     # Var(z_l) ~ 1 / (2 l): not geometric


def test_naive_small_init_collapses_and_naive_large_init_explodes_the_signal(dl):
    for activation in ("tanh", "relu"):
        small = activation_variances_by_layer(dl, depth=30, width=256, activation=activation, init="naive_small")
        assert small[-1] < 1e-40, small[-1]
    large = activation_variances_by_layer(dl, depth=30, width=256, activation="relu", init="naive_large")
    assert large[-1] > 1e50, large[-1]


def test_xavier_init_is_too_small_for_relu(dl):
    variances = activation_variances_by_layer(dl, depth=30, width=256, activation="relu", init="xavier", seed=0)
    assert variances[-1] < 1e-6, variances[-1]                    # halved by ReLU every layer: 2^-29 ~ 2e-9


def test_both_backends_give_the_same_variances(dl_np, dl_torch):
    args = dict(depth=6, width=16, activation="tanh", init="naive_large", seed=3)
    np.testing.assert_allclose(activation_variances_by_layer(dl_np, **args),
                               activation_variances_by_layer(dl_torch, **args), rtol=1e-5)   # float32 on both
