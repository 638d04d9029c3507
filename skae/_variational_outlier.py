"""VariationalOutlierDetector: outliers by a variational autoencoder's likelihood."""

from ._base import fill_doc
from ._outlier import AutoencoderOutlierDetector
from ._variational import VariationalAutoencoder


@fill_doc
class VariationalOutlierDetector(AutoencoderOutlierDetector):
    """Outlier and novelty detection by a variational autoencoder's likelihood.

    A variational autoencoder trained on normal data gives new normal
    samples a high likelihood and unusual ones a low one.
    :meth:`score_samples` is each sample's estimated log-likelihood (see
    :meth:`VariationalAutoencoder.score_samples`; higher is more normal),
    and the rest is :class:`AutoencoderOutlierDetector`'s: ``offset_`` from
    `contamination`, :meth:`decision_function`, :meth:`predict`. Where its
    parameters speak of the reconstruction error, read minus the
    log-likelihood; `support_fraction` leaves out the rows of lowest
    evidence lower bound.

    Parameters
    ----------
    {parameters}

    {role_parameters}

    Attributes
    ----------
    {role_attributes}

    autoencoder_ : VariationalAutoencoder
        The fitted variational autoencoder, sharing this detector's network.

    {fitted_attributes}

    See Also
    --------
    VariationalAutoencoder : The same model as a transformer.
    AutoencoderOutlierDetector : Detection by reconstruction error.
    sklearn.mixture.GaussianMixture : Its ``score_samples`` is a likelihood too.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import VariationalOutlierDetector
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> detector = VariationalOutlierDetector(
    ...     n_components=8, max_iter=5, contamination=0.05, random_state=0
    ... ).fit(X[y == 0])
    >>> detector.predict(X[:4]).shape
    (4,)
    """

    _autoencoder_class = VariationalAutoencoder
    _ensemble_on_tables = False

    def score_samples(self, X):
        """Estimated log-likelihood of each sample: higher is more normal.

        With a positive `code_weight`, less `code_weight` times the scaled
        distance of the sample's code to the training codes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Log-likelihood (less the code term) of each sample.
        """
        return super().score_samples(X)
