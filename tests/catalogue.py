"""The test catalogue: every public layer, loss and optimizer of dlbook, each with its plain torch
twin and an example input (and target), in one place. The gradient-check (test_gradients), parity
(test_parity), oracle (test_torch_oracle), property (test_properties) and repr (test_reprs) suites
parametrize over it, and test_catalogue_covers_every_public_class (test_api) fails when a public
class has no case, so that a new layer cannot be forgotten.

A case is a Case:
- id: the pytest id; cls: the public class it exercises (dl.<cls>);
- build(dl, seed=0, **overrides) -> our object (optimizers: build(dl, params));
- twin(torch, **overrides) -> the plain torch.nn / torch.optim object with the same arguments (optimizers:
  twin(torch, params)); the oracle copies our state_dict into it. None where torch has none. Taking the
  torch module as an argument keeps this file importable without torch (NumPy-only tests run then);
- input_shape (layers) or input and target arrays (losses); batch_axis: where the batch is;
- random: the output depends on a random draw (Dropout in training): the oracle skips it (torch draws
  another mask), parity keeps it (the same seed gives the same mask on both backends);
- twin_is_torch_nn: False where torch.nn has no such layer and the twin is a small torch module written
  here (Residual, LastTimeStep): still an independent autograd computation for the oracle;
- parity_tol: (rtol, atol) between the backends in float32 (see test_parity.py's docstring); a
  convolution sums K = C kh kw products in another order, so its cases take 1e-4 / 1e-5
  (see test_spatial.py's docstring); recurrent cases sum over time steps and compare to the largest
  entry (parity_to_scale, see test_recurrent.py's docstring).
"""

import inspect
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import dlbook

RTOL32, ATOL32 = 1e-5, 1e-6            # float32 parity of dense layers (test_parity.py)
CONV_RTOL32, CONV_ATOL32 = 1e-4, 1e-5  # float32 parity of sums of C kh kw products (test_spatial.py)
SCALED32 = 1e-5                        # float32 parity of recurrent layers, relative to the largest entry

# classes of the API that are no case of their own: the base classes every case derives from
ABSTRACT = {"Module": "the base class of every layer", "Optimizer": "the base class of every optimizer"}


@dataclass(frozen=True)
class Case:
    id: str
    cls: str
    build: Callable[..., Any]
    twin: Callable[..., Any] | None
    kind: str = "layer"                          # "layer", "loss" or "optimizer"
    input_shape: tuple | None = None
    input: np.ndarray | None = None
    target: np.ndarray | None = None
    kwargs: dict = field(default_factory=dict)   # optimizers: the constructor's keyword arguments
    batch_axis: int = 0
    random: bool = False
    twin_is_torch_nn: bool = True
    parity_tol: tuple = (RTOL32, ATOL32)
    parity_to_scale: float | None = None
    trajectory: bool = False                     # optimizers: also trained on a model in test_parity

    def __repr__(self):
        return self.id


def params(cases):
    """pytest.param(case, id=case.id) for each case: parametrize("case", params(LAYERS))."""
    import pytest

    return [pytest.param(case, id=case.id) for case in cases]


# ---------------------------------------------------------------- helpers the suites share


def to_array(x):
    """A NumPy array of a backend array, a torch tensor or a Parameter."""
    if hasattr(x, "detach"):                                      # a torch tensor or Parameter
        return x.detach().cpu().numpy()
    return np.asarray(x.data if hasattr(x, "grad") else x)        # a NumPy Parameter or array


def outputs(y):
    """A layer's outputs as a list: [y], or [out, h_n] / [out, h_n, c_n] for a recurrent layer."""
    if isinstance(y, tuple):
        out, states = y
        return [out, *(states if isinstance(states, tuple) else (states,))]
    return [y]


def example_input(case, seed=0):
    """The case's input: N(0.5, 2) (no value within 1e-6 of ReLU's kink, no ties in a pooling window)."""
    return np.random.default_rng(seed).normal(0.5, 2.0, case.input_shape)


def output_gradients(ys, seed=1):
    """One random dL/dy per output, of its shape."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(tuple(y.shape)) for y in ys]


def forward_backward(dl, layer, x, dys=None, seed=1):
    """Outputs, dL/dx and every parameter's gradient (NumPy arrays) of a dlbook layer for dL/dy = dys
    (random ones when None); a recurrent layer gets one gradient per output (out, h_n [, c_n])."""
    ys = outputs(layer(dl.asarray(x)))
    dys = output_gradients(ys, seed) if dys is None else dys
    grad_input = layer.backward(*[dl.asarray(dy) for dy in dys])
    grads = {name: to_array(p.grad) for name, p in layer.named_parameters()}
    return [to_array(y) for y in ys], to_array(grad_input), grads, dys


def torch_forward_backward(torch, module, x, dys):
    """The same for a torch module, through torch autograd."""
    x = torch.tensor(x, requires_grad=True)
    ys = outputs(module(x))
    torch.autograd.backward(ys, [torch.as_tensor(dy) for dy in dys])
    grads = {name: to_array(p.grad) for name, p in module.named_parameters()}
    return [to_array(y) for y in ys], to_array(x.grad), grads


def single_output(dl, layer):
    """The recurrent layer behind one output that gradcheck can take: out (N, T, H) and every final state
    (L, N, H), flattened side by side per sequence, (N, T H + L H [+ L H]). Its backward splits dL/dy into
    dL/d(out), dL/d(h_n) (and dL/d(c_n)) and calls the layer's backward with all of them, so that the
    check covers the paths through out and through the final states. A time-first layer's out (T, N, H) is
    read as (N, T, H), so that each row is still one sequence."""

    class OutputsAndFinalStates(dl.Module):
        def __init__(self):
            super().__init__()
            self.layer = layer

        def forward(self, x):
            out, *states = [to_array(y) for y in outputs(self.layer(x))]
            out = out if self.layer.batch_first else out.swapaxes(0, 1)        # (N, T, H)
            self.out_shape = out.shape
            parts = [out.reshape(out.shape[0], -1)] + [state.swapaxes(0, 1).reshape(out.shape[0], -1)
                                                       for state in states]
            return dl.asarray(np.concatenate(parts, axis=1), dtype="float64")

        def backward(self, grad):
            n, steps, hidden = self.out_shape
            grad_out = grad[:, :steps * hidden].reshape(n, steps, hidden)
            grad_out = grad_out if self.layer.batch_first else grad_out.swapaxes(0, 1)
            states = grad[:, steps * hidden:].reshape(n, -1, self.layer.num_layers, hidden)
            grad_states = [states[:, k].swapaxes(0, 1) for k in range(states.shape[1])]
            return self.layer.backward(grad_out, *grad_states)

    return OutputsAndFinalStates()


def returns_states(case):
    return case.cls in RECURRENT_CLASSES


# ---------------------------------------------------------------- builders shared by several cases


def batchnorm(dl, *, train=True, warm_up_shape=None, **kwargs):
    """A BatchNorm1d(4) with gamma and beta away from their 1 / 0 start (same seeds on every backend),
    so that a backward that mixed them up would show; with warm_up_shape, three training batches of
    that shape move the running statistics away from 0 / 1 too."""
    layer = dl.BatchNorm1d(4, **kwargs)
    if layer.affine:
        dl.uniform(layer.weight, 0.5, 1.5, seed=1)
        dl.normal(layer.bias, 0.0, 0.5, seed=2)
    if warm_up_shape is not None:
        rng = np.random.default_rng(3)
        for _ in range(3):
            layer(dl.asarray(rng.normal(1.0, 2.0, warm_up_shape)))
    return layer.train(train)


def warmed_up_batchnorm2d(dl, **kwargs):
    """A BatchNorm2d(3) whose gamma, beta and running statistics are away from their 1 / 0 start."""
    layer = dl.BatchNorm2d(3, **kwargs)
    if layer.affine:
        dl.uniform(layer.weight, 0.5, 1.5, seed=1)
        dl.normal(layer.bias, 0.0, 0.5, seed=2)
    rng = np.random.default_rng(3)
    for _ in range(3):
        layer(dl.asarray(rng.normal(1.0, 2.0, (6, 3, 3, 2))))
    return layer


def class_indices(shape, ignore_index=None, n_classes=4, seed=1):
    """Random class indices, every class present, a third of them set to ignore_index (if given)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, n_classes, shape)
    labels.reshape(-1)[:n_classes] = np.arange(n_classes)
    if ignore_index is not None:
        labels.reshape(-1)[rng.permutation(labels.size)[: labels.size // 3]] = ignore_index
    return labels


def class_probabilities(logits_shape, seed=2):
    """Random distributions over axis 1 (the classes) of a (N, C, *) target."""
    probs = np.random.default_rng(seed).dirichlet(np.ones(logits_shape[1]), (logits_shape[0],) + logits_shape[2:])
    return np.moveaxis(probs, -1, 1)


def small_cnn(dl, seed=0):
    """The book's CNN shape at small width: conv-relu-pool twice, flatten, two dense layers."""
    return dl.Sequential(
        dl.Conv2d(1, 4, 3, padding=1, seed=seed), dl.ReLU(), dl.MaxPool2d(2),
        dl.Conv2d(4, 6, 3, padding=1, seed=seed + 1), dl.ReLU(), dl.MaxPool2d(2),
        dl.Flatten(), dl.Linear(6 * 2 * 2, 8, seed=seed + 2), dl.ReLU(), dl.Linear(8, 10, seed=seed + 3))


def torch_cnn(torch):
    """The plain torch.nn twin of small_cnn (its own initial weights: tests load ours into it)."""
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(6 * 2 * 2, 8), nn.ReLU(), nn.Linear(8, 10))


def torch_residual(torch, block):
    """Residual(block) in plain torch: x + block(x) (torch.nn has no such layer)."""

    class Residual(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = block

        def forward(self, x):
            return x + self.block(x)

    return Residual()


def torch_last_time_step(torch, batch_first=True):
    """LastTimeStep in plain torch: out[:, -1] (batch first) or out[-1] (torch.nn has no such layer)."""

    class LastTimeStep(torch.nn.Module):
        def forward(self, x):
            return x[:, -1] if batch_first else x[-1]

        def extra_repr(self):
            return f"batch_first={batch_first}"

    return LastTimeStep()


# ---------------------------------------------------------------- layers


RECURRENT_CLASSES = ("RNN", "LSTM", "GRU")
# our recurrent layers are batch first by default (DESIGN.md); torch.nn's twin is given batch_first=True
OUR_DEFAULTS = {cls: {"batch_first": True} for cls in RECURRENT_CLASSES}


def takes_seed(cls):
    return "seed" in inspect.signature(getattr(dlbook.load("numpy"), cls)).parameters


def layer(cls, *args, input_shape, id=None, train=True, batch_axis=0, **kwargs):
    """The case of dl.<cls>(*args, **kwargs) and its twin torch.nn.<cls>(*args, **kwargs) (plus our defaults
    where torch's differ); build(dl, seed, args=..., **overrides) and twin(torch, args=..., **overrides) take the
    same other positional arguments and overrides."""

    def build(dl, seed=0, args=args, **overrides):
        seeded = {"seed": seed} if takes_seed(cls) else {}
        return getattr(dl, cls)(*args, **{**kwargs, **overrides}, **seeded).train(train)

    def twin(torch, args=args, **overrides):
        return getattr(torch.nn, cls)(*args, **{**OUR_DEFAULTS.get(cls, {}), **kwargs, **overrides}).train(train)

    extra = {}
    if cls in RECURRENT_CLASSES:
        extra = dict(parity_to_scale=SCALED32)
    if cls == "Conv2d":
        extra = dict(parity_tol=(CONV_RTOL32, CONV_ATOL32))
    if cls == "Dropout" and train:
        extra = dict(random=True)
    return Case(id or cls, cls, build, twin, input_shape=input_shape, batch_axis=batch_axis, **extra)


def model(id, cls, build, twin, input_shape, **extra):
    """A case built by hand: build(dl, seed=0) and twin(torch)."""
    return Case(id, cls, build, twin, input_shape=input_shape, **extra)


LAYERS = [
    # dense
    layer("Linear", 4, 3, input_shape=(5, 4)),
    layer("Linear", 4, 3, bias=False, id="Linear-no-bias", input_shape=(5, 4)),
    layer("Linear", 4, 3, id="Linear-3d-input", input_shape=(2, 5, 4)),
    layer("Linear", 4, 3, bias=False, id="Linear-no-bias-3d-input", input_shape=(2, 5, 4)),
    layer("Dropout", 0.3, id="Dropout-p0.3-train", input_shape=(6, 5)),
    layer("Dropout", 0.3, id="Dropout-eval", train=False, input_shape=(6, 5)),
    # BatchNorm1d: gamma, beta and the running statistics away from their start (builders above)
    *[model(f"BatchNorm1d-{mode}-{dims}", "BatchNorm1d",
            lambda dl, seed=0, mode=mode, shape=shape: batchnorm(dl, train=mode == "train",
                                                                 warm_up_shape=(8,) + shape[1:]),
            lambda torch, mode=mode: torch.nn.BatchNorm1d(4).train(mode == "train"), shape)
      for mode, (dims, shape) in itertools.product(["train", "eval"], [("2d", (6, 4)), ("3d", (5, 4, 3))])],
    model("BatchNorm1d-eps-momentum", "BatchNorm1d",
          lambda dl, seed=0: batchnorm(dl, warm_up_shape=(8, 4), eps=1e-2, momentum=0.3),
          lambda torch: torch.nn.BatchNorm1d(4, eps=1e-2, momentum=0.3), (6, 4)),
    *[model(f"BatchNorm1d-affine-False-{mode}", "BatchNorm1d",
            lambda dl, seed=0, mode=mode: batchnorm(dl, train=mode == "train", warm_up_shape=(8, 4), affine=False),
            lambda torch, mode=mode: torch.nn.BatchNorm1d(4, affine=False).train(mode == "train"), (6, 4))
      for mode in ["train", "eval"]],
    model("BatchNorm1d-untracked-train", "BatchNorm1d",
          lambda dl, seed=0: batchnorm(dl, warm_up_shape=(8, 4), track_running_stats=False),
          lambda torch: torch.nn.BatchNorm1d(4, track_running_stats=False), (6, 4)),
    model("BatchNorm1d-untracked-eval-uses-batch-stats", "BatchNorm1d",
          lambda dl, seed=0: batchnorm(dl, train=False, warm_up_shape=(8, 4, 3), track_running_stats=False),
          lambda torch: torch.nn.BatchNorm1d(4, track_running_stats=False).eval(), (5, 4, 3)),
    # activations
    layer("Sigmoid", input_shape=(5, 4)),
    layer("Tanh", input_shape=(5, 4)),
    layer("ReLU", input_shape=(5, 4)),
    layer("LeakyReLU", id="LeakyReLU-default", input_shape=(5, 4)),
    layer("LeakyReLU", 0.2, id="LeakyReLU-0.2", input_shape=(5, 4)),
    layer("GELU", input_shape=(5, 4)),
    layer("GELU", approximate="tanh", id="GELU-tanh", input_shape=(5, 4)),
    layer("Softmax", dim=0, id="Softmax-dim0", input_shape=(5, 4)),
    layer("Softmax", dim=1, id="Softmax-dim1", input_shape=(5, 4)),
    layer("Softmax", dim=-1, id="Softmax-dim-1-3d", input_shape=(2, 3, 4)),
    # dense models
    model("Sequential-MLP-Tanh-GELU-Softmax", "Sequential", lambda dl, seed=0: dl.Sequential(
        dl.Linear(4, 8, seed=seed), dl.Tanh(), dl.Linear(8, 8, seed=seed + 1), dl.GELU(),
        dl.Linear(8, 3, seed=seed + 2), dl.Softmax(dim=1)),
        lambda torch: torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                                          torch.nn.GELU(), torch.nn.Linear(8, 3), torch.nn.Softmax(dim=1)), (5, 4)),
    # a Linear before a BatchNorm1d in training has no bias: its gradient would be 0 (the batch mean takes it
    # away), which central differences cannot check in relative terms
    model("Sequential-MLP-BatchNorm-GELU-Softmax", "Sequential", lambda dl, seed=0: dl.Sequential(
        dl.Linear(4, 8, bias=False, seed=seed), dl.BatchNorm1d(8), dl.ReLU(), dl.Linear(8, 8, seed=seed + 2), dl.GELU(),
        dl.Linear(8, 3, seed=seed + 3), dl.Softmax(dim=1)),
        lambda torch: torch.nn.Sequential(torch.nn.Linear(4, 8, bias=False), torch.nn.BatchNorm1d(8),
                                          torch.nn.ReLU(), torch.nn.Linear(8, 8), torch.nn.GELU(),
                                          torch.nn.Linear(8, 3), torch.nn.Softmax(dim=1)), (6, 4)),
    model("Sequential-MLP-BatchNorm-Dropout", "Sequential", lambda dl, seed=0: dl.Sequential(
        dl.Linear(4, 8, bias=False, seed=seed), dl.BatchNorm1d(8), dl.ReLU(), dl.Dropout(0.3, seed=seed + 1),
        dl.Linear(8, 3, seed=seed + 2)),
        lambda torch: torch.nn.Sequential(torch.nn.Linear(4, 8, bias=False), torch.nn.BatchNorm1d(8), torch.nn.ReLU(),
                                          torch.nn.Dropout(0.3), torch.nn.Linear(8, 3)), (6, 4), random=True),
    model("Sequential-MLP-BatchNorm-Dropout-GELU", "Sequential", lambda dl, seed=0: dl.Sequential(
        dl.Linear(4, 8, bias=False, seed=seed), dl.BatchNorm1d(8), dl.ReLU(), dl.Dropout(0.3, seed=seed + 1),
        dl.Linear(8, 8, seed=seed + 2), dl.GELU(), dl.Linear(8, 3, seed=seed + 3)),
        lambda torch: torch.nn.Sequential(torch.nn.Linear(4, 8, bias=False), torch.nn.BatchNorm1d(8), torch.nn.ReLU(),
                                          torch.nn.Dropout(0.3), torch.nn.Linear(8, 8), torch.nn.GELU(),
                                          torch.nn.Linear(8, 3)), (6, 4), random=True),
    model("Sequential-nested", "Sequential", lambda dl, seed=0: dl.Sequential(
        dl.Linear(4, 8, seed=seed), dl.ReLU(), dl.Sequential(dl.Linear(8, 3, seed=seed + 1), dl.Dropout(0.2)),
        dl.Sigmoid()).eval(),
        lambda torch: torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
                                          torch.nn.Sequential(torch.nn.Linear(8, 3), torch.nn.Dropout(0.2)),
                                          torch.nn.Sigmoid()).eval(), (5, 4)),
    # spatial. The NumPy Conv2d has several ways to the same numbers (im2col layout, col2im by offsets or
    # by np.add.at, dL/dx as a full convolution): the ids name the one taken.
    layer("Conv2d", 3, 4, 3, padding=1, id="Conv2d-3x3-pad1-channels-last-full-conv", input_shape=(2, 3, 5, 5)),
    layer("Conv2d", 3, 2, 3, id="Conv2d-no-padding-full-conv", input_shape=(2, 3, 5, 6)),
    layer("Conv2d", 1, 3, 3, padding=1, id="Conv2d-1-channel-channels-first-offset-loop", input_shape=(2, 1, 4, 17)),
    layer("Conv2d", 1, 3, 3, id="Conv2d-1-channel-channels-first-add-at", input_shape=(2, 1, 6, 6)),
    layer("Conv2d", 2, 5, (3, 2), stride=(2, 1), padding=(1, 0), id="Conv2d-rectangular-stride-padding",
          input_shape=(2, 2, 7, 6)),
    layer("Conv2d", 4, 20, 2, stride=2, bias=False, id="Conv2d-stride2-no-bias-channels-last-add-at",
          input_shape=(2, 4, 6, 6)),
    layer("Conv2d", 16, 2, 3, stride=2, padding=1, id="Conv2d-16-channels-stride2-channels-last-offset-loop",
          input_shape=(1, 16, 5, 5)),
    layer("MaxPool2d", 2, id="MaxPool2d-2", input_shape=(2, 3, 6, 6)),
    layer("MaxPool2d", 2, id="MaxPool2d-2-odd-size", input_shape=(2, 2, 5, 7)),
    layer("MaxPool2d", 3, stride=1, padding=1, id="MaxPool2d-3-stride1-pad1-overlapping", input_shape=(2, 2, 5, 5)),
    layer("MaxPool2d", (2, 3), stride=(1, 2), id="MaxPool2d-rectangular", input_shape=(2, 2, 5, 7)),
    layer("AvgPool2d", 2, id="AvgPool2d-2", input_shape=(2, 3, 6, 6)),
    layer("AvgPool2d", 3, stride=2, padding=1, id="AvgPool2d-3-stride2-pad1", input_shape=(2, 2, 7, 6)),
    layer("AvgPool2d", (3, 2), stride=1, id="AvgPool2d-rectangular-overlapping", input_shape=(2, 2, 5, 5)),
    layer("Flatten", input_shape=(2, 3, 4, 5)),
    layer("Flatten", 2, 3, id="Flatten-2-3", input_shape=(2, 3, 4, 5)),
    layer("BatchNorm2d", 3, id="BatchNorm2d-train", input_shape=(4, 3, 3, 2)),
    model("BatchNorm2d-eval", "BatchNorm2d", lambda dl, seed=0: warmed_up_batchnorm2d(dl).eval(),
          lambda torch: torch.nn.BatchNorm2d(3).eval(), (4, 3, 3, 2)),
    layer("BatchNorm2d", 3, affine=False, id="BatchNorm2d-affine-False", input_shape=(4, 3, 3, 2)),
    model("CNN", "Sequential", lambda dl, seed=0: small_cnn(dl, seed), torch_cnn, (3, 1, 8, 8),
          parity_tol=(CONV_RTOL32, CONV_ATOL32)),
    # sequences: x (N, T, D) -> out (N, T, H), h_n (L, N, H) [, c_n]
    layer("RNN", 3, 4, input_shape=(2, 5, 3)),
    layer("RNN", 3, 4, nonlinearity="relu", id="RNN-relu", input_shape=(2, 5, 3)),
    layer("LSTM", 3, 4, input_shape=(2, 5, 3)),
    layer("GRU", 3, 4, input_shape=(2, 5, 3)),
    layer("RNN", 3, 4, num_layers=2, id="RNN-2-layers", input_shape=(2, 5, 3)),
    layer("LSTM", 3, 4, num_layers=2, bias=False, id="LSTM-2-layers-no-bias", input_shape=(2, 5, 3)),
    layer("GRU", 3, 4, num_layers=2, batch_first=False, id="GRU-2-layers-time-first", input_shape=(5, 2, 3),
          batch_axis=1),
    model("LastTimeStep", "LastTimeStep", lambda dl, seed=0: dl.LastTimeStep(), torch_last_time_step, (3, 5, 4),
          twin_is_torch_nn=False),
    model("LastTimeStep-time-first", "LastTimeStep", lambda dl, seed=0: dl.LastTimeStep(batch_first=False),
          lambda torch: torch_last_time_step(torch, batch_first=False), (5, 3, 4), batch_axis=1,
          twin_is_torch_nn=False),
    model("Sequential-LSTM-LastTimeStep-Linear", "Sequential", lambda dl, seed=0: dl.Sequential(
        dl.LSTM(2, 4, seed=seed), dl.LastTimeStep(), dl.Linear(4, 3, seed=seed + 1)), None, (3, 5, 2),
        parity_to_scale=SCALED32),
    # residual blocks
    model("Residual-Linear-ReLU", "Residual",
          lambda dl, seed=0: dl.Residual(dl.Sequential(dl.Linear(4, 4, seed=seed), dl.ReLU())),
          lambda torch: torch_residual(torch, torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU())), (5, 4),
          twin_is_torch_nn=False),
    model("Residual-Linear-Tanh-Linear", "Residual", lambda dl, seed=0: dl.Residual(dl.Sequential(
        dl.Linear(4, 8, seed=seed), dl.Tanh(), dl.Linear(8, 4, seed=seed + 1))),
        lambda torch: torch_residual(torch, torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(),
                                                                torch.nn.Linear(8, 4))), (6, 4),
        twin_is_torch_nn=False),
]


# ---------------------------------------------------------------- losses

CLASS_WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])
POS_WEIGHT = np.array([3.0, 0.5, 1.0, 2.0])
REDUCTIONS = ("mean", "sum", "none")
DIMS = [("2d", (6, 4)), ("3d", (3, 4, 5))]                    # logits (N, C) and (N, C, L)


def loss(id, cls, x, target, **kwargs):
    """The case of dl.<cls>(**kwargs) on (x, target), and torch.nn.<cls> with the arrays as tensors."""

    def build(dl, seed=0):
        return getattr(dl, cls)(**kwargs)

    def twin(torch):
        return getattr(torch.nn, cls)(**{key: torch.as_tensor(value) if isinstance(value, np.ndarray) else value
                                         for key, value in kwargs.items()})

    return Case(id, cls, build, twin, kind="loss", input=x, target=target)


def _losses():
    rng = np.random.default_rng(0)
    cases = []
    for reduction, (dims, shape) in itertools.product(REDUCTIONS, DIMS):
        cases.append(loss(f"MSELoss-{reduction}-{dims}", "MSELoss", rng.standard_normal(shape),
                          rng.standard_normal(shape), reduction=reduction))
    weightings = [("plain", {}), ("weight", dict(weight=CLASS_WEIGHT)), ("pos_weight", dict(pos_weight=POS_WEIGHT)),
                  ("weight-pos_weight", dict(weight=CLASS_WEIGHT, pos_weight=POS_WEIGHT))]
    for targets, (weighting, weights), reduction in itertools.product(["soft", "hard"], weightings, REDUCTIONS):
        x = 4 * rng.standard_normal((6, 4))                       # logits up to ~10: the stable form matters
        target = rng.random((6, 4)) if targets == "soft" else (rng.random((6, 4)) > 0.5).astype(float)
        cases.append(loss(f"BCEWithLogitsLoss-{targets}-{weighting}-{reduction}", "BCEWithLogitsLoss", x, target,
                          **weights, reduction=reduction))
    # ignore: (id, ignore_index given to the loss, value written into a third of the targets)
    ignores = [("no-ignored", None, None), ("ignore_index-2", 2, 2), ("default-minus-100", None, -100)]
    for weighted, (ignore_id, ignore_index, ignored), smoothing, reduction, (dims, shape) in itertools.product(
            [False, True], ignores, [0.0, 0.15], REDUCTIONS, DIMS):
        kwargs = dict(reduction=reduction, label_smoothing=smoothing)
        kwargs.update({"weight": CLASS_WEIGHT} if weighted else {})
        kwargs.update({} if ignore_index is None else {"ignore_index": ignore_index})
        cases.append(loss(f"CrossEntropyLoss-indices-{'weight' if weighted else 'unweighted'}-{ignore_id}-"
                          f"smoothing{smoothing}-{reduction}-{dims}", "CrossEntropyLoss", rng.standard_normal(shape),
                          class_indices(shape[:1] + shape[2:], ignore_index=ignored), **kwargs))
    for weighted, smoothing, reduction, (dims, shape) in itertools.product([False, True], [0.0, 0.15], REDUCTIONS,
                                                                           DIMS):
        kwargs = dict(reduction=reduction, label_smoothing=smoothing, **({"weight": CLASS_WEIGHT} if weighted else {}))
        cases.append(loss(f"CrossEntropyLoss-probabilities-{'weight' if weighted else 'unweighted'}-"
                          f"smoothing{smoothing}-{reduction}-{dims}", "CrossEntropyLoss", rng.standard_normal(shape),
                          class_probabilities(shape), **kwargs))
    cases += [
        loss("CrossEntropyLoss-weight-ignore_index-1-label_smoothing-0.2", "CrossEntropyLoss",
             rng.standard_normal((8, 4)), class_indices(8, ignore_index=1), weight=CLASS_WEIGHT, ignore_index=1,
             label_smoothing=0.2),
        loss("CrossEntropyLoss-probabilities-weight-label_smoothing-0.2", "CrossEntropyLoss",
             rng.standard_normal((6, 4)), class_probabilities((6, 4)), weight=CLASS_WEIGHT, label_smoothing=0.2),
        loss("CrossEntropyLoss-large-logits", "CrossEntropyLoss",         # stable: log-sum-exp, no overflow
             np.array([[1000.0, 0.0, -1000.0], [-500.0, 500.0, 0.0]]), np.array([2, 1])),
    ]
    return cases


LOSSES = _losses()


# ---------------------------------------------------------------- optimizers


def optimizer(cls, kwargs, id=None, trajectory=False):
    """The case of dl.<cls>(params, **kwargs) and torch.optim.<cls>(params, **kwargs)."""

    def build(dl, params):
        return getattr(dl, cls)(params, **kwargs)

    def twin(torch, params):
        return getattr(torch.optim, cls)(params, **kwargs)

    id = id or "-".join([cls] + [f"{key}={value}" for key, value in kwargs.items() if key != "lr"])
    return Case(id, cls, build, twin, kind="optimizer", kwargs=kwargs, trajectory=trajectory)


def _optimizer_grid():
    """Every combination of each optimizer's options (the oracle runs them step by step)."""
    for momentum, dampening, nesterov in [(0, 0, False), (0, 0.3, False), (0.9, 0, False), (0.9, 0, True),
                                          (0.9, 0.3, False)]:
        for weight_decay, maximize in itertools.product([0, 0.05], [False, True]):
            yield "SGD", dict(lr=0.1, momentum=momentum, dampening=dampening, nesterov=nesterov,
                              weight_decay=weight_decay, maximize=maximize)
    for alpha, momentum, centered, weight_decay, maximize in itertools.product(
            [0.99, 0.8], [0, 0.7], [False, True], [0, 0.05], [False, True]):
        yield "RMSprop", dict(lr=0.01, alpha=alpha, momentum=momentum, centered=centered, weight_decay=weight_decay,
                              maximize=maximize)
    for name, weight_decays in [("Adam", [0, 0.05]), ("AdamW", [0, 0.1])]:
        for betas, eps, weight_decay, amsgrad, maximize in itertools.product(
                [(0.9, 0.999), (0.5, 0.8)], [1e-8, 1e-3], weight_decays, [False, True], [False, True]):
            yield name, dict(lr=0.01, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                             maximize=maximize)


# named settings, also trained on a small model by both backends (test_parity)
TRAJECTORIES = [
    ("SGD", "SGD", dict(lr=0.1)),
    ("SGD-momentum", "SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD-momentum-dampening", "SGD", dict(lr=0.1, momentum=0.9, dampening=0.3)),
    ("SGD-nesterov", "SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD-weight_decay", "SGD", dict(lr=0.1, weight_decay=0.01)),
    ("SGD-momentum-weight_decay-maximize", "SGD", dict(lr=0.1, momentum=0.5, weight_decay=0.01, maximize=True)),
    ("SGD-maximize", "SGD", dict(lr=0.05, maximize=True)),
    ("RMSprop", "RMSprop", dict(lr=0.01)),
    ("RMSprop-alpha", "RMSprop", dict(lr=0.01, alpha=0.9)),
    ("RMSprop-momentum", "RMSprop", dict(lr=0.01, momentum=0.8)),
    ("RMSprop-centered", "RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop-centered-momentum-weight_decay", "RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True,
                                                               weight_decay=0.01)),
    ("Adam", "Adam", dict(lr=0.01)),
    ("Adam-betas-eps", "Adam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6)),
    ("Adam-weight_decay", "Adam", dict(lr=0.01, weight_decay=0.01)),
    ("Adam-amsgrad", "Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam-weight_decay-amsgrad-maximize", "Adam", dict(lr=0.01, weight_decay=0.01, amsgrad=True, maximize=True)),
    ("AdamW", "AdamW", dict(lr=0.01)),
    ("AdamW-weight_decay-amsgrad", "AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
]

OPTIMIZERS = ([optimizer(cls, kwargs, id=id, trajectory=True) for id, cls, kwargs in TRAJECTORIES]
              + [optimizer(cls, kwargs) for cls, kwargs in _optimizer_grid()])

ALL = LAYERS + LOSSES + OPTIMIZERS
BY_ID = {case.id: case for case in ALL}
assert len(BY_ID) == len(ALL), "two catalogue cases share an id"


def public_classes(dl):
    """The layer, loss and optimizer classes a backend exports (its Module and Optimizer subclasses)."""
    return {name for name in dl.__all__ if isinstance(getattr(dl, name), type)
            and issubclass(getattr(dl, name), (dl.Module, dl.Optimizer))}


# ================================================================ language models and attention (issue 12)
#
# Embedding takes integer token ids; attention takes a query, a key and a value, and MultiheadAttention returns
# (output, weights); TransformerEncoderLayer takes masks. The suites give a layer one float input and read one
# output, so those cases wrap the layer in a small module, written alike for dlbook (on dl.Module) and for the
# torch twin (on torch.nn.Module, around the plain torch.nn layer), with the same class and child names, so that
# reprs, state_dict keys and the oracle's copy of our state line up:
# - TokenIds(embedding): the ids floor(3 |x|) mod num_embeddings read off the float input x (repeated ids occur);
#   dL/dx = 0 (ids have no gradient): the torch twin adds 0 * sum(x) so that torch reports that zero rather than
#   None. The padding row is read like any other but gets no gradient, by design (torch's), which central
#   differences would count as wrong: with padding_idx the ids skip that row (test_attention.py checks it);
# - SelfAttention(attn): attn(x, x, x, masks)[0], dL/dx = dq + dk + dv (x is query, key and value);
# - QueryKeyValue(attention): x (.., L + 2 S, ..) split along time into query (L), key (S) and value (S), three
#   different inputs (cross-attention); dL/dx = the three gradients side by side;
# - Masked(layer): a TransformerEncoderLayer called with masks.
# The masks are made from the input's shape by one NumPy function (attention_masks), so both sides get the same.
# MultiheadAttention's and TransformerEncoderLayer's twins are torch.nn's, but their constructors differ from
# torch's in the documented ways (batch_first=True by default, activation by name), which test_api's prefix
# comparison cannot express: twin_is_torch_nn=False keeps them out of it, and test_attention.py compares those
# signatures with the differences named.

ATTENTION_RTOL32, ATTENTION_ATOL32 = 1e-4, 1e-5    # float32 parity: softmax, layer norms and sums over keys
NORM_TOL32 = (ATTENTION_RTOL32, ATTENTION_ATOL32)


def attention_masks(kind, batch_size, length, source, num_heads=1):
    """NumPy masks named in `kind` (MultiheadAttention's convention: True = may NOT attend): 'causal' (L, S),
    'bool' (L, S) random, 'float' (L, S) random numbers added to the scores, '3d' (N * heads, L, S) random,
    'padding' (N, S) the last keys of some sequences; no query is left without a key, except with 'no-key-row',
    which masks every key of query 0."""
    rng = np.random.default_rng(7)
    masks = {}
    if "causal" in kind:
        masks["attn_mask"] = np.triu(np.ones((length, source), dtype=bool), 1)
    if "bool" in kind or "no-key-row" in kind:
        mask = rng.random((length, source)) < 0.4
        mask[:, 0] = False                                                         # key 0 open to every query
        if "no-key-row" in kind:
            mask[0] = True                                                         # query 0 sees no key
        masks["attn_mask"] = mask
    if "float" in kind:
        masks["attn_mask"] = rng.standard_normal((length, source))
    if "3d" in kind:
        masks["attn_mask"] = rng.random((batch_size * num_heads, length, source)) < 0.4
        masks["attn_mask"][..., 0] = False
    if "padding" in kind:
        kept = source - np.arange(batch_size) % min(3, source)                     # 0, 1 or 2 padded keys
        masks["key_padding_mask"] = np.arange(source)[None, :] >= kept[:, None]
    return masks


def time_slices(x, axis, lengths):
    """x cut along `axis` into consecutive pieces of the given lengths."""
    pieces, start = [], 0
    for size in lengths:
        pieces.append(x[(slice(None),) * axis + (slice(start, start + size),)])
        start += size
    return pieces


def first_output(y):
    return y[0] if isinstance(y, tuple) else y


def token_ids_of(values, embedding):
    """Whole numbers >= 0 as ids in [0, num_embeddings), the padding row left out."""
    if embedding.padding_idx is None:
        return (values % embedding.num_embeddings).astype(np.int64)
    ids = (values % (embedding.num_embeddings - 1)).astype(np.int64)
    return ids + (ids >= embedding.padding_idx)


def token_ids(dl, embedding):
    """Ours: TokenIds(embedding) (see the section's comment)."""

    class TokenIds(dl.Module):
        def __init__(self):
            super().__init__()
            self.embedding = embedding

        def forward(self, x):
            self.input_shape = tuple(x.shape)
            ids = token_ids_of(np.floor(3 * np.abs(to_array(x))), self.embedding)
            return self.embedding(dl.asarray(ids.astype(np.int64)))

        def backward(self, grad_out):
            assert self.embedding.backward(grad_out) is None                # ids get no gradient
            return dl.asarray(np.zeros(self.input_shape))

    return TokenIds()


def torch_token_ids(torch, embedding):
    class TokenIds(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = embedding

        def forward(self, x):
            ids = torch.as_tensor(token_ids_of(torch.floor(3 * x.detach().abs()).cpu().numpy(), self.embedding))
            return self.embedding(ids) + 0 * x.sum()                        # dL/dx = 0, not None

    return TokenIds()


def embedding_case(id, input_shape, *args, **kwargs):
    return model(id, "Embedding", lambda dl, seed=0: token_ids(dl, dl.Embedding(*args, **kwargs, seed=seed)),
                 lambda torch: torch_token_ids(torch, torch.nn.Embedding(*args, **kwargs)), input_shape)


def mha_masks(kind, x_shape, batch_first, num_heads, source=None):
    """attention_masks for a MultiheadAttention input x: keyword arguments of its forward (NumPy arrays)."""
    batch_size, length = (x_shape[0], x_shape[1]) if batch_first else (x_shape[1], x_shape[0])
    masks = attention_masks(kind, batch_size, length, length if source is None else source, num_heads)
    return dict(masks, is_causal=True) if "causal" in kind else masks


def self_attention(dl, attn, kind=""):
    """Ours: SelfAttention(attn) (see the section's comment)."""

    class SelfAttention(dl.Module):
        def __init__(self):
            super().__init__()
            self.attn = attn

        def forward(self, x):
            masks = mha_masks(kind, tuple(x.shape), self.attn.batch_first, self.attn.num_heads) if x.ndim == 3 else {}
            masks = {name: value if name == "is_causal" else dl.asarray(value) for name, value in masks.items()}
            out, _ = self.attn(x, x, x, **masks)
            return out

        def backward(self, grad_out):
            grad_query, grad_key, grad_value = self.attn.backward(grad_out)
            return grad_query + grad_key + grad_value                       # dL/dx: x is all three

    return SelfAttention()


def torch_self_attention(torch, attn, kind=""):
    class SelfAttention(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = attn

        def forward(self, x):
            masks = mha_masks(kind, tuple(x.shape), self.attn.batch_first, self.attn.num_heads) if x.ndim == 3 else {}
            masks = {name: value if name == "is_causal" else torch.as_tensor(value) for name, value in masks.items()}
            return self.attn(x, x, x, **masks)[0]

    return SelfAttention()


def query_key_value(dl, attention, lengths, kind="", time_axis=1, sdpa=False):
    """Ours: QueryKeyValue(attention) (see the section's comment); sdpa: the module form of
    scaled_dot_product_attention (its masks: True = may attend)."""

    class QueryKeyValue(dl.Module):
        def __init__(self):
            super().__init__()
            self.attention = attention

        def forward(self, x):
            self.input_shape = tuple(x.shape)
            query, key, value = split_query_key_value(x, time_axis, lengths)
            masks = attention_call_masks(kind, tuple(x.shape), lengths, sdpa, getattr(attention, "num_heads", 1))
            masks = {name: value if name == "is_causal" else dl.asarray(value) for name, value in masks.items()}
            return first_output(self.attention(query, key, value, **masks))

        def backward(self, grad_out):
            grads = [to_array(grad) for grad in self.attention.backward(grad_out)]
            grad = np.concatenate(grads, axis=time_axis)                    # dL/dx: query, key, value side by side
            missing = self.input_shape[time_axis] - grad.shape[time_axis]   # steps after L + 2 S: read by none
            if missing:
                grad = np.concatenate([grad, np.zeros_like(np.take(grad, range(missing), axis=time_axis))],
                                      axis=time_axis)
            return dl.asarray(grad, dtype=grad.dtype)

    return QueryKeyValue()


def split_query_key_value(x, time_axis, lengths):
    """x cut along time into query (L), key (S) and value (S); an input without that axis is passed as all
    three, for the layer's own shape check to answer."""
    if x.ndim <= time_axis:
        return x, x, x
    return time_slices(x, time_axis, lengths)



def attention_call_masks(kind, x_shape, lengths, sdpa, num_heads):
    """The masks of a QueryKeyValue call: MultiheadAttention's, or scaled_dot_product_attention's (True = may
    attend, causal as is_causal alone); none for an input without a batch axis."""
    if not x_shape:
        return {}
    length, source = lengths[0], lengths[1]
    masks = attention_masks(kind, x_shape[0], length, source, num_heads)
    if not sdpa:
        return dict(masks, is_causal=True) if "causal" in kind else masks
    if "causal" in kind:
        return {"is_causal": True}
    mask = masks.get("attn_mask")
    return {} if mask is None else {"attn_mask": ~mask if mask.dtype == bool else mask}


def torch_query_key_value(torch, attention, lengths, kind="", time_axis=1, sdpa=False):
    class QueryKeyValue(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = attention

        def forward(self, x):
            query, key, value = split_query_key_value(x, time_axis, lengths)
            masks = attention_call_masks(kind, tuple(x.shape), lengths, sdpa, getattr(attention, "num_heads", 1))
            masks = {name: value if name == "is_causal" else torch.as_tensor(value) for name, value in masks.items()}
            return first_output(self.attention(query, key, value, **masks))

    return QueryKeyValue()


def torch_sdpa_module(torch, dropout_p=0.0):
    """scaled_dot_product_attention as a torch module (torch.nn has no module form), printed as ours."""

    class ScaledDotProductAttention(torch.nn.Module):
        def forward(self, query, key, value, attn_mask=None, is_causal=False, scale=None):
            return torch.nn.functional.scaled_dot_product_attention(query, key, value, attn_mask=attn_mask,
                                                                    dropout_p=dropout_p, is_causal=is_causal,
                                                                    scale=scale)

        def extra_repr(self):
            return f"dropout_p={dropout_p}"

    return ScaledDotProductAttention()


def masked(dl, layer, kind):
    """Ours: Masked(layer), a TransformerEncoderLayer called with masks (src_mask, src_key_padding_mask)."""

    class Masked(dl.Module):
        def __init__(self):
            super().__init__()
            self.layer = layer

        def forward(self, x):
            return self.layer(x, **encoder_masks(dl.asarray, kind, tuple(x.shape), self.layer))

        def backward(self, grad_out):
            return self.layer.backward(grad_out)

    return Masked()


def encoder_masks(convert, kind, x_shape, layer):
    if len(x_shape) != 3:                                  # no masks for a malformed input: the layer answers
        return {}
    masks = mha_masks(kind, x_shape, layer.self_attn.batch_first, layer.self_attn.num_heads)
    names = {"attn_mask": "src_mask", "key_padding_mask": "src_key_padding_mask", "is_causal": "is_causal"}
    return {names[name]: value if name == "is_causal" else convert(value) for name, value in masks.items()}


def torch_masked(torch, layer, kind):
    class Masked(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = layer

        def forward(self, x):
            return self.layer(x, **encoder_masks(torch.as_tensor, kind, tuple(x.shape), self.layer))

    return Masked()


def layernorm(dl, *args, **kwargs):
    """A LayerNorm with gamma and beta away from their 1 / 0 start (same seeds on every backend)."""
    layer = dl.LayerNorm(*args, **kwargs)
    if layer.weight is not None:
        dl.uniform(layer.weight, 0.5, 1.5, seed=1)
    if layer.bias is not None:
        dl.normal(layer.bias, 0.0, 0.5, seed=2)
    return layer


def attention_case(id, cls, build, twin, input_shape, **extra):
    return model(id, cls, build, twin, input_shape, twin_is_torch_nn=cls not in ("MultiheadAttention",
                                                                                   "TransformerEncoderLayer",
                                                                                   "ScaledDotProductAttention"),
                 parity_tol=(ATTENTION_RTOL32, ATTENTION_ATOL32), **extra)


def mha_case(id, wrapper, torch_wrapper, args, kwargs, input_shape, train=True, batch_axis=0, random=False, **wrap):
    def build(dl, seed=0):
        return wrapper(dl, dl.MultiheadAttention(*args, **kwargs, seed=seed).train(train), **wrap).train(train)

    def twin(torch):
        attn = torch.nn.MultiheadAttention(*args, **{"batch_first": True, **kwargs})
        return torch_wrapper(torch, attn, **wrap).train(train)

    return attention_case(id, "MultiheadAttention", build, twin, input_shape, batch_axis=batch_axis, random=random)


def encoder_case(id, args, kwargs, input_shape, kind=None, train=True, batch_axis=0, random=False):
    def build(dl, seed=0):
        layer = dl.TransformerEncoderLayer(*args, **kwargs, seed=seed).train(train)
        return layer if kind is None else masked(dl, layer, kind).train(train)

    def twin(torch):
        layer = torch.nn.TransformerEncoderLayer(*args, **{"batch_first": True, **kwargs}).train(train)
        return layer if kind is None else torch_masked(torch, layer, kind).train(train)

    return attention_case(id, "TransformerEncoderLayer", build, twin, input_shape, batch_axis=batch_axis,
                          random=random)


def sdpa_case(id, input_shape, lengths, kind="", dropout_p=0.0, train=True):
    def build(dl, seed=0):
        attention = dl.ScaledDotProductAttention(dropout_p, seed=seed)
        return query_key_value(dl, attention, lengths, kind, time_axis=2, sdpa=True).train(train)

    def twin(torch):
        return torch_query_key_value(torch, torch_sdpa_module(torch, dropout_p), lengths, kind, time_axis=2,
                                     sdpa=True)

    return attention_case(id, "ScaledDotProductAttention", build, twin, input_shape, random=dropout_p > 0 and train)


E, HEADS = 8, 2
LANGUAGE_LAYERS = [
    # Embedding: ids of any shape -> (*, embedding_dim)
    embedding_case("Embedding-2d-ids", (3, 5), 7, 4),
    embedding_case("Embedding-1d-ids", (6,), 7, 4),
    embedding_case("Embedding-3d-ids-padding_idx-0", (2, 3, 4), 7, 4, padding_idx=0),
    embedding_case("Embedding-padding_idx-negative", (3, 5), 7, 3, padding_idx=-1),
    # LayerNorm over the last axis or the last two
    model("LayerNorm-last-axis", "LayerNorm", lambda dl, seed=0: layernorm(dl, 4),
          lambda torch: torch.nn.LayerNorm(4), (3, 5, 4), parity_tol=NORM_TOL32),
    model("LayerNorm-2d-input", "LayerNorm", lambda dl, seed=0: layernorm(dl, 6),
          lambda torch: torch.nn.LayerNorm(6), (5, 6), parity_tol=NORM_TOL32),
    model("LayerNorm-last-two-axes-eps", "LayerNorm", lambda dl, seed=0: layernorm(dl, (3, 4), eps=1e-3),
          lambda torch: torch.nn.LayerNorm((3, 4), eps=1e-3), (2, 3, 4), parity_tol=NORM_TOL32),
    model("LayerNorm-no-bias", "LayerNorm", lambda dl, seed=0: layernorm(dl, 4, bias=False),
          lambda torch: torch.nn.LayerNorm(4, bias=False), (3, 5, 4), parity_tol=NORM_TOL32),
    model("LayerNorm-no-elementwise-affine", "LayerNorm", lambda dl, seed=0: layernorm(dl, 4, elementwise_affine=False),
          lambda torch: torch.nn.LayerNorm(4, elementwise_affine=False), (3, 5, 4),
          parity_tol=NORM_TOL32),
    # the module form of scaled_dot_product_attention: x (N, H, L + 2 S, E) -> query (L), key (S), value (S)
    sdpa_case("ScaledDotProductAttention", (2, 2, 3 + 2 * 4, 4), (3, 4, 4)),
    sdpa_case("ScaledDotProductAttention-causal", (2, 2, 3 * 4, 4), (4, 4, 4), "causal"),
    sdpa_case("ScaledDotProductAttention-bool-mask", (2, 2, 3 + 2 * 5, 4), (3, 5, 5), "bool"),
    sdpa_case("ScaledDotProductAttention-float-mask", (2, 1, 4 + 2 * 3, 4), (4, 3, 3), "float"),
    sdpa_case("ScaledDotProductAttention-query-without-keys-gives-0", (2, 2, 3 + 2 * 4, 4), (3, 4, 4), "no-key-row"),
    sdpa_case("ScaledDotProductAttention-dropout-train", (2, 2, 3 + 2 * 4, 4), (3, 4, 4), dropout_p=0.3),
    # MultiheadAttention: self-attention (x is query, key and value) with every mask, cross-attention
    mha_case("MultiheadAttention-self-1-head", self_attention, torch_self_attention, (E, 1), {}, (3, 5, E)),
    mha_case("MultiheadAttention-self-2-heads", self_attention, torch_self_attention, (E, HEADS), {}, (3, 5, E)),
    mha_case("MultiheadAttention-self-4-heads-no-bias", self_attention, torch_self_attention, (E, 4),
             dict(bias=False), (3, 5, E)),
    mha_case("MultiheadAttention-causal", self_attention, torch_self_attention, (E, HEADS), {}, (3, 5, E),
             kind="causal"),
    mha_case("MultiheadAttention-bool-attn_mask", self_attention, torch_self_attention, (E, HEADS), {}, (3, 5, E),
             kind="bool"),
    mha_case("MultiheadAttention-float-attn_mask", self_attention, torch_self_attention, (E, HEADS), {},
             (3, 5, E), kind="float"),
    mha_case("MultiheadAttention-3d-attn_mask", self_attention, torch_self_attention, (E, HEADS), {}, (3, 5, E),
             kind="3d"),
    mha_case("MultiheadAttention-key_padding_mask", self_attention, torch_self_attention, (E, HEADS), {},
             (3, 5, E), kind="padding"),
    mha_case("MultiheadAttention-causal-and-key_padding_mask", self_attention, torch_self_attention, (E, HEADS),
             {}, (3, 5, E), kind="causal-padding"),
    mha_case("MultiheadAttention-time-first", self_attention, torch_self_attention, (E, HEADS),
             dict(batch_first=False), (5, 3, E), batch_axis=1, kind="padding"),
    mha_case("MultiheadAttention-eval", self_attention, torch_self_attention, (E, HEADS), dict(dropout=0.3),
             (3, 5, E), train=False),
    mha_case("MultiheadAttention-dropout-train", self_attention, torch_self_attention, (E, HEADS),
             dict(dropout=0.3), (3, 5, E), random=True),
    mha_case("MultiheadAttention-cross-attention", query_key_value, torch_query_key_value, (E, HEADS), {},
             (3, 4 + 2 * 6, E), lengths=(4, 6, 6)),
    mha_case("MultiheadAttention-cross-attention-key_padding_mask", query_key_value, torch_query_key_value,
             (E, HEADS), {}, (3, 4 + 2 * 6, E), lengths=(4, 6, 6), kind="padding"),
    # TransformerEncoderLayer: post- and pre-norm, relu and gelu, masks, dropout
    encoder_case("TransformerEncoderLayer-post-norm-relu", (E, HEADS, 16, 0.0), {}, (3, 5, E)),
    encoder_case("TransformerEncoderLayer-pre-norm-gelu", (E, HEADS, 16, 0.0), dict(activation="gelu",
                                                                                    norm_first=True), (3, 5, E)),
    encoder_case("TransformerEncoderLayer-no-bias", (E, HEADS, 16, 0.0), dict(bias=False), (3, 5, E)),
    encoder_case("TransformerEncoderLayer-eval-default-dropout", (E, HEADS, 16), {}, (3, 5, E), train=False),
    encoder_case("TransformerEncoderLayer-dropout-train", (E, HEADS, 16, 0.2), {}, (3, 5, E), random=True),
    encoder_case("TransformerEncoderLayer-time-first-eps", (E, HEADS, 16, 0.0), dict(batch_first=False,
                                                                                     layer_norm_eps=1e-3),
                 (5, 3, E), batch_axis=1),
    encoder_case("TransformerEncoderLayer-pre-norm-causal-padding", (E, HEADS, 16, 0.0), dict(norm_first=True),
                 (3, 5, E), kind="causal-padding"),
    encoder_case("TransformerEncoderLayer-post-norm-bool-mask", (E, HEADS, 16, 0.0), {}, (3, 5, E), kind="bool"),
]
LAYERS += LANGUAGE_LAYERS


def _language_losses():
    """CrossEntropyLoss on a language model's logits (N, V, T) and next-token targets (N, T), with padding."""
    rng = np.random.default_rng(12)
    targets = class_indices((3, 5), n_classes=6, seed=3)
    targets[:, -2:] = 0                                                # padding (id 0) at the end of each sequence
    cases = [loss(f"CrossEntropyLoss-sequence-N-V-T-padding-ignore_index-0-{reduction}", "CrossEntropyLoss",
                  rng.standard_normal((3, 6, 5)), targets, ignore_index=0, reduction=reduction)
             for reduction in REDUCTIONS]
    padded = targets.copy()
    padded[:, -2:] = -100
    cases.append(loss("CrossEntropyLoss-sequence-N-V-T-padding-default-ignore_index", "CrossEntropyLoss",
                      rng.standard_normal((3, 6, 5)), padded))
    return cases


LOSSES += _language_losses()
ALL = LAYERS + LOSSES + OPTIMIZERS
BY_ID = {case.id: case for case in ALL}
assert len(BY_ID) == len(ALL), "two catalogue cases share an id"


# ================================================================ generative layers (issue 13)
#
# ConvTranspose2d sums C_in kh kw products per output pixel in another order on each backend: the convolution's
# float32 tolerances. Its NumPy forward is the convolution's col2im and its backward the convolution's im2col, so
# the ids name the memory layout and col2im path taken, as the Conv2d ids do. Upsample is a fixed linear map
# (nearest: copies, exact; bilinear: two-term blends).


def conv_tolerance(case):
    """The case with the convolution's float32 parity tolerances."""
    return type(case)(**{**case.__dict__, "parity_tol": (CONV_RTOL32, CONV_ATOL32)})


def small_upsampling_generator(dl, seed=0):
    """A DCGAN-shaped stack on images: a strided ConvTranspose2d (x2, no bias: batch norm takes it away, and a zero
    gradient cannot be checked in relative terms), batch norm, ReLU, Upsample (x2), Conv2d."""
    return dl.Sequential(
        dl.ConvTranspose2d(4, 3, 4, stride=2, padding=1, bias=False, seed=seed), dl.BatchNorm2d(3), dl.ReLU(),
        dl.Upsample(scale_factor=2), dl.Conv2d(3, 2, 3, padding=1, seed=seed + 1), dl.Tanh())


def torch_small_upsampling_generator(torch):
    nn = torch.nn
    return nn.Sequential(nn.ConvTranspose2d(4, 3, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(3), nn.ReLU(),
                         nn.Upsample(scale_factor=2), nn.Conv2d(3, 2, 3, padding=1), nn.Tanh())


GENERATIVE_LAYERS = [
    *[conv_tolerance(case) for case in [
        layer("ConvTranspose2d", 3, 4, 3, stride=2, padding=1, output_padding=1,
              id="ConvTranspose2d-3x3-stride2-pad1-output_padding1-channels-last-add-at", input_shape=(2, 3, 4, 4)),
        layer("ConvTranspose2d", 3, 2, 3, id="ConvTranspose2d-no-padding", input_shape=(2, 3, 3, 4)),
        layer("ConvTranspose2d", 2, 5, (3, 2), stride=(2, 1), padding=(1, 0), output_padding=(1, 0),
              id="ConvTranspose2d-rectangular-stride-padding-output_padding", input_shape=(2, 2, 4, 3)),
        layer("ConvTranspose2d", 4, 3, 2, stride=2, bias=False, id="ConvTranspose2d-kernel-equals-stride-no-bias",
              input_shape=(2, 4, 3, 3)),
        layer("ConvTranspose2d", 1, 2, 3, padding=1, id="ConvTranspose2d-1-channel-channels-first-offset-loop",
              input_shape=(2, 1, 3, 20)),
        layer("ConvTranspose2d", 2, 16, 3, stride=2, id="ConvTranspose2d-16-channels-channels-last-offset-loop",
              input_shape=(1, 2, 3, 3)),
        model("Sequential-ConvTranspose2d-BatchNorm2d-Upsample-Conv2d", "Sequential", small_upsampling_generator,
              torch_small_upsampling_generator, (2, 4, 3, 3)),
    ]],
    layer("Upsample", scale_factor=2, id="Upsample-nearest-2", input_shape=(2, 3, 3, 4)),
    layer("Upsample", scale_factor=(2, 3), id="Upsample-nearest-2x3", input_shape=(2, 2, 3, 3)),
    layer("Upsample", size=(7, 9), id="Upsample-nearest-size", input_shape=(2, 2, 3, 4)),
    layer("Upsample", scale_factor=2, mode="bilinear", id="Upsample-bilinear-2", input_shape=(2, 3, 3, 4)),
    layer("Upsample", size=(3, 5), mode="bilinear", id="Upsample-bilinear-size-down", input_shape=(2, 2, 4, 6)),
    layer("Upsample", scale_factor=3, mode="bilinear", align_corners=True, id="Upsample-bilinear-align_corners",
          input_shape=(2, 2, 3, 3)),
]
LAYERS += GENERATIVE_LAYERS
ALL = LAYERS + LOSSES + OPTIMIZERS
BY_ID = {case.id: case for case in ALL}
assert len(BY_ID) == len(ALL), "two catalogue cases share an id"
