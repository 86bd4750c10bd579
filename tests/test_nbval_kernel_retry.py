"""chapters/conftest.py starts a chapter's kernel again when it fails to come up, warns, and cleans up."""

import importlib.util
import warnings
from pathlib import Path
from types import SimpleNamespace

import nbval.kernel
import nbval.plugin
import pytest

REPO = Path(__file__).resolve().parents[1]


def load_chapters_conftest():
    """chapters/conftest.py as a module (pytest loads it only when notebooks are collected)."""
    spec = importlib.util.spec_from_file_location("chapters_conftest", REPO / "chapters" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


retry = load_chapters_conftest()


class Flaky:
    """A start-up that raises RuntimeError on its first `failures` calls, then returns "up"."""

    def __init__(self, failures, error=RuntimeError):
        self.failures, self.error, self.calls = failures, error, 0

    def __call__(self):
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error(f"Kernel didn't respond in 60 seconds (call {self.calls})")
        return "up"


def test_a_kernel_that_fails_twice_is_started_a_third_time_with_a_warning_naming_the_chapter():
    start = Flaky(failures=2)
    with pytest.warns(retry.KernelStartRetried) as record:
        assert retry.start_with_retries(start, attempts=3, where="07_preprocessing_classifier.ipynb") == "up"
    assert start.calls == 3
    messages = [str(w.message) for w in record]
    assert len(messages) == 2
    assert all("07_preprocessing_classifier.ipynb" in m and "didn't respond" in m for m in messages)
    assert "attempt 2 of 3" in messages[0] and "attempt 3 of 3" in messages[1]


def test_a_kernel_that_never_starts_raises_the_last_error_after_every_attempt():
    start = Flaky(failures=5)
    with pytest.warns(retry.KernelStartRetried), pytest.raises(RuntimeError, match=r"call 3\)"):
        retry.start_with_retries(start, attempts=3)
    assert start.calls == 3


def test_a_kernel_that_starts_first_time_is_started_once_and_warns_nothing():
    start = Flaky(failures=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert retry.start_with_retries(start) == "up"
    assert start.calls == 1


def test_an_error_that_is_not_a_failed_start_is_not_retried():
    start = Flaky(failures=1, error=KeyError)
    with pytest.raises(KeyError):
        retry.start_with_retries(start)
    assert start.calls == 1


def test_attempts_below_one_are_refused():
    with pytest.raises(ValueError, match="attempts must be at least 1, got 0"):
        retry.start_with_retries(Flaky(0), attempts=0)


def test_nbvals_setup_and_kernel_are_wrapped_once_around_nbvals_own_functions():
    load_chapters_conftest()  # a second load (pytest's own, or this) must wrap nbval's functions, not a wrapper
    for owner, name in [(nbval.plugin.IPyNbFile, "setup"), (nbval.kernel.RunningKernel, "__init__")]:
        wrapper = getattr(owner, name)
        original = getattr(wrapper, retry.NBVAL_ORIGINAL)
        assert original.__module__.startswith("nbval."), (name, original.__module__)
        assert not hasattr(original, retry.NBVAL_ORIGINAL)


def test_the_setup_wrapper_retries_nbvals_setup_for_that_notebook():
    nbval_setup = Flaky(failures=1)
    setup = retry.setup_with_retries(lambda notebook: nbval_setup())
    notebook = SimpleNamespace(fspath=SimpleNamespace(basename="12_attention_transformers.ipynb"))
    with pytest.warns(retry.KernelStartRetried, match="12_attention_transformers.ipynb"):
        setup(notebook)
    assert nbval_setup.calls == 2


def test_a_kernel_that_never_answers_on_iopub_is_shut_down_not_left_running(monkeypatch):
    stopped = []
    km = SimpleNamespace(shutdown_kernel=lambda now=False: stopped.append(("kernel", now)))
    kc = SimpleNamespace(stop_channels=lambda: stopped.append(("channels", None)))
    monkeypatch.setattr(nbval.kernel, "start_new_kernel", lambda **kwargs: (km, kc))

    def iopub_never_up(self):
        raise RuntimeError("Wasn't able to establish IOPub after 30 seconds.")

    monkeypatch.setattr(nbval.kernel.RunningKernel, "_ensure_iopub_up", iopub_never_up)
    with pytest.raises(RuntimeError, match="IOPub"):
        nbval.kernel.RunningKernel("python3")
    assert stopped == [("channels", None), ("kernel", True)]
