"""A decoder-only transformer language model (a small GPT), built only from the book's layers.

    model = gpt(dl, vocab_size=65, block_size=64, d_model=64, num_layers=2, nhead=4, seed=0)
    logits = model(dl.asarray(ids))                       # ids (N, T) -> logits (N, T, vocab_size)
    text_ids = model.generate(prompt_ids, 200, temperature=0.8, top_k=10, seed=0)

The network, token by token t = 1..T:

    x_t = E_token[id_t] + E_position[t]                  token embedding plus learned position embedding
    x = block_L(... block_1(x))                          TransformerEncoderLayer(norm_first=True), causal:
                                                         position t attends to positions <= t only
    logits_t = LayerNorm(x_t) W_head^T                   (W_head = E_token with tie_weights=True)

Every block is a dl.TransformerEncoderLayer (pre-norm, as GPT-2), so the state_dict loads into the same stack
of plain torch.nn modules (Embedding, Embedding, TransformerEncoderLayer(batch_first=True, norm_first=True)
..., LayerNorm, Linear) under the same names and gives the same logits (tests/test_language_models.py).
Like every builder of the package, gpt takes the backend first and imports none.
"""

import functools

import numpy as np

from .text.sampling import sample_next


@functools.cache
def gpt_class(dl):
    """The GPT module class of backend dl (one per backend: a dl.Module subclass)."""

    class GPT(dl.Module):
        """Token and position embeddings, `num_layers` causal pre-norm transformer blocks, a final LayerNorm
        and a linear head to the vocabulary: ids (N, T) with T <= block_size -> logits (N, T, vocab_size).

        Children (state_dict prefixes): token_embedding, position_embedding, blocks (blocks.0, blocks.1, ...),
        norm, head. backward(dL/dlogits) fills every gradient and returns None (ids have no gradient)."""

        def __init__(self, vocab_size, block_size, d_model, num_layers, nhead, dim_feedforward, dropout,
                     tie_weights, seed):
            super().__init__()
            self.vocab_size, self.block_size = vocab_size, block_size
            self.token_embedding = dl.Embedding(vocab_size, d_model, seed=seed)
            self.position_embedding = dl.Embedding(block_size, d_model, seed=seed + 1)
            self.blocks = dl.Sequential(*[
                dl.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, activation="gelu",
                                           norm_first=True, seed=seed + 2 + index)
                for index in range(num_layers)])
            self.norm = dl.LayerNorm(d_model)
            self.head = dl.Linear(d_model, vocab_size, bias=False, seed=seed + 2 + num_layers)
            if tie_weights:
                self.head.weight = self.token_embedding.weight         # one matrix reads and writes tokens

        def forward(self, idx):
            steps = idx.shape[-1]
            if idx.ndim != 2 or steps > self.block_size:
                raise dl.ShapeError(f"GPT expected ids of shape (N, T) with T <= block_size = {self.block_size}, "
                                    f"got {tuple(idx.shape)}")
            positions = dl.asarray(np.arange(steps))
            x = self.token_embedding(idx) + self.position_embedding(positions)   # E_token[id_t] + E_position[t]
            for block in self.blocks:
                x = block(x, is_causal=True)                                      # t sees positions <= t only
            self.logits = self.head(self.norm(x))                                 # logits (N, T, vocab_size)
            return self.logits

        def backward(self, grad_out):                                             # grad_out = dL/dlogits
            if dl.name == "torch":
                # the torch backend's layer-by-layer backward runs autograd over each layer's graph, which would
                # reach a tied weight twice (in the head, and below it in the embedding): autograd runs once over
                # the whole model instead, from the logits (what loss.backward() does)
                logits, self.logits = self.logits, None
                logits.backward(dl.asarray(grad_out, dtype=logits.dtype))
                return None
            grad = self.norm.backward(self.head.backward(grad_out))
            for block in reversed(list(self.blocks)):
                grad = block.backward(grad)
            self.token_embedding.backward(grad)                                    # dL/dE_token, per id
            self.position_embedding.backward(grad.sum(axis=0))                     # every sequence adds to E_pos
            return None

        def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, seed=None):
            """idx (N, T) (or (T,)) followed by max_new_tokens ids drawn one at a time from the model's
            next-token distribution (dlbook.text.sampling: temperature, top_k); each step sees the last
            block_size ids. Runs in eval mode (no dropout) and restores the mode. Returns an int64 NumPy array."""
            ids = np.asarray(dl.to_numpy(idx), dtype=np.int64)
            single = ids.ndim == 1
            ids = np.atleast_2d(ids)
            rng = np.random.default_rng(seed)
            was_training = self.training
            self.eval()
            try:
                for _ in range(max_new_tokens):
                    with dl.no_grad():
                        logits = self(dl.asarray(ids[:, -self.block_size:]))
                    next_ids = sample_next(dl.to_numpy(logits)[:, -1], temperature, top_k, generator=rng)
                    ids = np.concatenate([ids, next_ids[:, None]], axis=1)
            finally:
                self.train(was_training)
            return ids[0] if single else ids

        def extra_repr(self):
            return ""

        def short_repr(self):
            return f"GPT(vocab_size={self.vocab_size}, block_size={self.block_size})"

    return GPT


def gpt(dl, vocab_size, block_size, d_model=64, num_layers=2, nhead=4, dim_feedforward=None, dropout=0.0,
        tie_weights=False, *, seed=0):
    """A small GPT on backend dl (see the module docstring): vocab_size tokens, contexts of up to block_size,
    num_layers causal pre-norm blocks of width d_model with nhead heads and a feed-forward width
    dim_feedforward (default 4 d_model), dropout in every block, the head's weight tied to the token embedding
    when tie_weights. Layer i draws from seed + i (embeddings, then blocks, then head): the same seed, the same
    network on both backends."""
    dim_feedforward = 4 * d_model if dim_feedforward is None else dim_feedforward
    return gpt_class(dl)(vocab_size, block_size, d_model, num_layers, nhead, dim_feedforward, dropout, tie_weights,
                         seed)
