"""torch's process-wide state and the fitted module's inference, for the estimators.

What a fit must set and restore around torch (gradient and autocast modes,
the default dtype, the global generator), the generator a fit draws from, the
device, the conversion of tensors for persistence, and :class:`Inference`,
the fitted module prepared for inference. The estimators' own logic is in
:mod:`skae._base`.
"""

import contextlib
import threading

import numpy as np
import torch
from sklearn.utils import check_random_state
from torch.nn import functional as F

from ._module import decode_bound


class Inference:
    """The fitted module ready for inference, in float32 and float64.

    Holds what inference needs that does not depend on the rows: the forward
    pass in each dtype (the graph's ``inference_module``: for the dense graph
    on the CPU, NumPy's matrix product, see :class:`~skae._module.BlasForward`;
    by default the module and a float64 copy of it), its width and weight
    count, the decoder's bound, and the weights' in-place version, to tell
    when they have changed since.
    """

    def __init__(self, module, sigmoid):
        self.modules = {
            np.dtype(dtype): module.inference_module(dtype)
            for dtype in (np.float32, np.float64)
        }
        self.sigmoid = sigmoid
        # Whether the CPU forward multiplies with NumPy's BLAS (then torch
        # takes one thread) or runs in torch (on torch's threads).
        self.blas = getattr(
            self.modules[np.dtype(np.float32)], "uses_numpy_blas", False
        )
        self.width = module.activation_width()
        self.n_weights = module.n_weights()
        self.decode_gain = module.decode_gain()
        self._parameters = list(module.parameters())
        self._version = self._weights_version()

    def _weights_version(self):
        # torch counts the in-place changes of each tensor; they only grow.
        return sum(parameter._version for parameter in self._parameters)

    def is_stale(self):
        """Return whether the module's weights have changed in place since."""
        return self._weights_version() != self._version

    def decode_bound(self, code_bound):
        """Bound the decoding of codes bounded by `code_bound` (see the module)."""
        return decode_bound(self.decode_gain, code_bound)

    def module(self, dtype):
        return self.modules[np.dtype(dtype)]

    def encode(self, module, x, out):
        module.encode_into(x, out)

    def decode(self, module, code, out):
        module.decode_into(code, out, sigmoid=self.sigmoid)

    def negative_error(self, module, x, out):
        reconstruction = module(x)[0]
        if self.sigmoid:
            # Binary KL divergence: the cross-entropy less the entropy of x,
            # with 0 log 0 = 0 so that x = 0 and x = 1 are exact. Outside
            # [0, 1], that of the nearest bound plus the squared excess.
            inside = x.clamp(0, 1)
            error = F.binary_cross_entropy_with_logits(
                reconstruction, inside, reduction="none"
            )
            error += torch.special.xlogy(inside, inside)
            error += torch.special.xlogy(1 - inside, 1 - inside)
            error.clamp_(min=0)
            error += inside.sub_(x).square_()
        else:
            error = reconstruction.sub_(x).square_()
        torch.mean(error, dim=1, out=out).neg_()


@contextlib.contextmanager
def training_modes():
    """Track gradients in the tensors' own dtypes, whatever the caller's torch mode.

    A fit inside ``torch.no_grad()`` or ``torch.inference_mode()`` (a pipeline
    fitted within the user's own evaluation block) would otherwise fail deep
    in torch ("element 0 of tensors does not require grad"), and a graph built
    or loaded in inference mode would hold tensors that cannot be trained.
    Inside ``torch.autocast`` it would train another model than the same
    `random_state` gives outside, in bfloat16 or float16. These modes are
    thread-local: no other thread is affected.
    """
    with torch.inference_mode(False), torch.enable_grad(), autocast_disabled():
        yield


def autocast_disabled():
    """Run torch in the tensors' own dtypes inside a caller's ``torch.autocast``.

    Outside one (the usual case) the context does nothing and costs nothing.
    """
    if not (torch.is_autocast_enabled("cpu") or torch.is_autocast_enabled("cuda")):
        return contextlib.nullcontext()
    stack = contextlib.ExitStack()
    for device_type in ("cpu", "cuda"):
        stack.enter_context(torch.autocast(device_type, enabled=False))
    return stack


# torch's default dtype is one setting for the whole process: the lock keeps
# two fits in threads from restoring each other's value.
_DEFAULT_DTYPE_LOCK = threading.Lock()


def build_module(module_class, **params):
    """Build a graph in float32, in which skae trains, whatever torch's default dtype.

    After ``torch.set_default_dtype(torch.float64)`` a graph would otherwise
    hold float64 weights that training feeds float32 batches (a dtype error
    deep in torch), initialised from other random numbers than under the
    float32 default. The user's default is restored at once.
    """
    with _DEFAULT_DTYPE_LOCK:
        default = torch.get_default_dtype()
        torch.set_default_dtype(torch.float32)
        try:
            return module_class(**params)
        finally:
            torch.set_default_dtype(default)


def torch_generator(random_state, epochs_done=0):
    """Return the torch generator a fit draws from, seeded from `random_state`.

    In a fit, the validation split (with early stopping) and the initial
    weights draw from it first, then :func:`forked_rng` takes one number
    from it to seed dropout, then every epoch draws its shuffle and noise.
    A fit that continues from `epochs_done` epochs (``partial_fit``,
    ``warm_start``) seeds it further on, so that an int `random_state` does
    not replay the same shuffles, noise and samples at every call.
    """
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return torch.Generator().manual_seed(int(seed) + epochs_done)


# torch's global generator is one per process: fits that draw from it take
# turns, or two in threads would interleave their draws (results that depend
# on timing) and restore each other's saved state (the user's left changed).
# Reentrant, for a fit started from another fit's callback.
GLOBAL_GENERATOR_LOCK = threading.RLock()


@contextlib.contextmanager
def forked_rng(generator, device, *, needed=True):
    """Seed torch's global generator from ``generator`` and restore it after.

    Dropout and sampling draw from the global generator; forking it keeps
    training reproducible while leaving the user's random state untouched.
    One number is drawn from ``generator`` either way, so that what follows
    does not depend on `needed`; without it (a graph that draws nothing from
    the global generator) nothing else is done, and fits in threads run
    side by side.
    """
    seed = int(torch.randint(2**62, (1,), generator=generator, device="cpu"))
    if not needed:
        yield
        return
    device = torch.device(device)
    devices = []
    if device.type == "cuda":
        # The fit's own GPU, which need not be the current one ('cuda:1', or
        # 'cuda:0' after torch.cuda.set_device(1)): torch.cuda.manual_seed
        # would seed the current GPU and leave the fit's unseeded.
        index = device.index
        devices = [torch.cuda.current_device() if index is None else index]
    with GLOBAL_GENERATOR_LOCK, torch.random.fork_rng(devices=devices):
        torch.default_generator.manual_seed(seed)
        for index in devices:
            # Filled in once CUDA is initialised, which fork_rng has done.
            torch.cuda.default_generators[index].manual_seed(seed)
        yield


def resolve_device(device):
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        parsed = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(
            f"device={device!r} is not a torch device; use 'cpu', 'cuda', 'cuda:N' "
            "or 'auto'."
        ) from exc
    # Checked here, before any work, rather than left to torch's first transfer
    # (an AssertionError "Torch not compiled with CUDA enabled" on a CPU build).
    reason = unavailable_cuda(parsed)
    if reason:
        raise ValueError(
            f"device={device!r} but {reason}; use device='auto' to train on CUDA "
            "where there is one and on the CPU elsewhere."
        )
    return device


def unavailable_cuda(device):
    """Why torch cannot use the CUDA `device` here, or None when it can.

    Also None for a device that is not CUDA.
    """
    if device.type != "cuda":
        return None
    if not torch.cuda.is_available():
        return f"CUDA is not available to this torch ({torch.__version__})"
    if device.index is not None and device.index >= torch.cuda.device_count():
        return f"torch sees {torch.cuda.device_count()} CUDA device(s)"
    return None


def to_numpy(tree):
    """Copy a (nested) state dict with every tensor turned into a numpy array."""
    if isinstance(tree, torch.Tensor):
        return tree.detach().cpu().numpy().copy()
    if isinstance(tree, dict):
        return {key: to_numpy(value) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(to_numpy(value) for value in tree)
    return tree


def to_torch(tree):
    """Inverse of :func:`to_numpy`."""
    if isinstance(tree, np.ndarray):
        return torch.from_numpy(tree.copy())
    if isinstance(tree, dict):
        return {key: to_torch(value) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(to_torch(value) for value in tree)
    return tree
