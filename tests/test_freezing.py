"""Freezing parameters, as torch: Parameter.requires_grad_(False) and Module.requires_grad_(False) on both
backends. A frozen parameter gets no gradient (its .grad stays None), what flows back to the input does not
change, every optimizer skips it (torch.optim skips parameters whose .grad is None: no weight decay, no
momentum), and fit trains only the rest. torch.nn / torch.optim are the oracle.

Tolerances: frozen values are compared exactly (nothing may touch them); gradients and trained values of
the other parameters against torch in float64: roundings only, 1e-10."""

import numpy as np
import pytest
from catalogue import BY_ID, LAYERS, TRAJECTORIES, example_input, output_gradients, outputs, params, to_array

import dlbook
from dlbook.train import fit

RTOL64, ATOL64 = 1e-10, 1e-12


def mlp(dl, seed=0):
    return dl.Sequential(dl.Linear(4, 8, seed=seed), dl.Tanh(), dl.Linear(8, 8, seed=seed + 1), dl.ReLU(),
                         dl.Linear(8, 3, seed=seed + 2))


def torch_twin(torch, model):
    """The plain torch.nn MLP holding the same weights, frozen where ours is."""
    nn = torch.nn
    twin = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3)).double()
    twin.load_state_dict({key: torch.tensor(to_array(value), dtype=torch.float64)
                          for key, value in model.state_dict().items()})
    for ours, theirs in zip(model.parameters(), twin.parameters(), strict=True):
        theirs.requires_grad_(ours.requires_grad)
    return twin


DATA = np.random.default_rng(0)
X, Y = DATA.standard_normal((32, 4)), DATA.integers(0, 3, 32)


# ---------------------------------------------------------------- the switch


def test_parameters_require_grad_by_default_and_requires_grad_switches_them_in_place(dl):
    layer = dl.Linear(3, 2, seed=0)
    assert layer.weight.requires_grad is True
    assert layer.weight.requires_grad_(False) is layer.weight
    assert layer.weight.requires_grad is False and layer.bias.requires_grad is True
    layer.weight.requires_grad_()
    assert layer.weight.requires_grad is True


def test_module_requires_grad_switches_every_parameter_of_the_tree_and_returns_the_module(dl):
    model = mlp(dl)
    assert model.requires_grad_(False) is model
    assert [p.requires_grad for p in model.parameters()] == [False] * 6
    model[2].requires_grad_(True)
    assert [p.requires_grad for p in model.parameters()] == [False, False, True, True, False, False]


# ---------------------------------------------------------------- no gradient, same dL/dx


def with_parameters(cases):
    """The cases whose layer has parameters (built once with the NumPy reference)."""
    return [case for case in cases if list(case.build(dlbook.load("numpy")).parameters())]


@pytest.mark.parametrize("case", params(with_parameters(LAYERS)))
def test_a_frozen_layer_gets_no_gradient_and_passes_back_the_same_input_gradient(dl, float64, case):
    layer = case.build(dl)
    x = example_input(case)
    ys = outputs(layer(dl.asarray(x)))
    dys = output_gradients([to_array(y) for y in ys])
    grad_input = to_array(layer.backward(*[dl.asarray(dy) for dy in dys]))
    frozen = case.build(dl).requires_grad_(False)
    outputs(frozen(dl.asarray(x)))
    frozen_grad_input = to_array(frozen.backward(*[dl.asarray(dy) for dy in dys]))
    assert [name for name, p in frozen.named_parameters() if p.grad is not None] == []
    if not case.random:
        np.testing.assert_allclose(frozen_grad_input, grad_input, rtol=RTOL64, atol=ATOL64)


def test_freezing_the_first_layer_leaves_its_grad_none_and_the_others_as_torchs(dl, float64, torch):
    model = mlp(dl)
    model[0].requires_grad_(False)
    twin = torch_twin(torch, model)
    loss_fn = dl.CrossEntropyLoss()
    loss = loss_fn(model(dl.asarray(X)), dl.asarray(Y))
    model.backward(loss_fn.backward())
    torch.nn.functional.cross_entropy(twin(torch.tensor(X)), torch.tensor(Y)).backward()
    for (name, ours), theirs in zip(model.named_parameters(), twin.parameters(), strict=True):
        if name.startswith("0."):
            assert ours.grad is None and theirs.grad is None
        else:
            np.testing.assert_allclose(to_array(ours.grad), to_array(theirs.grad), rtol=RTOL64, atol=ATOL64)
    assert float(to_array(loss)) > 0


def test_unfreezing_gives_gradients_again(dl):
    layer = dl.Linear(3, 2, seed=0).requires_grad_(False)
    layer(dl.asarray(np.ones((2, 3))))
    layer.backward(dl.asarray(np.ones((2, 2))))
    assert layer.weight.grad is None
    layer.requires_grad_(True)
    layer(dl.asarray(np.ones((2, 3))))
    layer.backward(dl.asarray(np.ones((2, 2))))
    np.testing.assert_allclose(to_array(layer.weight.grad), 2.0)                 # dL/dW = delta^T x = 2


def test_a_frozen_batchnorm_keeps_gamma_and_beta_but_still_tracks_its_running_statistics_as_torch(dl, torch):
    layer = dl.BatchNorm1d(3).requires_grad_(False)
    twin = torch.nn.BatchNorm1d(3).requires_grad_(False)
    x = np.random.default_rng(0).normal(2.0, 3.0, (8, 3)).astype(np.float32)
    layer(dl.asarray(x))
    twin(torch.tensor(x))
    layer.backward(dl.asarray(np.ones((8, 3))))
    assert layer.weight.grad is None and layer.bias.grad is None
    np.testing.assert_allclose(to_array(layer.running_mean), to_array(twin.running_mean), rtol=1e-6)


# ---------------------------------------------------------------- optimizers skip frozen parameters


def train_steps(dl, optimizer_case, n_steps=5):
    """n_steps full-batch steps of the MLP with its first layer frozen; returns the model."""
    model = mlp(dl)
    model[0].requires_grad_(False)
    optimizer = optimizer_case.build(dl, model.parameters())
    loss_fn = dl.CrossEntropyLoss()
    for _ in range(n_steps):
        loss = loss_fn(model(dl.asarray(X)), dl.asarray(Y))
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()
    assert np.isfinite(float(to_array(loss)))
    return model


# every optimizer setting, with weight decay, momentum and maximize among them: each would move a parameter
# that it did not skip (weight decay even without a gradient)
FROZEN_CASES = [BY_ID[id] for id, _, _ in TRAJECTORIES] + [BY_ID["AdamW-weight_decay-amsgrad"]]


@pytest.mark.parametrize("case", params(list({case.id: case for case in FROZEN_CASES}.values())))
def test_every_optimizer_skips_frozen_parameters_and_moves_the_rest_as_torch_optim(dl, float64, torch, case):
    model = train_steps(dl, case)
    start = mlp(dl)
    twin = torch_twin(torch, start)
    twin[0].requires_grad_(False)
    optimizer = case.twin(torch, twin.parameters())
    for _ in range(5):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(twin(torch.tensor(X)), torch.tensor(Y)).backward()
        optimizer.step()
    for key, value in model.state_dict().items():
        if key.startswith("0."):
            np.testing.assert_array_equal(to_array(value), to_array(start.state_dict()[key]))      # untouched
        else:
            assert not np.array_equal(to_array(value), to_array(start.state_dict()[key]))
            np.testing.assert_allclose(to_array(value), to_array(twin.state_dict()[key]), rtol=RTOL64, atol=1e-10)


# ---------------------------------------------------------------- fit


def test_fit_trains_only_the_unfrozen_layers(dl):
    model = mlp(dl)
    model[0].requires_grad_(False)
    start = {key: to_array(value).copy() for key, value in model.state_dict().items()}
    optimizer = dl.AdamW(model.parameters(), lr=0.05, weight_decay=0.1)
    history = fit(model, dl.CrossEntropyLoss(), optimizer, X.astype(np.float32), Y, epochs=5, batch_size=8,
                  progress=False)
    for key, value in model.state_dict().items():
        if key.startswith("0."):
            np.testing.assert_array_equal(to_array(value), start[key])
        else:
            assert not np.array_equal(to_array(value), start[key])
    assert history.train_loss[-1] < history.train_loss[0]


def test_clip_grad_norm_ignores_frozen_parameters(dl):
    model = mlp(dl)
    model[0].requires_grad_(False)
    loss_fn = dl.CrossEntropyLoss()
    loss_fn(model(dl.asarray(X.astype(np.float32))), dl.asarray(Y))
    model.backward(loss_fn.backward())
    norm = float(to_array(dl.clip_grad_norm_(list(model.parameters()), 1e9)))
    expected = np.sqrt(sum(float((to_array(p.grad).astype(np.float64) ** 2).sum())
                           for p in model.parameters() if p.grad is not None))
    assert norm == pytest.approx(expected, rel=1e-5)
