"""The small GPT of dlbook.language_models: its state_dict in a plain torch.nn stack gives the same logits
and gradients (float64, 1e-10 as test_torch_oracle.py), it is causal, it learns, and generate() samples
reproducibly within the block size."""

import numpy as np
import pytest
from catalogue import to_array

from dlbook.language_models import gpt

VOCAB, BLOCK, D, LAYERS, HEADS = 11, 8, 16, 2, 4
RTOL64, ATOL64 = 1e-10, 1e-12


def small_gpt(dl, **kwargs):
    return gpt(dl, VOCAB, BLOCK, d_model=D, num_layers=LAYERS, nhead=HEADS, dim_feedforward=32, seed=0, **kwargs)


def torch_gpt(torch, tie_weights=False):
    """The same stack in plain torch.nn, under the same names."""
    nn = torch.nn

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.token_embedding = nn.Embedding(VOCAB, D)
            self.position_embedding = nn.Embedding(BLOCK, D)
            self.blocks = nn.Sequential(*[nn.TransformerEncoderLayer(D, HEADS, 32, 0.0, activation="gelu",
                                                                     batch_first=True, norm_first=True)
                                          for _ in range(LAYERS)])
            self.norm = nn.LayerNorm(D)
            self.head = nn.Linear(D, VOCAB, bias=False)
            if tie_weights:
                self.head.weight = self.token_embedding.weight

        def forward(self, idx):
            steps = idx.shape[1]
            x = self.token_embedding(idx) + self.position_embedding(torch.arange(steps))
            mask = nn.Transformer.generate_square_subsequent_mask(steps, dtype=x.dtype)
            for block in self.blocks:
                x = block(x, src_mask=mask, is_causal=True)
            return self.head(self.norm(x))

    return GPT().double()


def ids(shape, seed=0):
    return np.random.default_rng(seed).integers(0, VOCAB, shape)


@pytest.mark.parametrize("tie_weights", [False, True], ids=["untied", "tied"])
def test_the_state_dict_loads_into_plain_torch_nn_with_the_same_logits_and_gradients(dl, float64, torch, tie_weights):
    model, twin = small_gpt(dl, tie_weights=tie_weights), torch_gpt(torch, tie_weights)
    assert list(model.state_dict()) == list(twin.state_dict())
    twin.load_state_dict({key: torch.as_tensor(to_array(value)) for key, value in model.state_dict().items()})
    x = ids((3, BLOCK))
    logits = model(dl.asarray(x))
    grad_out = np.random.default_rng(1).standard_normal(tuple(logits.shape))
    assert model.backward(dl.asarray(grad_out)) is None
    logits_torch = twin(torch.as_tensor(x))
    logits_torch.backward(torch.as_tensor(grad_out))
    np.testing.assert_allclose(to_array(logits), to_array(logits_torch), rtol=RTOL64, atol=ATOL64)
    grads_torch = {name: p.grad for name, p in twin.named_parameters()}
    grads = {name: p.grad for name, p in model.named_parameters()}
    assert list(grads) == list(grads_torch)
    for name, grad in grads.items():
        np.testing.assert_allclose(to_array(grad), to_array(grads_torch[name]), rtol=1e-9, atol=1e-11, err_msg=name)


def test_tied_weights_are_one_parameter(dl):
    model = small_gpt(dl, tie_weights=True)
    assert model.head.weight is model.token_embedding.weight
    assert len(list(model.parameters())) == len(list(small_gpt(dl).parameters())) - 1


def test_a_logit_depends_on_no_later_token(dl, float64):
    model = small_gpt(dl)
    x = ids((2, BLOCK))
    changed = x.copy()
    changed[:, 5] = (changed[:, 5] + 1) % VOCAB
    logits, logits_changed = to_array(model(dl.asarray(x))), to_array(model(dl.asarray(changed)))
    np.testing.assert_allclose(logits_changed[:, :5], logits[:, :5], rtol=1e-12, atol=1e-13)
    assert not np.allclose(logits_changed[:, 5:], logits[:, 5:])


def test_a_context_longer_than_the_block_size_is_refused(dl):
    with pytest.raises(dl.ShapeError, match=r"T <= block_size = 8, got \(1, 9\)"):
        small_gpt(dl)(dl.asarray(ids((1, BLOCK + 1))))


def test_generate_extends_the_prompt_reproducibly_beyond_the_block_size(dl):
    model = small_gpt(dl).train()
    prompt = ids((2, 3))
    out = model.generate(dl.asarray(prompt), BLOCK + 4, temperature=0.9, top_k=5, seed=0)
    assert out.shape == (2, 3 + BLOCK + 4) and out.dtype == np.int64
    np.testing.assert_array_equal(out[:, :3], prompt)
    assert ((0 <= out) & (out < VOCAB)).all()
    np.testing.assert_array_equal(model.generate(dl.asarray(prompt), BLOCK + 4, temperature=0.9, top_k=5, seed=0),
                                  out)
    assert model.training                                                  # the mode is restored


def test_greedy_generation_is_the_same_on_both_backends(dl_np, dl_torch):
    prompt = ids((4,))
    tokens = [small_gpt(dl).generate(dl.asarray(prompt), 6, temperature=0) for dl in (dl_np, dl_torch)]
    assert tokens[0].shape == (10,)
    np.testing.assert_array_equal(tokens[0], tokens[1])


def test_a_few_adam_steps_learn_a_repeating_sequence(dl):
    model, loss_fn = small_gpt(dl), dl.CrossEntropyLoss()
    optimizer = dl.Adam(model.parameters(), lr=1e-2)
    sequence = np.tile(np.arange(5), 4)
    x = np.stack([sequence[i:i + BLOCK] for i in range(4)])
    y = np.stack([sequence[i + 1:i + BLOCK + 1] for i in range(4)])
    losses = []
    for _ in range(30):
        logits = to_array(model(dl.asarray(x)))
        loss = loss_fn(dl.asarray(logits.transpose(0, 2, 1)), dl.asarray(y))     # CrossEntropyLoss takes (N, V, T)
        losses.append(float(to_array(loss)))
        optimizer.zero_grad()
        model.backward(dl.asarray(to_array(loss_fn.backward()).transpose(0, 2, 1)))
        optimizer.step()
    assert losses[-1] < 0.2 * losses[0]
