import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from torch.distributions import Normal

from skae import VariationalAutoencoder
from skae._torch import torch_generator
from skae._variational_module import VariationalModule


@pytest.fixture(scope="module")
def digits():
    return load_digits().data / 16


@pytest.fixture(scope="module")
def fitted(digits):
    return VariationalAutoencoder(
        n_components=4,
        hidden_layer_sizes=(32,),
        likelihood="gaussian",
        max_iter=20,
        random_state=0,
    ).fit(digits)


def _fast(**params):
    return VariationalAutoencoder(
        **{"n_components": 4, "hidden_layer_sizes": (16,), "max_iter": 3,
           "random_state": 0, **params}
    )  # fmt: skip


# --- the model ------------------------------------------------------------------


@pytest.mark.parametrize("n_components", [2, 8, 32])
def test_linear_isotropic_gaussian_reaches_probabilistic_pca(n_components):
    # With a linear encoder and decoder and one noise variance, the optimum
    # of the evidence lower bound is probabilistic PCA's (Lucas et al., 2019).
    X = load_digits().data
    vae = VariationalAutoencoder(
        n_components=n_components,
        hidden_layer_sizes=(),
        likelihood="isotropic_gaussian",
        max_iter="auto",
        random_state=0,
    ).fit(X)
    pca = PCA(n_components=n_components).fit(X)
    assert vae.score(X) == pytest.approx(pca.score(X), rel=0.01)
    assert vae.noise_variance_ == pytest.approx(pca.noise_variance_, rel=0.1)


def test_transform_is_the_posterior_mean(fitted, digits):
    module = fitted.net_.module_
    with torch.no_grad():
        mean, _ = module.posterior(torch.as_tensor(digits, dtype=torch.float32))
    assert_allclose(fitted.transform(digits.astype(np.float32)), mean.numpy())


def test_inverse_transform_is_the_likelihood_mean(digits):
    X = load_digits().data  # in its own units: 0 to 16
    vae = _fast(likelihood="gaussian").fit(X)
    codes = vae.transform(X)
    module = vae.net_.module_
    with torch.no_grad():
        output = module.decoder(torch.as_tensor(codes, dtype=torch.float32))
    expected = output.numpy() * module.scale + module.location
    assert_allclose(
        vae.inverse_transform(codes.astype(np.float32)), expected, rtol=1e-5
    )
    # The Gaussian model's decodings are in the data's units.
    assert vae.inverse_transform(codes).mean() == pytest.approx(X.mean(), rel=0.5)


@pytest.mark.parametrize(
    "transform, expected",
    [
        (lambda X: (X > 0.5).astype(float), "bernoulli"),
        (lambda X: X, "continuous_bernoulli"),
        (lambda X: X * 16 - 3, "gaussian"),
    ],
)
def test_auto_likelihood_follows_the_values(digits, transform, expected):
    assert _fast(max_iter=1).fit(transform(digits)).likelihood_ == expected


@pytest.mark.parametrize("likelihood", ["bernoulli", "continuous_bernoulli"])
def test_likelihoods_on_the_unit_interval_reject_other_data(digits, likelihood):
    with pytest.raises(ValueError, match=r"needs training values in \[0, 1\]"):
        _fast(likelihood=likelihood).fit(digits * 16)


@pytest.mark.parametrize(
    "likelihood, shape",
    [("gaussian", (64,)), ("isotropic_gaussian", ())],
)
def test_noise_variance_per_feature_or_shared(digits, likelihood, shape):
    variance = _fast(likelihood=likelihood).fit(digits).noise_variance_
    assert np.shape(variance) == shape
    assert np.all(np.asarray(variance) > 0)


def test_one_row_of_large_values_is_modelled_in_its_own_units():
    # No feature varies over one row: the scale is the values' spread, so
    # that the network does not see values in the thousands (found by the
    # hostile-input test: the row's own score overflowed).
    X = np.array([[0.0, -13128.0, 0.0, 0.0]])
    vae = VariationalAutoencoder(n_components=2, max_iter=1, random_state=0).fit(X)
    assert vae.net_.module_.scale == pytest.approx(X.std())
    assert np.isfinite(vae.score_samples(X)).all()


def test_noise_variance_exists_only_with_a_gaussian_likelihood(digits):
    vae = _fast(likelihood="bernoulli").fit(digits)
    assert not hasattr(vae, "noise_variance_")
    with pytest.raises(AttributeError, match="only with a Gaussian likelihood"):
        vae.noise_variance_


def test_noise_variance_has_a_floor_on_constant_features(digits):
    # Digits' first pixel is always 0: without a floor its variance would go
    # to 0 and the likelihood to infinity.
    assert np.all(digits[:, 0] == 0)
    vae = _fast(likelihood="gaussian", max_iter=50).fit(digits)
    floor = 1e-6 * digits.var(axis=0).mean()
    assert floor * (1 - 1e-6) <= vae.noise_variance_[0] < 1.5 * floor
    assert np.isfinite(vae.score(digits))


# --- the likelihood ---------------------------------------------------------------


def test_score_samples_is_reproducible_with_an_int_random_state(fitted, digits):
    assert_array_equal(fitted.score_samples(digits), fitted.score_samples(digits))


def test_score_samples_draws_anew_without_a_random_state(fitted, digits):
    vae = pickle.loads(pickle.dumps(fitted)).set_params(random_state=None)
    assert not np.array_equal(vae.score_samples(digits), vae.score_samples(digits))


def test_more_importance_samples_tighten_the_bound(fitted, digits):
    # The importance-weighted bound grows with the number of samples, from
    # the evidence lower bound at one.
    vae = pickle.loads(pickle.dumps(fitted))
    scores = [
        vae.set_params(n_importance_samples=k).score(digits) for k in (1, 10, 200)
    ]
    assert scores[0] < scores[1] < scores[2]


def test_one_importance_sample_is_the_evidence_lower_bound(fitted, digits):
    # log p(x | z) + log p(z) - log q(z | x) at one code per row, drawn as
    # score_samples draws it: the one-sample estimate of the lower bound.
    vae = pickle.loads(pickle.dumps(fitted)).set_params(n_importance_samples=1)
    module = vae._inference.module(np.float64)
    X = torch.as_tensor(digits)
    noise = torch.randn((1, 4), generator=torch_generator(0), dtype=X.dtype)
    with torch.no_grad():
        mean, log_variance = module.posterior(X)
        code = mean + noise * (0.5 * log_variance).exp()
        log_likelihood = -64 * module.negative_log_likelihood(module.decoder(code), X)
        log_prior = Normal(0.0, 1.0).log_prob(code).sum(dim=1)
        log_posterior = Normal(mean, (0.5 * log_variance).exp()).log_prob(code)
        elbo = log_likelihood + log_prior - log_posterior.sum(dim=1)
    assert_allclose(vae.score_samples(digits), elbo.numpy(), rtol=1e-10)


def test_score_is_a_log_density_comparable_with_pca(digits):
    # On the same data a Gaussian model's score is in the units of PCA.score:
    # nats per sample, within a few nats of PCA on a short fit.
    X = load_digits().data
    vae = _fast(hidden_layer_sizes=(), likelihood="isotropic_gaussian", max_iter=50)
    pca = PCA(n_components=4).fit(X)
    assert vae.fit(X).score(X) == pytest.approx(pca.score(X), rel=0.05)


def test_grid_search_chooses_the_code_size_by_held_out_likelihood(digits):
    linear = _fast(hidden_layer_sizes=(), likelihood="isotropic_gaussian", max_iter=50)
    search = GridSearchCV(linear, {"n_components": [1, 8]}, cv=2).fit(digits)
    assert search.best_params_ == {"n_components": 8}


# --- sampling -----------------------------------------------------------------------


def test_sample_is_reproducible_with_random_state(fitted):
    assert_array_equal(
        fitted.sample(5, random_state=0), fitted.sample(5, random_state=0)
    )
    assert not np.array_equal(
        fitted.sample(5, random_state=0), fitted.sample(5, random_state=1)
    )


def test_sample_draws_from_the_likelihood(digits):
    binary = (digits > 0.5).astype(float)
    samples = _fast(max_iter=20).fit(binary).sample(200, random_state=0)
    assert samples.shape == (200, 64) and samples.dtype == np.float64
    assert set(np.unique(samples)) <= {0.0, 1.0}
    # Pixels that are always off in training are almost never on in samples.
    assert samples[:, binary.sum(axis=0) == 0].mean() < 0.05


def test_continuous_bernoulli_samples_lie_in_the_unit_interval(digits):
    vae = _fast(likelihood="continuous_bernoulli").fit(digits)
    samples = vae.sample(50, random_state=0)
    assert samples.min() >= 0 and samples.max() <= 1
    assert np.isfinite(vae.score(digits))


def test_gaussian_samples_spread_like_the_data():
    X = load_digits().data
    vae = _fast(max_iter=100).fit(X)
    samples = vae.sample(2000, random_state=0)
    assert samples.mean() == pytest.approx(X.mean(), rel=0.1)
    assert samples.std() == pytest.approx(X.std(), rel=0.2)


def test_sample_rejects_a_bad_number_of_samples(fitted):
    with pytest.raises(ValueError, match="n_samples == 0, must be >= 1"):
        fitted.sample(0)


# --- training -------------------------------------------------------------------


def test_warm_start_keeps_the_likelihood_and_units(digits):
    vae = _fast().fit(digits * 16)
    module = vae.net_.module_
    vae.set_params(warm_start=True).fit(digits[:100] * 3)
    assert vae.likelihood_ == "gaussian"
    assert vae.likelihood_ == "gaussian"
    assert (vae.net_.module_.location, vae.net_.module_.scale) == (
        module.location,
        module.scale,
    )
    assert vae.n_iter_ == 6


def test_warm_start_refuses_data_outside_the_fitted_likelihood(digits):
    vae = _fast().fit(digits).set_params(warm_start=True)
    assert vae.likelihood_ == "continuous_bernoulli"
    with pytest.raises(ValueError, match="needs training values in"):
        vae.fit(digits * 16)


def test_warm_start_refuses_another_likelihood(digits):
    vae = _fast().fit(digits).set_params(warm_start=True, likelihood="bernoulli")
    with pytest.raises(ValueError, match="likelihood='bernoulli'"):
        vae.fit(digits)


def test_the_graph_is_rebuilt_from_its_arguments(fitted):
    module = fitted.net_.module_
    rebuilt = VariationalModule(**module.get_params())
    assert [p.shape for p in rebuilt.parameters()] == [
        p.shape for p in module.parameters()
    ]


def test_pickle_round_trip_keeps_scores_and_samples(fitted, digits):
    loaded = pickle.loads(pickle.dumps(fitted))
    assert_array_equal(loaded.score_samples(digits), fitted.score_samples(digits))
    assert_array_equal(
        loaded.sample(3, random_state=0), fitted.sample(3, random_state=0)
    )
    assert_array_equal(loaded.noise_variance_, fitted.noise_variance_)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scores_follow_the_input_dtype(fitted, digits, dtype):
    scores = fitted.score_samples(digits.astype(dtype))
    assert scores.dtype == dtype
    assert_allclose(scores, fitted.score_samples(digits), rtol=1e-3, atol=1e-2)


def test_a_rows_score_does_not_depend_on_the_other_rows(fitted, digits):
    scores = fitted.score_samples(digits)
    assert_array_equal(fitted.score_samples(digits[::-1]), scores[::-1])
    assert_allclose(fitted.score_samples(digits[:5]), scores[:5], rtol=1e-12)


def test_training_reduces_the_negative_evidence_lower_bound(fitted):
    assert fitted.loss_curve_[-1] < fitted.loss_curve_[0]
