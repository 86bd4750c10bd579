"""Tied weights: a Parameter shared by two layers of a Sequential (lin2.weight = lin1.weight, as the GPT's
optional tie shares its embedding and head) gets the sum of its two uses' gradients from the layer-by-layer
backward, on both backends, equal to torch.nn's autograd; so do the other parameters and dL/dx."""

import numpy as np
import pytest

import dlbook

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.usefixtures("float64")          # float64 layers on both backends (conftest)

N = 5


def tied_linears(make, tanh):
    """Linear(4, 4) - Tanh - Linear(4, 4), the second Linear's weight the first's (seeded the same way)."""
    first, second = make(0), make(1)
    second.weight = first.weight
    return first, second, tanh


def test_a_sequential_sharing_a_parameter_gets_torch_nns_summed_gradient_on_both_backends():
    x = np.random.default_rng(0).normal(size=(N, 4))
    dy = np.random.default_rng(1).normal(size=(N, 4))
    results = {}
    for backend in ("numpy", "torch"):
        dl = dlbook.load(backend)
        first, second, tanh = tied_linears(lambda seed, dl=dl: dl.Linear(4, 4, seed=seed), dl.Tanh())
        model = dl.Sequential(first, tanh, second)
        model(dl.asarray(x, dtype=np.float64))
        dx = model.backward(dl.asarray(dy, dtype=np.float64))
        assert first.weight is second.weight
        results[backend] = {"dx": dl.to_numpy(dx), "dW": dl.to_numpy(first.weight.grad),
                            "db1": dl.to_numpy(first.bias.grad), "db2": dl.to_numpy(second.bias.grad)}
        state = {k: torch.as_tensor(dl.to_numpy(v), dtype=torch.float64) for k, v in model.state_dict().items()}
    twin_first, twin_second = torch.nn.Linear(4, 4).double(), torch.nn.Linear(4, 4).double()
    twin = torch.nn.Sequential(twin_first, torch.nn.Tanh(), twin_second)
    twin.load_state_dict(state)
    twin_second.weight = twin_first.weight
    x_twin = torch.as_tensor(x).requires_grad_()
    twin(x_twin).backward(torch.as_tensor(dy))
    expected = {"dx": x_twin.grad.numpy(), "dW": twin_first.weight.grad.numpy(),
                "db1": twin_first.bias.grad.numpy(), "db2": twin_second.bias.grad.numpy()}
    for backend, got in results.items():
        for name in expected:
            np.testing.assert_allclose(got[name], expected[name], rtol=1e-10, atol=1e-12, err_msg=f"{backend} {name}")
    # the sum of two uses, not one: the tied gradient differs from either use's alone
    single = torch.nn.Linear(4, 4).double()
    single.load_state_dict({"weight": state["2.weight"], "bias": state["2.bias"]})
    single(torch.tanh(twin_first(torch.as_tensor(x)))).backward(torch.as_tensor(dy))
    assert np.abs(expected["dW"] - single.weight.grad.numpy()).max() > 1e-3


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_an_embedding_tied_to_the_head_of_a_sequential_gets_both_uses(backend):
    """The GPT's tie in a Sequential: ids -> Embedding(V, d) -> Linear(d, V) whose weight is the embedding's."""
    dl = dlbook.load(backend)
    embedding, head = dl.Embedding(6, 6, seed=0), dl.Linear(6, 6, bias=False, seed=1)
    head.weight = embedding.weight
    model = dl.Sequential(embedding, dl.Tanh(), head)
    ids = np.array([[0, 3, 3, 5], [1, 2, 4, 0]])
    dy = np.random.default_rng(2).normal(size=(2, 4, 6))
    model(dl.asarray(ids))
    assert model.backward(dl.asarray(dy, dtype=np.float64)) is None                   # ids get no gradient
    twin_embedding, twin_head = torch.nn.Embedding(6, 6).double(), torch.nn.Linear(6, 6, bias=False).double()
    twin_embedding.weight.data = torch.as_tensor(dl.to_numpy(embedding.weight), dtype=torch.float64)
    twin_head.weight = twin_embedding.weight
    twin_head(torch.tanh(twin_embedding(torch.as_tensor(ids)))).backward(torch.as_tensor(dy))
    np.testing.assert_allclose(dl.to_numpy(embedding.weight.grad), twin_embedding.weight.grad.numpy(),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_a_tied_sequential_allows_one_backward_per_forward(backend):
    dl = dlbook.load(backend)
    first, second, tanh = tied_linears(lambda seed: dl.Linear(4, 4, seed=seed), dl.Tanh())
    model = dl.Sequential(first, tanh, second)
    model(dl.asarray(np.ones((N, 4)), dtype=np.float64))
    model.backward(dl.asarray(np.ones((N, 4)), dtype=np.float64))
    with pytest.raises(RuntimeError, match=r"Sequential.backward\(\) called twice after one forward"):
        model.backward(dl.asarray(np.ones((N, 4)), dtype=np.float64))
