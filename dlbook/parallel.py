"""Devices and data parallelism: where a step runs, gradient averaging by hand, torch.distributed for real.

Data parallelism: K workers hold copies (replicas) of one model; each computes the gradient of the
mean loss on its own shard of the global batch; the gradients are averaged (an all-reduce) and every
replica takes the same optimizer step. With equal shards of size B/K and a mean-reduced loss

    grad L(batch) = 1/B sum_i grad l_i = 1/K sum_k (K/B sum_{i in shard k} grad l_i) = 1/K sum_k grad L(shard k),

so the average of the shard gradients is the full-batch gradient. With unequal shards the plain mean
is off: weight shard k by its size n_k / B (`average_gradients(..., weights=sizes)`).

Sections: devices (`available_devices`, `torch_device_with`); timing (`timing_table`, torch on each
device); gradient averaging (`split_batch`, `replicate`, `shard_gradients`, `average_gradients`,
backend-agnostic: the backend is read off the model); DistributedDataParallel (`ddp_train`, which
starts processes that talk over 127.0.0.1 only, and `train_single_process`, its reference); the
linear scaling rule for large batches (`scaling_rule_runs`).

torch is imported inside the functions that need it: the gradient-averaging part runs on either backend.
"""

import contextlib
import copy
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from . import backend_of, models
from .measure import best_of, format_seconds
from .state import numpy_state
from .train import evaluate, fit

LOOPBACK = "127.0.0.1"

# ---------------------------------------------------------------- devices


def available_devices():
    """The torch devices of this machine in the order dlbook prefers them: every CUDA GPU
    ('cuda:0', 'cuda:1', ...), then Apple's 'mps', then 'cpu' (always last, always there): the torch
    backend's own list (dlbook.torch.tensor.available_devices), which DLBOOK_DEVICE is checked against."""
    from .torch.tensor import available_devices as torch_available_devices

    return torch_available_devices()


def torch_device_with(dlbook_device=None):
    """The device the torch backend picks when DLBOOK_DEVICE is `dlbook_device` (None: unset), by
    calling the very function dlbook.torch runs once, at import, with the variable set that way.
    An already imported backend keeps its device: set the variable before importing (or restart)."""
    from .torch.tensor import pick_device

    saved = os.environ.pop("DLBOOK_DEVICE", None)
    try:
        if dlbook_device is not None:
            os.environ["DLBOOK_DEVICE"] = dlbook_device
        return str(pick_device())
    finally:
        os.environ.pop("DLBOOK_DEVICE", None)
        if saved is not None:
            os.environ["DLBOOK_DEVICE"] = saved


# ---------------------------------------------------------------- timing


def _synchronize(device):
    """Wait until the device has finished its queued work: GPU calls return before the GPU is done."""
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def best_seconds(fn, device, repeats=3):
    """The shortest wall time of fn() over `repeats` calls, after one warm-up
    call (which pays one-off costs: CUDA context, kernel choice, memory pools).
    The device is synchronized before the clock stops: queued GPU work counts.
    """
    import torch

    device = torch.device(device)
    return best_of(fn, repeats, wait=lambda: _synchronize(device)).wall    # wait until the GPU is done


def matmul_seconds(n, device, repeats=3, seed=0):
    """Time of one float32 matrix product (n, n) @ (n, n) on `device`: 2 n^3 floating-point operations."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    a = torch.randn(n, n, generator=generator).to(device)
    b = torch.randn(n, n, generator=generator).to(device)
    return best_seconds(lambda: a @ b, device, repeats)


def train_step_seconds(width, device, batch_size=256, repeats=3, seed=0):
    """Time of one SGD step (forward, backward, update) of the torch.nn MLP
    width -> width -> ReLU -> width -> 10 on a batch of `batch_size` random inputs on `device`."""
    import torch

    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(width, width), torch.nn.ReLU(), torch.nn.Linear(width, width),
                                torch.nn.ReLU(), torch.nn.Linear(width, 10)).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(batch_size, width).to(device)
    y = torch.randint(0, 10, (batch_size,)).to(device)

    def step():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()

    return best_seconds(step, device, repeats)


@dataclass
class Timing:
    """One row of the timing table: a case ('matmul' or 'train step') at one size (n of an n x n product,
    or the MLP's width with batch_size), and its time in seconds on each device {device: seconds}."""

    case: str
    size: int
    seconds: dict
    batch_size: int | None = None

    @property
    def label(self):
        return f"{self.size} x {self.size}" if self.case == "matmul" else f"width {self.size}, batch {self.batch_size}"


def timing_table(devices=None, matmul_sizes=(256, 512, 1024), widths=(256, 512, 1024), batch_size=256,
                 repeats=3):
    """Time matrix products (n x n) and MLP training steps (width, batch_size) with torch on each
    device (default: the CPU and the first GPU if there is one). Returns a list of Timing."""
    if devices is None:
        gpus = [device for device in available_devices() if device != "cpu"]
        devices = ["cpu", *gpus[:1]]
    rows = []
    for n in matmul_sizes:
        rows.append(Timing("matmul", n, {device: matmul_seconds(n, device, repeats) for device in devices}))
    for width in widths:
        seconds = {device: train_step_seconds(width, device, batch_size, repeats) for device in devices}
        rows.append(Timing("train step", width, seconds, batch_size))
    return rows


def _html_row(tag, values):
    return "<tr>" + "".join(f"<{tag}>{value}</{tag}>" for value in values) + "</tr>"


def format_timing_table(rows, html=False):
    """The rows of timing_table as a Markdown table (html=True: an HTML table, for a notebook or a
    book page); a speed-up column (CPU time / device time) for every device other than the CPU."""
    devices = list(rows[0].seconds)
    others = [device for device in devices if device != "cpu"] if "cpu" in devices else []
    header = ["case", "size", *[f"torch on {device}" for device in devices], *[f"speed-up {d}" for d in others]]
    body = [[row.case, row.label, *[format_seconds(row.seconds[device]) for device in devices],
             *[f"{row.seconds['cpu'] / row.seconds[device]:.1f}x" for device in others]] for row in rows]
    if html:
        lines = [_html_row("th", header), *[_html_row("td", values) for values in body]]
        return "<table>\n" + "\n".join(lines) + "\n</table>"
    lines = ["| " + " | ".join(header) + " |", "|---|---|" + "---:|" * (len(header) - 2)]
    lines += ["| " + " | ".join(values) + " |" for values in body]
    return "\n".join(lines)


# ---------------------------------------------------------------- gradient averaging by hand


def split_batch(x, y, n_shards):
    """Split a batch (x, y) into n_shards consecutive shards, as NumPy arrays: [(x_0, y_0), ...].
    Sizes differ by at most one (np.array_split) when n_shards does not divide the batch."""
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x and y must hold one sample per row each: x has {len(x)}, y has {len(y)}")
    if not 1 <= n_shards <= len(x):
        raise ValueError(f"n_shards must be between 1 and the batch size {len(x)}, got {n_shards}")
    return list(zip(np.array_split(x, n_shards), np.array_split(y, n_shards)))


def replicate(model, n_replicas):
    """n_replicas independent copies of model (the workers' replicas): the same weights, their own
    gradients. Graph tensors that a forward pass cached (torch backend) are not copied."""
    cached_graph = {}
    for module in model.modules():
        for value in vars(module).values():
            if getattr(value, "grad_fn", None) is not None:        # part of an autograd graph: leave it
                cached_graph[id(value)] = None
    return [copy.deepcopy(model, dict(cached_graph)) for _ in range(n_replicas)]


def gradients(model):
    """{parameter name: a NumPy copy of its .grad} (zeros where backward left no gradient)."""
    dl = backend_of(model)
    return {name: (np.zeros(param.shape, dtype=dl.to_numpy(param.data).dtype) if param.grad is None
                   else np.array(dl.to_numpy(param.grad)))
            for name, param in model.named_parameters()}


def shard_gradients(model, loss_fn, x, y, n_shards):
    """The gradients that K = n_shards workers compute: split (x, y) into K
    shards; worker k runs its own replica of model forward, takes the mean loss
    L(shard k) and calls backward. Returns K dicts {parameter name: dL(shard k)
    / dparameter} (NumPy arrays); the model itself is left untouched."""
    dl = backend_of(model)
    replicas = replicate(model, n_shards)
    grads = []
    for replica, (x_k, y_k) in zip(replicas, split_batch(x, y, n_shards)):
        replica.zero_grad()
        loss_fn(replica(dl.asarray(x_k)), dl.asarray(y_k))   # L(shard k)
        replica.backward(loss_fn.backward())
        grads.append(gradients(replica))
    return grads


def average_gradients(grad_dicts, weights=None):
    """The all-reduce of data parallelism, per parameter:
    sum_k w_k g_k / sum_k w_k, in float64. weights=None: the plain mean
    1/K sum_k g_k (right for equal shards); pass the shard sizes otherwise."""
    if not grad_dicts:
        raise ValueError("average_gradients needs at least one gradient dict")
    K = len(grad_dicts)
    weights = np.ones(K) if weights is None else np.asarray(weights, np.float64)
    if weights.shape != (K,):
        raise ValueError(f"one weight per gradient dict: {K} dicts, "
                         f"weights of shape {weights.shape}")
    names = list(grad_dicts[0])
    for grads in grad_dicts[1:]:
        if list(grads) != names:
            raise ValueError(f"gradient dicts name different parameters: "
                             f"{names} and {list(grads)}")
    return {name: sum(w_k * np.asarray(g_k[name], np.float64)
                      for w_k, g_k in zip(weights, grad_dicts)) / weights.sum()
            for name in names}


def max_difference(grads_a, grads_b):
    """The largest absolute difference between two dicts of arrays with the same names."""
    return max(float(np.max(np.abs(np.asarray(grads_a[name], np.float64) - np.asarray(grads_b[name], np.float64))))
               for name in grads_a)


# ---------------------------------------------------------------- DistributedDataParallel


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def loopback_interface():
    """The name of the loopback network interface ('lo' on Linux, 'lo0' on macOS), for gloo."""
    names = [name for _, name in socket.if_nameindex()]
    for name in ("lo", "lo0", *names):
        if name in names and name.startswith("lo"):
            return name
    raise RuntimeError(f"no loopback network interface among {names}")


def make_mlp(n_in, n_hidden, n_out, seed=0):
    """The model of the DDP runs: Linear(n_in, n_hidden) - Tanh - Linear(n_hidden, n_out), built by
    dlbook.models.mlp on the torch backend (a torch.nn.Module), on the CPU; the same seed gives the same
    weights in every process."""
    from . import torch as torch_backend

    return models.mlp(torch_backend, (n_in, n_hidden, n_out), "tanh", seed=seed).cpu()


def sgd_steps(model, x, y, steps, lr):
    """`steps` steps of SGD on the batch (x, y) with the mean cross-entropy.
    The same code trains a plain model and a DistributedDataParallel one.
    Returns the loss of every step."""
    import torch

    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()          # under DDP: also all-reduces the gradients
        optimizer.step()
        losses.append(loss.item())
    return losses


def loopback_store(rank, world_size, timeout=timedelta(seconds=60)):
    """The rendezvous of the processes: a torch.distributed.TCPStore at MASTER_ADDR:MASTER_PORT, served
    by rank 0, where every rank posts and reads the addresses it needs. Rank 0 opens the listening socket
    itself, on MASTER_ADDR alone (the store's own server would listen on every network interface)."""
    import torch.distributed as dist

    host, port = os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"])
    if rank != 0:
        return dist.TCPStore(host, port, world_size, is_master=False, timeout=timeout)
    listener = socket.create_server((host, port))
    return dist.TCPStore(host, port, world_size, is_master=True, timeout=timeout, master_listen_fd=listener.detach())


def ddp_worker(run_dir):
    """One process of data-parallel training, written as a torchrun script:
    its rank and the world size come from the environment (RANK, WORLD_SIZE,
    MASTER_ADDR, MASTER_PORT); the global batch and the settings from run_dir.
    Trains on this rank's shard and saves its weights and losses in run_dir."""
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    settings, X, Y = _load_run(run_dir)
    rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    store = loopback_store(rank, world_size)      # torchrun makes its own
    dist.init_process_group(settings["backend"], store=store, rank=rank,
                            world_size=world_size)
    try:
        device = torch.device("cpu")
        if settings["backend"] == "nccl":             # one GPU per process
            device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
            torch.cuda.set_device(device)
        x_k, y_k = split_batch(X, Y, world_size)[rank]   # this rank's shard
        model = make_mlp(X.shape[1], settings["n_hidden"], int(Y.max()) + 1,
                         settings["seed"]).to(device)
        model = DistributedDataParallel(model)   # copies rank 0's weights
        x_k = torch.as_tensor(x_k, device=device)
        y_k = torch.as_tensor(y_k, device=device)
        losses = sgd_steps(model, x_k, y_k, settings["steps"], settings["lr"])
        np.savez(os.path.join(run_dir, f"rank{rank}.npz"),
                 losses=np.array(losses), **numpy_state(model.module))
    finally:
        dist.destroy_process_group()


def _load_run(run_dir):
    """The settings (a dict) and the global batch X, Y that ddp_train saved in run_dir."""
    with open(os.path.join(run_dir, "settings.json")) as file:
        settings = json.load(file)
    with np.load(os.path.join(run_dir, "batch.npz")) as batch:
        return settings, batch["X"], batch["Y"]


@dataclass
class DDPResult:
    """The final weights {name: NumPy array} (every rank holds the same) and the losses per step of each
    rank on its own shard (one list per rank)."""

    weights: dict
    losses: list


def rank_environment(rank, world_size, port, backend="gloo"):
    """The variables torchrun would set for one process (RANK, WORLD_SIZE, ...), with MASTER_ADDR 127.0.0.1,
    and the backend's network interface pinned to loopback: nothing leaves this machine."""
    loopback = loopback_interface()
    return dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world_size),
                LOCAL_WORLD_SIZE=str(world_size), MASTER_ADDR=LOOPBACK, MASTER_PORT=str(port), OMP_NUM_THREADS="1",
                GLOO_SOCKET_IFNAME=loopback, NCCL_SOCKET_IFNAME=loopback)


def ddp_train(X, Y, world_size=2, steps=5, lr=0.5, n_hidden=16, seed=0, backend="gloo", timeout=120,
              worker="dlbook.parallel.ddp_worker"):
    """Train make_mlp with torch.distributed's DistributedDataParallel in `world_size` processes.

    Starts world_size Python processes running `worker` (default ddp_worker; a dotted name of any
    function taking the run directory), as torchrun would on one machine: they meet at 127.0.0.1 on a
    free port, and each trains on its shard of the global batch (X, Y):
    X float32 (B, features), Y int64 class labels (B,), B divisible by world_size.
    backend: 'gloo' (CPU) or 'nccl' (one GPU per process).
    Returns a DDPResult; its weights equal those of train_single_process on the whole batch.

    Fails loudly and cleans up: when a worker fails, the error carries the traceback of the rank that
    failed first (the others then fail only because a peer is gone); on any exception, Ctrl-C or
    SIGTERM, every worker is stopped and the run directory (which holds the batch) is removed."""
    X, Y = np.asarray(X, dtype=np.float32), np.asarray(Y, dtype=np.int64)
    if len(X) % world_size:
        raise ValueError(f"the global batch ({len(X)}) must split into {world_size} equal shards: with a mean "
                         "loss, the average of unequal shards' gradients is not the full-batch gradient")
    settings = {"steps": steps, "lr": lr, "n_hidden": n_hidden, "seed": seed, "backend": backend}
    module, _, function = worker.rpartition(".")
    code = f"import sys, {module}; {worker}(sys.argv[1])" if module else None
    if code is None or not function.isidentifier():
        raise ValueError(f"worker must be the dotted name of a function, e.g. 'dlbook.parallel.ddp_worker', "
                         f"got {worker!r}")
    with stop_on_sigterm(), tempfile.TemporaryDirectory(prefix="dlbook-ddp-") as run_dir:
        np.savez(os.path.join(run_dir, "batch.npz"), X=X, Y=Y)
        with open(os.path.join(run_dir, "settings.json"), "w") as file:
            json.dump(settings, file)
        with worker_processes(code, run_dir, world_size, free_port(), backend) as processes:
            wait_for_workers(processes, run_dir, timeout)
        ranks = []
        for rank in range(world_size):
            with np.load(os.path.join(run_dir, f"rank{rank}.npz")) as saved:
                ranks.append({name: saved[name] for name in saved.files})
    losses = [rank.pop("losses").tolist() for rank in ranks]
    for rank, weights in enumerate(ranks[1:], start=1):
        if max_difference(ranks[0], weights) != 0.0:
            raise RuntimeError(f"rank {rank} ended with weights different from rank 0's: the replicas diverged")
    return DDPResult(ranks[0], losses)


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived while ddp_train ran (a KeyboardInterrupt, so that only cleanup code runs)."""


@contextlib.contextmanager
def stop_on_sigterm():
    """Within the block, SIGTERM raises Terminated instead of ending the process at once, so that the
    `finally` blocks run: the workers are stopped and the run directory removed. Outside the main
    thread (where Python cannot set signal handlers) the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum, frame):
        raise Terminated(f"signal {signum} (SIGTERM): DDP workers stopped, run directory removed")

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def die_with_parent():
    """In a worker, before it runs: ask Linux to send it SIGKILL when its parent dies, even by SIGKILL
    (which no handler sees). A no-op elsewhere."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)      # PR_SET_PDEATHSIG = 1


@contextlib.contextmanager
def worker_processes(code, run_dir, world_size, port, backend):
    """Start world_size processes running `code` with run_dir, each with its rank's environment and its
    output in run_dir/rank<k>.log; on leaving the block, for any reason, stop those still running."""
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))      # dlbook's parent
    processes = []
    try:
        for rank in range(world_size):
            env = rank_environment(rank, world_size, port, backend)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
            with open(os.path.join(run_dir, f"rank{rank}.log"), "w") as log:
                processes.append(subprocess.Popen([sys.executable, "-c", code, run_dir], stdout=log,
                                                  stderr=subprocess.STDOUT, env=env, preexec_fn=die_with_parent))
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        for process in processes:
            process.wait()


def wait_for_workers(processes, run_dir, timeout, poll_seconds=0.05, grace_seconds=2.0):
    """Wait until every worker has exited 0. When one fails, the others (which then fail only because a
    peer is gone) get grace_seconds to exit, and a RuntimeError reports the rank that failed first, with
    its log (its traceback), and the exit codes of all. A timeout raises RuntimeError too."""
    deadline = time.monotonic() + timeout
    failed = []                                     # ranks in the order their failure was seen
    while True:
        codes = [process.poll() for process in processes]
        failed += [rank for rank, code in enumerate(codes) if code not in (None, 0) and rank not in failed]
        if all(code == 0 for code in codes):
            return
        if failed:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"DDP workers did not finish within {timeout} s (still running: ranks "
                               f"{[rank for rank, code in enumerate(codes) if code is None]})")
        time.sleep(poll_seconds)
    grace_end = time.monotonic() + grace_seconds
    while time.monotonic() < grace_end and any(process.poll() is None for process in processes):
        time.sleep(poll_seconds)
    first = failed[0]
    with open(os.path.join(run_dir, f"rank{first}.log")) as log:
        traceback = log.read()[-8000:]
    codes = {rank: process.poll() for rank, process in enumerate(processes)}
    raise RuntimeError(f"DDP worker of rank {first} failed first (exit code {codes[first]}; exit codes of all "
                       f"ranks: {codes}). Its output:\n{traceback}")


def train_single_process(X, Y, steps=5, lr=0.5, n_hidden=16, seed=0):
    """The reference for ddp_train: the same model and steps in this process, on the whole batch.
    Returns a DDPResult with one list of losses (the whole batch's)."""
    import torch

    X, Y = np.asarray(X, dtype=np.float32), np.asarray(Y, dtype=np.int64)
    model = make_mlp(X.shape[1], n_hidden, int(Y.max()) + 1, seed)
    losses = sgd_steps(model, torch.as_tensor(X), torch.as_tensor(Y), steps, lr)
    return DDPResult(numpy_state(model), [losses])


# ---------------------------------------------------------------- the linear scaling rule


@dataclass
class ScalingRun:
    """One run of scaling_rule_runs: its batch size and learning rate, its History, its final loss."""

    batch_size: int
    lr: float
    history: object
    final_loss: float

    @property
    def label(self):
        return f"batch {self.batch_size}, lr {self.lr:g}"


def scaling_rule_runs(dl, X, Y, base_batch=16, base_lr=0.05, k=8, epochs=5, n_hidden=32, seed=0):
    """The linear scaling rule (Goyal et al., 2017) measured: train the same MLP
    (X.shape[1] - n_hidden - ReLU - classes) with SGD for `epochs` epochs three times:
    batch B with lr eta; batch kB with lr k eta (the rule); batch kB with lr eta (not scaled).
    Returns the three ScalingRun, in that order; final_loss is the mean loss on (X, Y) after training."""
    runs = []
    n_classes = int(np.max(Y)) + 1
    for batch_size, lr in ((base_batch, base_lr), (k * base_batch, k * base_lr), (k * base_batch, base_lr)):
        model = models.mlp(dl, (X.shape[1], n_hidden, n_classes), seed=seed)
        loss_fn = dl.CrossEntropyLoss()
        history = fit(model, loss_fn, dl.SGD(model.parameters(), lr=lr), X, Y, epochs=epochs,
                      batch_size=batch_size, seed=seed, progress=False)
        runs.append(ScalingRun(batch_size, lr, history, evaluate(model, loss_fn, X, Y)["loss"]))
    return runs

