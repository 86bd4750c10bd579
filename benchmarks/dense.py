"""Dense benchmarks: Linear forward+backward, one tiny training step, an MLP trained on digits."""

import numpy as np

import dlbook
from dlbook import models
from dlbook.data import load_digits, train_val_test_split

from .timing import compare, compare_training, forward_backward

BACKENDS = ("numpy", "torch")


def _tiny_training_step(dl, batch_size=32, seed=0):
    """One Adam step of a 64-32-10 MLP on a batch of 32."""
    model = models.mlp(dl, (64, 32, 10), seed=seed)
    loss_fn, optimizer = dl.CrossEntropyLoss(), dl.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(seed)
    x = dl.asarray(rng.standard_normal((batch_size, 64)))
    y = dl.asarray(rng.integers(0, 10, batch_size))

    def run():
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()
        return loss

    return run


def mlp(dl, seed=0):
    """64-128-64-10 with ReLUs."""
    return models.mlp(dl, (64, 128, 64, 10), seed=seed)


def run(repeats):
    dls = {name: dlbook.load(name) for name in BACKENDS}
    rows = [
        compare("Linear(256, 256) forward+backward, N=128",
                *(forward_backward(dl, dl.Linear(256, 256, seed=0), (128, 256)) for dl in dls.values()), repeats),
        compare("tiny training step 64-32-10, batch 32, Adam",
                _tiny_training_step(dls["numpy"]), _tiny_training_step(dls["torch"]), repeats, target=0.3),
    ]
    X, y = load_digits()
    split = train_val_test_split(X, y, seed=0)
    rows.append(compare_training("MLP 64-128-64-10 on digits, 20 epochs, Adam, batch 64", dls, mlp, split, repeats,
                                 target=0.5))
    return rows
