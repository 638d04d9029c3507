"""Tests of the torch module behind the estimator."""

import pytest
import torch

from skae._module import AutoencoderModule


def _module(hidden, activation, generator):
    module = AutoencoderModule(
        20, 4, hidden, activation=activation, generator=generator
    )
    with torch.no_grad():
        for parameter in module.parameters():  # non-zero biases too
            parameter.normal_(generator=generator)
    return module


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "gelu"])
@pytest.mark.parametrize("hidden", [(), (16,), (16, 8)])
@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_decode_bound_bounds_every_decoding(hidden, activation, scale):
    generator = torch.Generator().manual_seed(0)
    module = _module(hidden, activation, generator)
    codes = torch.randn(2000, 4, generator=generator) * scale
    with torch.no_grad():
        largest = module.decoder(codes).abs().max().item()
    assert largest <= module.decode_bound(codes.abs().max())


def test_decode_bound_is_nearly_reached_by_the_worst_code():
    # One linear layer: the code with the signs of the largest row reaches the
    # bound, up to the bias (the bound takes the largest bias of any row).
    module = _module((), "relu", torch.Generator().manual_seed(1))
    last = module.decoder[0]
    row = last.weight.abs().sum(dim=1).argmax()
    code = 5.0 * last.weight[row].sign() * last.bias[row].sign()
    with torch.no_grad():
        reached = module.decoder(code[None]).abs().max().item()
    bound = module.decode_bound(5.0)
    assert bound - last.bias.abs().max().item() <= reached <= bound


def test_decode_bound_grows_without_limit_with_the_codes():
    module = _module((16,), "relu", torch.Generator().manual_seed(2))
    assert module.decode_bound(1.0) < 1e4
    assert module.decode_bound(1e38) > torch.finfo(torch.float32).max / 16
