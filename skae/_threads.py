"""How many threads a piece of work gets, set for its duration only.

Training runs on torch's threads. Inference on the CPU multiplies with NumPy's
BLAS (see ``skae._module.BlasForward``), whose threads threadpoolctl sets.
"""

import contextlib
import os
import threading

import torch
from threadpoolctl import ThreadpoolController

# Work, in multiply-adds of one training step or one inference chunk, below
# which one thread is used: below a few million waking a second thread costs
# more than it saves, and up to this size more threads help a fit alone but
# collapse when another process uses the same cores, as OpenMP threads spin
# while they wait for cores that are taken (Benchmarks page, "Speed and memory").
SMALL_WORK = 50_000_000


def n_threads(n_jobs, work):
    """Return the number of threads for `work` multiply-adds.

    Parameters
    ----------
    n_jobs : int or None
        The estimator's parameter: None chooses by `work` (one thread below
        :data:`SMALL_WORK`, else torch's own setting), -1 means every core,
        -2 every core but one, and so on; a positive int is used as given.

    work : int
        Multiply-adds of one training step or one inference chunk.

    Returns
    -------
    n : int
        At least 1.
    """
    if n_jobs is None:
        return 1 if work < SMALL_WORK else _user_threads()
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return n_jobs


class _SharedSetting:
    """A process-wide thread count, changed for blocks and restored after.

    The setting is global to the process. Nested or concurrent blocks (e.g.
    ``transform`` from several threads) share it: the first block to enter
    saves what the user had and the last to leave restores it, so that the
    setting never stays changed.
    """

    def __init__(self, get, set):
        self._get = get
        self._set = set
        self._lock = threading.Lock()
        self._active = 0
        self._saved = None

    def user_setting(self):
        """Return the setting as the user left it, outside any of our blocks."""
        with self._lock:
            return self._saved if self._active else self._get()

    @contextlib.contextmanager
    def __call__(self, n):
        """Run the block with `n` threads; None leaves the setting alone."""
        if n is None:
            yield
            return
        with self._lock:
            if self._active == 0:
                self._saved = self._get()
            self._active += 1
            self._set(n)
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if self._active == 0:
                    self._set(self._saved)


def _set_torch_threads(n):
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)


# NumPy's BLAS libraries, found once: a controller made per call would scan
# the loaded libraries again.
_blas = ThreadpoolController().select(user_api="blas")


def _get_blas_threads():
    return tuple(lib.num_threads for lib in _blas.lib_controllers)


def _set_blas_threads(n):
    counts = n if isinstance(n, tuple) else (n,) * len(_blas.lib_controllers)
    for lib, count in zip(_blas.lib_controllers, counts):
        if lib.num_threads != count:
            with _controlling(lib):
                lib.set_num_threads(count)


@contextlib.contextmanager
def _controlling(lib):
    """Let this thread set `lib`'s threads, then let any thread set them again.

    threadpoolctl (3.8 and newer) lets only the first thread that sets a
    process-wide pool (pthreads OpenBLAS) set it until that thread ends, and
    ignores the others silently; but a block of :class:`_SharedSetting` may
    be left last by another thread than the one that entered it first.
    """
    clear = getattr(lib, "clear_controlling_thread", None)
    if clear is None:  # older threadpoolctl, or a library without the rule
        yield
        return
    clear(force=True)
    try:
        yield
    finally:
        clear()


torch_threads = _SharedSetting(torch.get_num_threads, _set_torch_threads)
blas_threads = _SharedSetting(_get_blas_threads, _set_blas_threads)


@contextlib.contextmanager
def inference_threads(n_jobs, work, *, blas):
    """Set the threads of an inference of `work` multiply-adds per chunk.

    With ``blas`` (inference on the CPU, see ``skae._module.BlasForward``),
    NumPy's BLAS does the products, on its threads as the user left them
    unless `n_jobs` is set, and torch's elementwise work takes one thread, so
    that torch's pool does not fight BLAS's for the cores. Otherwise torch
    does everything, on :func:`n_threads`.
    """
    n = n_threads(n_jobs, work)
    if blas:
        with blas_threads(None if n_jobs is None else n), torch_threads(1):
            yield
    else:
        with torch_threads(n):
            yield


def _user_threads():
    """Torch's thread count as the user left it, outside any of our contexts."""
    return torch_threads.user_setting()
