"""Tests of the torch module behind the estimator."""

import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits
from tied_autoencoder import TiedAutoencoderTransformer, TiedModule
from variational_autoencoder import VariationalAutoencoderTransformer

from skae._module import AutoencoderModule, BaseAutoencoderModule, BlasForward


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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "gelu"])
@pytest.mark.parametrize("hidden", [(), (16,), (30, 8)])
def test_blas_forward_computes_what_the_module_computes(hidden, activation, dtype):
    # The NumPy-product inference must match the module's own forward pass,
    # in both dtypes, through every kind of layer (widening ones fold their
    # bias into the product; dropout is inactive).
    generator = torch.Generator().manual_seed(0)
    module = AutoencoderModule(
        20, 4, hidden, activation=activation, dropout=0.5, generator=generator
    )
    with torch.no_grad():
        for parameter in module.parameters():  # non-zero biases too
            parameter.normal_(generator=generator)
    module.eval()
    X = torch.rand(50, 20, generator=generator, dtype=torch.float64)
    with torch.no_grad():
        expected_logit, expected_code = module.to(torch.float64)(X)
    blas = BlasForward(module.to(torch.float32), dtype)
    x = torch.from_numpy(X.numpy().astype(dtype))
    rtol = 1e-4 if dtype == np.float32 else 1e-6

    logit, code = blas(x)
    assert logit.dtype == code.dtype == torch.from_numpy(np.empty(0, dtype)).dtype
    assert_allclose(code.numpy(), expected_code.numpy(), rtol=rtol, atol=rtol)
    assert_allclose(logit.numpy(), expected_logit.numpy(), rtol=rtol, atol=rtol)

    out = torch.from_numpy(np.empty((50, 4), dtype))
    blas.encode_into(x, out)
    assert_allclose(out.numpy(), expected_code.numpy(), rtol=rtol, atol=rtol)
    decoded = torch.from_numpy(np.empty((50, 20), dtype))
    blas.decode_into(out, decoded, sigmoid=True)
    expected = torch.sigmoid(expected_logit).numpy()
    assert_allclose(decoded.numpy(), expected, rtol=rtol, atol=rtol)


# --- new graphs through the base (tests/tied_autoencoder.py and
# tests/variational_autoencoder.py) ------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    return load_digits().data / 16


@pytest.fixture(scope="module")
def tied(digits):
    return digits, TiedAutoencoderTransformer(8, max_iter=20, random_state=0).fit(
        digits
    )


def test_a_new_graph_trains_through_the_base(tied):
    X, autoencoder = tied
    module = autoencoder.net_.module_
    assert isinstance(module, TiedModule)
    assert module.decoder.linear.weight is module.encoder[0].weight
    assert autoencoder.loss_curve_[-1] < 0.8 * autoencoder.loss_curve_[0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_new_graph_infers_with_its_own_forward_in_both_dtypes(tied, dtype):
    X, autoencoder = tied
    module = autoencoder.net_.module_
    weight = module.encoder[0].weight.detach().double().numpy()
    bias = module.encoder[0].bias.detach().double().numpy()
    decoder_bias = module.decoder.bias.detach().double().numpy()
    X = X[:50].astype(dtype)
    codes = autoencoder.transform(X)
    expected = np.maximum(X @ weight.T + bias, 0)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    assert codes.dtype == dtype
    assert_allclose(codes, expected, rtol=rtol, atol=rtol)
    decoded = autoencoder.inverse_transform(codes)
    expected = 1 / (1 + np.exp(-(expected @ weight + decoder_bias)))
    assert_allclose(decoded, expected, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_new_graph_infers_in_its_dtype_inside_autocast(tied, dtype):
    X, autoencoder = tied
    X = X[:50].astype(dtype)
    codes = autoencoder.transform(X)
    decoded = autoencoder.inverse_transform(codes)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert_array_equal(autoencoder.transform(X), codes)
        assert_array_equal(autoencoder.inverse_transform(codes), decoded)


def test_a_new_graph_pickles_with_its_weights_still_tied(tied):
    X, autoencoder = tied
    loaded = pickle.loads(pickle.dumps(autoencoder))
    module = loaded.net_.module_
    assert module.decoder.linear.weight is module.encoder[0].weight
    assert_array_equal(loaded.transform(X), autoencoder.transform(X))
    assert_array_equal(loaded.score_samples(X), autoencoder.score_samples(X))


def test_the_generic_sizes_of_a_new_graph_are_measured(tied):
    X, autoencoder = tied
    module = autoencoder.net_.module_
    # linear and activation outputs of the code, then the decoding
    assert module.activation_width() == 8 + 8 + 64
    # the shared weights once, and both biases
    assert module.n_weights() == 64 * 8 + 8 + 64
    assert module.get_params() == {
        "n_features": 64,
        "n_components": 8,
        "activation": "relu",
    }


@pytest.mark.parametrize("hidden", [(), (16,), (16, 8)])
def test_the_dense_graphs_exact_sizes_are_within_the_generic_measures(hidden):
    # The dense graph counts its sizes from its layers; the base measures any
    # graph by running it, counting activations too: never less.
    module = AutoencoderModule(20, 4, hidden, dropout=0.5)
    linear_outputs = 20 + 4 + 2 * sum(hidden)
    assert module.activation_width() == linear_outputs
    assert BaseAutoencoderModule.activation_width(module) >= linear_outputs
    n_biases = sum(p.numel() for name, p in module.named_parameters() if "bias" in name)
    assert BaseAutoencoderModule.n_weights(module) == module.n_weights() + n_biases


@pytest.fixture(scope="module")
def variational(digits):
    autoencoder = VariationalAutoencoderTransformer(4, max_iter=10, random_state=0)
    return digits, autoencoder.fit(digits)


def test_the_penalty_a_graph_returns_is_added_to_the_training_loss(variational):
    X, autoencoder = variational
    net = autoencoder.net_
    batch = torch.from_numpy(X[:20].astype(np.float32))
    reconstruction, code = net.module_.eval()(batch)
    without = net.get_loss((reconstruction, code), batch)
    with_penalty = net.get_loss((reconstruction, code, torch.tensor(0.25)), batch)
    assert with_penalty.item() == pytest.approx(without.item() + 0.25)


def test_a_graph_that_samples_trains_reproducibly_and_infers_its_mean(variational):
    X, autoencoder = variational
    state = torch.get_rng_state()
    again = VariationalAutoencoderTransformer(4, max_iter=10, random_state=0).fit(X)
    assert torch.equal(torch.get_rng_state(), state)
    assert again.loss_curve_ == autoencoder.loss_curve_
    other = VariationalAutoencoderTransformer(4, max_iter=10, random_state=1).fit(X)
    assert other.loss_curve_ != autoencoder.loss_curve_
    encoder = autoencoder.net_.module_.encoder
    mean = X @ encoder.weight.detach().double().numpy().T
    mean += encoder.bias.detach().double().numpy()
    assert_allclose(autoencoder.transform(X), mean, rtol=1e-12, atol=1e-12)
