"""VariationalAutoencoder: a generative autoencoder as a scikit-learn transformer."""

import math
from numbers import Integral

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted, check_scalar

from ._base import fill_doc
from ._module import ACTIVATIONS
from ._net import GraphLikelihood
from ._parameters import Interval, StrOptions
from ._torch import autocast_disabled, torch_generator
from ._transformer import _BaseTransformer
from ._variational_module import LIKELIHOODS, VariationalModule

# The Gaussian likelihoods work on the data in units of the square root of
# its mean feature variance, and the decoder starts from each feature's mean
# and variance, all measured on at most this many rows.
_SCALE_ROWS = 10_000
# Rows tested at a time for binary values, so that large data is never copied.
_BINARY_CHUNK = 2**16

VARIATIONAL_DOC = """\
    hidden_layer_sizes : int or array-like of int, default=(256,)
        Widths of the encoder's hidden layers between the input and the code
        (an int is one layer, as in ``MLPRegressor``). The decoder mirrors
        them. The default is the hidden layer of the Keras blog's variational
        autoencoder; ``()`` makes the encoder and decoder linear, which with
        ``likelihood='isotropic_gaussian'`` is probabilistic PCA's model.

    activation : {'relu', 'tanh', 'sigmoid', 'gelu'}, default='relu'
        Activation of the hidden layers. The code and the decoder's output
        are linear.
"""

LIKELIHOOD_DOC = """\
    likelihood : {'auto', 'bernoulli', 'continuous_bernoulli', 'gaussian', \
'isotropic_gaussian'}, default='auto'
        Distribution of a row given its code. ``'bernoulli'``: each feature
        is 0 or 1. ``'gaussian'``: each feature is normal around the
        decoding, with a noise variance learned per feature, as in
        :class:`~sklearn.decomposition.FactorAnalysis`;
        ``'isotropic_gaussian'``: one noise variance shared by all features,
        as in probabilistic PCA. The noise variance never falls below a
        millionth of the training data's mean feature variance, so that a
        constant feature cannot make the likelihood infinite, and the
        network works on the data in those units, whatever its scale.
        ``'continuous_bernoulli'`` (Loaiza-Ganem & Cunningham, 2019) is a
        density on [0, 1]: the Bernoulli likelihood normalised for values
        between 0 and 1. The Bernoulli likelihood accepts any values in
        [0, 1] (grey images are often trained so), but it is then not a
        density: :meth:`score_samples` is minus a cross-entropy, not
        comparable with another model's log-likelihood. ``'auto'`` is
        ``'bernoulli'`` when every training value is 0 or 1,
        ``'continuous_bernoulli'`` when the values lie in [0, 1] otherwise
        (the density that the deterministic autoencoders' cross-entropy
        loss is on such data, once normalised; it gave higher held-out
        likelihoods than the Gaussian on the Benchmarks page), and
        ``'gaussian'`` on other data. The likelihood used is
        ``likelihood_``.

    n_importance_samples : int, default=100
        Codes drawn from each row's posterior to estimate its log-likelihood
        in :meth:`score_samples` (the importance-weighted bound of Burda et
        al., 2016): more give a tighter estimate, at that many decodings per
        row. 1 gives the evidence lower bound.
"""

VARIATIONAL_ATTRIBUTES_DOC = """\
    likelihood_ : str
        The likelihood that was used (`likelihood`, resolved).

    noise_variance_ : ndarray of shape (n_features,) or float
        The learned noise variance of the Gaussian likelihoods: one per
        feature with ``'gaussian'``, one float with ``'isotropic_gaussian'``.
        Only with those.
"""


@fill_doc
class VariationalAutoencoder(_BaseTransformer):
    """Variational autoencoder: a generative model as a scikit-learn transformer.

    The encoder maps each row to a Gaussian posterior over codes of
    ``n_components`` values, under a standard normal prior; the decoder
    maps a code to the likelihood of a row. Both are trained together by
    maximising the evidence lower bound (Kingma & Welling, 2014), with
    PyTorch through a skorch net. :meth:`transform` returns the posterior
    mean, :meth:`inverse_transform` the likelihood's mean given a code,
    :meth:`sample` draws new rows, and :meth:`score_samples` estimates each
    row's log-likelihood, so that :meth:`score` compares models as
    :meth:`sklearn.decomposition.PCA.score` and
    :meth:`sklearn.decomposition.FactorAnalysis.score` do (and
    :class:`~sklearn.model_selection.GridSearchCV` with no ``scoring``
    chooses ``n_components`` by held-out likelihood).

    Parameters
    ----------
    {parameters}

    whiten : bool, default=False
        Return whitened codes from :meth:`transform`, as
        :class:`AutoencoderTransformer` does; :meth:`inverse_transform` and
        nothing else undoes it.

    Attributes
    ----------
    {fitted_attributes}

    See Also
    --------
    AutoencoderTransformer : The deterministic autoencoder.
    VariationalOutlierDetector : Outlier detection by this model's likelihood.
    sklearn.decomposition.PCA : Probabilistic PCA, the linear Gaussian model.
    sklearn.decomposition.FactorAnalysis : Linear Gaussian model with a
        noise variance per feature.

    Notes
    -----
    The training loss (``loss_curve_``) is the negative evidence lower
    bound per feature, in nats. :meth:`score_samples` and :meth:`sample`
    draw random numbers: from `random_state` for the scores, so that an int
    gives the same scores at every call, and from their own argument for the
    samples. The scores draw the same codes' noise for every row, so that a
    row's score does not depend on the other rows.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import VariationalAutoencoder
    >>> X, _ = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> vae = VariationalAutoencoder(n_components=8, max_iter=2, random_state=0)
    >>> codes = vae.fit_transform(X)
    >>> codes.shape
    (1797, 8)
    >>> vae.likelihood_
    'continuous_bernoulli'
    >>> vae.sample(5, random_state=0).shape
    (5, 64)
    >>> vae.score_samples(X[:3]).shape
    (3,)
    """

    _module_class = VariationalModule
    _kind_parameters = {
        "hidden_layer_sizes": (256,),
        "activation": "relu",
        "likelihood": "auto",
        "n_importance_samples": 100,
    }
    _kind_constraints = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "likelihood": [StrOptions({"auto", *LIKELIHOODS})],
        "n_importance_samples": [Interval(Integral, 1, None, closed="left")],
    }
    _kind_doc = VARIATIONAL_DOC + "\n" + LIKELIHOOD_DOC
    _kind_attributes_doc = VARIATIONAL_ATTRIBUTES_DOC

    def _resolve_output(self, module_params, X, value_range, continuing):
        if continuing:
            fitted = self.net_.module_
            likelihood = self.likelihood
            if likelihood == "auto":
                likelihood = module_params["likelihood"] = fitted.likelihood
            self._check_range(likelihood, value_range)
            module_params["location"] = fitted.location
            module_params["scale"] = fitted.scale
        else:
            likelihood = self._check_likelihood(X, value_range)
            module_params["likelihood"] = likelihood
            if likelihood in ("gaussian", "isotropic_gaussian"):
                module_params["location"], module_params["scale"] = _units(X)
        self.likelihood_ = module_params["likelihood"]

    def _initialize_module(self, module, X):
        rows = np.asarray(X[:_SCALE_ROWS], dtype=np.float64)
        module.initialize_output(rows.mean(axis=0), rows.var(axis=0))

    def _check_likelihood(self, X, value_range):
        if self.likelihood != "auto":
            self._check_range(self.likelihood, value_range)
            return self.likelihood
        if not _in_unit_range(value_range):
            return "gaussian"
        return "bernoulli" if _is_binary(X) else "continuous_bernoulli"

    def _check_range(self, likelihood, value_range):
        if likelihood in ("bernoulli", "continuous_bernoulli") and not (
            _in_unit_range(value_range)
        ):
            low, high = value_range
            raise ValueError(
                f"likelihood={likelihood!r} needs training values in [0, 1], "
                f"but X ranges over [{low:.9g}, {high:.9g}]. Scale X first, e.g. "
                "with sklearn.preprocessing.MinMaxScaler, or use "
                "likelihood='gaussian'."
            )

    def _criterion(self):
        return GraphLikelihood

    def _sigmoid_output(self):
        # The graph turns its output into the likelihood's mean itself.
        return False

    @property
    def noise_variance_(self):
        check_is_fitted(self)
        module = self.net_.module_
        if not hasattr(module, "log_noise_variance"):
            raise AttributeError(
                f"noise_variance_ exists only with a Gaussian likelihood; this "
                f"model's is likelihood_={self.likelihood_!r}."
            )
        variance = module.noise_variance().detach().cpu().double().numpy()
        return float(variance[0]) if len(variance) == 1 else variance

    def score_samples(self, X):
        """Estimate the log-likelihood of each sample under the model.

        Importance sampling with `n_importance_samples` codes drawn from each
        sample's posterior (Burda et al., 2016): a lower bound of the
        log-likelihood, tighter with more samples, in nats. With a Bernoulli
        likelihood on values that are not all 0 or 1 it is not a
        log-density (see `likelihood`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
            Log-likelihood of each sample, in the float dtype of `X`.
        """
        return self._score_rows(self._validate_rows(X))

    def _score_rows(self, X):
        n_samples = self.n_importance_samples
        # The same draws for every row (common random numbers): a row's score
        # depends on that row alone, whatever the others, their order or the
        # chunks inference splits them into.
        noise = torch.randn(
            (n_samples, self._n_features_out),
            generator=torch_generator(self.random_state),
            dtype=torch.float64,
        )

        def log_likelihood(module, x, out):
            module.log_likelihood_into(x, out, noise=noise)

        return self._infer(log_likelihood, X, None, repeats=n_samples)

    def score(self, X, y=None):
        """Mean log-likelihood of the samples: the mean of :meth:`score_samples`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        score : float
            Mean log-likelihood of the samples, in nats.
        """
        return float(np.mean(self.score_samples(X)))

    def sample(self, n_samples=1, random_state=None):
        """Draw rows from the model: a code from the prior, a row from its likelihood.

        For the likelihood's mean instead of a draw from it (smooth images,
        say), decode codes from the prior with :meth:`inverse_transform`.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows to draw.

        random_state : int, RandomState instance or None, default=None
            Determines the codes and the draws. Pass an int for reproducible
            results across multiple function calls. See scikit-learn's
            `Glossary <https://scikit-learn.org/stable/glossary.html#term-random_state>`__.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            The rows, in float64.
        """
        check_is_fitted(self)
        check_scalar(n_samples, "n_samples", Integral, min_val=1)
        generator = torch_generator(random_state)
        module = self._inference.module(np.float64)
        device = torch.device(self.net_.device)
        with torch.inference_mode(), autocast_disabled():
            code = torch.randn(
                (n_samples, self._n_features_out),
                generator=generator,
                dtype=torch.float64,
            )
            output = module.decoder(code.to(device))
            return module.draw(output, generator).cpu().numpy()


def _in_unit_range(value_range):
    """Return whether values in `value_range` lie in [0, 1] in float32.

    In float32, in which training runs, as the deterministic loss judges it.
    """
    low, high = value_range
    return np.float32(low) >= 0 and np.float32(high) <= 1


def _is_binary(X):
    """Return whether every value of `X` is 0 or 1."""
    return all(
        np.logical_or(chunk == 0, chunk == 1).all()
        for chunk in (
            X[start : start + _BINARY_CHUNK]
            for start in range(0, len(X), _BINARY_CHUNK)
        )
    )


def _units(X):
    """Return the mean of `X` and the square root of its mean feature variance.

    The Gaussian likelihoods model `X` in these units, so that training starts
    at the data's scale. Where no feature varies (one row, say) the scale is
    the spread of all the values, and 1 for a constant `X`.
    """
    rows = np.asarray(X[:_SCALE_ROWS], dtype=np.float64)
    variance = float(rows.var(axis=0).mean())
    if not variance > 0:
        variance = float(rows.var())
    scale = math.sqrt(variance) if variance > 0 else 1.0
    return float(rows.mean()), scale
