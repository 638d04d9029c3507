import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_digits
from sklearn.metrics import roc_auc_score

from skae import VariationalAutoencoder, VariationalOutlierDetector


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16, y


@pytest.fixture(scope="module")
def detector(digits):
    X, y = digits
    return VariationalOutlierDetector(
        n_components=4, hidden_layer_sizes=(32,), max_iter=30, random_state=0
    ).fit(X[y == 0])


def test_scores_are_the_autoencoders_log_likelihood(detector, digits):
    X, _ = digits
    autoencoder = detector.autoencoder_
    assert isinstance(autoencoder, VariationalAutoencoder)
    assert_array_equal(detector.score_samples(X), autoencoder.score_samples(X))


def test_decision_function_is_the_score_less_the_offset(detector, digits):
    X, _ = digits
    assert_array_equal(
        detector.decision_function(X), detector.score_samples(X) - detector.offset_
    )


def test_other_digits_are_less_likely_than_held_out_zeros(detector, digits):
    X, y = digits
    zeros = X[y == 0]
    # The detector trained on every zero; train a fresh one on most of them.
    held_out = VariationalOutlierDetector(
        n_components=4, hidden_layer_sizes=(32,), max_iter=30, random_state=0
    ).fit(zeros[:140])
    scores = held_out.score_samples(np.r_[zeros[140:], X[y != 0][:200]])
    labels = np.r_[np.ones(len(zeros) - 140), np.zeros(200)]
    assert roc_auc_score(labels, scores) > 0.95


def test_takes_the_variational_kinds_parameters():
    params = VariationalOutlierDetector().get_params()
    assert {"likelihood", "n_importance_samples", "contamination"} <= set(params)
    assert not {"dropout", "loss", "whiten"} & set(params)


@pytest.mark.parametrize("likelihood", ["continuous_bernoulli", "gaussian"])
def test_trains_the_network_its_autoencoder_trains(digits, likelihood):
    # The kind's initialisation (the decoder from the data's means) included.
    X, y = digits
    params = dict(
        n_components=4,
        hidden_layer_sizes=(16,),
        likelihood=likelihood,
        max_iter=3,
        random_state=0,
    )
    detector = VariationalOutlierDetector(novelty=False, **params).fit(X[y == 0])
    autoencoder = VariationalAutoencoder(**params).fit(X[y == 0])
    fitted = detector.net_.module_.state_dict()
    for name, weight in autoencoder.net_.module_.state_dict().items():
        assert_array_equal(fitted[name].numpy(), weight.numpy())


def test_has_the_documented_noise_variance(digits):
    X, y = digits
    detector = VariationalOutlierDetector(
        n_components=4, likelihood="gaussian", max_iter=2, novelty=False, random_state=0
    ).fit(X[y == 0])
    assert_array_equal(detector.noise_variance_, detector.autoencoder_.noise_variance_)
    assert "noise_variance_" in VariationalOutlierDetector.__doc__
