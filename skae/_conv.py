"""ConvolutionalAutoencoder: a convolutional autoencoder of images given as rows."""

import math
from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._base import (
    LOSS_ATTRIBUTES_DOC,
    LOSS_CONSTRAINTS,
    LOSS_DOC,
    LOSS_PARAMETERS,
    check_layer_sizes,
    fill_doc,
)
from ._conv_module import ConvAutoencoderModule
from ._module import ACTIVATIONS
from ._parameters import Interval, StrOptions
from ._transformer import _BaseTransformer

CONV_DOC = """\
    image_shape : tuple of int or None, default=None
        The images' ``(height, width)`` or ``(height, width, channels)``:
        each row holds one image's values in that order, as an image array
        of that shape flattened (``images.reshape(len(images), -1)``). One
        entry may be -1, inferred from the number of features as
        :func:`numpy.reshape` does: ``(32, 32, -1)`` for colour images of
        32 x 32 pixels, ``(1, -1)`` for a one-dimensional signal. None is a
        square grey image (28 x 28 for 784 features); a number of features
        that is not a square is then a ``ValueError`` at fit. The shape used
        is ``image_shape_``.

    channels : int or array-like of int, default=(16, 32)
        Output channels of the encoder's convolutions, one per layer; each
        layer halves the image's height and width (rounding up). The decoder
        mirrors them with transposed convolutions. The default suits images
        from 8 x 8 (digits) to 32 x 32 x 3.

    kernel_size : int, default=3
        Side of every convolution's square kernel; odd, so that each layer
        is centred on the pixels it summarises.

    hidden_layer_sizes : int or array-like of int, default=()
        Widths of dense layers between the last convolution and the code,
        as in :class:`AutoencoderTransformer`; the decoder mirrors them.
        By default none: a linear layer maps the last convolution's output
        to the code. A dense layer before a small code can reconstruct
        better, for a longer fit (Benchmarks page, "Convolutional
        autoencoders").

    activation : {'relu', 'tanh', 'sigmoid', 'gelu'}, default='relu'
        Activation after every convolution but the decoder's last and after
        every dense layer but the code's. The code is linear.

"""

DROPOUT_DOC = """\
    dropout : float, default=0.0
        Dropout probability after every hidden activation, during training
        only.
"""

CONV_ATTRIBUTES_DOC = """\
    image_shape_ : tuple of int
        The ``(height, width, channels)`` of the images (`image_shape`,
        resolved).
"""


def resolve_image_shape(image_shape, n_features):
    """Return ``(height, width, channels)`` for rows of `n_features`, or raise.

    See the `image_shape` parameter of :class:`ConvolutionalAutoencoder`.
    """
    if image_shape is None:
        side = math.isqrt(n_features)
        if side * side != n_features:
            raise ValueError(
                f"image_shape=None takes rows to be square grey images, but "
                f"{n_features} features is not a square number. Pass "
                "image_shape=(height, width) or (height, width, channels)."
            )
        return (side, side, 1)
    shape = tuple(np.atleast_1d(image_shape).tolist())
    valid = (
        len(shape) in (2, 3)
        and all(
            isinstance(size, Integral) and (size > 0 or size == -1) for size in shape
        )
        and shape.count(-1) <= 1
    )
    if not valid:
        raise ValueError(
            "image_shape must be (height, width) or (height, width, channels): "
            f"positive integers, one of which may be -1; got {image_shape!r}."
        )
    shape = (*shape, 1)[:3]
    known = -math.prod(shape) if -1 in shape else math.prod(shape)
    if -1 in shape and n_features % known == 0:
        shape = tuple(n_features // known if size == -1 else size for size in shape)
    if math.prod(shape) != n_features:
        raise ValueError(
            f"image_shape={image_shape!r} does not fit rows of {n_features} "
            "features: height x width x channels must be the number of features."
        )
    return shape


CONV_CONSTRAINTS = {
    "image_shape": [None, "array-like"],
    "channels": ["array-like", Interval(Integral, 1, None, closed="left")],
    "kernel_size": [Interval(Integral, 1, None, closed="left")],
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "activation": [StrOptions(set(ACTIVATIONS))],
}


class _ConvolutionalKind:
    """What every convolutional kind adds to its estimator: the image's shape.

    Checks `channels` and `kernel_size` for the graph, resolves
    `image_shape` from the data at fit, and gives ``image_shape_``.
    """

    def _module_params(self):
        params = super()._module_params()
        if self.kernel_size % 2 == 0:
            raise ValueError(
                f"kernel_size must be odd, got {self.kernel_size}: an even "
                "kernel has no centre pixel."
            )
        params["channels"] = check_layer_sizes(
            self.channels, "channels", allow_empty=False
        )
        return params

    def _resolve_output(self, module_params, X, value_range, continuing):
        super()._resolve_output(module_params, X, value_range, continuing)
        module_params["image_shape"] = resolve_image_shape(
            self.image_shape, module_params["n_features"]
        )

    @property
    def image_shape_(self):
        check_is_fitted(self)
        return self.net_.module_.image_shape


@fill_doc
class ConvolutionalAutoencoder(_ConvolutionalKind, _BaseTransformer):
    """Convolutional autoencoder of images given as rows, as a transformer.

    Each row is an image (its ``height x width x channels`` values, as
    scikit-learn keeps images: ``load_digits().data``), and rows come back
    from :meth:`inverse_transform`. The encoder is a stack of stride-2
    convolutions, which see neighbouring pixels together, and a linear layer
    to a code of ``n_components`` values (:meth:`transform`); the decoder
    mirrors it with transposed convolutions. Both are trained together to
    reconstruct the input, with PyTorch through a skorch net, with the
    training parameters and schedule of :class:`AutoencoderTransformer`.

    Parameters
    ----------
    {parameters}

    whiten : bool, default=False
        Return whitened codes from :meth:`transform`, as
        :class:`AutoencoderTransformer` does.

    Attributes
    ----------
    {fitted_attributes}

    code_mean_ : ndarray of shape (n_components,)
        Mean of the training codes. Only with `whiten`.

    whitening_ : ndarray of shape (n_components, n_components)
        The symmetric (ZCA) whitening matrix. Only with `whiten`.

    See Also
    --------
    AutoencoderTransformer : The fully connected autoencoder.
    ConvolutionalOutlierDetector : The same autoencoder as an outlier detector.
    sklearn.decomposition.PCA : Linear dimensionality reduction.

    Notes
    -----
    Training runs in float32; inference runs in the input's float dtype
    (float32 or float64) and returns that dtype, as in
    :class:`AutoencoderTransformer`. Batches are passed to the convolutions
    in torch's ``channels_last`` layout, which is the rows' own memory.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import ConvolutionalAutoencoder
    >>> X, _ = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> autoencoder = ConvolutionalAutoencoder(
    ...     n_components=8, max_iter=2, random_state=0
    ... ).fit(X)
    >>> autoencoder.image_shape_
    (8, 8, 1)
    >>> autoencoder.inverse_transform(autoencoder.transform(X)).shape
    (1797, 64)
    """

    # The convolutional kind: the graph's arguments and the reconstruction loss.
    _module_class = ConvAutoencoderModule
    _kind_parameters = {
        "image_shape": None,
        "channels": (16, 32),
        "kernel_size": 3,
        "hidden_layer_sizes": (),
        "activation": "relu",
        "dropout": 0.0,
        **LOSS_PARAMETERS,
    }
    _kind_constraints = {
        **CONV_CONSTRAINTS,
        "dropout": [Interval(Real, 0, 1, closed="left")],
        **LOSS_CONSTRAINTS,
    }
    _kind_doc = CONV_DOC + "\n" + DROPOUT_DOC + "\n" + LOSS_DOC
    _kind_attributes_doc = CONV_ATTRIBUTES_DOC + "\n" + LOSS_ATTRIBUTES_DOC
