"""Attention benchmarks: MultiheadAttention forward + backward, causal self-attention, N = 32, T = 64, E = 128,
4 heads, float32, the NumPy reference against torch on the CPU at one thread count. Target: NumPy / torch
<= 1.2x. The torch side is dlbook's torch backend; a second row times plain torch.nn.MultiheadAttention
(need_weights=False, torch's fused attention), and a third a whole TransformerEncoderLayer."""

import numpy as np
import torch

import dlbook

from .timing import compare

BACKENDS = ("numpy", "torch")
BATCH, STEPS, EMBED, HEADS = 32, 64, 128, 4


def _inputs(dl, seed=0, steps=STEPS):
    """x and dL/dy, (N, T, E) each, standard normal."""
    rng = np.random.default_rng(seed)
    return tuple(dl.asarray(rng.standard_normal((BATCH, steps, EMBED))) for _ in range(2))


def _self_attention(dl, seed=0):
    """One causal self-attention forward (no weights returned) and its backward, dL/dx = dq + dk + dv."""
    attn = dl.MultiheadAttention(EMBED, HEADS, seed=seed)
    x, dy = _inputs(dl, seed)

    def run():
        attn.zero_grad()
        attn(x, x, x, need_weights=False, is_causal=True)
        grad_query, grad_key, grad_value = attn.backward(dy)
        return grad_query + grad_key + grad_value

    return run


def _torch_nn_self_attention(seed=0):
    attn = torch.nn.MultiheadAttention(EMBED, HEADS, batch_first=True)
    x, dy = _inputs(dlbook.load("torch"), seed)
    x = x.detach().cpu().requires_grad_()
    dy = dy.cpu()
    mask = torch.nn.Transformer.generate_square_subsequent_mask(STEPS)
    params = list(attn.parameters())

    def run():
        out, _ = attn(x, x, x, need_weights=False, attn_mask=mask, is_causal=True)
        return torch.autograd.grad(out, [x, *params], dy)

    return run


def _encoder_layer(dl, seed=0):
    layer = dl.TransformerEncoderLayer(EMBED, HEADS, 4 * EMBED, dropout=0.0, norm_first=True, seed=seed)
    x, dy = _inputs(dl, seed)

    def run():
        layer.zero_grad()
        layer(x, is_causal=True)
        return layer.backward(dy)

    return run


def run(repeats):
    dls = {name: dlbook.load(name) for name in BACKENDS}
    shape = f"N={BATCH}, T={STEPS}, E={EMBED}, {HEADS} heads, causal"
    numpy_attention = _self_attention(dls["numpy"])
    return [
        compare(f"MultiheadAttention forward+backward, {shape}", numpy_attention, _self_attention(dls["torch"]),
                repeats, target=1.2),
        compare(f"MultiheadAttention forward+backward, {shape}, vs plain torch.nn.MultiheadAttention",
                numpy_attention, _torch_nn_self_attention(), repeats, target=1.2),
        compare(f"TransformerEncoderLayer (pre-norm, d_ff=4E) forward+backward, {shape}",
                *(_encoder_layer(dl) for dl in dls.values()), repeats),
    ]
