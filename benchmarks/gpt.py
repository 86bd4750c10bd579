"""GPT benchmark: one training step of dlbook.language_models.gpt (2 layers, E = 128, 4 heads, T = 64, batch 32,
a vocabulary of 65 characters, float32): forward, cross-entropy, backward and an AdamW step, the NumPy
reference against the torch backend on the CPU at one thread count. Target: NumPy / torch <= 1.2x. The note
gives each backend's training throughput in tokens (target characters) per second."""

import numpy as np

import dlbook
from dlbook.language_models import gpt

from .timing import compare

BACKENDS = ("numpy", "torch")
BATCH, STEPS, EMBED, HEADS, LAYERS, VOCAB = 32, 64, 128, 4, 2, 65


def _training_step(dl, seed=0):
    """One AdamW step of the GPT on a fixed batch of random ids (N, T) and their next ids."""
    model = gpt(dl, VOCAB, block_size=STEPS, d_model=EMBED, num_layers=LAYERS, nhead=HEADS, seed=seed)
    optimizer = dl.AdamW(model.parameters(), lr=1e-3)
    loss_fn = dl.CrossEntropyLoss()
    ids = np.random.default_rng(seed).integers(0, VOCAB, (BATCH, STEPS + 1))
    context, target = dl.asarray(ids[:, :-1]), dl.asarray(ids[:, 1:].reshape(-1))

    def run():
        logits = model(context)
        loss = loss_fn(logits.reshape(-1, VOCAB), target)
        optimizer.zero_grad()
        model.backward(loss_fn.backward().reshape(logits.shape))
        optimizer.step()
        return loss

    return run


def run(repeats):
    dls = {name: dlbook.load(name) for name in BACKENDS}
    row = compare(f"GPT training step (AdamW), {LAYERS} layers, E={EMBED}, {HEADS} heads, T={STEPS}, N={BATCH}",
                  *(_training_step(dl) for dl in dls.values()), repeats, target=1.2)
    tokens = BATCH * STEPS
    row.note = (f"tokens/s: numpy {tokens / row.numpy_seconds:,.0f}, torch {tokens / row.torch_seconds:,.0f}")
    return [row]
