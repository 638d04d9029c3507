"""ConvolutionalVariationalAutoencoder: a variational autoencoder of images as rows."""

from numbers import Integral

from ._base import fill_doc
from ._conv import CONV_ATTRIBUTES_DOC, CONV_CONSTRAINTS, CONV_DOC, _ConvolutionalKind
from ._conv_module import ConvVariationalModule
from ._parameters import Interval, StrOptions
from ._variational import (
    LIKELIHOOD_DOC,
    VARIATIONAL_ATTRIBUTES_DOC,
    VariationalAutoencoder,
)
from ._variational_module import LIKELIHOODS


@fill_doc
class ConvolutionalVariationalAutoencoder(_ConvolutionalKind, VariationalAutoencoder):
    """Variational autoencoder of images given as rows, with convolutional networks.

    :class:`VariationalAutoencoder`'s model and methods (:meth:`transform`,
    :meth:`inverse_transform`, :meth:`sample`, :meth:`score_samples`,
    :meth:`score`) on the networks of :class:`ConvolutionalAutoencoder`: each
    row is an image's ``height x width x channels`` values, and the encoder's
    stride-2 convolutions see neighbouring pixels together. The decoder ends
    with a bias per pixel, where training starts from each pixel's mean.

    Parameters
    ----------
    {parameters}

    whiten : bool, default=False
        Return whitened codes from :meth:`transform`, as
        :class:`AutoencoderTransformer` does.

    Attributes
    ----------
    {fitted_attributes}

    See Also
    --------
    VariationalAutoencoder : The same model on dense networks.
    ConvolutionalAutoencoder : The deterministic convolutional autoencoder.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import ConvolutionalVariationalAutoencoder
    >>> X, _ = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> vae = ConvolutionalVariationalAutoencoder(
    ...     n_components=8, max_iter=2, random_state=0
    ... ).fit(X)
    >>> vae.image_shape_, vae.likelihood_
    ((8, 8, 1), 'continuous_bernoulli')
    >>> vae.sample(5, random_state=0).shape
    (5, 64)
    """

    # The convolutional networks with the variational model's likelihood.
    _module_class = ConvVariationalModule
    _kind_parameters = {
        "image_shape": None,
        "channels": (16, 32),
        "kernel_size": 3,
        "hidden_layer_sizes": (),
        "activation": "relu",
        "likelihood": "auto",
        "n_importance_samples": 100,
    }
    _kind_constraints = {
        **CONV_CONSTRAINTS,
        "likelihood": [StrOptions({"auto", *LIKELIHOODS})],
        "n_importance_samples": [Interval(Integral, 1, None, closed="left")],
    }
    _kind_doc = CONV_DOC + "\n" + LIKELIHOOD_DOC
    _kind_attributes_doc = CONV_ATTRIBUTES_DOC + "\n" + VARIATIONAL_ATTRIBUTES_DOC
