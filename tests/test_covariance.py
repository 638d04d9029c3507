import numpy as np
import pytest
from numpy.testing import assert_allclose

from skae import _covariance as skae_covariance
from skae._covariance import fit_robust_covariance, held_out_distances


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 4)) @ rng.normal(size=(4, 4))
    X[:6] += 8  # outside the support
    return fit_robust_covariance(X, random_state=0), X


def test_a_support_row_is_measured_as_if_the_covariance_never_saw_it(fitted):
    covariance, X = fitted
    held_out = held_out_distances(covariance, X)
    support = covariance.support_
    # MinCovDet's covariance over the support's maximum-likelihood one.
    factor = covariance.covariance_[0, 0] / np.cov(X[support].T, bias=True)[0, 0]
    for row in np.flatnonzero(support)[:5]:
        others = support.copy()
        others[row] = False
        centered = X[row] - X[others].mean(axis=0)
        scatter = np.cov(X[others].T, bias=True) * factor
        expected = centered @ np.linalg.solve(scatter, centered)
        assert_allclose(held_out[row], expected, rtol=1e-8)
        assert held_out[row] > covariance.mahalanobis(X[row : row + 1])[0]


def test_rows_outside_the_support_keep_their_distance(fitted):
    covariance, X = fitted
    outside = ~covariance.support_
    assert outside[:6].all()
    assert_allclose(
        held_out_distances(covariance, X)[outside],
        covariance.mahalanobis(X[outside]),
    )


def test_a_constant_feature_is_measured_along_the_others():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=(50, 2)), np.ones(50)])
    distances = held_out_distances(fit_robust_covariance(X, random_state=0), X)
    assert np.isfinite(distances).all() and (distances >= 0).all()


def test_as_few_support_rows_as_features_keep_their_in_sample_distances():
    X = np.random.default_rng(0).normal(size=(6, 5))
    covariance = fit_robust_covariance(X, random_state=0)
    assert covariance.support_.sum() <= 6  # no more than the rank plus one
    assert_allclose(held_out_distances(covariance, X), covariance.mahalanobis(X))


def test_identical_rows_name_the_parameter_to_change():
    X = np.zeros((20, 2))
    X[:5] = np.random.default_rng(0).normal(size=(5, 2))
    with pytest.raises(ValueError, match="covariance_weight=0"):
        fit_robust_covariance(X, random_state=0)


def test_any_failed_fit_names_the_parameter_to_change(monkeypatch):
    # Which rows MinCovDet cannot fit differs between scikit-learn versions.
    def failing(self, X, y=None):
        raise ValueError("kth(=4) out of bounds (3)")

    monkeypatch.setattr(skae_covariance.MinCovDet, "fit", failing)
    with pytest.raises(ValueError, match=r"kth\(=4\).*covariance_weight=0"):
        fit_robust_covariance(np.eye(4), random_state=0)


def test_a_non_finite_estimate_is_a_failed_fit(monkeypatch):
    original = skae_covariance.MinCovDet.fit

    def not_finite(self, X, y=None):
        original(self, X)
        self.location_ = np.full(X.shape[1], np.nan)
        return self

    monkeypatch.setattr(skae_covariance.MinCovDet, "fit", not_finite)
    X = np.random.default_rng(0).normal(size=(30, 2))
    with pytest.raises(ValueError, match="not finite"):
        fit_robust_covariance(X, random_state=0)
