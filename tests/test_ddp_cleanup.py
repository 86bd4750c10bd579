"""ddp_train fails loudly and leaves nothing behind: the failing rank's own traceback reaches the caller,
and after an exception, Ctrl-C or SIGTERM no worker process and no run directory (which holds the
training batch) outlives it. The workers here are small stand-ins (no torch.distributed), so that each
failure is the one under test; tests/test_parallel.py trains with the real ddp_worker."""

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np
import pytest

from dlbook import parallel

WORKERS = '''
import os, sys, time

def record(run_dir):
    probe = os.environ["PROBE_DIR"]
    with open(os.path.join(probe, "rank%s.pid" % os.environ["RANK"]), "w") as file:
        file.write(str(os.getpid()))
    with open(os.path.join(probe, "run_dir"), "w") as file:
        file.write(run_dir)

def fail_on_rank_1(run_dir):
    record(run_dir)
    if os.environ["RANK"] == "1":
        raise ValueError("rank 1's own mistake: a shard of the wrong shape")
    time.sleep(60)                       # rank 0 waits for its peer, as an all-reduce would

def sleep(run_dir):
    record(run_dir)
    time.sleep(60)
'''

BATCH = (np.zeros((4, 3), np.float32), np.array([0, 1, 0, 1]))


@pytest.fixture
def probe(tmp_path, monkeypatch):
    """A folder for the stand-in workers' module, their pid files, and the run directories."""
    (tmp_path / "ddp_probe_workers.py").write_text(WORKERS)
    for name in ("probe", "tmp"):
        (tmp_path / name).mkdir()
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("PROBE_DIR", str(tmp_path / "probe"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path


def worker_pids(probe, world_size=2, timeout=30):
    deadline = time.monotonic() + timeout
    paths = [probe / "probe" / f"rank{rank}.pid" for rank in range(world_size)]
    while not all(path.exists() and path.read_text() for path in paths):
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.05)
    return [int(path.read_text()) for path in paths]


def signal_masks(pid):
    """The SigBlk, SigIgn and SigCgt lines of /proc/<pid>/status: which signals the process blocks, ignores, catches."""
    with open(f"/proc/{pid}/status") as status:
        return "; ".join(line.strip() for line in status if line.startswith(("SigBlk", "SigIgn", "SigCgt")))


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:               # a zombie is dead but not yet reaped
        return stat.read().split()[2] != "Z"


def assert_nothing_left(probe, pids):
    assert not any(alive(pid) for pid in pids), [pid for pid in pids if alive(pid)]
    run_dir = (probe / "probe" / "run_dir").read_text()
    assert run_dir.startswith(str(probe / "tmp")) and not os.path.exists(run_dir)
    assert list((probe / "tmp").iterdir()) == []


def test_the_failing_ranks_own_traceback_reaches_the_caller(probe):
    with pytest.raises(RuntimeError) as error:
        parallel.ddp_train(*BATCH, worker="ddp_probe_workers.fail_on_rank_1", timeout=60)
    message = str(error.value)
    assert "rank 1 failed first" in message
    assert "ValueError: rank 1's own mistake: a shard of the wrong shape" in message
    assert "Traceback" in message


def test_no_worker_and_no_run_directory_outlive_a_failed_run(probe):
    with pytest.raises(RuntimeError):
        parallel.ddp_train(*BATCH, worker="ddp_probe_workers.fail_on_rank_1", timeout=60)
    assert_nothing_left(probe, worker_pids(probe))


def test_a_timeout_stops_every_worker_and_removes_the_run_directory(probe):
    with pytest.raises(RuntimeError, match="did not finish within 1 s"):
        parallel.ddp_train(*BATCH, worker="ddp_probe_workers.sleep", timeout=1)
    assert_nothing_left(probe, worker_pids(probe))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_to_the_parent_stops_every_worker_and_removes_the_run_directory(probe, signum):
    script = textwrap.dedent("""
        import signal
        import numpy as np
        from dlbook import parallel
        signal.signal(signal.SIGINT, signal.default_int_handler)   # as at a terminal, whatever was inherited:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})   # disposition and mask
        parallel.ddp_train(np.zeros((4, 3), np.float32), np.array([0, 1, 0, 1]),
                           worker="ddp_probe_workers.sleep", timeout=120)
    """)
    env = dict(os.environ, TMPDIR=str(probe / "tmp"))
    parent = subprocess.Popen([sys.executable, "-c", script], env=env, stderr=subprocess.PIPE, text=True)
    try:
        pids = worker_pids(probe)
        parent.send_signal(signum)
        try:
            _, stderr = parent.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the parent ignored {signum!r} for 30 s; its signal masks: {signal_masks(parent.pid)}")
    finally:
        parent.kill()
    assert parent.returncode != 0
    assert "KeyboardInterrupt" in stderr or "Terminated" in stderr, stderr
    assert_nothing_left(probe, pids)


def test_a_worker_that_is_not_a_dotted_function_name_is_refused():
    with pytest.raises(ValueError, match="dotted name"):
        parallel.ddp_train(*BATCH, worker="ddp_worker")
