"""Module bookkeeping on both backends, with torch.nn as the oracle: names, state, modes,
gradients, Sequential, Dropout and BatchNorm1d in their two modes, casting. (Every layer's repr
against torch's: test_reprs.py.)"""

import numpy as np
import pytest

try:                 # the tests that use torch ask for the `torch` fixture, which skips them without it
    import torch
except ImportError:
    torch = None


def nested_model(dl):
    """Linear-BatchNorm1d-ReLU, then a nested Linear-Dropout block: every kind of bookkeeping."""
    return dl.Sequential(
        dl.Linear(4, 8, seed=0), dl.BatchNorm1d(8), dl.ReLU(),
        dl.Sequential(dl.Linear(8, 3, seed=1), dl.Dropout(0.5, seed=2)),
    )


def torch_nested_model():
    nn = torch.nn
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Sequential(nn.Linear(8, 3), nn.Dropout(0.5)))


def shapes(state):
    return [(name, tuple(value.shape)) for name, value in state.items()]


def random_input(dl, *shape, seed=0):
    return dl.asarray(np.random.default_rng(seed).normal(size=shape))


# --- names, parameters, state ---------------------------------------------------------------------


def test_named_parameters_of_a_nested_sequential_match_torch_nn_in_names_and_order(dl, torch):
    ours = [(name, tuple(param.shape)) for name, param in nested_model(dl).named_parameters()]
    assert ours == [(name, tuple(param.shape)) for name, param in torch_nested_model().named_parameters()]


def test_parameters_counts_every_learnable_array_once(dl):
    assert len(list(nested_model(dl).parameters())) == 6       # 2 Linear x (weight, bias) + BatchNorm (gamma, beta)


def test_a_layer_without_bias_has_only_a_weight(dl):
    assert [name for name, _ in dl.Linear(3, 2, bias=False, seed=0).named_parameters()] == ["weight"]


@pytest.mark.parametrize("make, make_torch", [
    (lambda dl: dl.Linear(5, 3, seed=0), lambda: torch.nn.Linear(5, 3)),
    (lambda dl: dl.BatchNorm1d(6), lambda: torch.nn.BatchNorm1d(6)),
    (nested_model, torch_nested_model),
], ids=["Linear", "BatchNorm1d", "Sequential"])
def test_state_dict_keys_and_shapes_match_torch_nn(dl, torch, make, make_torch):
    assert shapes(make(dl).state_dict()) == shapes(make_torch().state_dict())


def test_a_numpy_state_dict_loads_into_a_plain_torch_nn_model(dl_np, torch):
    model = nested_model(dl_np)
    twin = torch_nested_model()
    twin.load_state_dict({name: torch.as_tensor(value) for name, value in model.state_dict().items()})
    np.testing.assert_array_equal(twin[3][0].weight.detach().numpy(), model[3][0].weight.data)


def test_load_state_dict_round_trips_between_two_models(dl):
    source, target = nested_model(dl), nested_model(dl)
    source[1].running_mean[:] = 0.25                 # a buffer too, not only the parameters
    for param in source.parameters():
        param.data[...] = 0.5
    target.load_state_dict({name: dl.to_numpy(value).copy() for name, value in source.state_dict().items()})
    for (name, ours), (_, theirs) in zip(target.state_dict().items(), source.state_dict().items(), strict=True):
        np.testing.assert_array_equal(dl.to_numpy(ours), dl.to_numpy(theirs), err_msg=name)


def test_load_state_dict_copies_into_the_existing_arrays(dl):
    layer = dl.Linear(3, 2, seed=0)
    weight_before = layer.weight
    layer.load_state_dict({"weight": np.ones((2, 3)), "bias": np.zeros(2)})
    assert layer.weight is weight_before
    np.testing.assert_array_equal(dl.to_numpy(layer.weight), np.ones((2, 3)))


def test_strict_load_state_dict_raises_on_a_missing_key(dl):
    layer = dl.Linear(3, 2, seed=0)
    with pytest.raises(RuntimeError, match=r"(?i)missing key.*bias"):
        layer.load_state_dict({"weight": np.zeros((2, 3))})


def test_strict_load_state_dict_raises_on_an_unexpected_key(dl):
    layer = dl.Linear(3, 2, seed=0)
    with pytest.raises(RuntimeError, match=r"(?i)unexpected key.*extra"):
        layer.load_state_dict({"weight": np.zeros((2, 3)), "bias": np.zeros(2), "extra": np.zeros(1)})


def test_non_strict_load_state_dict_reports_the_missing_and_unexpected_keys(dl):
    layer = dl.Linear(3, 2, seed=0)
    result = layer.load_state_dict({"weight": np.zeros((2, 3)), "extra": np.zeros(1)}, strict=False)
    assert (list(result.missing_keys), list(result.unexpected_keys)) == (["bias"], ["extra"])


def test_load_state_dict_raises_on_a_shape_mismatch_naming_the_key(dl):
    layer = dl.Linear(3, 2, seed=0)
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        layer.load_state_dict({"weight": np.zeros((2, 4)), "bias": np.zeros(2)})


# --- modes and gradients --------------------------------------------------------------------------


def test_a_new_model_is_in_training_mode(dl):
    assert all(module.training for module in nested_model(dl).modules())


def test_eval_and_train_propagate_to_every_child(dl):
    model = nested_model(dl)
    assert model.eval() is model
    assert not any(module.training for module in model.modules())
    model.train()
    assert all(module.training for module in model.modules())


def test_train_false_is_eval(dl):
    model = nested_model(dl).train(False)
    assert not model[3][1].training


def test_zero_grad_sets_gradients_to_none(dl):
    layer = dl.Linear(3, 2, seed=0)
    layer(random_input(dl, 4, 3))
    layer.backward(dl.asarray(np.ones((4, 2))))
    assert layer.weight.grad is not None
    layer.zero_grad()
    assert layer.weight.grad is None and layer.bias.grad is None


def test_gradients_accumulate_across_two_backward_calls_as_torch(dl, torch):
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    dy = np.random.default_rng(1).normal(size=(5, 2)).astype(np.float32)
    layer = dl.Linear(3, 2, seed=0)
    twin = torch.nn.Linear(3, 2)
    twin.load_state_dict({name: torch.as_tensor(dl.to_numpy(value)) for name, value in layer.state_dict().items()})
    for _ in range(2):
        layer(dl.asarray(x))
        layer.backward(dl.asarray(dy))
        (twin(torch.as_tensor(x)) * torch.as_tensor(dy)).sum().backward()
    # float32 sums of 5 products, accumulated twice: rounding ~1e-6
    np.testing.assert_allclose(dl.to_numpy(layer.weight.grad), twin.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dl.to_numpy(layer.bias.grad), twin.bias.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_sequential_backward_returns_the_input_gradient_and_fills_every_grad(dl):
    model = dl.Sequential(dl.Linear(4, 8, seed=0), dl.ReLU(), dl.Linear(8, 3, seed=1))
    x = random_input(dl, 6, 4)
    grad_in = model.backward(dl.asarray(np.ones(tuple(model(x).shape))))
    assert tuple(grad_in.shape) == (6, 4)
    assert all(param.grad is not None for param in model.parameters())


# --- Sequential, Parameter ------------------------------------------------------------------


def test_sequential_indexing_gives_the_modules_in_order(dl):
    first, second = dl.Linear(2, 3, seed=0), dl.ReLU()
    model = dl.Sequential(first, second)
    assert model[0] is first and model[1] is second and model[-1] is second


def test_sequential_len_and_iter_follow_the_order_of_construction(dl):
    layers = [dl.Linear(2, 3, seed=0), dl.ReLU(), dl.Linear(3, 1, seed=1)]
    model = dl.Sequential(*layers)
    assert len(model) == 3
    assert all(ours is given for ours, given in zip(model, layers, strict=True))


def test_sequential_slicing_gives_a_sequential_of_the_same_modules(dl):
    layers = [dl.Linear(2, 3, seed=0), dl.ReLU(), dl.Linear(3, 1, seed=1)]
    part = dl.Sequential(*layers)[1:]
    assert isinstance(part, dl.Sequential)
    assert list(part) == layers[1:]


def test_sequential_append_adds_the_next_numbered_child(dl):
    model = dl.Sequential(dl.Linear(2, 3, seed=0))
    model.append(dl.Linear(3, 1, seed=1))
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_a_parameter_has_data_and_a_grad_that_starts_as_none(dl):
    weight = dl.Linear(3, 2, seed=0).weight
    assert tuple(weight.data.shape) == (2, 3)
    assert weight.grad is None


def test_a_parameter_grad_has_the_shape_of_its_data(dl):
    layer = dl.Linear(3, 2, seed=0)
    layer(random_input(dl, 4, 3))
    layer.backward(dl.asarray(np.ones((4, 2))))
    assert tuple(layer.weight.grad.shape) == tuple(layer.weight.data.shape)


# --- Dropout --------------------------------------------------------------------------------------


def test_dropout_in_eval_mode_is_the_identity(dl):
    x = random_input(dl, 50, 20)
    np.testing.assert_array_equal(dl.to_numpy(dl.Dropout(0.5, seed=0).eval()(x)), dl.to_numpy(x))


def test_dropout_in_training_zeroes_about_p_of_the_elements(dl):
    y = dl.to_numpy(dl.Dropout(0.3, seed=0)(dl.asarray(np.ones((200, 500)))))
    # 100 000 Bernoulli(0.3) draws: standard deviation of the fraction 0.0014, so 0.01 is 7 sigma
    assert abs(np.mean(y == 0) - 0.3) < 0.01


def test_dropout_in_training_scales_the_kept_elements_by_one_over_one_minus_p(dl):
    x = np.random.default_rng(0).uniform(1, 2, size=(100, 50)).astype(np.float32)
    y = dl.to_numpy(dl.Dropout(0.25, seed=0)(dl.asarray(x)))
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / 0.75, rtol=1e-6)     # float32 division


def test_dropout_backward_uses_the_forward_mask(dl):
    dropout = dl.Dropout(0.5, seed=0)
    y = dl.to_numpy(dropout(dl.asarray(np.ones((20, 10)))))
    np.testing.assert_array_equal(dl.to_numpy(dropout.backward(dl.asarray(np.ones((20, 10))))), y)


def test_dropout_with_p_zero_keeps_everything_in_training(dl):
    x = random_input(dl, 30, 10)
    np.testing.assert_array_equal(dl.to_numpy(dl.Dropout(0.0, seed=0)(x)), dl.to_numpy(x))


def test_dropout_with_p_one_zeroes_everything_in_training(dl):
    y = dl.to_numpy(dl.Dropout(1.0, seed=0)(random_input(dl, 30, 10)))
    assert np.all(y == 0) and np.all(np.isfinite(y))


def test_dropout_with_the_same_seed_draws_the_same_mask(dl):
    x = dl.asarray(np.ones((40, 25)))
    first, second = dl.Dropout(0.5, seed=7)(x), dl.Dropout(0.5, seed=7)(x)
    np.testing.assert_array_equal(dl.to_numpy(first), dl.to_numpy(second))


def test_dropout_with_another_seed_draws_another_mask(dl):
    x = dl.asarray(np.ones((40, 25)))
    assert not np.array_equal(dl.to_numpy(dl.Dropout(0.5, seed=7)(x)), dl.to_numpy(dl.Dropout(0.5, seed=8)(x)))


def test_dropout_with_the_same_seed_draws_the_same_mask_on_both_backends(dl_np, dl_torch):
    x = np.ones((40, 25))
    ours = dl_np.Dropout(0.5, seed=3)(dl_np.asarray(x))
    theirs = dl_torch.to_numpy(dl_torch.Dropout(0.5, seed=3)(dl_torch.asarray(x)))
    np.testing.assert_array_equal(ours, theirs)


# --- BatchNorm1d ----------------------------------------------------------------------------------


def test_batchnorm1d_running_statistics_move_as_torch_nns(dl, torch):
    ours, twin = dl.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    for seed in range(3):
        x = np.random.default_rng(seed).normal(2.0, 3.0, size=(8, 3)).astype(np.float32)
        ours(dl.asarray(x))
        twin(torch.as_tensor(x))
    # float32 means and variances of 8 values: agreement to ~1e-6 relative
    np.testing.assert_allclose(dl.to_numpy(ours.running_mean), twin.running_mean.numpy(), rtol=1e-5)
    np.testing.assert_allclose(dl.to_numpy(ours.running_var), twin.running_var.numpy(), rtol=1e-5)
    assert int(dl.to_numpy(ours.num_batches_tracked)) == 3


def test_batchnorm1d_in_eval_mode_normalizes_with_the_running_statistics(dl):
    bn = dl.BatchNorm1d(3)
    bn.load_state_dict({**bn.state_dict(), "running_mean": np.array([1.0, -2.0, 0.5]),
                        "running_var": np.array([4.0, 0.25, 1.0]), "weight": np.array([2.0, 1.0, 1.0]),
                        "bias": np.array([0.0, 1.0, -1.0])}, strict=True)
    x = np.random.default_rng(0).normal(size=(5, 3))
    expected = (x - [1.0, -2.0, 0.5]) / np.sqrt(np.array([4.0, 0.25, 1.0]) + 1e-5) * [2.0, 1.0, 1.0] + [0, 1, -1]
    np.testing.assert_allclose(dl.to_numpy(bn.eval()(dl.asarray(x))), expected, rtol=1e-5, atol=1e-6)  # float32


def test_batchnorm1d_in_eval_mode_leaves_the_running_statistics_alone(dl):
    bn = dl.BatchNorm1d(3).eval()
    bn(random_input(dl, 6, 3))
    np.testing.assert_array_equal(dl.to_numpy(bn.running_mean), np.zeros(3))
    assert int(dl.to_numpy(bn.num_batches_tracked)) == 0


def test_batchnorm1d_in_training_mode_normalizes_each_channel_of_the_batch(dl):
    y = dl.to_numpy(dl.BatchNorm1d(4)(dl.asarray(np.random.default_rng(0).normal(3.0, 2.0, size=(64, 4)))))
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-5)          # float32 mean of 64 values
    np.testing.assert_allclose(y.var(axis=0), 1, atol=1e-3)           # biased variance, eps = 1e-5


# --- casting --------------------------------------------------------------------------------------


def test_double_casts_parameters_and_floating_buffers_to_float64(dl):
    model = nested_model(dl)
    assert model.double() is model
    float_dtypes = {dl.to_numpy(value).dtype for name, value in model.state_dict().items()
                    if not name.endswith("num_batches_tracked")}
    assert float_dtypes == {np.dtype(np.float64)}


def test_double_keeps_the_batch_counter_an_integer(dl):
    model = nested_model(dl).double()
    assert dl.to_numpy(model.state_dict()["1.num_batches_tracked"]).dtype == np.int64


def test_a_double_model_computes_in_float64(dl):
    model = dl.Sequential(dl.Linear(4, 3, seed=0), dl.Tanh()).double()
    x = dl.asarray(np.ones((2, 4)), dtype=np.float64)
    assert dl.to_numpy(model(x)).dtype == np.float64
