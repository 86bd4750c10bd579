"""The public API: choosing a backend, one set of names and signatures on both, torch.nn's
argument names and defaults, devices, dtypes and array conversion."""

import importlib
import importlib.util
import inspect
import os
import subprocess
import sys

import numpy as np
import pytest
from catalogue import ABSTRACT, ALL, RECURRENT_CLASSES, public_classes

import dlbook

try:
    import torch
except ImportError:  # the NumPy backend works without torch; the comparisons with torch are skipped
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="needs torch")

CORE_MODULE_METHODS = ("forward", "backward", "parameters", "named_parameters", "zero_grad", "train", "eval",
                       "state_dict", "load_state_dict")
CORE_OPTIMIZER_METHODS = ("step", "zero_grad")

# torch arguments we leave out on purpose: deprecated (size_average, reduce) or about placement (device, dtype)
TORCH_ONLY_ARGUMENTS = {"size_average", "reduce", "device", "dtype"}

# torch.nn.RNN, LSTM and GRU take (*args, **kwargs): their signature names no argument to compare with
NO_TORCH_SIGNATURE = set(RECURRENT_CLASSES)
# names shared with torch.nn or torch.optim (every catalogue class with a plain torch twin), whose
# constructors ours must follow
TORCH_TWINS = sorted({case.cls for case in ALL if case.twin is not None and case.twin_is_torch_nn}
                     - NO_TORCH_SIGNATURE)

TORCH_FREE_MODULES = ["dlbook.numpy", "dlbook.gradcheck", "dlbook.core.errors", "dlbook.core.init", "dlbook.data",
                      "dlbook.schedules", "dlbook.train", "dlbook.core.windows", "dlbook.autograd", "dlbook.viz",
                      "dlbook.widgets", "dlbook.core.specs"]

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_python(code, **env):
    """Run `code` in a fresh interpreter from the repository root; return the completed process."""
    return subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


def parameter_list(function):
    """(name, kind, default) of each argument: the signature without annotations, which differ
    between hand-written code and torch's typed code without changing how a reader calls it."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def public_callables():
    names = dlbook.load("numpy").__all__
    return [name for name in names if callable(getattr(dlbook.load("numpy"), name))]


def module_classes():
    dl_np = dlbook.load("numpy")
    return [name for name in dl_np.__all__
            if isinstance(getattr(dl_np, name), type) and issubclass(getattr(dl_np, name), dl_np.Module)]


def optimizer_classes():
    dl_np = dlbook.load("numpy")
    return [name for name in dl_np.__all__
            if isinstance(getattr(dl_np, name), type) and issubclass(getattr(dl_np, name), dl_np.Optimizer)]


# --- choosing a backend ---------------------------------------------------------------------------


def test_load_without_a_name_or_variable_gives_the_numpy_backend(monkeypatch):
    monkeypatch.delenv("DLBOOK_BACKEND", raising=False)
    assert dlbook.load() is importlib.import_module("dlbook.numpy")


def test_dlbook_backend_variable_torch_gives_the_torch_backend(torch, monkeypatch):
    monkeypatch.setenv("DLBOOK_BACKEND", "torch")
    assert dlbook.load() is importlib.import_module("dlbook.torch")


def test_an_explicit_name_wins_over_the_variable(monkeypatch):
    monkeypatch.setenv("DLBOOK_BACKEND", "torch")
    assert dlbook.load("numpy") is importlib.import_module("dlbook.numpy")


def test_an_unknown_backend_name_raises_a_value_error_listing_the_choices():
    with pytest.raises(ValueError, match=r"unknown dlbook backend 'jax'.*'numpy', 'torch'"):
        dlbook.load("jax")


def test_an_unknown_backend_in_the_variable_raises_a_value_error_naming_the_variable(monkeypatch):
    monkeypatch.setenv("DLBOOK_BACKEND", "tensorflow")
    with pytest.raises(ValueError, match="DLBOOK_BACKEND"):
        dlbook.load()


@pytest.mark.parametrize("make", [
    lambda dl: dl.Linear(2, 3, seed=0),
    lambda dl: dl.Sequential(dl.Linear(2, 3, seed=0), dl.ReLU()),
    lambda dl: dl.CrossEntropyLoss(),
    lambda dl: dl.SGD(dl.Linear(2, 3, seed=0).parameters(), lr=0.1),
], ids=["layer", "model", "loss", "optimizer"])
def test_backend_of_names_the_backend_that_made_an_object(dl, make):
    assert dlbook.backend_of(make(dl)) is dl


def test_backend_of_rejects_an_object_from_elsewhere():
    with pytest.raises(TypeError, match="list does not come from a dlbook backend"):
        dlbook.backend_of([1, 2, 3])


# --- one API on both backends ---------------------------------------------------------------------


def test_both_backends_export_the_same_public_names(dl_np, dl_torch):
    assert sorted(dl_np.__all__) == sorted(dl_torch.__all__)


def test_every_public_name_exists_in_both_backends(dl_np, dl_torch):
    missing = [(dl.name, name) for dl in (dl_np, dl_torch) for name in dl.__all__ if not hasattr(dl, name)]
    assert missing == []


@pytest.mark.parametrize("name", public_callables())
def test_each_public_callable_has_one_signature_on_both_backends(dl_np, dl_torch, name):
    ours, theirs = getattr(dl_np, name), getattr(dl_torch, name)
    if ours is theirs:                                  # shared (errors, calculate_gain): nothing to compare
        return
    assert parameter_list(ours) == parameter_list(theirs)


@pytest.mark.parametrize("method", CORE_MODULE_METHODS)
@pytest.mark.parametrize("name", module_classes())
def test_each_core_module_method_has_one_signature_on_both_backends(dl_np, dl_torch, name, method):
    ours, theirs = getattr(getattr(dl_np, name), method), getattr(getattr(dl_torch, name), method)
    assert parameter_list(ours) == parameter_list(theirs)


@pytest.mark.parametrize("method", CORE_OPTIMIZER_METHODS)
@pytest.mark.parametrize("name", optimizer_classes())
def test_each_optimizer_method_has_one_signature_on_both_backends(dl_np, dl_torch, name, method):
    ours, theirs = getattr(getattr(dl_np, name), method), getattr(getattr(dl_torch, name), method)
    assert parameter_list(ours) == parameter_list(theirs)


@pytest.mark.parametrize("module", TORCH_FREE_MODULES)
def test_module_never_imports_torch(module):
    assert importlib.util.find_spec(module) is not None, f"{module} does not exist: rename it in TORCH_FREE_MODULES"
    result = run_python(f"import sys, {module}; assert 'torch' not in sys.modules, 'torch was imported'")
    assert result.returncode == 0, result.stderr


def test_the_catalogue_covers_every_public_layer_loss_and_optimizer_class(dl):
    # a class of the API without a case in tests/catalogue.py is in none of the gradient-check, parity,
    # oracle, property and repr suites
    assert set(ABSTRACT) <= public_classes(dl)
    assert sorted(public_classes(dl) - set(ABSTRACT) - {case.cls for case in ALL}) == []


def test_every_catalogue_case_exercises_a_public_class(dl):
    assert sorted({case.cls for case in ALL} - public_classes(dl)) == []


# --- argument names and defaults follow torch.nn / torch.optim -----------------------------------


def torch_compatibility_problems(ours, theirs):
    """Why `ours` is not a prefix-compatible subset of `theirs` (an empty list when it is).

    Our positional arguments must be torch's first positional arguments, in order, with equal defaults;
    each of our keyword-only arguments must be an argument of torch's with an equal default. Left out:
    torch's deprecated or placement arguments (TORCH_ONLY_ARGUMENTS) and our keyword-only `seed`."""
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    our_args = [p for p in inspect.signature(ours).parameters.values()
                if not (p.name == "seed" and p.kind is inspect.Parameter.KEYWORD_ONLY)]
    torch_args = [p for p in inspect.signature(theirs).parameters.values() if p.name not in TORCH_ONLY_ARGUMENTS]
    torch_by_name = {p.name: p for p in torch_args}
    torch_positional = [p for p in torch_args if p.kind in positional]
    problems = []
    our_positional = [p for p in our_args if p.kind in positional]
    for index, arg in enumerate(our_positional):
        if index >= len(torch_positional) or torch_positional[index].name != arg.name:
            torch_name = torch_positional[index].name if index < len(torch_positional) else None
            problems.append(f"positional argument {index} is {arg.name!r}, torch's is {torch_name!r}")
    for arg in our_args:
        twin = torch_by_name.get(arg.name)
        if twin is None:
            problems.append(f"{arg.name!r} is not an argument of torch's")
        elif twin.default != arg.default:
            problems.append(f"{arg.name!r} defaults to {arg.default!r}, torch's to {twin.default!r}")
    return problems


@pytest.mark.parametrize("name", TORCH_TWINS)
def test_constructor_arguments_are_a_prefix_compatible_subset_of_torchs(dl, torch, name):
    torch_twin = getattr(torch.optim, name, None) or getattr(torch.nn, name)
    assert torch_compatibility_problems(getattr(dl, name), torch_twin) == []


@needs_torch
def test_the_compatibility_check_catches_a_renamed_or_re_defaulted_argument():
    def renamed(in_features, out_size, bias=True):
        pass

    def re_defaulted(in_features, out_features, bias=False):
        pass

    assert torch_compatibility_problems(renamed, torch.nn.Linear) != []
    assert torch_compatibility_problems(re_defaulted, torch.nn.Linear) != []


# --- device ---------------------------------------------------------------------------------------


def test_the_numpy_backend_runs_on_the_cpu(dl_np):
    assert dl_np.device == "cpu"


def test_the_torch_backend_device_is_a_torch_device(dl_torch):
    assert isinstance(dl_torch.device, torch.device)


@needs_torch
def test_dlbook_device_variable_sets_the_torch_device_and_where_parameters_live():
    result = run_python(
        "import dlbook; dl = dlbook.load('torch'); "
        "print(dl.device, dl.Linear(2, 3, seed=0).weight.device, dl.asarray([1.0]).device)",
        DLBOOK_DEVICE="cpu")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["cpu"] * 3


def two_gpus_here(monkeypatch):
    """Make torch report two CUDA GPUs and no MPS (no tensor is made on them): what DLBOOK_DEVICE is checked
    against."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


@pytest.mark.parametrize("requested", ["cuda:1", "cuda", "cuda:0", "cpu"])
def test_dlbook_device_variable_overrides_the_automatic_choice(dl_torch, monkeypatch, requested):
    # with two GPUs, "cuda:1" and "cpu" are never picked automatically, so they show the variable is read
    from dlbook.torch.tensor import pick_device

    two_gpus_here(monkeypatch)
    monkeypatch.setenv("DLBOOK_DEVICE", requested)
    assert pick_device() == torch.device(requested)


@pytest.mark.parametrize("requested", ["nonsense", "cuda:2", "meta", "mps"])
def test_a_dlbook_device_this_machine_lacks_is_refused_naming_the_variable_the_value_and_the_devices(
        dl_torch, monkeypatch, requested):
    from dlbook.torch.tensor import pick_device

    two_gpus_here(monkeypatch)
    monkeypatch.setenv("DLBOOK_DEVICE", requested)
    with pytest.raises(ValueError, match=rf"DLBOOK_DEVICE='{requested}' is not a .*'cuda:0', 'cuda:1', 'cpu'"):
        pick_device()


@needs_torch
@pytest.mark.skipif(torch is not None and torch.cuda.is_available(), reason="this machine has a GPU")
@pytest.mark.parametrize("requested", ["cuda", "nonsense"])
def test_loading_the_torch_backend_with_a_device_this_machine_lacks_fails_at_once(requested):
    result = run_python("import dlbook; dlbook.load('torch')", DLBOOK_DEVICE=requested)
    assert result.returncode != 0
    assert f"ValueError: DLBOOK_DEVICE='{requested}' is not a" in result.stderr
    assert "has 'cpu' (or unset DLBOOK_DEVICE" in result.stderr


def test_parallel_lists_the_torch_backends_devices(dl_torch, monkeypatch):
    from dlbook import parallel
    from dlbook.torch.tensor import available_devices

    two_gpus_here(monkeypatch)
    assert parallel.available_devices() == available_devices() == ["cuda:0", "cuda:1", "cpu"]


def test_without_dlbook_device_the_torch_backend_prefers_cuda_then_the_cpu(dl_torch, monkeypatch):
    from dlbook.torch.tensor import pick_device

    monkeypatch.delenv("DLBOOK_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
    assert pick_device().type == expected


# --- dtypes and conversion ------------------------------------------------------------------------


def test_new_layers_are_float32_by_default(dl):
    layer = dl.Linear(3, 2, seed=0)
    assert dl.to_numpy(layer.weight).dtype == np.float32


@pytest.mark.parametrize("make", [lambda dl: dl.Linear(3, 2, seed=0), lambda dl: dl.BatchNorm1d(3)],
                         ids=["Linear", "BatchNorm1d"])
def test_set_default_dtype_float64_makes_new_layers_float64(dl, make):
    dl.set_default_dtype(np.float64)
    state = make(dl).state_dict()
    float_dtypes = {dl.to_numpy(value).dtype for name, value in state.items() if name != "num_batches_tracked"}
    assert float_dtypes == {np.dtype(np.float64)}


def test_set_default_dtype_accepts_numpy_and_string_names_on_both_backends(dl):
    dl.set_default_dtype("float64")
    assert str(dl.get_default_dtype()).endswith("float64")
    dl.set_default_dtype(np.float32)
    assert str(dl.get_default_dtype()).endswith("float32")


def test_set_default_dtype_rejects_a_non_float_dtype(dl):
    with pytest.raises(TypeError, match="float32 or float64"):
        dl.set_default_dtype(np.int32)


@pytest.mark.parametrize("values", [np.array([1.5, 2.5], np.float64), [0.5, 1.0], np.float16(3.0)],
                         ids=["float64 array", "list of floats", "float16 scalar"])
def test_asarray_gives_floats_the_default_dtype(dl, values):
    assert dl.to_numpy(dl.asarray(values)).dtype == np.float32
    dl.set_default_dtype(np.float64)
    assert dl.to_numpy(dl.asarray(values)).dtype == np.float64


@pytest.mark.parametrize("values", [np.array([1, 2], np.int32), [3, 4], np.array([5], np.uint8)],
                         ids=["int32 array", "list of ints", "uint8 array"])
def test_asarray_gives_integers_int64(dl, values):
    assert dl.to_numpy(dl.asarray(values)).dtype == np.int64


def test_asarray_keeps_booleans(dl):
    assert dl.to_numpy(dl.asarray(np.array([True, False]))).dtype == np.bool_


@pytest.mark.parametrize("values", [np.arange(6, dtype=np.float32).reshape(2, 3) / 7,
                                    np.arange(-3, 3, dtype=np.int64)], ids=["float32", "int64"])
def test_to_numpy_round_trips_through_asarray(dl, values):
    back = dl.to_numpy(dl.asarray(values))
    assert isinstance(back, np.ndarray)
    assert back.dtype == values.dtype
    np.testing.assert_array_equal(back, values)


def test_to_numpy_reads_a_parameter(dl):
    layer = dl.Linear(3, 2, seed=0)
    np.testing.assert_array_equal(dl.to_numpy(layer.weight), dl.to_numpy(layer.state_dict()["weight"]))
