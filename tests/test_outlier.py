import pickle

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import spearmanr
from sklearn.covariance import LedoitWolf
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from variational_autoencoder import (
    VariationalAutoencoderTransformer,
    VariationalModule,
    VariationalOutlierDetector,
)

from skae import AutoencoderOutlierDetector, AutoencoderTransformer
from skae._module import AutoencoderModule


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16, y, test_size=0.5, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def fitted(digits):
    X, _, y, _ = digits
    detector = AutoencoderOutlierDetector(
        n_components=8, max_iter=30, contamination=0.1, random_state=0
    )
    return detector.fit(X)


def _fast(**params):
    return AutoencoderOutlierDetector(**{"max_iter": 5, "random_state": 0, **params})


def test_parameters_are_the_transformers_plus_contamination_and_code_weight():
    transformer = AutoencoderTransformer().get_params()
    detector = AutoencoderOutlierDetector().get_params()
    assert detector.pop("contamination") == "auto"
    assert detector.pop("code_weight") == 0.0
    assert detector == transformer


# --- the code term -----------------------------------------------------------------


def test_auto_code_compresses_a_narrow_table():
    # 30 features: a code of 15, not 32, so reconstruction cannot copy rows.
    X = load_breast_cancer().data
    detector = AutoencoderOutlierDetector(max_iter=2, random_state=0).fit(X)
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
    detector = AutoencoderOutlierDetector(**params).fit(X)
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
    labels = _fast(contamination=contamination).fit_predict(X)
    assert abs(np.mean(labels == -1) - contamination) <= 1 / len(X)


def test_auto_contamination_is_tukeys_fence_on_the_training_errors(digits):
    X = digits[0]
    detector = _fast().fit(X)
    scores = detector.score_samples(X)
    q1, q3 = np.percentile(scores, [25, 75])
    assert detector.offset_ == pytest.approx(q1 - 1.5 * (q3 - q1))
    assert 0 < np.mean(detector.predict(X) == -1) < 0.15


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
    detector = AutoencoderOutlierDetector(random_state=0).fit(X[y == 0])
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
    detector = VariationalOutlierDetector(n_components=4, max_iter=5, random_state=0)
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
    detector = VariationalOutlierDetector(n_components=3)
    transformer = VariationalAutoencoderTransformer(n_components=3)
    assert detector._module_class is VariationalModule
    assert detector._module_params() == transformer._module_params()
    assert AutoencoderOutlierDetector()._module_class is AutoencoderModule
