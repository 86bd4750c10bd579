"""pytest set-up for nbval over the chapters (`pytest --nbval-lax chapters/*.ipynb`, as `make test` runs it).

A chapter's kernel that fails to start is started again, up to `KERNEL_START_ATTEMPTS` times, each on fresh
ports. Under pytest-xdist two workers start kernels at once; jupyter_client picks each kernel's ports by
binding port 0 and letting it go, so now and then a port is taken before the kernel binds it. nbval then
waits out its start-up timeout and errors every cell of that chapter ("Kernel didn't respond in 60 seconds")
though no cell ran. A retry is reported as a pytest warning naming the chapter and the error, so a kernel
that keeps failing is still seen, and the last attempt's error is raised as before.
"""

import warnings

import nbval.kernel
import nbval.plugin

KERNEL_START_ATTEMPTS = 3
NBVAL_ORIGINAL = "_dlbook_nbval_original"  # where a wrapper keeps nbval's own function (so a re-import wraps that)


class KernelStartRetried(UserWarning):
    """A chapter's kernel failed to start and was started again."""


def start_with_retries(start_once, attempts=KERNEL_START_ATTEMPTS, where="a notebook"):
    """Calls `start_once()` until it returns, at most `attempts` times, and re-raises the last RuntimeError.

    start_once: () -> None, raising RuntimeError when the kernel did not come up (as nbval does)."""
    if attempts < 1:
        raise ValueError(f"start_with_retries: attempts must be at least 1, got {attempts}")
    for attempt in range(1, attempts + 1):
        try:
            return start_once()
        except RuntimeError as error:
            if attempt == attempts:
                raise
            warnings.warn(
                f"the kernel for {where} failed to start ({error}); starting it again "
                f"(attempt {attempt + 1} of {attempts})",
                KernelStartRetried,
                stacklevel=2,
            )


def shut_down(kernel):
    """Stops a half-started nbval RunningKernel: its channels, then its process (either may be gone)."""
    for stop in (kernel.kc.stop_channels, lambda: kernel.km.shutdown_kernel(now=True)):
        try:
            stop()
        except Exception:  # noqa: BLE001 - best effort on a kernel that failed to start
            pass


def kernel_init_cleaning_up(nbval_init):
    def __init__(self, *args, **kwargs):
        """nbval's RunningKernel.__init__; a kernel whose IOPub check fails is shut down, not left running."""
        try:
            nbval_init(self, *args, **kwargs)
        except RuntimeError:
            if hasattr(self, "km"):  # the process started, then never answered on IOPub
                shut_down(self)
            raise

    return __init__


def setup_with_retries(nbval_setup):
    def setup(self):
        """nbval's per-notebook set-up (it starts the kernel), tried up to KERNEL_START_ATTEMPTS times."""
        start_with_retries(lambda: nbval_setup(self), where=self.fspath.basename)

    return setup


def _wrap(owner, name, make_wrapper):
    """Replaces owner.name by make_wrapper(nbval's own owner.name), never wrapping a wrapper twice."""
    current = getattr(owner, name)
    original = getattr(current, NBVAL_ORIGINAL, current)
    wrapper = make_wrapper(original)
    setattr(wrapper, NBVAL_ORIGINAL, original)
    setattr(owner, name, wrapper)


_wrap(nbval.kernel.RunningKernel, "__init__", kernel_init_cleaning_up)
_wrap(nbval.plugin.IPyNbFile, "setup", setup_with_retries)
