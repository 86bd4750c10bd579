"""dlbook.experiments.training_time: one run per batch size and per optimizer and learning rate, each from the
same initial weights, counted in epochs."""

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from dlbook.experiments import training_time


@pytest.fixture(scope="module")
def digits_sample():
    rng = np.random.default_rng(0)
    return rng.random((96, 64), dtype=np.float32), rng.integers(0, 10, 96)


def test_batch_size_runs_give_one_run_per_batch_size_with_its_epochs(dl_np, digits_sample):
    X, y = digits_sample
    runs = training_time.batch_size_runs(dl_np, X, y, {8: 1, 32: 2})
    assert list(runs) == [8, 32] and [len(run.train_loss) for run in runs.values()] == [1, 2]


@pytest.mark.parametrize(("losses", "target", "epoch"), [([2.0, 1.0, 0.5], 1.0, 2), ([2.0, 1.0], 0.1, None),
                                                         ([0.1], 0.3, 1)])
def test_epochs_to_loss_counts_from_one(losses, target, epoch):
    assert training_time.epochs_to_loss(losses, target) == epoch


def test_optimizer_runs_cover_every_optimizer_and_learning_rate(dl_np, digits_sample):
    X, y = digits_sample
    runs = training_time.optimizer_runs(dl_np, X, y, {"sgd": [0.1], "adam": [1e-3, 1e-2]}, target_loss=0.0,
                                  max_epochs=2, batch_size=32)
    assert set(runs) == {("sgd", 0.1), ("adam", 1e-3), ("adam", 1e-2)}
    assert all(len(run.train_loss) == 2 for run in runs.values())         # loss 0 is never reached


@pytest.mark.parametrize("runner", ["batch_size_runs", "optimizer_runs"])
def test_every_run_is_timed_on_one_thread(monkeypatch, dl_np, digits_sample, runner):
    # the appendix compares the CPU times of the two runners: both must count one thread's time
    seen = []
    timed = training_time.time_per_epoch

    def spy(*args, **kwargs):
        seen.append({pool["num_threads"] for pool in threadpool_info()})
        return timed(*args, **kwargs)

    monkeypatch.setattr(training_time, "time_per_epoch", spy)
    X, y = digits_sample
    with threadpool_limits(limits=2):       # as a reader's kernel (make test runs on one thread already)
        if runner == "batch_size_runs":
            training_time.batch_size_runs(dl_np, X, y, {32: 1})
        else:
            training_time.optimizer_runs(dl_np, X, y, {"sgd": [0.1]}, target_loss=0.0, max_epochs=1, batch_size=32)
    assert seen == [{1}]
