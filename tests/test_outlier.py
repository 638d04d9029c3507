import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import spearmanr
from sklearn.base import clone
from sklearn.covariance import LedoitWolf, MinCovDet
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import KFold, ShuffleSplit, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from variational_autoencoder import (
    VariationalAutoencoderTransformer,
    VariationalModule,
    VariationalTestOutlierDetector,
)

from skae import AutoencoderOutlierDetector, AutoencoderTransformer
from skae import _outlier as skae_outlier
from skae._module import AutoencoderModule

# One network trained on every row, as on images: most tests here are about
# that network; the ensemble that tables get by default has its own section.
ONE_NETWORK = {
    "n_estimators": 1,
    "feature_weight": 0.0,
    "screening": 0.0,
    "covariance_weight": 0.0,
}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16, y, test_size=0.5, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def fitted(digits):
    X, _, y, _ = digits
    detector = AutoencoderOutlierDetector(
        n_components=8, max_iter=30, contamination=0.1, random_state=0, **ONE_NETWORK
    )
    return detector.fit(X)


def _fast(**params):
    return AutoencoderOutlierDetector(
        **{"max_iter": 5, "random_state": 0, **ONE_NETWORK, **params}
    )


def test_parameters_are_the_shared_training_ones_plus_each_estimators_own():
    transformer = AutoencoderTransformer().get_params()
    detector = AutoencoderOutlierDetector().get_params()
    # how the codes are returned: the detector returns scores, not codes
    assert transformer.pop("whiten") is False
    assert detector.pop("contamination") == "auto"
    assert detector.pop("support_fraction") == 1.0
    assert detector.pop("code_weight") == 0.0
    assert detector.pop("novelty") is True
    assert detector.pop("calibration_cv") == "auto"
    for name in (
        "n_estimators",
        "max_samples",
        "feature_weight",
        "screening",
        "covariance_weight",
    ):
        assert detector.pop(name) == "auto"
    assert detector == transformer


# --- the trimmed loss --------------------------------------------------------------


def _loss(detector, reconstruction, target):
    reconstruction = torch.as_tensor(reconstruction, dtype=torch.float32)
    target = torch.as_tensor(target, dtype=torch.float32)
    code = torch.zeros(len(target), 1)
    return detector.net_.get_loss((reconstruction, code), target, training=True)


def test_trimmed_loss_averages_the_best_reconstructed_rows():
    # Standardized data: the squared error; 3 of 4 rows kept (ceil(0.6 * 4)).
    X = np.random.default_rng(0).normal(size=(20, 3))
    detector = _fast(support_fraction=0.6, novelty=False).fit(X)
    target = np.zeros((4, 3))
    reconstruction = np.array([[1.0] * 3, [3.0] * 3, [0.5] * 3, [2.0] * 3])
    assert _loss(detector, reconstruction, target).item() == pytest.approx(
        (1 + 0.25 + 4) / 3
    )
    # Not while validating.
    validation = detector.net_.get_loss(
        (torch.as_tensor(reconstruction), torch.zeros(4, 1)),
        torch.as_tensor(target),
        training=False,
    )
    assert validation.item() == pytest.approx((1 + 9 + 0.25 + 4) / 4)


def test_trimmed_loss_ranks_images_by_divergence_not_cross_entropy():
    # A mid-grey row reconstructed exactly has a high cross-entropy (its own
    # entropy) and no divergence: it is kept, the dark row left out.
    X = np.random.default_rng(0).random((20, 2))
    detector = _fast(support_fraction=0.5, novelty=False).fit(X)
    assert detector.loss_ == "bce"
    target = np.array([[0.5, 0.5], [0.0, 0.0]])
    logits = np.array([[0.0, 0.0], [-2.0, -2.0]])
    assert _loss(detector, logits, target).item() == pytest.approx(np.log(2))


def test_the_warm_up_trains_on_every_row(digits):
    # The first epoch is the untrimmed network's, bit for bit.
    X = digits[0]
    trimmed = _fast(max_iter=3, novelty=False, support_fraction=0.8).fit(X)
    every_row = _fast(max_iter=3, novelty=False).fit(X)
    losses = trimmed.net_.history[:, "train_loss"]
    assert losses[:1] == every_row.net_.history[:1, "train_loss"]
    assert losses[1] < every_row.net_.history[1, "train_loss"]


def test_outliers_in_the_training_data_are_not_learnt(digits):
    # 90 zeros and three copies of one seven: trained on every row, the
    # network learns the seven; with the trimmed loss it stays an outlier.
    X, _, y, _ = digits
    seven = X[y == 7][:1]
    X_mixed = np.vstack([X[y == 0], np.repeat(seven, 3, axis=0)])
    ranks = {}
    for support_fraction in (1.0, 0.8):
        detector = AutoencoderOutlierDetector(
            support_fraction=support_fraction,
            novelty=False,
            random_state=0,
            **ONE_NETWORK,
        ).fit(X_mixed)
        scores = detector.score_samples(X[y == 0])
        ranks[support_fraction] = np.mean(scores < detector.score_samples(seven))
    assert ranks[1.0] > 0.5
    assert ranks[0.8] < 0.05


@pytest.mark.parametrize("support_fraction", [0, -0.5, 1.5, "auto"])
def test_invalid_support_fraction_is_rejected(digits, support_fraction):
    with pytest.raises(ValueError, match="support_fraction"):
        _fast(support_fraction=support_fraction).fit(digits[0])


# --- the code term -----------------------------------------------------------------


def test_auto_code_compresses_a_narrow_table():
    # 30 features: a code of 15, not 32, so reconstruction cannot copy rows.
    X = load_breast_cancer().data
    detector = AutoencoderOutlierDetector(
        max_iter=2, random_state=0, **ONE_NETWORK
    ).fit(X)
    assert detector.n_components_ == detector.autoencoder_.n_components_ == 15
    assert detector.code_location_.shape == (15,)


def test_code_weight_adds_the_scaled_mahalanobis_distance_of_the_code(digits):
    X, X_test, _, _ = digits
    detector = _fast(n_components=8, code_weight=0.7).fit(X)
    autoencoder = detector.autoencoder_
    covariance = LedoitWolf().fit(autoencoder.transform(X))
    train_errors = -autoencoder.score_samples(X)
    train_distances = covariance.mahalanobis(autoencoder.transform(X))
    assert detector.code_scale_ == pytest.approx(
        train_errors.std() / train_distances.std()
    )
    expected = autoencoder.score_samples(X_test) - 0.7 * detector.code_scale_ * (
        covariance.mahalanobis(autoencoder.transform(X_test))
    )
    assert_allclose(detector.score_samples(X_test), expected, rtol=1e-5)


def test_a_large_code_weight_ranks_by_the_code_distance(digits):
    X, X_test, _, _ = digits
    detector = _fast(n_components=8, code_weight=1e6).fit(X)
    codes = detector.autoencoder_.transform
    distance = LedoitWolf().fit(codes(X)).mahalanobis(codes(X_test))
    # Same order up to float32 rounding among near-equal distances.
    correlation = spearmanr(detector.score_samples(X_test), -distance).statistic
    assert correlation > 0.9999


def test_code_weight_zero_scores_the_reconstruction_error_alone(digits):
    X, X_test, _, _ = digits
    detector = _fast(n_components=8).fit(X)
    assert_array_equal(
        detector.score_samples(X_test), detector.autoencoder_.score_samples(X_test)
    )


def test_code_scale_is_zero_when_the_codes_do_not_vary():
    X = np.full((5, 6), 0.5)
    detector = _fast(n_components=2, code_weight=1.0).fit(X)
    assert detector.code_scale_ == 0.0
    assert np.isfinite(detector.score_samples(X)).all()


def test_parameters_changed_after_fit_leave_the_scores_and_labels_as_fitted(digits):
    # As in scikit-learn, a fitted model answers as fitted until it is refit:
    # the code's width and the weight offset_ was set with stay those of fit.
    X, X_test, _, _ = digits
    detector = _fast(n_components=8, code_weight=0.5).fit(X)
    scores, labels = detector.score_samples(X_test), detector.predict(X_test)
    detector.set_params(n_components=4, code_weight=0.0, contamination=0.2)
    assert_array_equal(detector.score_samples(X_test), scores)
    assert_array_equal(detector.predict(X_test), labels)


def test_a_fit_interrupted_while_scoring_the_training_data_leaves_the_detector(
    digits, monkeypatch
):
    X, X_test, _, _ = digits
    detector = _fast(n_components=8).fit(X)
    before = detector.decision_function(X_test)

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(AutoencoderOutlierDetector, "_fit_codes", interrupted)
    with pytest.raises(KeyboardInterrupt):
        detector.set_params(max_iter=2, random_state=1).fit(X[:100])
    monkeypatch.undo()
    assert_array_equal(detector.decision_function(X_test), before)
    assert detector.n_iter_ == 5


def test_negative_code_weight_is_rejected(digits):
    with pytest.raises(ValueError, match="code_weight"):
        _fast(code_weight=-1.0).fit(digits[0])


def test_scores_are_the_transformers_scores(digits):
    X, X_test, _, _ = digits
    params = {"n_components": 8, "max_iter": 5, "random_state": 0}
    detector = AutoencoderOutlierDetector(**params, **ONE_NETWORK).fit(X)
    transformer = AutoencoderTransformer(**params).fit(X)
    assert_array_equal(
        detector.score_samples(X_test), transformer.score_samples(X_test)
    )


def test_decision_function_is_score_samples_minus_offset(fitted, digits):
    X_test = digits[1]
    assert_allclose(
        fitted.decision_function(X_test), fitted.score_samples(X_test) - fitted.offset_
    )


def test_predict_flags_negative_decisions(fitted, digits):
    X_test = digits[1]
    labels = fitted.predict(X_test)
    assert set(np.unique(labels)) == {-1, 1}
    assert_array_equal(labels == -1, fitted.decision_function(X_test) < 0)


@pytest.mark.parametrize("contamination", [0.01, 0.05, 0.2, 0.5])
def test_float_contamination_flags_that_fraction_of_the_training_data(
    digits, contamination
):
    X = digits[0]
    labels = _fast(contamination=contamination, novelty=False).fit_predict(X)
    assert abs(np.mean(labels == -1) - contamination) <= 1 / len(X)


def test_auto_contamination_is_tukeys_fence_on_the_training_errors(digits):
    X = digits[0]
    detector = _fast(novelty=False).fit(X)
    scores = detector.score_samples(X)
    q1, q3 = np.percentile(scores, [25, 75])
    assert detector.offset_ == pytest.approx(q1 - 1.5 * (q3 - q1))
    assert 0 < np.mean(detector.predict(X) == -1) < 0.15


# --- novelty: an offset that holds on new data ---------------------------------------


def test_novelty_offset_flags_about_the_contamination_of_new_normal_rows(digits):
    # One digit's 90 training rows at a time, the same digit's new rows
    # flagged, on average over the ten digits (a single digit's 90 new rows
    # give a noisy fraction).
    X, X_test, y, y_test = digits
    flagged = [
        np.mean(
            _fast(contamination=0.1, max_iter=100)
            .fit(X[y == k])
            .predict(X_test[y_test == k])
            == -1
        )
        for k in range(10)
    ]
    assert 0.05 <= np.mean(flagged) <= 0.2


def test_an_offset_set_on_the_training_rows_flags_most_new_normal_rows(digits):
    # What novelty=True fixes: trained on all of its own 90 zeros, the network
    # reconstructs them so much better than new zeros that an offset set on
    # their scores flags most new zeros.
    X, X_test, y, y_test = digits
    params = dict(contamination=0.1, max_iter="auto")  # 2,000 epochs
    in_sample = _fast(novelty=False, **params).fit(X[y == 0])
    calibrated = _fast(calibration_cv=2, **params).fit(X[y == 0])
    assert np.mean(in_sample.predict(X_test[y_test == 0]) == -1) > 0.5
    assert np.mean(calibrated.predict(X_test[y_test == 0]) == -1) < 0.2
    assert np.mean(calibrated.predict(X_test[y_test != 0]) == -1) > 0.9


def test_novelty_keeps_the_network_and_moves_only_the_offset(digits):
    X, X_test, _, _ = digits
    calibrated = _fast(contamination=0.1).fit(X)
    in_sample = _fast(contamination=0.1, novelty=False).fit(X)
    assert_array_equal(
        calibrated.score_samples(X_test), in_sample.score_samples(X_test)
    )
    assert calibrated.offset_ != in_sample.offset_
    assert _fast(contamination=0.1).fit(X).offset_ == calibrated.offset_


def _record_splitters(monkeypatch, name, splitter_class):
    """Make skae._outlier's `name` record the splitters it makes; return the list."""
    made = []

    def make(*args, **kwargs):
        made.append(splitter_class(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(skae_outlier, name, make)
    return made


def _held_out_scores(detector, X, splits):
    """What calibration should find: each test part scored by a network fitted
    on the rest, with the detector's own parameters."""
    scores = []
    for train, test in splits:
        network = clone(detector).set_params(novelty=False)
        scores.append(network.fit(X[train]).score_samples(X[test]))
    return np.concatenate(scores)


@pytest.mark.parametrize("calibration_cv", [2, 3])
def test_calibration_cv_scores_each_row_with_the_network_of_the_other_folds(
    digits, calibration_cv, monkeypatch
):
    X = digits[0][:200]
    detector = _fast(contamination=0.1, calibration_cv=calibration_cv)
    made = _record_splitters(monkeypatch, "KFold", KFold)
    detector.fit(X)
    [splitter] = made
    assert splitter.get_n_splits() == calibration_cv
    expected = _held_out_scores(detector, X, splitter.split(X))
    assert detector.offset_ == pytest.approx(np.percentile(expected, 10))


def test_auto_calibration_holds_out_a_fifth_of_large_data(digits, monkeypatch):
    X = digits[0]
    monkeypatch.setattr(skae_outlier, "_CROSS_FIT_BELOW", 500)
    made = _record_splitters(monkeypatch, "ShuffleSplit", ShuffleSplit)
    detector = _fast(contamination=0.1).fit(X)
    [splitter] = made
    [(train, test)] = splitter.split(X)
    assert len(test) == round(0.2 * len(X))
    expected = _held_out_scores(detector, X, [(train, test)])
    assert detector.offset_ == pytest.approx(np.percentile(expected, 10))


def test_fit_predict_needs_novelty_false(digits):
    detector = _fast()
    assert not hasattr(detector, "fit_predict")
    with pytest.raises(AttributeError, match="no attribute 'fit_predict'") as error:
        detector.fit_predict(digits[0])
    assert "novelty=False" in str(error.value.__cause__)
    assert hasattr(detector.set_params(novelty=False), "fit_predict")


def test_a_single_row_sets_the_offset_from_its_own_score():
    X = np.random.default_rng(0).random((1, 6))
    detector = _fast().fit(X)
    assert detector.offset_ == pytest.approx(detector.score_samples(X)[0])


@pytest.mark.parametrize("calibration_cv", [1, 0, "none", 2.5])
def test_invalid_calibration_cv_is_rejected(digits, calibration_cv):
    with pytest.raises(ValueError, match="calibration_cv"):
        _fast(calibration_cv=calibration_cv).fit(digits[0])


@pytest.mark.parametrize("contamination", [0.0, 0.6, "none"])
def test_invalid_contamination_is_rejected(digits, contamination):
    with pytest.raises(ValueError, match="contamination"):
        _fast(contamination=contamination).fit(digits[0])


def test_autoencoder_shares_the_fitted_network(fitted, digits):
    X_test = digits[1]
    autoencoder = fitted.autoencoder_
    assert isinstance(autoencoder, AutoencoderTransformer)
    assert autoencoder.net_ is fitted.net_
    assert autoencoder.n_components == 8
    codes = autoencoder.transform(X_test)
    assert codes.shape == (len(X_test), 8)
    assert_array_equal(autoencoder.score_samples(X_test), fitted.score_samples(X_test))
    assert autoencoder.inverse_transform(codes).shape == X_test.shape


def test_unfitted_detector_has_no_autoencoder():
    assert not hasattr(AutoencoderOutlierDetector(), "autoencoder_")


def test_one_class_detection_with_defaults(digits):
    # Fit on the zeros of one half, find the other digits in the other half.
    X, X_test, y, y_test = digits
    # novelty moves only the offset (tested above), not the ranking.
    detector = AutoencoderOutlierDetector(novelty=False, random_state=0)
    detector.fit(X[y == 0])
    auc = roc_auc_score(y_test != 0, -detector.score_samples(X_test))
    assert auc > 0.99


def test_warm_start_continues_training_and_resets_the_offset(digits):
    X = digits[0]
    detector = _fast(warm_start=True).fit(X)
    offset = detector.offset_
    detector.fit(X)
    assert detector.n_iter_ == 10
    assert detector.offset_ != offset


def test_pickle_round_trip_gives_identical_decisions(fitted, digits):
    X_test = digits[1]
    loaded = pickle.loads(pickle.dumps(fitted))
    assert loaded.offset_ == fitted.offset_
    assert_array_equal(
        loaded.decision_function(X_test), fitted.decision_function(X_test)
    )


def test_detector_ends_a_pipeline(digits):
    X, X_test, _, _ = digits
    pipeline = make_pipeline(MinMaxScaler(), _fast(contamination=0.1)).fit(X * 16)
    assert pipeline.predict(X_test * 16).shape == (len(X_test),)
    assert pipeline.score_samples(X_test * 16).shape == (len(X_test),)


@pytest.mark.filterwarnings("error::UserWarning")
def test_a_dataframe_fits_and_scores_without_a_feature_name_warning(digits):
    # fit validated the DataFrame, then its array again for inference, which
    # warned that X had no feature names though the user passed them.
    X, X_test, _, _ = digits
    columns = [f"pixel{i}" for i in range(64)]
    frame = pd.DataFrame(X, columns=columns)
    detector = _fast(code_weight=1.0).fit(frame)
    assert list(detector.feature_names_in_) == columns
    decisions = detector.decision_function(pd.DataFrame(X_test, columns=columns))
    assert_array_equal(
        decisions, _fast(code_weight=1.0).fit(X).decision_function(X_test)
    )


# --- a detector on another graph (tests/variational_autoencoder.py) ---------------


def test_a_detector_on_another_graph_exposes_and_pickles_that_graphs_autoencoder(
    digits,
):
    X, X_test, _, _ = digits
    detector = VariationalTestOutlierDetector(
        n_components=4, max_iter=5, random_state=0
    )
    autoencoder = detector.fit(X).autoencoder_
    assert isinstance(autoencoder, VariationalAutoencoderTransformer)
    loaded = pickle.loads(pickle.dumps(autoencoder))
    assert isinstance(loaded.net_.module_, VariationalModule)
    assert_array_equal(loaded.transform(X_test), autoencoder.transform(X_test))
    assert_array_equal(
        pickle.loads(pickle.dumps(detector)).decision_function(X_test),
        detector.decision_function(X_test),
    )


def test_a_detector_takes_its_graph_and_its_arguments_from_its_transformer():
    # Naming the transformer is all it takes: the two cannot disagree.
    detector = VariationalTestOutlierDetector(n_components=3)
    transformer = VariationalAutoencoderTransformer(n_components=3)
    assert detector._module_class is VariationalModule
    assert detector._module_params() == transformer._module_params()
    assert AutoencoderOutlierDetector()._module_class is AutoencoderModule


# --- the ensemble on tables --------------------------------------------------------


@pytest.fixture(scope="module")
def table():
    X = load_breast_cancer().data
    return (X - X.mean(axis=0)) / X.std(axis=0)


def test_auto_is_an_ensemble_on_tables_and_one_network_on_images(table):
    detector = AutoencoderOutlierDetector(max_iter=2, random_state=0).fit(table)
    assert (detector.n_estimators_, detector.max_samples_) == (10, 128)
    assert (detector.feature_weight_, detector.screening_) == (1.0, 0.2)
    assert detector.covariance_weight_ == 0.5
    assert len(detector.estimators_) == 10
    wide = np.tile(table[:60], (1, 9))  # 270 features
    detector = AutoencoderOutlierDetector(max_iter=1, random_state=0).fit(wide)
    assert (detector.n_estimators_, detector.max_samples_) == (1, 60)
    assert (detector.feature_weight_, detector.screening_) == (0.0, 0.0)
    assert detector.covariance_weight_ == 0.0
    assert hasattr(detector, "net_") and not hasattr(detector, "estimators_")
    assert not hasattr(detector, "robust_covariance_")


def test_members_train_briefly_on_subsamples_of_the_screened_rows(table):
    detector = AutoencoderOutlierDetector(random_state=0).fit(table)
    density = detector._histograms.log_density(table, leave_out=True)
    screened = np.argsort(density)[: int(0.2 * len(table))]
    for member, rows in zip(detector.estimators_, detector.estimators_samples_):
        assert len(rows) == 128 and not set(rows) & set(screened)
        assert member.n_iter_ == 60 and member.n_estimators_ == 1
    # each member a different subsample and network
    assert len({tuple(rows) for rows in detector.estimators_samples_}) == 10


def test_ensemble_score_is_the_median_of_standardized_members_plus_two_terms(table):
    detector = AutoencoderOutlierDetector(max_iter=3, random_state=0).fit(table)
    members = []
    for member, rows in zip(detector.estimators_, detector.estimators_samples_):
        own = member.score_samples(table[rows])
        first, median, third = np.percentile(own, [25, 50, 75])
        members.append((member.score_samples(table) - median) / (third - first))
    network = np.median(members, axis=0)
    density = detector._histograms.log_density(table)
    location, spread = detector._network_scale
    density_location, density_spread = detector._density_scale
    distance = -detector.robust_covariance_.mahalanobis(table)
    distance_location, distance_spread = detector._covariance_scale
    expected = (
        (network - location) / spread
        + (density - density_location) / density_spread
        + 0.5 * (distance - distance_location) / distance_spread
    )
    assert_allclose(detector.score_samples(table), expected, rtol=1e-10)


def test_ensemble_offset_comes_from_out_of_bag_scores_without_extra_fits(
    table, monkeypatch
):
    fits = []
    original = skae_outlier.fit_on_subsets

    def counting(estimator, X, subsets, params_for):
        fits.append(len(subsets))
        return original(estimator, X, subsets, params_for)

    monkeypatch.setattr(skae_outlier, "fit_on_subsets", counting)
    detector = AutoencoderOutlierDetector(
        contamination=0.1, max_iter=2, random_state=0
    ).fit(table)
    assert fits == [10]  # the members only
    flagged = np.mean(detector.predict(table) == -1)
    assert 0.03 < flagged < 0.2


def test_zero_weights_score_the_networks_alone(table):
    detector = AutoencoderOutlierDetector(
        feature_weight=0.0, covariance_weight=0.0, max_iter=2, random_state=0
    ).fit(table)
    assert detector.screening_ == 0.2  # the histograms still screen
    members = np.stack([m.score_samples(table) for m in detector.estimators_])
    assert_allclose(
        detector.score_samples(table),
        np.median(detector._standardize_members(members), axis=0),
    )


def test_a_cluster_of_outliers_is_found_where_one_network_learns_it():
    # 5% of the rows a tight cluster away from the data: one network trained
    # on them reconstructs them, the defaults do not rank them as normal.
    rng = np.random.default_rng(0)
    inliers = rng.normal(size=(380, 8)) @ rng.normal(size=(8, 8))
    cluster = rng.normal(6, 0.05, size=(20, 8))
    X = np.vstack([inliers, cluster])
    labels = np.r_[np.ones(380), np.zeros(20)]
    aucs = [
        roc_auc_score(
            labels,
            AutoencoderOutlierDetector(novelty=False, random_state=0, **params)
            .fit(X)
            .score_samples(X),
        )
        for params in ({}, ONE_NETWORK)
    ]
    assert aucs[0] > 0.9 and aucs[1] < 0.7


def test_max_samples_as_a_fraction_and_beyond_the_rows(table):
    detector = _fast(n_estimators=2, max_samples=0.5, novelty=False).fit(table)
    assert detector.max_samples_ == int(np.ceil(0.5 * len(table)))
    detector = _fast(n_estimators=2, max_samples=10_000, novelty=False).fit(table)
    assert detector.max_samples_ == len(table)


def test_one_network_on_a_subsample_is_an_ensemble_of_one(table):
    detector = _fast(max_samples=100, novelty=False).fit(table)
    assert len(detector.estimators_) == 1
    assert len(detector.estimators_samples_[0]) == 100


def test_warm_start_on_an_ensemble_is_a_clear_error(table):
    detector = AutoencoderOutlierDetector(max_iter=1, warm_start=True)
    with pytest.raises(ValueError, match="warm_start continues training one network"):
        detector.fit(table)


def test_an_ensemble_has_no_single_autoencoder(table):
    detector = AutoencoderOutlierDetector(max_iter=1, random_state=0).fit(table)
    with pytest.raises(AttributeError, match=r"estimators_\[i\]\.autoencoder_"):
        detector.autoencoder_


def test_refitting_in_the_other_mode_leaves_nothing_of_the_first(table):
    detector = _fast(novelty=False).fit(table)
    assert hasattr(detector, "net_")
    detector.set_params(n_estimators=3).fit(table)
    assert not hasattr(detector, "net_") and len(detector.estimators_) == 3
    detector.set_params(n_estimators=1).fit(table)
    assert not hasattr(detector, "estimators_")


def test_ensemble_pickle_round_trip_and_dataframe_names(table):
    frame = pd.DataFrame(table, columns=[f"f{i}" for i in range(table.shape[1])])
    detector = AutoencoderOutlierDetector(max_iter=2, random_state=0).fit(frame)
    loaded = pickle.loads(pickle.dumps(detector))
    assert_array_equal(
        loaded.decision_function(frame), detector.decision_function(frame)
    )
    assert list(loaded.feature_names_in_) == list(frame.columns)


def test_ensemble_is_reproducible_and_keeps_float32(table):
    first = AutoencoderOutlierDetector(max_iter=2, random_state=3).fit(table)
    second = AutoencoderOutlierDetector(max_iter=2, random_state=3).fit(table)
    assert_array_equal(first.score_samples(table), second.score_samples(table))
    assert first.score_samples(table.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_estimators": 0}, "n_estimators"),
        ({"max_samples": 0.0}, "max_samples"),
        ({"max_samples": 1.5}, "max_samples"),
        ({"feature_weight": -1.0}, "feature_weight"),
        ({"screening": 1.0}, "screening"),
        ({"covariance_weight": -0.5}, "covariance_weight"),
    ],
)
def test_invalid_ensemble_parameters_are_rejected(table, params, match):
    with pytest.raises(ValueError, match=match):
        AutoencoderOutlierDetector(**params).fit(table)


def test_two_features_give_a_code_of_one_and_a_sensible_ranking():
    rng = np.random.default_rng(0)
    inliers = rng.normal(size=(170, 2))
    outliers = rng.uniform(-6, 6, size=(30, 2))
    outliers = outliers[np.abs(outliers).max(axis=1) > 3.5][:25]
    X = np.vstack([inliers, outliers])
    labels = np.r_[np.ones(len(inliers)), np.zeros(len(outliers))]
    detector = AutoencoderOutlierDetector(
        contamination=0.15, novelty=False, random_state=0
    ).fit(X)
    assert detector.estimators_[0].n_components_ == 1
    assert roc_auc_score(labels, detector.score_samples(X)) > 0.9


def test_a_detector_saved_before_the_ensemble_loads_as_one_network(fitted, digits):
    X, *_ = digits
    state = fitted.__getstate__()
    for name in (
        "n_estimators_",
        "max_samples_",
        "feature_weight_",
        "screening_",
        "covariance_weight_",
    ):
        del state[name]
    loaded = object.__new__(AutoencoderOutlierDetector)
    loaded.__setstate__(state)
    assert loaded.n_estimators_ == 1 and loaded.feature_weight_ == 0.0
    assert loaded.covariance_weight_ == 0.0
    assert_array_equal(loaded.decision_function(X), fitted.decision_function(X))


def test_an_ensemble_saved_before_the_covariance_loads_without_it(table):
    detector = AutoencoderOutlierDetector(
        covariance_weight=0.0, max_iter=2, random_state=0
    ).fit(table)
    state = detector.__getstate__()
    del state["covariance_weight_"]
    loaded = object.__new__(AutoencoderOutlierDetector)
    loaded.__setstate__(state)
    assert loaded.covariance_weight_ == 0.0 and loaded.n_estimators_ == 10
    assert_array_equal(loaded.score_samples(table), detector.score_samples(table))


def test_the_covariance_finds_rows_whose_values_are_usual_but_not_together():
    # ADBench's dependency anomalies: each value drawn from its feature's
    # inlier values, so that every histogram finds it usual, the links cut.
    rng = np.random.default_rng(0)
    inliers = rng.normal(size=(380, 2)) @ rng.normal(size=(2, 10))
    inliers += 0.1 * rng.normal(size=inliers.shape)
    anomalies = np.column_stack([rng.choice(column, 20) for column in inliers.T])
    X = np.vstack([inliers, anomalies])
    labels = np.r_[np.ones(380), np.zeros(20)]

    def auc(**params):
        detector = AutoencoderOutlierDetector(
            novelty=False, max_iter=5, random_state=0, **params
        )
        return roc_auc_score(labels, detector.fit(X).score_samples(X))

    assert auc() > 0.95 > 0.85 > auc(covariance_weight=0.0)


def test_auto_leaves_the_covariance_out_with_few_rows_per_feature(table):
    detector = AutoencoderOutlierDetector(max_iter=1, random_state=0)
    assert detector.fit(table[:60]).covariance_weight_ == 0.0  # 60 rows, 30 features
    assert detector.fit(table[:61]).covariance_weight_ == 0.5
    assert detector.robust_covariance_.location_.shape == (30,)


def test_rows_mostly_identical_leave_the_covariance_out_or_are_a_clear_error():
    X = np.zeros((40, 3))
    X[:5] = np.random.default_rng(0).normal(size=(5, 3))
    detector = AutoencoderOutlierDetector(max_iter=1, random_state=0).fit(X)
    assert detector.covariance_weight_ == 0.0
    assert not hasattr(detector, "robust_covariance_")
    assert np.isfinite(detector.score_samples(X)).all()
    detector.set_params(covariance_weight=1.0)
    with pytest.raises(ValueError, match="covariance_weight=0"):
        detector.fit(X)


def test_a_covariance_that_cannot_be_fitted_is_left_out_under_auto(monkeypatch):
    # Which rows MinCovDet cannot fit differs between scikit-learn versions
    # (with 1.8, four rows [-2, -2, 1e5, 1] leave none within its bounds).
    def failing(self, X, y=None):
        raise ValueError("Found array with 0 sample(s)")

    monkeypatch.setattr(MinCovDet, "fit", failing)
    X = np.random.default_rng(0).normal(size=(40, 2))
    detector = AutoencoderOutlierDetector(max_iter=1, random_state=0).fit(X)
    assert detector.covariance_weight_ == 0.0
    assert np.isfinite(detector.score_samples(X)).all()
    with pytest.raises(ValueError, match="covariance_weight=0"):
        detector.set_params(covariance_weight=0.5).fit(X)


def test_on_few_rows_each_network_trains_on_half_so_no_row_is_seen_by_all(table):
    detector = AutoencoderOutlierDetector(max_iter=1, random_state=0).fit(table[:100])
    assert detector.max_samples_ == 40  # 80 rows kept of 100, half of them
    seen = np.zeros(100, dtype=int)
    for rows in detector.estimators_samples_:
        seen[rows] += 1
    assert seen.max() < detector.n_estimators_
