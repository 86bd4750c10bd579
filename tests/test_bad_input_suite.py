"""No silent wrong answer: every catalogue layer, loss and optimizer (tests/catalogue.py), on both backends,
meets every kind of bad input, and each gives torch's result or a clear error.

The kinds (enumerated, deterministic): dtypes torch and NumPy treat differently (int64, bool, float16,
float32 into a float64 layer, complex64), NaN and inf, an empty and a one-sample batch, one axis too
many or too few, an axis of the wrong size, a Python list, the other backend's array, non-contiguous
views (strided, transposed), and for backward: before forward, twice after one forward, a gradient of
the wrong shape, the layer applied twice in one forward (tied weights). An Embedding gets bad token ids
instead (float, boolean, complex, NaN, out of range, negative, int32, uint8/int8/int16, a 0-d id, lists).
Losses get
the same kinds on their input and on their target, plus class weights and pos_weight of the wrong shape; optimizers get
bad settings and bad parameter lists.

The rule each case is held to (`judge`):
- we return a value: torch's twin on the same input must return one too, equal to ours (shape, dtype,
  values; gradients too) -- "torch-equal";
- we raise: the error is a TypeError, ValueError, RuntimeError (or their dlbook subclasses ShapeError,
  TargetError, NonFiniteError), raised by dlbook's own code (the traceback's last frame is in dlbook/,
  never inside NumPy or torch), and its message names the layer (its short name, e.g. `Linear(4, 3)`,
  or one of a model's layers) -- "clear error";
- optimizers follow torch.optim exactly: where torch raises, the same exception class and message;
  where torch accepts, we accept.
The suite runs in float64, as the oracle does (test_torch_oracle), so that the catalogue's cases and their
twins hold one dtype; float32 and float16 inputs are then the mismatched ones. Where dlbook deliberately
reads a loss target more widely than torch (any real target in the input's dtype, any integer dtype as
class indices: `our_reading`), torch's twin is given the target so read, and must agree.

`python tests/test_bad_input_suite.py` runs every case outside pytest and prints the count and the split.
"""

import math
import os
import re
import sys
import traceback
import warnings
from collections import Counter

import numpy as np
import pytest
from catalogue import LAYERS, LOSSES, OPTIMIZERS, example_input, outputs, to_array, token_ids_of

import dlbook
from dlbook.core.errors import dtype_name, layer_name

torch = pytest.importorskip("torch")

BACKENDS = ("numpy", "torch")
DTYPE = np.float64                   # the default dtype of the whole suite (the module docstring)
DLBOOK_DIR = os.path.dirname(dlbook.__file__)
CLEAR_ERRORS = (TypeError, ValueError, RuntimeError)

# (rtol, atol relative to the largest entry) by result dtype: float64 as the oracle's roundings (widened for
# recurrent sums over steps); float32 parity of sums in another order (catalogue.py); float16 has 11 bits
# (~5e-4), and NumPy rounds after each step where torch's CPU kernels compute in float32 and round once
TOLERANCE = {"float16": (1e-2, 1e-2), "float32": (1e-4, 1e-5), "float64": (1e-8, 1e-10)}


@pytest.fixture(autouse=True)
def _float64(float64):
    """Every case in float64 (conftest sets float32 back after each test)."""


def set_default_dtype(dtype):
    for backend in BACKENDS:
        dlbook.load(backend).set_default_dtype(dtype)


# ---------------------------------------------------------------- inputs


def foreign(backend, array):
    """The other backend's array: a torch tensor for the NumPy backend, a NumPy array for the torch one."""
    return torch.as_tensor(array) if backend == "numpy" else np.asarray(array)


def as_backend(backend, array, form="array"):
    """`array` (NumPy) in the form a variant asks for, for `backend` ("numpy", "torch"; "twin": torch.nn)."""
    native = "numpy" if backend == "numpy" else "torch"
    if form == "list":
        return array.tolist()
    if form == "foreign":
        return foreign(native, array) if backend != "twin" else torch.as_tensor(array)
    if form == "strided":                                   # every other element of a twice as wide array
        base = np.repeat(array, 2, axis=-1)
        return base[..., ::2] if native == "numpy" else torch.as_tensor(base)[..., ::2]
    if form == "transposed":                                # the same values, axes stored in reverse order
        order = tuple(reversed(range(array.ndim)))
        stored = np.ascontiguousarray(array.transpose(order))
        return stored.transpose(order) if native == "numpy" else torch.as_tensor(stored).permute(order)
    return array if native == "numpy" else torch.as_tensor(array)


def with_value(array, index, value):
    array = np.array(array)
    if array.size:
        array.reshape(-1)[index] = value
    return array


def batch_slice(array, axis, stop):
    return np.take(array, range(stop), axis=axis)


def padded(array, axis):
    """One more entry along `axis`: the wrong size."""
    pad = [(0, 0)] * array.ndim
    pad[axis] = (0, 1)
    return np.pad(array, pad)


def floats(x):
    return x.astype(DTYPE)


# a variant: name -> (make the input from the float64 example and the batch axis, form)
INPUT_VARIANTS = {
    "int64": (lambda x, b: np.round(x).astype(np.int64), "array"),
    "bool": (lambda x, b: x > 0.5, "array"),
    "float16": (lambda x, b: x.astype(np.float16), "array"),
    "float32": (lambda x, b: x.astype(np.float32), "array"),
    "complex64": (lambda x, b: x.astype(np.complex64), "array"),
    "nan": (lambda x, b: with_value(floats(x), 0, np.nan), "array"),
    "inf": (lambda x, b: with_value(floats(x), -1, np.inf), "array"),
    "empty-batch": (lambda x, b: batch_slice(floats(x), b, 0), "array"),
    "one-sample": (lambda x, b: batch_slice(floats(x), b, 1), "array"),
    "extra-leading-axis": (lambda x, b: floats(x)[None], "array"),
    "missing-axis": (lambda x, b: floats(x)[0], "array"),
    "wrong-last-size": (lambda x, b: padded(floats(x), -1), "array"),
    "wrong-axis-1-size": (lambda x, b: padded(floats(x), 1 if x.ndim > 1 else 0), "array"),
    "scalar": (lambda x, b: np.full((), 1.5), "array"),
    "list": (lambda x, b: floats(x), "list"),
    "foreign": (lambda x, b: floats(x), "foreign"),
    "strided": (lambda x, b: floats(x), "strided"),
    "transposed": (lambda x, b: floats(x), "transposed"),
}
NON_FINITE = ("nan", "inf", "target-nan")
BACKWARD_VARIANTS = ("backward-before-forward", "backward-twice", "grad-wrong-shape", "grad-foreign",
                     "applied-twice")



def our_reading(cls, x, target):
    """The target as dlbook reads it, beyond torch.nn (each tested in its own right in test_bad_input): a
    real target of MSELoss and BCEWithLogitsLoss (float of another dtype, integer, boolean), and class
    probabilities, in the input's dtype; class indices of any integer dtype (torch: int64, uint8 in 2-D)."""
    if not isinstance(x, np.ndarray) or not isinstance(target, np.ndarray) or x.dtype.kind != "f":
        return target
    if target.dtype.kind in "iub" and cls == "CrossEntropyLoss":
        return target.astype(np.int64) if target.dtype.kind != "b" else target
    if target.dtype.kind in "fiub" and (cls != "CrossEntropyLoss" or target.dtype.kind == "f"):
        return target.astype(x.dtype)
    return target


# ---------------------------------------------------------------- outcomes


class Outcome:
    """What one side did: `values` (outputs and gradients, NumPy arrays, by name) or `error`."""

    def __init__(self, values=None, error=None, warned=()):
        self.values, self.error, self.warned = values, error, list(warned)

    def __repr__(self):
        if self.error is not None:
            return f"{type(self.error).__name__}: {self.error}"
        return "values " + ", ".join(f"{k}{tuple(v.shape)} {v.dtype}" for k, v in self.values.items())


def run(action):
    """Run action() -> dict of results; catch what it raises and what it warns."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return Outcome(values={k: v for k, v in action().items()}, warned=caught)
        except Exception as error:                      # noqa: BLE001 - judged below
            return Outcome(error=error, warned=caught)


def numpy_values(named):
    return {name: np.asarray(to_array(value)) for name, value in named.items() if value is not None}


def raised_in_dlbook(error):
    """Whether the innermost frame of the error's traceback is dlbook's own code."""
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and frames[-1].filename.startswith(DLBOOK_DIR)


def names_of(module):
    names = {layer_name(module)}
    if hasattr(module, "modules"):
        names |= {layer_name(m) for m in module.modules()}
    return names


def assert_clear_error(outcome, module, context):
    error = outcome.error
    assert isinstance(error, CLEAR_ERRORS), f"{context}: {type(error).__name__} is no clear error: {error}"
    assert raised_in_dlbook(error), (f"{context}: raised inside a library, not by dlbook: {outcome!r}\n"
                                     + "".join(traceback.format_tb(error.__traceback__)[-3:]))
    names = names_of(module)
    assert any(name in str(error) for name in names), f"{context}: the message names none of {names}: {error}"


def assert_close(ours, theirs, context, rtol_atol=None):
    assert list(ours) == list(theirs), f"{context}: results {list(ours)} vs torch's {list(theirs)}"
    for name in ours:
        a, b = ours[name], theirs[name]
        assert a.shape == b.shape, f"{context}: {name} of shape {a.shape}, torch's {b.shape}"
        assert a.dtype == b.dtype, f"{context}: {name} of dtype {a.dtype}, torch's {b.dtype}"
        if a.dtype.kind in "fc":
            rtol, atol = rtol_atol or TOLERANCE.get(a.dtype.name, TOLERANCE["float32"])
            finite = np.abs(b[np.isfinite(b)])
            scale = max(1.0, float(finite.max())) if finite.size else 1.0
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol * scale, equal_nan=True,
                                       err_msg=f"{context}: {name}")
        else:
            np.testing.assert_array_equal(a, b, err_msg=f"{context}: {name}")


def judge(ours, theirs, module, context, non_finite=False):
    """The rule of the module docstring; returns the kind of outcome for the count. NumPy may warn of
    invalid values where the input held NaN or inf (non_finite), as long as the values are torch's."""
    if ours.error is not None:
        assert_clear_error(ours, module, context)
        return "clear error"
    numpy_warnings = [str(w.message) for w in ours.warned if issubclass(w.category, RuntimeWarning)]
    assert non_finite or not numpy_warnings, f"{context}: NumPy warned {numpy_warnings}"
    if theirs is None:
        return "value (no torch twin)"
    assert theirs.error is None, f"{context}: torch raises {theirs!r}, we return {ours!r}"
    assert_close(ours.values, theirs.values, context)
    return "torch-equal"


# ---------------------------------------------------------------- layers


def twin_of(case, ours):
    """The torch.nn twin (float64, CPU), holding our layer's parameters and buffers; None if none."""
    if case.twin is None:
        return None
    twin = case.twin(torch).double()
    twin.load_state_dict({key: torch.as_tensor(np.array(to_array(value))) for key, value in ours.state_dict().items()})
    return twin.train(ours.training)


def forward_and_backward(backend, module, x, grad_seed=1):
    """Outputs, and (for floating input) dL/dx and dL/dparameters for random dL/dy, of our layer or its twin."""
    floating = getattr(x, "dtype", None) is not None and ("float" in str(x.dtype))
    if backend == "twin" and floating:
        x = x.detach().clone().requires_grad_() if x.is_leaf else x
    ys = outputs(module(x))
    results = {f"y{k}": y for k, y in enumerate(ys)}
    if not floating or not module.training and not any(True for _ in module.parameters()):
        return numpy_values(results)
    rng = np.random.default_rng(grad_seed)
    dys = [rng.standard_normal(tuple(y.shape)).astype(np.dtype(dtype_name(y.dtype))) for y in ys]
    params = dict(module.named_parameters())
    if backend == "twin":
        grads = torch.autograd.grad(ys, [x, *params.values()], [torch.as_tensor(dy) for dy in dys],
                                    allow_unused=True)
        results["dx"] = grads[0]
        results.update({f"d{name}": g for name, g in zip(params, grads[1:])})
    else:
        dl = dlbook.load(backend)
        results["dx"] = module.backward(*[dl.asarray(dy, dtype=dy.dtype) for dy in dys])
        results.update({f"d{name}": p.grad for name, p in params.items()})
    return numpy_values(results)


def layer_outcomes(case, backend, variant):
    dl = dlbook.load(backend)
    ours = case.build(dl)
    twin = twin_of(case, ours)
    make, form = INPUT_VARIANTS[variant]
    x = make(example_input(case), case.batch_axis)
    mine = run(lambda: forward_and_backward(backend, ours, as_backend(backend, x, form)))
    theirs = None if twin is None or case.random else run(
        lambda: forward_and_backward("twin", twin, as_backend("twin", x, form)))
    return ours, mine, theirs


def backward_outcome(case, backend, variant):
    """The backward misuses: our layer must refuse each with a clear error (torch.nn has no layer
    backward; torch's autograd refuses the same misuse of y.backward); applied twice in one forward it
    must equal torch's y = twin(twin(x)) or refuse."""
    dl = dlbook.load(backend)
    ours = case.build(dl)
    x = dl.asarray(example_input(case))
    dys = [dl.asarray(np.ones(tuple(y.shape))) for y in outputs(case.build(dl)(x))]
    if variant == "backward-before-forward":
        return ours, run(lambda: {"dx": ours.backward(*dys)}), None
    ours(x)
    if variant == "backward-twice":
        ours.backward(*dys)
        return ours, run(lambda: {"dx": ours.backward(*dys)}), None
    if variant == "grad-wrong-shape":
        wrong = [dl.asarray(np.ones((2,) + tuple(dy.shape))) for dy in dys]
        return ours, run(lambda: {"dx": ours.backward(*wrong)}), None
    if variant == "grad-foreign":                            # compared with the same backward on our own arrays
        reference = case.build(dl)
        reference(x)
        expected = Outcome(values=numpy_values({"dx": reference.backward(*dys)}))
        foreign_dys = [foreign(backend, to_array(dy)) for dy in dys]
        return ours, run(lambda: numpy_values({"dx": ours.backward(*foreign_dys)})), expected
    raise AssertionError(variant)


def applied_twice_outcomes(case, backend):
    """y = layer(layer(x)) and its backward, against torch's twin(twin(x)) (the tied-weights case)."""
    dl = dlbook.load(backend)
    ours = case.build(dl)
    twin = twin_of(case, ours)
    x = floats(example_input(case))

    class Twice:
        def __init__(self, module):
            self.module, self.training = module, module.training

        def __call__(self, x):
            return self.module(self.module(x))

        def parameters(self):
            return self.module.parameters()

        def named_parameters(self):
            return self.module.named_parameters()

        def backward(self, dy):
            return self.module.backward(self.module.backward(dy))

    mine = run(lambda: forward_and_backward(backend, Twice(ours), as_backend(backend, x)))
    theirs = None if twin is None or case.random else run(
        lambda: forward_and_backward("twin", Twice(twin), as_backend("twin", x)))
    return ours, mine, theirs


# Embedding's cases wrap the layer (catalogue.TokenIds: ids read off a float input); its bad input is bad ids,
# given to the layer itself: name -> make the ids from the case's int64 ids, and the form
ID_VARIANTS = {
    "int32-ids": (lambda ids: ids.astype(np.int32), "array"),
    "uint8-ids": (lambda ids: ids.astype(np.uint8), "array"),
    "int8-ids": (lambda ids: ids.astype(np.int8), "array"),
    "int16-ids": (lambda ids: ids.astype(np.int16), "array"),
    "float64-ids": (lambda ids: ids.astype(np.float64), "array"),
    "float32-ids": (lambda ids: ids.astype(np.float32), "array"),
    "bool-ids": (lambda ids: ids > 2, "array"),
    "complex64-ids": (lambda ids: ids.astype(np.complex64), "array"),
    "nan-ids": (lambda ids: with_value(ids.astype(np.float64), 0, np.nan), "array"),
    "id-too-large": (lambda ids: with_value(ids, 0, 7), "array"),
    "id-negative": (lambda ids: with_value(ids, -1, -1), "array"),
    "empty-batch": (lambda ids: ids[:0], "array"),
    "one-sample": (lambda ids: ids[:1], "array"),
    "extra-leading-axis": (lambda ids: ids[None], "array"),
    "scalar-id": (lambda ids: np.array(3), "array"),
    "list": (lambda ids: ids, "list"),
    "foreign": (lambda ids: ids, "foreign"),
    "strided": (lambda ids: ids, "strided"),
    "transposed": (lambda ids: ids, "transposed"),
}


def embedding_outcomes(case, backend, variant):
    """The Embedding of case (ours and torch.nn's, one weight) given bad ids: its output and dL/dweight."""
    dl = dlbook.load(backend)
    ours = case.build(dl).embedding
    twin = case.twin(torch).double().embedding
    twin.load_state_dict({key: torch.as_tensor(np.array(to_array(value))) for key, value in ours.state_dict().items()})
    ids = token_ids_of(np.floor(3 * np.abs(example_input(case))), ours)
    make, form = ID_VARIANTS[variant]
    ids = make(ids)

    def forward_and_backward(side, module):
        y = module(as_backend(side, ids, form))
        dy = np.random.default_rng(3).standard_normal(tuple(y.shape))
        if side == "twin":
            (grad,) = torch.autograd.grad(y, [module.weight], torch.as_tensor(dy))
        else:
            assert module.backward(dl.asarray(dy, dtype=dy.dtype)) is None            # ids get no gradient
            grad = module.weight.grad
        return numpy_values({"y": y, "dweight": grad})

    mine = run(lambda: forward_and_backward(backend, ours))
    theirs = run(lambda: forward_and_backward("twin", twin))
    return ours, mine, theirs


def keeps_shape(case):
    """Whether the layer maps its input to one output of the same shape (so it can be applied twice)."""
    dl = dlbook.load("numpy")
    y = case.build(dl)(dl.asarray(example_input(case)))
    return not isinstance(y, tuple) and tuple(y.shape) == tuple(case.input_shape)


def reversed_args(triple):
    """(our module, our outcome, torch's) -> judge's order (our outcome, torch's, our module)."""
    ours, mine, theirs = triple
    return mine, theirs, ours


def every_variant(judged):
    """Run each (name, thunk) of `judged`; returns the Counter of outcomes and fails listing every variant that
    broke the rule (so one test per case and backend still names each bad input)."""
    counts, failures = Counter(), []
    for name, thunk in judged:
        try:
            counts[thunk()] += 1
        except AssertionError as error:
            failures.append(f"- {name}: {str(error)[:600]}")
    return counts, failures


def layer_judgements(case, backend):
    if case.cls == "Embedding":                 # token ids, not floats: the bad ids themselves (see ID_VARIANTS)
        judged = [(variant, lambda variant=variant: judge(*reversed_args(embedding_outcomes(case, backend, variant)),
                                                          f"{case.id} [{backend}] given {variant}"))
                  for variant in ID_VARIANTS]
    else:
        judged = [(variant, lambda variant=variant: judge(*reversed_args(layer_outcomes(case, backend, variant)),
                                                          f"{case.id} [{backend}] given {variant}",
                                                          non_finite=variant in NON_FINITE))
                  for variant in INPUT_VARIANTS]
    if keeps_shape(case):
        judged.append(("applied-twice", lambda: judge(*reversed_args(applied_twice_outcomes(case, backend)),
                                                      f"{case.id} [{backend}] applied twice")))
    for variant in BACKWARD_VARIANTS[:3]:
        judged.append((variant, lambda variant=variant: misused_backward(case, backend, variant)))
    if not case.random:
        judged.append(("grad-foreign", lambda: judge(*reversed_args(backward_outcome(case, backend, "grad-foreign")),
                                                     f"{case.id} [{backend}] given the other backend's gradient")))
    return judged


def misused_backward(case, backend, variant):
    ours, mine, _ = backward_outcome(case, backend, variant)
    assert mine.error is not None, f"{case.id} [{backend}] {variant}: accepted, {mine!r}"
    assert_clear_error(mine, ours, f"{case.id} [{backend}] {variant}")
    return "clear error"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in LAYERS])
def test_a_layer_given_bad_input_returns_torchs_result_or_a_clear_error(backend, case):
    _, failures = every_variant(layer_judgements(case, backend))
    assert not failures, f"{case.id} [{backend}]:\n" + "\n".join(failures)


# ---------------------------------------------------------------- losses


def loss_target_variants(case):
    """name -> make the target from the case's (float64 or int64) target."""
    t = case.target
    if t.dtype.kind == "f":
        kinds = {
            "target-int64": lambda: np.round(t).astype(np.int64),
            "target-bool": lambda: t > 0.5,
            "target-float16": lambda: t.astype(np.float16),
            "target-float32": lambda: t.astype(np.float32),
            "target-complex64": lambda: t.astype(np.complex64),
            "target-nan": lambda: with_value(floats(t), 0, np.nan),
        }
    else:
        kinds = {
            "target-int32": lambda: t.astype(np.int32),
            "target-uint8": lambda: np.abs(t).astype(np.uint8),
            "target-bool": lambda: t > 0,
            "target-float-indices": lambda: t.astype(np.float32),
            "target-too-large": lambda: with_value(t, 0, case.input.shape[1]),
            "target-negative": lambda: with_value(t, 0, -3),
        }
    kinds.update({
        "target-wrong-shape": lambda: padded(t.astype(floats(t).dtype if t.dtype.kind == "f" else t.dtype), 0),
        "target-extra-axis": lambda: (t if t.dtype.kind != "f" else floats(t))[..., None],
    })
    return kinds


def cast_target(t):
    return floats(t) if t.dtype.kind == "f" else t


LOSS_INPUT_VARIANTS = [v for v in INPUT_VARIANTS if v not in ("wrong-axis-1-size",)]
TARGET_FORMS = ("target-list", "target-foreign", "target-strided", "target-transposed")


def loss_twin(case):
    return case.twin(torch).double()


def loss_forward_and_backward(backend, loss_fn, x, target, grad_seed=2):
    floating = getattr(x, "dtype", None) is not None and "float" in str(x.dtype)
    if backend == "twin" and floating:
        x = x.detach().clone().requires_grad_() if x.is_leaf else x
    value = loss_fn(x, target)
    results = {"loss": value}
    if not floating:
        return numpy_values(results)
    shape = tuple(value.shape)
    dy = np.random.default_rng(grad_seed).standard_normal(shape).astype(np.dtype(dtype_name(value.dtype)))
    if backend == "twin":
        results["dx"] = torch.autograd.grad(value, x, torch.as_tensor(dy))[0]
    else:
        dl = dlbook.load(backend)
        results["dx"] = loss_fn.backward(dl.asarray(dy, dtype=dy.dtype)) if shape else loss_fn.backward(float(dy))
    return numpy_values(results)


def loss_outcomes(case, backend, variant):
    dl = dlbook.load(backend)
    ours, twin = case.build(dl), loss_twin(case)
    x, target, x_form, target_form = floats(case.input), cast_target(case.target), "array", "array"
    if variant in INPUT_VARIANTS:
        make, x_form = INPUT_VARIANTS[variant]
        x = make(case.input, 0)
        if variant in ("empty-batch", "one-sample"):
            target = batch_slice(target, 0, 0 if variant == "empty-batch" else 1)
        if variant == "scalar":
            target = np.ones((), target.dtype)
    elif variant in TARGET_FORMS:
        target_form = variant.removeprefix("target-")
    else:
        target = loss_target_variants(case)[variant]()
    mine = run(lambda: loss_forward_and_backward(backend, ours, as_backend(backend, x, x_form),
                                                 as_backend(backend, target, target_form)))
    theirs = run(lambda: loss_forward_and_backward("twin", twin, as_backend("twin", x, x_form),
                                                   as_backend("twin", our_reading(case.cls, x, target), target_form)))
    return ours, mine, theirs


def loss_variants(case):
    return LOSS_INPUT_VARIANTS + list(loss_target_variants(case)) + list(TARGET_FORMS)


def loss_judgements(case, backend):
    judged = [(variant, lambda variant=variant: judge(*reversed_args(loss_outcomes(case, backend, variant)),
                                                      f"{case.id} [{backend}] given {variant}",
                                                      non_finite=variant in NON_FINITE))
              for variant in loss_variants(case)]
    for variant in BACKWARD_VARIANTS[:3]:
        judged.append((variant, lambda variant=variant: misused_loss_backward(case, backend, variant)))
    return judged


def misused_loss_backward(case, backend, variant):
    loss_fn, mine = loss_backward_outcome(case, backend, variant)
    assert mine.error is not None, f"{case.id} [{backend}] {variant}: accepted, {mine!r}"
    assert_clear_error(mine, loss_fn, f"{case.id} [{backend}] {variant}")
    return "clear error"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in LOSSES])
def test_a_loss_given_bad_input_or_target_returns_torchs_result_or_a_clear_error(backend, case):
    _, failures = every_variant(loss_judgements(case, backend))
    assert not failures, f"{case.id} [{backend}]:\n" + "\n".join(failures)


def loss_backward_outcome(case, backend, variant):
    dl = dlbook.load(backend)
    loss_fn = case.build(dl)
    x, target = dl.asarray(floats(case.input)), dl.asarray(cast_target(case.target))
    if variant == "backward-before-forward":
        return loss_fn, run(lambda: {"dx": loss_fn.backward()})
    value = loss_fn(x, target)
    grad = 1.0 if not tuple(value.shape) else dl.asarray(np.ones(tuple(value.shape)))
    if variant == "backward-twice":
        loss_fn.backward(grad)
        return loss_fn, run(lambda: {"dx": loss_fn.backward(grad)})
    wrong = dl.asarray(np.ones((2,) + tuple(value.shape)))           # grad-wrong-shape
    return loss_fn, run(lambda: {"dx": loss_fn.backward(wrong)})


# class weights and pos_weight of the wrong shape: (cls, argument, shape) for logits (6, 4)
LOSS_WEIGHTS = [("CrossEntropyLoss", "weight", shape) for shape in [(3,), (5,), (4, 1), (1, 4), ()]] + [
    ("BCEWithLogitsLoss", argument, shape) for argument in ("weight", "pos_weight")
    for shape in [(3,), (6, 1), (1, 4), (2, 6, 4), (5, 4), ()]]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("cls, argument, shape", LOSS_WEIGHTS, ids=[f"{c}-{a}{s}" for c, a, s in LOSS_WEIGHTS])
def test_a_loss_weight_of_another_shape_gives_torchs_result_or_a_clear_error(backend, cls, argument, shape):
    dl = dlbook.load(backend)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 4))
    target = rng.integers(0, 4, 6) if cls == "CrossEntropyLoss" else rng.random((6, 4))
    weight = rng.random(shape) + 0.5
    ours = getattr(dl, cls)(**{argument: dl.asarray(weight)})
    twin = getattr(torch.nn, cls)(**{argument: torch.as_tensor(weight)})
    mine = run(lambda: loss_forward_and_backward(backend, ours, as_backend(backend, x), as_backend(backend, target)))
    theirs = run(lambda: loss_forward_and_backward("twin", twin, torch.as_tensor(x), torch.as_tensor(target)))
    judge(mine, theirs, ours, f"{cls}({argument} of shape {shape}) [{backend}]")


# ---------------------------------------------------------------- optimizers


def optimizer_variants(case):
    """name -> (keyword overrides, params maker(backend module, torch-or-ours) or None for a model's)."""
    kinds = {
        "lr-negative": dict(lr=-0.1), "lr-nan": dict(lr=math.nan), "lr-zero": dict(lr=0.0),
        "weight_decay-negative": dict(weight_decay=-1.0), "weight_decay-nan": dict(weight_decay=math.nan),
    }
    if case.cls == "SGD":
        kinds.update({"momentum-negative": dict(momentum=-0.5), "momentum-nan": dict(momentum=math.nan),
                      "dampening-negative": dict(dampening=-0.5),
                      "nesterov-without-momentum": dict(nesterov=True, momentum=0.0)})
    if case.cls == "RMSprop":
        kinds.update({"alpha-negative": dict(alpha=-0.1), "eps-negative": dict(eps=-1e-8),
                      "momentum-negative": dict(momentum=-0.5), "alpha-nan": dict(alpha=math.nan)})
    if case.cls in ("Adam", "AdamW"):
        kinds.update({"beta1-one": dict(betas=(1.0, 0.999)), "beta2-negative": dict(betas=(0.9, -0.1)),
                      "beta1-nan": dict(betas=(math.nan, 0.999)), "eps-negative": dict(eps=-1e-8)})
    return kinds


PARAM_LISTS = ("params-empty", "params-a-tensor", "params-arrays", "params-module", "params-a-set",
               "params-group-without-params", "params-duplicated", "params-foreign")


def optimizer_params(kind, backend, module):
    """A bad `params` argument, built from `module` (ours or torch.nn's)."""
    params = list(module.parameters())
    if kind == "params-empty":
        return []
    if kind == "params-a-tensor":
        return params[0]
    if kind == "params-arrays":
        return [to_array(p).copy() for p in params]
    if kind == "params-module":
        return module
    if kind == "params-a-set":
        return set(params)
    if kind == "params-group-without-params":
        return [{"lr": 0.1}]
    if kind == "params-duplicated":
        return params + params[:1]
    if kind == "params-foreign":
        other = "torch" if backend == "numpy" else "numpy"
        return list(dlbook.load(other).Linear(2, 2, seed=0).parameters()) if backend != "twin" else params
    raise AssertionError(kind)


def optimizer_judgement(case, backend, variant):
    """Ours against torch.optim given the same bad argument: the same error (class and message), or both accept."""
    dl = dlbook.load(backend)
    kwargs = {**case.kwargs, **optimizer_variants(case).get(variant, {})}
    ours_model, twin_model = dl.Linear(2, 2, seed=0), torch.nn.Linear(2, 2)
    if variant in PARAM_LISTS:
        ours_params = optimizer_params(variant, backend, ours_model)
        twin_params = optimizer_params(variant, "twin", twin_model)
        if variant == "params-foreign":
            twin_params = [np.zeros(2)]                    # what torch.optim sees: no tensors of its own
    else:
        ours_params, twin_params = ours_model.parameters(), twin_model.parameters()
    mine = run(lambda: {"made": np.zeros(())} if getattr(dl, case.cls)(ours_params, **kwargs) else {})
    theirs = run(lambda: {"made": np.zeros(())} if getattr(torch.optim, case.cls)(twin_params, **kwargs) else {})
    context = f"{case.id} [{backend}] given {variant}"
    if theirs.error is None:
        assert mine.error is None, f"{context}: torch.optim accepts, we raise {mine!r}"
        assert [str(w.message) for w in mine.warned] == [str(w.message) for w in theirs.warned], context
        return "accepted as torch.optim"
    assert mine.error is not None, f"{context}: torch.optim raises {theirs!r}, we accept"
    if variant == "params-foreign":                       # torch has no foreign parameters: ours name the kind
        assert isinstance(mine.error, TypeError) and "Parameter" in str(mine.error), context
        return "torch.optim's error"
    assert type(mine.error) is type(theirs.error), f"{context}: {mine!r} vs torch's {theirs!r}"
    expected = str(theirs.error)
    if backend == "numpy":                                # the NumPy backend's "Tensors" are Parameters
        expected = re.sub(r"torch\.\w*Tensor", "Parameter", expected.replace("Tensors", "Parameters"))
    assert str(mine.error) == expected, f"{context}: {mine!r} vs {theirs!r}"
    return "torch.optim's error"


# the named settings of each optimizer (the catalogue's trajectories): each bad argument meets each once
OPTIMIZER_CASES = [case for case in OPTIMIZERS if case.trajectory]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in OPTIMIZER_CASES])
def test_an_optimizer_given_bad_settings_or_parameters_does_what_torch_optim_does(backend, case):
    _, failures = every_variant([(variant, lambda variant=variant: optimizer_judgement(case, backend, variant))
                                 for variant in [*optimizer_variants(case), *PARAM_LISTS]])
    assert not failures, f"{case.id} [{backend}]:\n" + "\n".join(failures)


# ---------------------------------------------------------------- the count


def all_outcomes():
    """Every case of this file outside pytest: {kind of outcome: count}, and the failures."""
    counts, failures = Counter(), []
    for backend in BACKENDS:
        judged = [judgement for case in LAYERS for judgement in layer_judgements(case, backend)]
        judged += [judgement for case in LOSSES for judgement in loss_judgements(case, backend)]
        judged += [(variant, lambda case=case, variant=variant, backend=backend: optimizer_judgement(case, backend,
                                                                                                    variant))
                   for case in OPTIMIZER_CASES for variant in [*optimizer_variants(case), *PARAM_LISTS]]
        more_counts, more_failures = every_variant(judged)
        counts.update(more_counts)
        failures += more_failures
    return counts, failures


if __name__ == "__main__":
    set_default_dtype(DTYPE)
    counts, failures = all_outcomes()
    print("\n".join(failures[:200]))
    print(f"{sum(counts.values()) + len(failures)} cases (layers, losses, optimizers), {len(failures)} failing: "
          f"{dict(counts)}")
    sys.exit(1 if failures else 0)
