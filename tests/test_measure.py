"""dlbook.measure: the appendix's clocks, memory and file sizes return sane numbers (no wall-clock claims here:
the machine may be loaded; the notebook asserts its timing claims with wide margins)."""

import math
import time
import tracemalloc

import numpy as np
import pytest

from dlbook import measure
from dlbook.models import mlp
from dlbook.train import fit


@pytest.fixture(scope="module")
def digits_sample():
    rng = np.random.default_rng(0)
    return rng.random((96, 64), dtype=np.float32), rng.integers(0, 10, 96)


def test_stopwatch_returns_the_result_and_the_wall_and_cpu_time_of_the_call():
    result, timing = measure.stopwatch(lambda: (time.sleep(0.05), 7)[1])
    assert result == 7
    assert timing.wall >= 0.05                    # the sleep is waited for on the wall clock ...
    assert timing.cpu < 0.04                      # ... and costs (next to) no CPU time


def test_stopwatch_stops_its_clocks_only_after_wait_returns():
    order = []
    _, timing = measure.stopwatch(lambda: order.append("fn"), wait=lambda: (time.sleep(0.05), order.append("wait")))
    assert order == ["fn", "wait"] and timing.wall >= 0.05


def test_best_of_warms_up_once_then_times_each_repeat_and_keeps_the_fastest():
    pauses = iter([0.0, 0.06, 0.02, 0.08, 0.04])     # the warm-up call, then four timed repeats
    calls = []
    timing = measure.best_of(lambda: (calls.append(1), time.sleep(next(pauses))), repeats=4)
    assert len(calls) == 5 and isinstance(timing, measure.Timing)
    assert 0.02 <= timing.wall < 0.04             # the 0.02 s repeat, not the warm-up's 0 s nor a slower one


def test_a_timing_divided_by_a_count_is_the_time_per_item():
    assert measure.Timing(2.0, 1.0) / 4 == measure.Timing(0.5, 0.25)


def test_time_per_epoch_trains_exactly_as_fit_does(dl, digits_sample):
    X, y = digits_sample
    model_a, model_b = mlp(dl, (64, 16, 10), seed=0), mlp(dl, (64, 16, 10), seed=0)
    runs = measure.time_per_epoch(model_a, dl.CrossEntropyLoss(), dl.SGD(model_a.parameters(), lr=0.1), X, y,
                                  batch_size=32, epochs=3, seed=0)
    history = fit(model_b, dl.CrossEntropyLoss(), dl.SGD(model_b.parameters(), lr=0.1), X, y, epochs=3,
                  batch_size=32, seed=0, progress=False)
    assert len(runs.train_loss) == len(runs.wall) == len(runs.cpu) == 3
    assert all(t > 0 for t in runs.wall) and all(t >= 0 for t in runs.cpu)
    np.testing.assert_allclose(runs.train_loss, history.train_loss, rtol=1e-6)   # same batches, same steps


def test_time_per_epoch_stops_at_the_target_loss(dl_np, digits_sample):
    X, y = digits_sample
    model = mlp(dl_np, (64, 16, 10), seed=0)
    runs = measure.time_per_epoch(model, dl_np.CrossEntropyLoss(), dl_np.SGD(model.parameters(), lr=0.1), X, y,
                                  batch_size=32, epochs=50, target_loss=math.inf)
    assert len(runs.train_loss) == 1


def test_matmul_and_prediction_times_are_positive_and_finite(dl, digits_sample):
    X, _ = digits_sample
    model = mlp(dl, (64, 16, 10), seed=0)
    for timing in (measure.matmul_seconds(dl, 64, repeats=2),
                   measure.predict_time_per_sample(model, X, batch_size=16, repeats=2)):
        assert 0 < timing.wall < math.inf and 0 <= timing.cpu < math.inf


def test_peak_memory_sees_a_numpy_array_made_inside_the_call():
    peak = measure.peak_memory_bytes(lambda: np.ones(250_000, dtype=np.float32))     # 1 MB
    assert 1_000_000 <= peak < 1_100_000


def test_peak_memory_leaves_a_running_tracemalloc_running():
    tracemalloc.start()
    try:
        measure.peak_memory_bytes(lambda: np.ones(1000))
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()
    measure.peak_memory_bytes(lambda: None)
    assert not tracemalloc.is_tracing()


def test_step_peak_memory_grows_with_the_batch(dl_np):
    small, large = (measure.step_peak_memory_bytes(dl_np, b, sizes=(64, 128, 10)) for b in (16, 256))
    per_sample = (large - small) / (256 - 16)
    assert small > 0 and 4 * 128 <= per_sample <= 4 * 4 * 128      # 1 to 4 float32 copies of the hidden units


def test_a_straight_line_is_fitted_exactly():
    line = measure.straight_line_fit([1, 2, 3, 4], [5, 7, 9, 11])
    assert line.slope == pytest.approx(2) and line.intercept == pytest.approx(3) and line.r2 == pytest.approx(1)


