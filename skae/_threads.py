"""How many torch threads a piece of work gets, set for its duration only."""

import contextlib
import os
import threading

import torch

# Work, in multiply-adds of one training step or one inference chunk, below
# which one thread is used. Below a few million, one thread is simply faster:
# waking a second costs more than it saves. Up to this size, more threads still
# help a fit alone (a (512, 256) network on digits: 1.35 s with two threads,
# 2.24 s with one) but collapse when another process uses the same cores
# (10.7 s each for two such fits side by side, 2.3 s with one thread each):
# OpenMP threads spin while they wait for cores that are taken.
SMALL_WORK = 50_000_000

_lock = threading.Lock()
_active = 0
_saved = None


def n_threads(n_jobs, work):
    """Return the number of torch threads for `work` multiply-adds.

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


def _user_threads():
    """Torch's thread count as the user left it, outside any of our contexts."""
    with _lock:
        return _saved if _active else torch.get_num_threads()


@contextlib.contextmanager
def torch_threads(n):
    """Run the block with `n` torch threads, then restore the user's setting.

    torch's setting is global to the process. Nested or concurrent blocks
    (e.g. ``transform`` from several threads) share it: the first block to
    enter sets it and the last to leave restores what the user had, so that
    the setting never stays changed.
    """
    global _active, _saved
    with _lock:
        if _active == 0:
            _saved = torch.get_num_threads()
        _active += 1
        if torch.get_num_threads() != n:
            torch.set_num_threads(n)
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and torch.get_num_threads() != _saved:
                torch.set_num_threads(_saved)
