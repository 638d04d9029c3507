"""What a test may not leave changed in the test process, and how to restore it.

``conftest.py`` takes a snapshot before each test (and each test module) and
compares after it: a test that leaves an environment variable, the working
directory, a thread count, a torch default or scikit-learn's configuration
changed fails, and the state is put back so that later tests run as they would
alone. The suite then passes in any order.
"""

import os

import numpy as np
import sklearn
import torch
from threadpoolctl import ThreadpoolController, threadpool_limits

# Set by the tools themselves, not by a test: pytest names the running test;
# torch records its compile cache folder (its default) the first time a
# kernel needs it, and keeps it for the process.
EXEMPT_VARIABLES = {"PYTEST_CURRENT_TEST", "TORCHINDUCTOR_CACHE_DIR"}


def _environment():
    return {k: v for k, v in os.environ.items() if k not in EXEMPT_VARIABLES}


# The libraries loaded by now (NumPy's, SciPy's and torch's BLAS and OpenMP);
# reading their threads is then cheap, where a fresh scan takes milliseconds.
_THREADPOOLS = ThreadpoolController()


def _blas_threads():
    """Threads of each BLAS and OpenMP library, by its path."""
    return {
        (lib.user_api, lib.filepath): lib.num_threads
        for lib in _THREADPOOLS.lib_controllers
    }


def _autocast():
    return {device: torch.is_autocast_enabled(device) for device in ("cpu", "cuda")}


def _set_default_device(device):
    # None, not "cpu", which would install a device context on every call.
    torch.set_default_device(None if device == torch.device("cpu") else device)


# Each item: how to read it, and how to put a value back (None: cannot be).
READERS = {
    "environment variables": (_environment, None),
    "working directory": (os.getcwd, os.chdir),
    "torch threads": (torch.get_num_threads, torch.set_num_threads),
    "torch default dtype": (torch.get_default_dtype, torch.set_default_dtype),
    "torch default device": (torch.get_default_device, _set_default_device),
    "torch grad mode": (torch.is_grad_enabled, torch.set_grad_enabled),
    "torch inference mode": (torch.is_inference_mode_enabled, None),
    "torch autocast": (_autocast, None),
    "torch deterministic algorithms": (
        torch.are_deterministic_algorithms_enabled,
        torch.use_deterministic_algorithms,
    ),
    "BLAS threads": (_blas_threads, None),
    "scikit-learn config": (sklearn.get_config, lambda c: sklearn.set_config(**c)),
    "NumPy floating-point errors": (np.geterr, lambda e: np.seterr(**e)),
    "NumPy print options": (np.get_printoptions, lambda o: np.set_printoptions(**o)),
}


def snapshot():
    """Read every item of :data:`READERS`."""
    return {name: read() for name, (read, _) in READERS.items()}


def changes(before, after):
    """Describe what differs between two snapshots, one line per item."""
    lines = []
    for name in READERS:
        old, new = before[name], after[name]
        if isinstance(old, dict):
            keys = sorted(set(old) | set(new), key=str)
            diff = [
                f"{key}: {old.get(key, '(unset)')!r} -> {new.get(key, '(unset)')!r}"
                for key in keys
                if old.get(key) != new.get(key)
            ]
            if diff:
                lines.append(f"{name} changed: " + "; ".join(diff))
        elif old != new:
            lines.append(f"{name} changed: {old!r} -> {new!r}")
    return lines


def restore(before, after):
    """Put back what changed from ``before`` to ``after``, where it can be."""
    for name, (_, write) in READERS.items():
        if before[name] == after[name]:
            continue
        if name == "environment variables":
            for variable in set(after[name]) - set(before[name]):
                del os.environ[variable]
            os.environ.update(before[name])
        elif name == "BLAS threads":
            for (user_api, _), threads in before[name].items():
                threadpool_limits(threads, user_api=user_api)
        elif write is not None:
            write(before[name])
