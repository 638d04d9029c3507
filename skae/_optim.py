"""The optimizer: torch's Adam with a light step for small batches."""

import torch
from torch.optim import optimizer as _torch_optimizer

# torch's fused Adam kernel; the fast step below is used only where it exists.
_FUSED_KERNELS = {
    False: getattr(torch, "_fused_adam_", None),
    True: getattr(torch, "_fused_adamw_", None),
}


class Adam(torch.optim.Adam):
    """:class:`torch.optim.Adam` whose fused step costs little Python.

    torch's ``step`` reaches its fused kernel through a profiling range, hook
    calls, grad-mode switches, dynamo guards and regrouping of the tensors by
    device and dtype: about 80 µs per call on a 2-core machine, as much as the
    arithmetic of a 32-row batch of the seed network. Here, once every
    parameter has its state, a fused step with no step hook registered calls
    the same kernel with the same arguments as torch's own step, so the
    weights are bitwise those of ``torch.optim.Adam``. Everything else takes
    torch's own step, with its hooks and profiling range: the first step
    (which creates the state), a closure, a registered step hook (on this
    optimizer or global), a non-fused group, a tensor learning rate, gradient
    scaling, ``differentiable=True``, parameters on several devices or of
    several dtypes, or a torch without the fused kernel. The fast step shows
    in torch's profiler as its kernels, without the ``Optimizer.step`` range.

    ``zero_grad()`` sets the gradients to None, as torch's does by default,
    without its profiling range and dynamo guards.
    """

    def step(self, closure=None):
        """Take one Adam step; see :meth:`torch.optim.Adam.step`."""
        fast = closure is None and not _has_step_hooks(self)
        work = self._fused_work() if fast else None
        if work is None:
            return _HOOKED_TORCH_STEP(self, closure)
        for group, params, states in work:
            if not params:
                continue
            steps = [state["step"] for state in states]
            beta1, beta2 = group["betas"]
            torch._foreach_add_(steps, 1)
            _FUSED_KERNELS[_decoupled(group)](
                params,
                [param.grad for param in params],
                [state["exp_avg"] for state in states],
                [state["exp_avg_sq"] for state in states],
                [state["max_exp_avg_sq"] for state in states]
                if group["amsgrad"]
                else [],
                steps,
                amsgrad=group["amsgrad"],
                lr=group["lr"],
                beta1=beta1,
                beta2=beta2,
                weight_decay=group["weight_decay"],
                eps=group["eps"],
                maximize=group["maximize"],
            )
        return None

    def _fused_work(self):
        """Return ``(group, params, states)`` per group, or None for torch's path."""
        if getattr(self, "grad_scale", None) is not None:
            return None
        if getattr(self, "found_inf", None) is not None:
            return None
        work = []
        for group in self.param_groups:
            if (
                not group["fused"]
                or group["differentiable"]
                or isinstance(group["lr"], torch.Tensor)
                or _FUSED_KERNELS[_decoupled(group)] is None
            ):
                return None
            params = [param for param in group["params"] if param.grad is not None]
            states = [self.state.get(param) for param in params]
            if not all(states):
                return None
            if len({(param.device, param.dtype) for param in params}) > 1:
                return None
            work.append((group, params, states))
        return work

    def zero_grad(self, set_to_none=True):
        """Reset the gradients; see :meth:`torch.optim.Optimizer.zero_grad`."""
        if not set_to_none:
            return super().zero_grad(set_to_none)
        for group in self.param_groups:
            for param in group["params"]:
                param.grad = None
        return None


# torch wraps each optimizer class's step, at its first instance, in a wrapper
# that opens a profiling range and runs the step hooks, which costs as much as
# the fast step itself. Adam.step is marked as wrapped so that torch leaves it
# alone, and runs torch's step in that same wrapper whenever it takes torch's
# path.
_TORCH_STEP = torch.optim.Adam.step
if getattr(_TORCH_STEP, "hooked", False):
    _TORCH_STEP = _TORCH_STEP.__wrapped__
_HOOKED_TORCH_STEP = torch.optim.Optimizer.profile_hook_step(_TORCH_STEP)
Adam.step.hooked = True


def _has_step_hooks(optimizer):
    """Whether a step hook is registered on `optimizer` or globally.

    True also when torch keeps its hooks elsewhere than this reads them.
    """
    try:
        return bool(
            optimizer._optimizer_step_pre_hooks
            or optimizer._optimizer_step_post_hooks
            or _torch_optimizer._global_optimizer_pre_hooks
            or _torch_optimizer._global_optimizer_post_hooks
        )
    except AttributeError:
        return True


def _decoupled(group):
    """Whether `group` decays weights as AdamW does (torch < 2.7 has no such key)."""
    return group.get("decoupled_weight_decay", False)
