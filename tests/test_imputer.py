"""AutoencoderImputer: sklearn.impute's conventions, hostile inputs, the model."""

import pickle

import numpy as np
import pytest
import skops.io as skops_io
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline

from skae import AutoencoderImputer, AutoencoderTransformer
from skae._gaussian import GaussianWithHoles

FAST = {"max_iter": 20, "random_state": 0}


def correlated(n_samples=200, n_features=6, seed=0):
    """Rows on any scale whose features are strongly linked."""
    rng = np.random.default_rng(seed)
    factors = rng.standard_normal((n_samples, 2))
    X = factors @ rng.standard_normal((2, n_features))
    X += 0.1 * rng.standard_normal(X.shape)
    return X * np.arange(1, n_features + 1) * 10 + 100


def with_holes(X, fraction=0.2, seed=1):
    mask = np.random.default_rng(seed).random(X.shape) < fraction
    return np.where(mask, np.nan, X), mask


@pytest.fixture(scope="module")
def data():
    X = correlated()
    X_missing, mask = with_holes(X)
    imputer = AutoencoderImputer(**FAST).fit(X_missing)
    return X, X_missing, mask, imputer


def test_fills_linked_features_far_better_than_their_means(data):
    X, X_missing, mask, imputer = data
    imputed = imputer.transform(X_missing)
    error = np.mean((imputed[mask] - X[mask]) ** 2)
    mean_error = np.mean(
        (SimpleImputer().fit_transform(X_missing)[mask] - X[mask]) ** 2
    )
    assert error < 0.1 * mean_error


def test_observed_values_are_returned_as_given(data):
    _, X_missing, mask, imputer = data
    imputed = imputer.transform(X_missing)
    assert_array_equal(imputed[~mask], X_missing[~mask])
    assert np.isfinite(imputed).all()


def test_transform_of_new_rows_matches_the_rows_one_by_one(data):
    X, _, _, imputer = data
    new, _ = with_holes(correlated(seed=5), fraction=0.3, seed=7)
    together = imputer.transform(new)
    alone = np.vstack([imputer.transform(row[None]) for row in new[:10]])
    assert_allclose(together[:10], alone, rtol=1e-6)


def test_random_state_gives_the_same_fit_bit_for_bit(data):
    _, X_missing, _, imputer = data
    again = clone(imputer).fit(X_missing)
    assert_array_equal(again.transform(X_missing), imputer.transform(X_missing))
    other = clone(imputer).set_params(random_state=1).fit(X_missing)
    assert other.loss_curve_ != imputer.loss_curve_


def test_without_a_useful_network_it_is_the_gaussians_conditional_mean(data):
    _, X_missing, _, imputer = data
    dropped = clone(imputer).fit(X_missing)
    last = dropped.net_.module_.decoder[-1]
    with torch.no_grad():
        last.weight.zero_()
        last.bias.zero_()
    standardized = (X_missing - dropped.mean_) / dropped.scale_
    gaussian = GaussianWithHoles(ridge=0.01, tol=1e-3, max_iter=50)
    gaussian.location_ = dropped._location
    gaussian.covariance_ = dropped._covariance
    expected = gaussian.conditional_mean(standardized) * dropped.scale_ + dropped.mean_
    assert_allclose(dropped.transform(X_missing), expected, rtol=1e-4, atol=1e-3)


def test_the_network_is_kept_only_when_it_beats_its_base_on_held_out_rows(data):
    *_, imputer = data
    assert imputer.base_loss_ is not None
    assert imputer.network_used_ == (imputer.best_loss_ < imputer.base_loss_)
    if not imputer.network_used_:
        assert not imputer.net_.module_.decoder[-1].weight.any()


def test_without_early_stopping_the_network_is_trained_and_used(data):
    _, X_missing, _, _ = data
    imputer = AutoencoderImputer(early_stopping=False, max_iter=3, random_state=0)
    imputer.fit(X_missing)
    assert imputer.base_loss_ is None and imputer.network_used_
    assert imputer.n_iter_ == 3


def test_missing_values_marker_other_than_nan(data):
    _, X_missing, mask, imputer = data
    marked = np.where(mask, -1.0, X_missing)
    other = AutoencoderImputer(missing_values=-1, **FAST).fit(marked)
    assert_allclose(other.transform(marked), imputer.transform(X_missing))
    with pytest.raises(ValueError, match="NaN"):
        other.transform(X_missing)


def test_infinity_is_refused(data):
    _, X_missing, _, imputer = data
    X_bad = X_missing.copy()
    X_bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        clone(imputer).fit(X_bad)
    with pytest.raises(ValueError, match="infinity"):
        imputer.transform(X_bad)


def test_a_feature_empty_at_fit_is_dropped_or_kept_as_zero(data):
    _, X_missing, _, _ = data
    X_empty = X_missing.copy()
    X_empty[:, 2] = np.nan
    dropped = AutoencoderImputer(**FAST).fit(X_empty)
    assert dropped.transform(X_empty).shape == (len(X_empty), 5)
    assert list(dropped.get_feature_names_out()) == ["x0", "x1", "x3", "x4", "x5"]
    kept = AutoencoderImputer(keep_empty_features=True, **FAST).fit(X_empty)
    out = kept.transform(X_empty)
    assert out.shape == X_empty.shape and not out[:, 2].any()
    assert_allclose(np.delete(out, 2, axis=1), dropped.transform(X_empty))


def test_a_feature_missing_only_at_transform_and_an_empty_row(data):
    _, X_missing, _, imputer = data
    new = X_missing[:20].copy()
    new[:, 4] = np.nan
    new[3] = np.nan
    out = imputer.transform(new)
    assert np.isfinite(out).all()
    # an empty row gets the Gaussian's mean, near the features' means
    assert_allclose(out[3], imputer.mean_, atol=0.5 * imputer.scale_.max())


def test_every_value_missing_is_a_clear_error():
    with pytest.raises(ValueError, match="Every value of X is missing"):
        AutoencoderImputer(**FAST).fit(np.full((10, 3), np.nan))


def test_indicator_columns_names_and_pandas_output(data):
    pd = pytest.importorskip("pandas")
    _, X_missing, mask, _ = data
    frame = pd.DataFrame(X_missing, columns=[f"f{i}" for i in range(6)])
    imputer = AutoencoderImputer(add_indicator=True, **FAST).set_output(
        transform="pandas"
    )
    out = imputer.fit_transform(frame)
    assert list(out.columns[:6]) == list(frame.columns)
    assert list(out.columns[6:]) == [f"missingindicator_f{i}" for i in range(6)]
    assert_array_equal(out.iloc[:, 6:].to_numpy(), mask)


def test_float32_is_kept(data):
    _, X_missing, _, _ = data
    X32 = X_missing.astype(np.float32)
    out = AutoencoderImputer(**FAST).fit(X32).transform(X32)
    assert out.dtype == np.float32 and np.isfinite(out).all()


def test_posterior_draws_vary_with_random_state_and_spread_like_the_error(data):
    X, X_missing, mask, _ = data
    draws = np.stack(
        [
            AutoencoderImputer(
                sample_posterior=True, max_iter=20, random_state=seed
            ).fit_transform(X_missing)[mask]
            for seed in range(8)
        ]
    )
    spread = draws.std(axis=0, ddof=1)
    assert (spread > 0).all()
    error = np.abs(draws.mean(axis=0) - X[mask])
    # draws spread about as far as the imputations miss: neither 0 nor huge
    assert 0.3 < np.median(error) / np.median(spread) < 3
    same = AutoencoderImputer(sample_posterior=True, max_iter=20, random_state=3)
    assert_array_equal(same.fit_transform(X_missing)[mask], draws[3])


def test_pickle_and_skops_round_trips_impute_the_same(data, tmp_path):
    _, X_missing, _, _ = data
    imputer = AutoencoderImputer(add_indicator=True, **FAST).fit(X_missing)
    expected = imputer.transform(X_missing)
    assert_array_equal(
        pickle.loads(pickle.dumps(imputer)).transform(X_missing), expected
    )
    path = tmp_path / "imputer.skops"
    skops_io.dump(imputer, path)
    untrusted = skops_io.get_untrusted_types(file=path)
    assert all(name.startswith(("skae.", "sklearn.")) for name in untrusted)
    loaded = skops_io.load(path, trusted=untrusted)
    assert_array_equal(loaded.transform(X_missing), expected)


def test_wide_data_starts_holes_from_the_means():
    rng = np.random.default_rng(0)
    X = rng.random((40, 300))
    X[rng.random(X.shape) < 0.1] = np.nan
    imputer = AutoencoderImputer(max_iter=2, random_state=0).fit(X)
    assert imputer.base_ == "mean"
    assert np.isfinite(imputer.transform(X)).all()


def test_warm_start_continues_on_the_same_scaling(data):
    _, X_missing, _, _ = data
    imputer = AutoencoderImputer(
        warm_start=True, early_stopping=False, max_iter=2, random_state=0
    ).fit(X_missing)
    mean = imputer.mean_.copy()
    imputer.fit(X_missing[:50])
    assert imputer.n_iter_ == 4
    assert_array_equal(imputer.mean_, mean)


def test_in_a_pipeline_before_the_other_autoencoders(data):
    _, X_missing, _, _ = data
    pipeline = make_pipeline(
        AutoencoderImputer(**FAST), AutoencoderTransformer(n_components=2, **FAST)
    )
    assert pipeline.fit_transform(X_missing).shape == (len(X_missing), 2)


def test_the_other_autoencoders_name_the_imputer_on_missing_values(data):
    _, X_missing, _, _ = data
    with pytest.raises(ValueError, match="AutoencoderImputer fills missing values"):
        AutoencoderTransformer(max_iter=1).fit(X_missing)
