"""dlbook.experiments.checkpointing: recomputing segments gives the plain backward's gradients and keeps less."""

import numpy as np
import pytest

import dlbook
from dlbook.experiments import checkpointing


@pytest.mark.parametrize("segment", [1, 3, 8])
def test_checkpointed_gradients_equal_the_plain_ones(segment):
    reference = dlbook.load("numpy")
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 16, 32), dtype=np.float32)
    grads = []
    for step in (checkpointing.plain_step, lambda *args: checkpointing.checkpointed_step(*args, segment)):
        model = checkpointing.deep_mlp(reference, depth=4, width=32)
        step(model, reference.MSELoss(), x, y)
        grads.append([p.grad.copy() for p in model.parameters()])
    for plain, checkpointed in zip(*grads):
        np.testing.assert_array_equal(plain, checkpointed)


def test_checkpointing_lowers_the_peak_memory_of_a_step():
    costs = checkpointing.checkpointing_costs(dlbook.load("numpy"), depth=8, width=128, batch_size=128,
                                              segments=(4,), repeats=1)
    assert costs[4]["peak_bytes"] < 0.8 * costs[None]["peak_bytes"]
    assert costs[4]["max_grad_difference"] == 0.0
