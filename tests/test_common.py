"""scikit-learn's estimator checks, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks
from tied_autoencoder import TiedAutoencoderTransformer
from variational_autoencoder import (
    VariationalAutoencoderTransformer,
    VariationalTestOutlierDetector,
)

from skae import (
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    ConvolutionalAutoencoder,
    ConvolutionalOutlierDetector,
    ConvolutionalVariationalAutoencoder,
    VariationalAutoencoder,
    VariationalOutlierDetector,
)

TRANSFORMERS = [
    AutoencoderTransformer(max_iter=5, random_state=0),
    AutoencoderTransformer(
        n_components=4, hidden_layer_sizes=(64,), max_iter=5, random_state=0
    ),
    AutoencoderTransformer(
        n_components=4,
        early_stopping=True,
        n_iter_no_change=2,
        max_iter=5,
        random_state=0,
    ),
    AutoencoderTransformer(
        n_components=4,
        hidden_layer_sizes=(16, 8),
        dropout=0.2,
        noise=0.1,
        activity_regularization=1e-3,
        max_iter=5,
        random_state=0,
    ),
    AutoencoderTransformer(
        n_components=4, noise=0.2, noise_type="masking", max_iter=5, random_state=0
    ),
    # a code wider than the checks' data: auto noise; whitened codes
    AutoencoderTransformer(n_components=16, whiten=True, max_iter=5, random_state=0),
    # other graphs, as new estimators would bring them
    TiedAutoencoderTransformer(n_components=4, max_iter=5, random_state=0),
    VariationalAutoencoderTransformer(n_components=4, max_iter=5, random_state=0),
    # the variational autoencoder: defaults (the checks' data is Gaussian),
    # a deeper one on one shared variance with early stopping, and the
    # continuous Bernoulli (the checks give it data in [0, 1] where they can)
    VariationalAutoencoder(max_iter=5, random_state=0),
    VariationalAutoencoder(
        n_components=4,
        hidden_layer_sizes=(16, 8),
        likelihood="isotropic_gaussian",
        early_stopping=True,
        n_iter_no_change=2,
        n_importance_samples=3,
        max_iter=5,
        random_state=0,
    ),
    VariationalAutoencoder(
        n_components=16, noise=0.1, whiten=True, max_iter=5, random_state=0
    ),
    # the convolutional autoencoder on the checks' rows of any width: as
    # one-row images (a signal), and as 1 x 1 images of many channels, with
    # dropout, a wider kernel, one layer and a dense layer before the code
    ConvolutionalAutoencoder(
        n_components=4, image_shape=(1, -1), channels=(4, 8), max_iter=5, random_state=0
    ),
    ConvolutionalAutoencoder(
        image_shape=(1, 1, -1),
        channels=8,
        kernel_size=5,
        hidden_layer_sizes=(6,),
        dropout=0.2,
        whiten=True,
        max_iter=5,
        random_state=0,
    ),
    # the variational model on convolutional networks
    ConvolutionalVariationalAutoencoder(
        n_components=4,
        image_shape=(1, -1),
        channels=(4,),
        n_importance_samples=3,
        max_iter=5,
        random_state=0,
    ),
]

DETECTORS = [
    # the one-layer network, with contamination "auto" and as a fraction (and
    # a score that weighs the code too); two calibration folds, not five, where
    # the offset is not what a configuration is about
    AutoencoderOutlierDetector(max_iter=5, random_state=0),
    AutoencoderOutlierDetector(
        n_components=4,
        contamination=0.1,
        code_weight=1.0,
        calibration_cv=2,
        max_iter=5,
        random_state=0,
    ),
    # the offset set on the training rows themselves (fit_predict available)
    # by a network trained on a trimmed loss, and set on two folds' held-out
    # scores
    AutoencoderOutlierDetector(
        n_components=4,
        contamination=0.1,
        novelty=False,
        support_fraction=0.8,
        max_iter=5,
        random_state=0,
    ),
    AutoencoderOutlierDetector(
        n_components=4, calibration_cv=2, max_iter=5, random_state=0
    ),
    # a deep network with early stopping
    AutoencoderOutlierDetector(
        n_components=4,
        hidden_layer_sizes=(32, 16),
        early_stopping=True,
        n_iter_no_change=2,
        calibration_cv=2,
        max_iter=5,
        random_state=0,
    ),
    # a code wider than the checks' data: auto noise
    AutoencoderOutlierDetector(n_components=16, max_iter=5, random_state=0),
    # another graph
    VariationalTestOutlierDetector(n_components=4, max_iter=5, random_state=0),
    # the variational autoencoder's likelihood as the score
    VariationalOutlierDetector(max_iter=5, random_state=0),
    VariationalOutlierDetector(
        n_components=4,
        contamination=0.1,
        code_weight=1.0,
        support_fraction=0.8,
        n_importance_samples=5,
        calibration_cv=2,
        max_iter=5,
        random_state=0,
    ),
    # the convolutional network's reconstruction error
    ConvolutionalOutlierDetector(
        n_components=4,
        image_shape=(-1, 1),
        channels=(4,),
        calibration_cv=2,
        max_iter=5,
        random_state=0,
    ),
    ConvolutionalOutlierDetector(
        image_shape=(1, -1),
        channels=(4, 8),
        contamination=0.1,
        novelty=False,
        early_stopping=True,
        n_iter_no_change=2,
        max_iter=5,
        random_state=0,
    ),
]

IMPUTERS = [
    # the Gaussian base and its network, held-out rows deciding
    AutoencoderImputer(max_iter=5, random_state=0),
    # every option of sklearn.impute's conventions, multiple imputation, a
    # deeper network, and no held-out rows
    AutoencoderImputer(
        add_indicator=True,
        keep_empty_features=True,
        sample_posterior=True,
        hidden_layer_sizes=(8,),
        max_iter=5,
        random_state=0,
    ),
    AutoencoderImputer(base="mean", early_stopping=False, max_iter=5, random_state=0),
]


@parametrize_with_checks(
    TRANSFORMERS + DETECTORS + IMPUTERS, expected_failed_checks=lambda estimator: {}
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
