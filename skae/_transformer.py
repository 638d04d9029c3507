"""AutoencoderTransformer: the autoencoder as a scikit-learn transformer."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted

from ._base import (
    LOSS_ATTRIBUTES_DOC,
    LOSS_CONSTRAINTS,
    LOSS_DOC,
    LOSS_PARAMETERS,
    _BaseAutoencoder,
    fill_doc,
)
from ._module import ACTIVATIONS, AutoencoderModule
from ._parameters import Interval, StrOptions, _fit_context
from ._whiten import fit_whitening

# Rows converted to float32 at a time to encode integer training data (a uint8
# memmap) for whitening, so that it is never copied whole.
_WHITENING_CHUNK = 2**16

DENSE_DOC = """\
    hidden_layer_sizes : int or array-like of int, default=()
        Widths of the encoder's hidden layers between the input and the code
        (an int is one layer, as in ``MLPRegressor``). The decoder mirrors
        them. The default has none, as in the classic Keras MNIST
        autoencoder.

    activation : {'relu', 'tanh', 'sigmoid', 'gelu'}, default='relu'
        Activation of the hidden layers and of the code.

    dropout : float, default=0.0
        Dropout probability between hidden layers, during training only.
"""

# The dense network's parameters, shared by the kinds built on it.
DENSE_PARAMETERS = {"hidden_layer_sizes": (), "activation": "relu", "dropout": 0.0}
DENSE_CONSTRAINTS = {
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "activation": [StrOptions(set(ACTIVATIONS))],
    "dropout": [Interval(Real, 0, 1, closed="left")],
}


class _BaseTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, _BaseAutoencoder
):
    """The transformer's role over any kind: codes, decoding, whitening.

    A kind's transformer subclasses it and declares its kind (see
    :class:`~skae._base._BaseAutoencoder`).
    """

    _role_parameters = {"whiten": False}
    _role_constraints = {"whiten": ["boolean"]}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the autoencoder to reconstruct `X`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. Dense only.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self._fit_whitening(self._fit(X))
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one pass over `X`, continuing from the current weights.

        The first call builds the network and fixes ``n_features_in_``; later
        calls continue training, so that data too large for memory can be
        streamed in chunks (e.g. slices of an ``np.memmap``). No data is held
        out for early stopping.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self._fit_whitening(self._fit(X, incremental=True))
        return self

    def _fit_whitening(self, X):
        """Fit the whitening of `whiten` to the codes of `X`, the rows trained on."""
        for name in ("code_mean_", "whitening_", "_coloring"):
            self.__dict__.pop(name, None)
        if not self.whiten:
            return
        n_components = self._n_features_out
        if X.dtype in (np.float32, np.float64):
            codes = self._infer("encode", X, n_components)
        else:
            codes = np.concatenate(
                [
                    self._infer(
                        "encode",
                        X[start : start + _WHITENING_CHUNK].astype(np.float32),
                        n_components,
                    )
                    for start in range(0, len(X), _WHITENING_CHUNK)
                ]
            )
        self.code_mean_, self.whitening_, self._coloring = fit_whitening(codes)

    def transform(self, X):
        """Encode `X`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            Codes, in the float dtype of `X`; whitened with `whiten`.
        """
        X = self._validate_rows(X)
        codes = self._infer("encode", X, self._n_features_out)
        # The fitted whitening, whatever set_params has done to `whiten` since.
        if not hasattr(self, "whitening_"):
            return codes
        dtype = codes.dtype
        return (codes - self.code_mean_.astype(dtype)) @ self.whitening_.astype(dtype)

    def inverse_transform(self, X):
        """Decode codes back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, as returned by :meth:`transform` (whitened with `whiten`).

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            Reconstructions, in the float dtype of `X`.
        """
        check_is_fitted(self)
        X = check_array(X, dtype=[np.float32, np.float64], input_name="X")
        n_components = self._n_features_out
        if X.shape[1] != n_components:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__}."
                f"inverse_transform is expecting {n_components} features "
                "(n_components)."
            )
        if hasattr(self, "whitening_"):  # the codes whitened by transform
            X = X @ self._coloring.astype(X.dtype) + self.code_mean_.astype(X.dtype)
        # A bound from the codes' magnitude rules overflow out without reading
        # the output again (a scan took a third of the decoding's time); max
        # and min make no temporary |X| (Benchmarks page, "Speed and memory").
        code_bound = max(X.max(), -X.min())
        return self._infer("decode", X, self.n_features_in_, code_bound=code_bound)

    def score(self, X, y=None):
        """Minus the mean reconstruction error: the mean of :meth:`score_samples`.

        Higher is better, so that :class:`~sklearn.model_selection.GridSearchCV`
        can use it with no ``scoring``. With ``loss_ == 'bce'`` it is minus the
        mean binary cross-entropy plus the mean entropy of `X`, a term that
        does not depend on the model: on the same `X`, models rank as by their
        loss.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to reconstruct.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        score : float
            Minus the mean reconstruction error.
        """
        return float(np.mean(self.score_samples(X)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


@fill_doc
class AutoencoderTransformer(_BaseTransformer):
    """Fully connected autoencoder as a scikit-learn transformer.

    The encoder maps each sample to a code of ``n_components`` values
    (:meth:`transform`); the decoder maps codes back to the input space
    (:meth:`inverse_transform`). Both are trained together to reconstruct the
    input, with PyTorch through a skorch net.

    The network defaults to the classic Keras autoencoder of MNIST:
    ``n_features -> 32 (relu) -> n_features (sigmoid)``, Glorot-uniform
    initialisation, Adam, binary cross-entropy; on 60,000 samples it trains
    that example's schedule (batches of 256, 50 epochs), and on fewer samples
    long enough to converge (see `batch_size` and `max_iter`).

    Parameters
    ----------
    {parameters}

    whiten : bool, default=False
        Return whitened codes from :meth:`transform`: centred, decorrelated
        and of unit variance over the training data, as
        :class:`~sklearn.decomposition.PCA` offers; directions that vary less
        than a hundredth of the largest variance are scaled as that floor,
        not brought to unit variance. Autoencoder codes have no scale of their
        own, and a linear model with a loose tolerance or few iterations stops
        early on badly conditioned features; whitened codes suit it.
        Distance-based models (k nearest neighbours) can lose by it: it gives
        directions in which the codes barely vary the weight of the others
        (see the Benchmarks page, "Wide codes"). :meth:`inverse_transform`
        undoes it before decoding. The whitening is fitted on the codes of
        the data :meth:`fit` trains on; ``partial_fit`` fits it again on each
        chunk's codes.

    Attributes
    ----------
    {fitted_attributes}

    code_mean_ : ndarray of shape (n_components,)
        Mean of the training codes. Only with `whiten`.

    whitening_ : ndarray of shape (n_components, n_components)
        The symmetric (ZCA) whitening matrix: :meth:`transform` returns
        ``(codes - code_mean_) @ whitening_``. Only with `whiten`.

    See Also
    --------
    AutoencoderOutlierDetector : The same autoencoder as an outlier detector.
    sklearn.decomposition.PCA : Linear dimensionality reduction.
    sklearn.neural_network.MLPRegressor : Multi-layer perceptron regressor.

    Notes
    -----
    Training runs in float32 whatever the input dtype; inference runs in the
    input's float dtype (float32 or float64) and returns that dtype. Other
    dtypes (integers such as uint8 images, float16) are inferred in float32,
    the precision the network was trained in, where scikit-learn's
    :class:`~sklearn.decomposition.PCA` would return float64.

    :meth:`score` is minus the mean reconstruction error, so a search over
    ``n_components`` by score alone always prefers the largest code. To choose
    the code size for a task, search it inside a :class:`~sklearn.pipeline.Pipeline`
    that ends with a classifier or regressor.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import AutoencoderTransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> autoencoder = AutoencoderTransformer(n_components=8, max_iter=2, random_state=0)
    >>> codes = autoencoder.fit_transform(X)
    >>> codes.shape
    (1797, 8)
    >>> autoencoder.inverse_transform(codes).shape
    (1797, 64)
    >>> autoencoder.loss_
    'bce'
    """

    # The dense kind: the graph's arguments and the reconstruction loss.
    _module_class = AutoencoderModule
    _kind_parameters = {**DENSE_PARAMETERS, **LOSS_PARAMETERS}
    _kind_constraints = {**DENSE_CONSTRAINTS, **LOSS_CONSTRAINTS}
    _kind_doc = DENSE_DOC + "\n" + LOSS_DOC
    _kind_attributes_doc = LOSS_ATTRIBUTES_DOC
