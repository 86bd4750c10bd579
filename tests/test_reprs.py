"""Every catalogue case (tests/catalogue.py) prints as its torch twin does, on both backends: repr(our
layer, loss or optimizer) == repr(the torch.nn / torch.optim object built with the same arguments).

Documented difference: our RNN, LSTM and GRU are batch first by default (DESIGN.md), so their twin is
built with batch_first=True, and our repr must then read exactly as torch's does with that argument.
Where torch.nn has no such layer (Residual, LastTimeStep), the twin is a small torch module written in
the catalogue, and the repr must have the layout torch gives any module (children indented, by name).

One documented difference for optimizers: torch.optim's param groups also hold switches of torch's own
kernels (TORCH_KERNEL_KEYS: foreach, fused, ...) that the NumPy reference has no use for; the NumPy
optimizers print torch's layout with every other key, so their repr is compared with those lines left out.
"""

import itertools

import pytest
from catalogue import ALL

import dlbook

TORCH_KERNEL_KEYS = ("capturable", "differentiable", "foreach", "fused")


def repr_params():
    return [pytest.param(backend, case, id=f"{backend}-{case.id}")
            for backend, case in itertools.product(dlbook.BACKENDS, ALL) if case.twin is not None]


def our_repr(dl, case):
    if case.kind == "optimizer":
        return repr(case.build(dl, dl.Linear(2, 2, seed=0).parameters()))
    return repr(case.build(dl))


def torch_repr(torch, case, backend):
    if case.kind != "optimizer":
        return repr(case.twin(torch))
    text = repr(case.twin(torch, torch.nn.Linear(2, 2).parameters()))
    if backend == "torch":
        return text
    return "\n".join(line for line in text.splitlines() if line.strip().split(":")[0] not in TORCH_KERNEL_KEYS)


@pytest.mark.parametrize("backend, case", repr_params())
def test_repr_equals_the_torch_twins(torch, backend, case):
    assert our_repr(dlbook.load(backend), case) == torch_repr(torch, case, backend)


def test_the_kernel_keys_left_out_are_only_torchs_switches(torch):
    # the lines dropped from torch.optim's repr name no setting of the update rule itself
    text = repr(torch.optim.Adam(torch.nn.Linear(2, 2).parameters()))
    dropped = [line for line in text.splitlines() if line.strip().split(":")[0] in TORCH_KERNEL_KEYS]
    assert dropped and all(line.split(": ")[1] in ("False", "None") for line in dropped)
