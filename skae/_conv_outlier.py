"""ConvolutionalOutlierDetector: outliers by a convolutional autoencoder."""

from ._base import fill_doc
from ._conv import ConvolutionalAutoencoder
from ._outlier import AutoencoderOutlierDetector


@fill_doc
class ConvolutionalOutlierDetector(AutoencoderOutlierDetector):
    """Outlier and novelty detection of images by a convolutional autoencoder.

    :class:`AutoencoderOutlierDetector` on the network of
    :class:`ConvolutionalAutoencoder`: each row is an image, and
    :meth:`score_samples` is minus its reconstruction error (higher is more
    normal), :meth:`decision_function` and :meth:`predict` follow from
    `contamination`.

    Parameters
    ----------
    {parameters}

    {role_parameters}

    Attributes
    ----------
    {role_attributes}

    autoencoder_ : ConvolutionalAutoencoder
        The fitted autoencoder, sharing this detector's network.

    {fitted_attributes}

    See Also
    --------
    ConvolutionalAutoencoder : The same autoencoder as a transformer.
    AutoencoderOutlierDetector : The same detector on a dense network.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import ConvolutionalOutlierDetector
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> detector = ConvolutionalOutlierDetector(
    ...     n_components=8, max_iter=5, contamination=0.05, random_state=0
    ... ).fit(X[y == 0])
    >>> detector.predict(X[:4]).shape
    (4,)
    """

    _autoencoder_class = ConvolutionalAutoencoder
    _ensemble_on_tables = False
