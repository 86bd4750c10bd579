"""dlbook.parallel: devices, timing, gradient averaging by hand, DistributedDataParallel, the scaling rule."""

import os
import sys

import numpy as np
import pytest

import dlbook
import dlbook.data
from dlbook import parallel
from dlbook.models import mlp

torch = pytest.importorskip("torch")

# float32 gradients averaged in float64: the mean of shard gradients and the full-batch gradient are
# two float32 sums of the same terms in different orders, equal to ~1e-7 relative.
GRAD_ATOL = 1e-6


@pytest.fixture(scope="module")
def digits():
    X, y = dlbook.data.load_digits()
    return X[:120], y[:120]


# ---------------------------------------------------------------- devices and timing


def test_available_devices_end_with_the_cpu():
    devices = parallel.available_devices()
    assert devices[-1] == "cpu" and devices.count("cpu") == 1


def test_dlbook_device_overrides_the_choice_and_is_restored(monkeypatch):
    monkeypatch.setenv("DLBOOK_DEVICE", "mps")
    assert parallel.torch_device_with("cpu") == "cpu"
    assert os.environ["DLBOOK_DEVICE"] == "mps"


def test_without_dlbook_device_the_first_available_device_is_chosen(monkeypatch):
    monkeypatch.delenv("DLBOOK_DEVICE", raising=False)
    chosen = parallel.torch_device_with(None)
    assert chosen.split(":")[0] == parallel.available_devices()[0].split(":")[0]


def test_timing_table_times_every_case_on_every_device():
    rows = parallel.timing_table(devices=["cpu"], matmul_sizes=(8, 16), widths=(8,), batch_size=4, repeats=1)
    assert [row.case for row in rows] == ["matmul", "matmul", "train step"]
    assert all(row.seconds["cpu"] > 0 for row in rows)
    table = parallel.format_timing_table(rows)
    assert "torch on cpu" in table and "speed-up" not in table and table.count("\n") == 4


def test_format_timing_table_gives_the_speed_up_over_the_cpu():
    rows = [parallel.Timing("matmul", 4, {"cpu": 2e-3, "cuda:0": 1e-4})]
    assert "| 20.0x |" in parallel.format_timing_table(rows)


# ---------------------------------------------------------------- gradient averaging by hand


def test_split_batch_gives_consecutive_shards_differing_by_at_most_one():
    x, y = np.arange(14).reshape(7, 2), np.arange(7)
    shards = parallel.split_batch(x, y, 3)
    assert [len(xs) for xs, _ in shards] == [3, 2, 2]
    np.testing.assert_array_equal(np.concatenate([ys for _, ys in shards]), y)


@pytest.mark.parametrize("n_shards", [0, 8])
def test_split_batch_refuses_impossible_shard_counts(n_shards):
    with pytest.raises(ValueError, match="n_shards"):
        parallel.split_batch(np.zeros((7, 2)), np.zeros(7), n_shards)


@pytest.mark.parametrize("n_shards", [2, 3, 4, 8])
def test_mean_of_equal_shard_gradients_is_the_full_batch_gradient(dl, digits, n_shards):
    model, loss_fn = mlp(dl, (64, 16, 10)), dl.CrossEntropyLoss()
    full = parallel.shard_gradients(model, loss_fn, *digits, 1)[0]
    mean = parallel.average_gradients(parallel.shard_gradients(model, loss_fn, *digits, n_shards))
    assert parallel.max_difference(mean, full) < GRAD_ATOL


def test_unequal_shards_need_weights_proportional_to_their_sizes(dl, digits):
    model, loss_fn = mlp(dl, (64, 16, 10)), dl.CrossEntropyLoss()
    full = parallel.shard_gradients(model, loss_fn, *digits, 1)[0]
    grads = parallel.shard_gradients(model, loss_fn, *digits, 7)                   # 18, 17, ..., 17 samples
    sizes = [len(x) for x, _ in parallel.split_batch(*digits, 7)]
    assert parallel.max_difference(parallel.average_gradients(grads), full) > 100 * GRAD_ATOL
    assert parallel.max_difference(parallel.average_gradients(grads, weights=sizes), full) < GRAD_ATOL


def test_shard_gradients_leave_the_model_untouched(dl, digits):
    model, loss_fn = mlp(dl, (64, 16, 10)), dl.CrossEntropyLoss()
    before = {name: np.array(dl.to_numpy(p.data)) for name, p in model.named_parameters()}
    parallel.shard_gradients(model, loss_fn, *digits, 4)
    assert all(p.grad is None for p in model.parameters())
    assert parallel.max_difference(before, {n: dl.to_numpy(p.data) for n, p in model.named_parameters()}) == 0


def test_replicas_are_independent_even_after_a_forward_pass(dl, digits):
    model = mlp(dl, (64, 16, 10))
    model(dl.asarray(digits[0][:4]))                        # the torch backend now caches a graph
    first, second = parallel.replicate(model, 2)
    first[0].weight.data[...] = 0
    assert float(np.abs(dl.to_numpy(second[0].weight.data)).sum()) > 0
    assert float(np.abs(dl.to_numpy(model[0].weight.data)).sum()) > 0


def test_average_gradients_refuses_mismatched_input():
    grads = {"w": np.ones(2)}
    with pytest.raises(ValueError, match="at least one"):
        parallel.average_gradients([])
    with pytest.raises(ValueError, match="one weight per"):
        parallel.average_gradients([grads, grads], weights=[1.0])
    with pytest.raises(ValueError, match="different parameters"):
        parallel.average_gradients([grads, {"b": np.ones(2)}])


def test_weighted_average_of_gradients():
    average = parallel.average_gradients([{"w": np.array([0.0])}, {"w": np.array([3.0])}], weights=[2, 1])
    np.testing.assert_allclose(average["w"], [1.0])


# ---------------------------------------------------------------- DistributedDataParallel


def test_rank_environment_points_every_process_at_loopback():
    env = parallel.rank_environment(1, 2, 12345)
    assert (env["RANK"], env["WORLD_SIZE"], env["MASTER_ADDR"], env["MASTER_PORT"]) == ("1", "2", "127.0.0.1", "12345")
    assert env["GLOO_SOCKET_IFNAME"].startswith("lo")


def _listening_addresses(port):
    """Local addresses in LISTEN state on `port`, read from /proc/net/tcp and tcp6 (Linux)."""
    addresses = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as file:
            for line in file.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, local_port = local.split(":")
                if state == "0A" and int(local_port, 16) == port:
                    addresses.append(address)
    return addresses


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/net/tcp")
def test_the_rendezvous_store_listens_on_127_0_0_1_only(monkeypatch):
    port = parallel.free_port()
    monkeypatch.setenv("MASTER_ADDR", parallel.LOOPBACK)
    monkeypatch.setenv("MASTER_PORT", str(port))
    store = parallel.loopback_store(rank=0, world_size=1)
    store.set("key", "value")
    assert _listening_addresses(port) == ["0100007F"]                 # 127.0.0.1, little-endian hex
    del store


def test_ddp_over_two_gloo_processes_equals_single_process_training(digits):
    X, y = digits[0][:64], digits[1][:64]
    ddp = parallel.ddp_train(X, y, world_size=2, steps=4, lr=0.5)
    single = parallel.train_single_process(X, y, steps=4, lr=0.5)
    assert parallel.max_difference(ddp.weights, single.weights) < 1e-5      # float32, two summation orders
    assert len(ddp.losses) == 2 and all(len(losses) == 4 for losses in ddp.losses)
    np.testing.assert_allclose(np.mean(ddp.losses, axis=0), single.losses[0], rtol=1e-5)


def test_ddp_refuses_a_batch_that_does_not_split_evenly(digits):
    with pytest.raises(ValueError, match="equal shards"):
        parallel.ddp_train(digits[0][:63], digits[1][:63], world_size=2)


# ---------------------------------------------------------------- the linear scaling rule


def test_linear_scaling_rule_holds_on_digits(dl):
    X, y = dlbook.data.load_digits()
    small, scaled, unscaled = parallel.scaling_rule_runs(dl, X, y, base_batch=16, base_lr=0.05, k=8, epochs=3)
    assert (scaled.batch_size, scaled.lr, unscaled.batch_size, unscaled.lr) == (128, 0.4, 128, 0.05)
    gap_scaled = abs(scaled.final_loss - small.final_loss)
    gap_unscaled = abs(unscaled.final_loss - small.final_loss)
    assert gap_scaled < 0.25 * gap_unscaled, (gap_scaled, gap_unscaled)
    assert unscaled.final_loss > small.final_loss


def test_format_timing_table_as_html_has_one_row_per_timing_and_a_header():
    rows = [parallel.Timing("matmul", 4, {"cpu": 2e-3}), parallel.Timing("train step", 8, {"cpu": 1.5}, 16)]
    table = parallel.format_timing_table(rows, html=True)
    assert table.count("<tr>") == 3 and "<th>torch on cpu</th>" in table
    assert "<td>width 8, batch 16</td><td>1.50 s</td>" in table
