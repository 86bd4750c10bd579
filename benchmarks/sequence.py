"""Sequence benchmarks: LSTM, GRU and RNN forward + backpropagation through time, and a residual block.

The LSTM case is the one with a target: T = 50 steps, N = 32, D = 8, H = 64, float32, NumPy / torch-CPU
<= 1.5x at one thread each. The torch side is dlbook's torch backend (torch's own recurrent kernels,
autograd for BPTT); a second row times plain torch.nn.LSTM, to show the backend adds nothing."""

import numpy as np
import torch

import dlbook

from .timing import compare, forward_backward

BACKENDS = ("numpy", "torch")
STEPS, BATCH, FEATURES, HIDDEN = 50, 32, 8, 64


def _forward_bptt(dl, kind, seed=0, steps=STEPS, batch_size=BATCH, features=FEATURES, hidden=HIDDEN):
    """One forward over the sequence and one backward through time (dL/d(out) given), weight gradients
    accumulated."""
    layer = getattr(dl, kind)(features, hidden, seed=seed)
    rng = np.random.default_rng(seed)
    x = dl.asarray(rng.standard_normal((batch_size, steps, features)))
    dy = dl.asarray(rng.standard_normal((batch_size, steps, hidden)))

    def run():
        layer.zero_grad()
        layer(x)
        return layer.backward(dy)

    return run


def _torch_nn_lstm(seed=0):
    """The same step with plain torch.nn.LSTM (batch_first=True) and autograd."""
    layer = torch.nn.LSTM(FEATURES, HIDDEN, batch_first=True)
    rng = np.random.default_rng(seed)
    x = torch.as_tensor(rng.standard_normal((BATCH, STEPS, FEATURES)), dtype=torch.float32).requires_grad_()
    dy = torch.as_tensor(rng.standard_normal((BATCH, STEPS, HIDDEN)), dtype=torch.float32)
    params = list(layer.parameters())

    def run():
        out, _ = layer(x)
        return torch.autograd.grad(out, [x, *params], dy)

    return run


def residual_block(dl, width=256, seed=0):
    return dl.Residual(dl.Sequential(dl.Linear(width, width, seed=seed), dl.ReLU(),
                                     dl.Linear(width, width, seed=seed + 1)))


def run(repeats):
    dls = {name: dlbook.load(name) for name in BACKENDS}
    shape = f"T={STEPS}, N={BATCH}, D={FEATURES}, H={HIDDEN}"
    numpy_lstm = _forward_bptt(dls["numpy"], "LSTM")
    rows = [
        compare(f"LSTM forward+BPTT, {shape}", numpy_lstm, _forward_bptt(dls["torch"], "LSTM"), repeats,
                target=1.5),
        compare(f"LSTM forward+BPTT, {shape}, vs plain torch.nn.LSTM", numpy_lstm, _torch_nn_lstm(), repeats,
                target=1.5),
        compare(f"GRU forward+BPTT, {shape}", _forward_bptt(dls["numpy"], "GRU"),
                _forward_bptt(dls["torch"], "GRU"), repeats),
        compare(f"RNN forward+BPTT, {shape}", _forward_bptt(dls["numpy"], "RNN"),
                _forward_bptt(dls["torch"], "RNN"), repeats),
        compare("Residual(Linear-ReLU-Linear) 256 wide, N=128, forward+backward",
                *(forward_backward(dl, residual_block(dl), (128, 256)) for dl in dls.values()), repeats),
    ]
    return rows
