"""The imputer's graph: the Gaussian base in torch, and the network's correction."""

import numpy as np
import torch
from numpy.testing import assert_allclose

from skae._gaussian import GaussianWithHoles
from skae._imputer_module import ImputerModule


def fitted_module(n_features=5, gaussian=True):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 2)) @ rng.standard_normal((2, n_features))
    X += 0.3 * rng.standard_normal(X.shape)
    X[rng.random(X.shape) < 0.2] = np.nan
    model = GaussianWithHoles().fit(X)
    module = ImputerModule(
        n_features,
        3,
        (8,),
        gaussian=gaussian,
        generator=torch.Generator().manual_seed(0),
    )
    module.set_base(model.location_, np.linalg.inv(model.covariance_))
    return module, model, X


def test_the_base_is_the_gaussians_conditional_mean():
    module, model, X = fitted_module()
    with torch.no_grad():
        base = module.base(
            torch.tensor(X, dtype=torch.float32), torch.isnan(torch.tensor(X))
        )
    assert_allclose(base.numpy(), model.conditional_mean(X), rtol=1e-4, atol=1e-4)


def test_untrained_the_graph_returns_the_base_and_keeps_observed_values():
    module, model, X = fitted_module()
    x = torch.tensor(X, dtype=torch.float32)
    with torch.no_grad():
        reconstruction, code = module(x)
    assert_allclose(
        reconstruction.numpy(), model.conditional_mean(X), rtol=1e-4, atol=1e-4
    )
    observed = ~np.isnan(X)
    assert np.array_equal(
        reconstruction.numpy()[observed], X[observed].astype(np.float32)
    )
    assert code.shape == (len(X), 3)


def test_gradients_reach_the_network_through_the_holes_only():
    module, _, X = fitted_module()
    with torch.no_grad():
        module.decoder[-1].weight.normal_()
    x = torch.tensor(X[:20], dtype=torch.float32)
    reconstruction, _ = module(x)
    observed_sum = torch.where(torch.isnan(x), 0.0, reconstruction).sum()
    observed_sum.backward(retain_graph=True)
    assert all(p.grad is None or not p.grad.any() for p in module.parameters())
    torch.where(torch.isnan(x), reconstruction, 0.0).sum().backward()
    assert module.decoder[-1].weight.grad.any()


def test_without_the_gaussian_holes_start_at_the_location():
    module, model, X = fitted_module(gaussian=False)
    x = torch.tensor(X, dtype=torch.float32)
    with torch.no_grad():
        base = module.base(x, torch.isnan(x))
    holes = np.isnan(X)
    expected = np.broadcast_to(model.location_, X.shape)[holes]
    assert_allclose(base.numpy()[holes], expected, rtol=1e-5)
