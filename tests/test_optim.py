"""skae's Adam takes the same steps as torch's, with less Python per step."""

import copy
import warnings
from unittest import mock

import pytest
import torch
from torch.optim.optimizer import register_optimizer_step_post_hook

from skae import _optim
from skae._optim import Adam


def _counting_torch_steps():
    """Patch skae's route to torch's step with a mock that counts its calls."""
    return mock.patch.object(
        _optim, "_HOOKED_TORCH_STEP", wraps=_optim._HOOKED_TORCH_STEP
    )


def _model(seed=0):
    generator = torch.Generator().manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(6, 4), torch.nn.ReLU(), torch.nn.Linear(4, 6)
    )
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator))
    return model


def _train(model, optimizer, steps=25, seed=1):
    generator = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        X = torch.randn(8, 6, generator=generator)
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(X), X).backward()
        optimizer.step()
    return model


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"weight_decay": 1e-2},
        {"weight_decay": 1e-2, "decoupled_weight_decay": True},
        {"amsgrad": True},
        {"maximize": True},
        {"betas": (0.8, 0.99), "eps": 1e-7},
    ],
)
def test_fused_steps_are_bitwise_those_of_torch_adam(options):
    expected_model = _model()
    expected = _train(
        expected_model,
        torch.optim.Adam(expected_model.parameters(), lr=1e-2, fused=True, **options),
    )
    model = _model()
    optimizer = Adam(model.parameters(), lr=1e-2, fused=True, **options)
    with _counting_torch_steps() as torch_step:
        _train(model, optimizer)
    # torch's step creates the state once; every later step is the fast one.
    assert torch_step.call_count == 1
    for got, want in zip(model.parameters(), expected.parameters()):
        assert torch.equal(got, want)


def test_state_loaded_from_torch_adam_continues_bitwise():
    reference = _model()
    reference_optimizer = torch.optim.Adam(reference.parameters(), lr=1e-2, fused=True)
    _train(reference, reference_optimizer, steps=5)
    model = copy.deepcopy(reference)
    optimizer = Adam(model.parameters(), lr=1e-2, fused=True)
    optimizer.load_state_dict(copy.deepcopy(reference_optimizer.state_dict()))
    _train(reference, reference_optimizer, steps=5, seed=2)
    _train(model, optimizer, steps=5, seed=2)
    for got, want in zip(model.parameters(), reference.parameters()):
        assert torch.equal(got, want)
    assert optimizer.state_dict()["state"][0]["step"] == 10


@pytest.mark.parametrize(
    "options", [{"fused": False}, {"foreach": True}, {"lr": torch.tensor(1e-2)}]
)
def test_anything_but_a_plain_fused_group_takes_torch_step(options):
    model = _model()
    optimizer = Adam(model.parameters(), **{"lr": 1e-2, **options})
    with _counting_torch_steps() as torch_step:
        _train(model, optimizer, steps=3)
    assert torch_step.call_count == 3


def test_a_closure_takes_torch_step_and_returns_its_loss():
    model = _model()
    optimizer = Adam(model.parameters(), lr=1e-2, fused=True)
    X = torch.ones(2, 6)

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X), X)
        loss.backward()
        return loss

    optimizer.step(closure)
    loss = optimizer.step(closure)
    assert isinstance(loss, torch.Tensor) and loss.ndim == 0


@pytest.mark.parametrize("fused", [True, False])
def test_step_hooks_run_once_per_step_through_torch_step(fused):
    torch.optim.Adam(_model().parameters())  # torch wraps its Adam.step now
    model = _model()
    optimizer = Adam(model.parameters(), lr=1e-2, fused=fused)
    calls = []
    optimizer.register_step_pre_hook(lambda *args: calls.append("pre"))
    optimizer.register_step_post_hook(lambda *args: calls.append("post"))
    with _counting_torch_steps() as torch_step:
        _train(model, optimizer, steps=3)
    assert calls == ["pre", "post"] * 3
    assert torch_step.call_count == 3


def test_a_global_step_hook_runs_too():
    model = _model()
    optimizer = Adam(model.parameters(), lr=1e-2, fused=True)
    _train(model, optimizer, steps=1)
    calls = []
    handle = register_optimizer_step_post_hook(lambda *args: calls.append(1))
    try:
        _train(model, optimizer, steps=2)
    finally:
        handle.remove()
    _train(model, optimizer, steps=1)
    assert len(calls) == 2


def test_an_lr_scheduler_sees_the_steps():
    model = _model()
    optimizer = Adam(model.parameters(), lr=1e-2, fused=True)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "lr_scheduler.step() before optimizer.step()"
        for _ in range(3):
            _train(model, optimizer, steps=2)
            scheduler.step()
    assert optimizer.param_groups[0]["lr"] == pytest.approx(1e-2 / 8)


def test_zero_grad_sets_gradients_to_none_or_zero():
    model = _model()
    optimizer = Adam(model.parameters(), fused=True)
    _train(model, optimizer, steps=1)
    optimizer.zero_grad(set_to_none=False)
    assert all(torch.all(p.grad == 0) for p in model.parameters())
    optimizer.zero_grad()
    assert all(p.grad is None for p in model.parameters())
