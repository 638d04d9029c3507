import numpy as np
import pytest
from numpy.testing import assert_allclose

from skae._gaussian import GaussianWithHoles


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    mixing = rng.normal(size=(5, 5))
    X = rng.normal(size=(2000, 5)) @ mixing + np.arange(5)
    holes = rng.random(X.shape) < 0.3
    return X, np.where(holes, np.nan, X), mixing.T @ mixing


def test_each_hole_is_its_conditional_mean_given_the_rows_observed_entries(data):
    _, X, _ = data
    model = GaussianWithHoles().fit(X)
    filled = model.conditional_mean(X[:20])
    mean, covariance = model.location_, model.covariance_
    for row, result in zip(X[:20], filled):
        m = np.isnan(row)
        o = ~m
        gain = covariance[np.ix_(m, o)] @ np.linalg.inv(covariance[np.ix_(o, o)])
        assert_allclose(result[m], mean[m] + gain @ (row[o] - mean[o]), rtol=1e-8)
        assert_allclose(result[o], row[o])


def test_conditional_variances_are_the_schur_complements(data):
    _, X, _ = data
    model = GaussianWithHoles().fit(X)
    variances = model.conditional_variance(X[:10])
    covariance = model.covariance_
    for row, result in zip(X[:10], variances):
        m = np.isnan(row)
        o = ~m
        schur = covariance[np.ix_(m, m)] - covariance[np.ix_(m, o)] @ np.linalg.solve(
            covariance[np.ix_(o, o)], covariance[np.ix_(o, m)]
        )
        assert_allclose(result[m], np.diag(schur), rtol=1e-8)
        assert (result[o] == 0).all()


def test_em_with_holes_recovers_the_mean_and_covariance(data):
    complete, X, true_covariance = data
    model = GaussianWithHoles().fit(X)
    assert_allclose(model.location_, complete.mean(axis=0), atol=0.1)
    # within sampling error of the complete rows' estimate
    full = np.cov(complete.T, bias=True)
    assert np.abs(model.covariance_ - full).max() < 0.1 * np.abs(full).max()
    # and far closer than filling each hole with its column's mean
    mean_filled = np.where(np.isnan(X), np.nanmean(X, axis=0), X)
    naive = np.cov(mean_filled.T, bias=True)
    assert np.abs(model.covariance_ - full).max() < np.abs(naive - full).max() / 3
    assert 1 < model.n_iter_ < 100


def test_a_row_with_every_entry_missing_is_filled_with_the_mean(data):
    _, X, _ = data
    model = GaussianWithHoles().fit(X)
    filled = model.conditional_mean(np.full((2, 5), np.nan))
    assert_allclose(filled, np.tile(model.location_, (2, 1)))


def test_rows_without_holes_are_kept_and_a_constant_feature_is_no_failure():
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.normal(size=(50, 2)), np.ones(50)])
    model = GaussianWithHoles().fit(X)
    assert_allclose(model.conditional_mean(X), X)
    X[0, 0] = np.nan
    assert np.isfinite(GaussianWithHoles().fit(X).conditional_mean(X)).all()
