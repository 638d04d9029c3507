"""AutoencoderImputer: missing values filled by a network trained on the holes."""

import math
from numbers import Real

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.impute import MissingIndicator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import _BaseAutoencoder, _restored_on_error, fill_doc
from ._gaussian import GaussianWithHoles, _expectation
from ._imputer_module import ImputerModule
from ._net import InitialValidationLoss
from ._parameters import Interval, StrOptions, _check_feature_names_in, _fit_context
from ._transformer import DENSE_CONSTRAINTS, DENSE_DOC, DENSE_PARAMETERS

# The Gaussian base needs one n_features-wide solve per row with a hole; on
# wider data (images) the holes start from the features' means.
_GAUSSIAN_MAX_FEATURES = 256

# The fraction of observed entries that ``noise='auto'`` hides in each batch.
_AUTO_HIDDEN = 0.2

# The Gaussian's fit on standardized features: the ridge keeps nearly
# constant features from making its conditional means explode on new rows,
# and EM stops once the fit barely moves (Benchmarks page, "Missing values").
_GAUSSIAN = {"ridge": 0.01, "tol": 1e-3, "max_iter": 50}

IMPUTER_PARAMETERS_DOC = """\
    missing_values : float, default=np.nan
        The placeholder for the missing values: every occurrence of it is
        imputed. With a number other than NaN, `X` may not hold NaN.

    add_indicator : bool, default=False
        Append :class:`~sklearn.impute.MissingIndicator`'s columns (one per
        feature with a missing value at fit) to the output, so that a model
        downstream can learn from where values were missing.

    keep_empty_features : bool, default=False
        Keep the features that have no observed value at fit, imputed by 0,
        as :class:`~sklearn.impute.SimpleImputer` does; by default they are
        left out of the output.

    sample_posterior : bool, default=False
        Draw each imputation from the model's predictive distribution
        instead of returning its mean: the Gaussian's conditional variance
        of each hole given the row's observed entries, shrunk by the
        network's gain on held-out entries. Several ``random_state`` give
        several imputations whose spread says how uncertain each one is
        (multiple imputation), as with
        :class:`~sklearn.impute.IterativeImputer`.

    base : {'auto', 'gaussian', 'mean'}, default='auto'
        Where each hole starts before the network's correction: its mean
        given the row's observed entries under a Gaussian fitted by
        expectation-maximization with the holes (``'gaussian'``, one solve of
        ``n_features`` unknowns per row with holes), or the feature's mean.
        ``'auto'`` is ``'gaussian'`` on up to 256 features. The value used is
        ``base_``.

    noise : float or 'auto', default='auto'
        Fraction of the observed entries hidden in each training batch
        (masking noise, the only kind here): the network learns to fill
        them. ``'auto'`` is 0.2. The value used is ``noise_``.

    early_stopping : bool, default=True
        Hold out `validation_fraction` of the rows, hide `noise` of their
        observed entries (the same ones at every epoch), stop when their
        error has not improved for `n_iter_no_change` epochs and keep the
        best epoch's weights. If the trained network does not fill those
        entries better than its base, the network's correction is dropped
        (``network_used_`` is False). With False, no row is held out and the
        network trains for `max_iter` epochs.
"""

IMPUTER_ATTRIBUTES_DOC = """\
    base_ : {'gaussian', 'mean'}
        Where holes start (`base`, resolved).

    network_used_ : bool
        Whether the network's correction is used: with `early_stopping`,
        whether it filled the held-out hidden entries better than its base.

    base_loss_ : float or None
        The base's mean squared error on the held-out hidden entries, in
        standardized units, next to the network's ``best_loss_``; None
        without `early_stopping`.

    mean_ : ndarray of shape (`n_features_in_`,)
        Mean of each feature's observed values; NaN for a feature with none.

    scale_ : ndarray of shape (`n_features_in_`,)
        Standard deviation of each feature's observed values (1 where it is
        0 or undefined); the network works on standardized features.

    indicator_ : MissingIndicator
        The indicator of the added columns; only with `add_indicator`.
"""


@fill_doc
class AutoencoderImputer(TransformerMixin, _BaseAutoencoder):
    """Impute missing values with a network trained to fill hidden entries.

    Each missing value starts at its conditional mean given the row's
    observed values, under a Gaussian fitted to the data with its holes by
    expectation-maximization (the linear model of imputation, and on small
    tables the strongest one, see the Benchmarks page, "Missing values");
    a network fed the row and where its holes are then learns a correction,
    trained with the missing values left out of its loss and with a
    fraction of the observed values hidden (masking noise), which it learns
    to fill. Rows are held out to stop training and to keep the correction
    only if it fills their hidden values better than the Gaussian alone.

    It follows :mod:`sklearn.impute`'s conventions: `missing_values`,
    `add_indicator`, `keep_empty_features`, :meth:`transform` of new rows,
    ``get_feature_names_out``, ``set_output`` and multiple imputation with
    `sample_posterior`. Features may be on any scale: the model works on
    features standardized over their observed values.

    Parameters
    ----------
    {parameters}

    {role_parameters}

    Attributes
    ----------
    {role_attributes}

    {fitted_attributes}

    See Also
    --------
    sklearn.impute.IterativeImputer : Each feature regressed on the others, in turn.
    sklearn.impute.KNNImputer : Missing values from the nearest neighbours.
    sklearn.impute.SimpleImputer : A constant per feature (its mean, say).

    Notes
    -----
    Missing entries count for nothing in the training loss; each row's loss
    is the mean squared error over the observed entries that masking noise
    hid. Observed values are returned as given, never reconstructed.

    Examples
    --------
    >>> import numpy as np
    >>> from skae import AutoencoderImputer
    >>> X = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 6.0], [np.nan, 8.0]])
    >>> imputer = AutoencoderImputer(max_iter=5, random_state=0).fit(X)
    >>> imputer.transform(X).round()
    array([[1., 2.],
           [2., 4.],
           [3., 6.],
           [4., 8.]])
    """

    # The kind: the dense network of the transformer, around the imputer's graph.
    _module_class = ImputerModule
    _kind_parameters = DENSE_PARAMETERS
    _kind_constraints = DENSE_CONSTRAINTS
    _kind_doc = DENSE_DOC

    _role_doc = IMPUTER_PARAMETERS_DOC
    _role_attributes_doc = IMPUTER_ATTRIBUTES_DOC
    _role_parameters = {
        "missing_values": np.nan,
        "add_indicator": False,
        "keep_empty_features": False,
        "sample_posterior": False,
        "base": "auto",
        "noise": "auto",
        "early_stopping": True,
    }
    # It learns from the entries it hides: no other noise.
    _fixed_parameters = {"noise_type": "masking"}
    _role_constraints = {
        "missing_values": [Real],
        "add_indicator": ["boolean"],
        "keep_empty_features": ["boolean"],
        "sample_posterior": ["boolean"],
        "base": [StrOptions({"auto", "gaussian", "mean"})],
        "noise": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the Gaussian and train the network on the observed values of `X`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with missing values (`missing_values`). Dense only.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        with _restored_on_error(self):
            continuing = self.warm_start and hasattr(self, "net_")
            X = self._validate_holes(X, reset=not continuing)
            if not continuing:
                self._fit_scaling(X)
            self._fit(self._standardize(X), validated=True)
            self._choose_network()
            self.__dict__.pop("indicator_", None)
            if self.add_indicator:
                self.indicator_ = MissingIndicator(error_on_new=False).fit(X)
        return self

    def transform(self, X):
        """Impute the missing values of `X`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with missing values.

        Returns
        -------
        X_imputed : ndarray of shape (n_samples, n_features_out)
            `X` with its missing values imputed, in its float dtype; without
            the features empty at fit unless `keep_empty_features`, and with
            the indicator's columns after them with `add_indicator`.
        """
        check_is_fitted(self)
        X = self._validate_holes(X, reset=False)
        kept = self._kept
        values = X[:, kept]
        holes = np.isnan(values)
        imputed = values
        if holes.any():
            standardized = self._standardize(X)
            filled = self._infer(_fill, standardized, len(kept))
            if self.sample_posterior:
                filled += self._draw(standardized, holes).astype(filled.dtype)
            imputed = np.where(holes, filled * self._scale + self._mean, values)
        imputed = imputed.astype(X.dtype, copy=False)
        if self.keep_empty_features:
            out = np.zeros_like(X)
            out[:, kept] = imputed
            imputed = out
        if hasattr(self, "indicator_"):
            indicator = self.indicator_.transform(X).astype(X.dtype)
            imputed = np.hstack([imputed, indicator])
        return imputed

    def get_feature_names_out(self, input_features=None):
        """Get the names of the output features.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; by default ``feature_names_in_``, or
            ``x0`` ... ``x(n_features_in_ - 1)``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The imputed features' names, then the indicator's.
        """
        check_is_fitted(self)
        input_features = _check_feature_names_in(self, input_features)
        names = (
            input_features if self.keep_empty_features else input_features[self._kept]
        )
        if hasattr(self, "indicator_"):
            names = np.concatenate(
                [names, self.indicator_.get_feature_names_out(input_features)]
            )
        return np.asarray(names, dtype=object)

    @property
    def score_samples(self):
        # The base's reconstruction score means nothing for rows with holes.
        raise AttributeError(f"{type(self).__name__} has no score_samples.")

    # --- data -----------------------------------------------------------------

    def _validate_holes(self, X, reset):
        """Return `X` as a float array with NaN at the missing values."""
        nan_marks = _is_nan(self.missing_values)
        X = validate_data(
            self,
            X,
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan" if nan_marks else True,
            copy=not nan_marks,
            reset=reset,
        )
        if not nan_marks:
            X[X == self.missing_values] = np.nan
        return X

    def _fit_scaling(self, X):
        """Find the features observed at fit, and their means and spreads."""
        observed = ~np.isnan(X)
        self._kept = np.flatnonzero(observed.any(axis=0))
        if len(self._kept) == 0:
            raise ValueError(
                f"Every value of X is missing ({X.shape[0]} sample(s), "
                f"{X.shape[1]} feature(s)): there is nothing to learn from."
            )
        values = X[:, self._kept].astype(np.float64)
        counts = observed[:, self._kept].sum(axis=0)
        mean = np.nansum(values, axis=0) / counts
        spread = np.sqrt(np.nansum((values - mean) ** 2, axis=0) / counts)
        self.mean_ = np.full(X.shape[1], np.nan)
        self.scale_ = np.ones(X.shape[1])
        self.mean_[self._kept] = mean
        # A spread at rounding level is a constant feature (as StandardScaler
        # decides): dividing by it would blow new rows' values up.
        constant = spread <= 10 * np.finfo(np.float64).eps * np.maximum(1, np.abs(mean))
        self.scale_[self._kept] = np.where(constant, 1.0, spread)

    @property
    def _mean(self):
        return self.mean_[self._kept]

    @property
    def _scale(self):
        return self.scale_[self._kept]

    def _standardize(self, X):
        """Return the kept features of `X`, standardized, in `X`'s float dtype."""
        values = (X[:, self._kept] - self._mean) / self._scale
        return np.ascontiguousarray(values, dtype=X.dtype)

    def _draw(self, standardized, holes):
        """Draw each hole's deviation from its imputed mean, in standardized units."""
        if self.base_ == "gaussian":
            variance = _expectation(
                standardized.astype(np.float64),
                self._location,
                self._covariance,
                spread="entries",
            )[1]
        else:
            variance = np.ones(holes.shape)
        variance *= self._variance_scale
        noise = self._generator(1).standard_normal(holes.shape)
        return holes * np.sqrt(variance) * noise

    def _generator(self, stream):
        """Return the NumPy generator of `stream` (0: bootstrap, 1: draws)."""
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        return np.random.default_rng([seed, stream])

    # --- hooks of the fit -------------------------------------------------------

    def _module_params(self):
        params = super()._module_params()
        params["gaussian"] = self._resolve_base(len(self._kept)) == "gaussian"
        return params

    def _resolve_base(self, n_features):
        if self.base != "auto":
            return self.base
        return "gaussian" if n_features <= _GAUSSIAN_MAX_FEATURES else "mean"

    def _resolve_noise(self, module_params, n_features):
        return _AUTO_HIDDEN if self.noise == "auto" else self.noise

    def _resolve_output(self, module_params, X, value_range, continuing):
        # The squared error on standardized features; no other loss.
        self.base_ = "gaussian" if module_params["gaussian"] else "mean"

    def _initialize_module(self, module, X):
        """Fit the Gaussian base to the training rows and hand it to the graph."""
        n_features = X.shape[1]
        if module.gaussian:
            rows = slice(None)
            if self.sample_posterior:
                # Each imputation's Gaussian is fitted to a bootstrap sample of
                # the rows, so that the draws carry the fit's uncertainty
                # (Honaker, King & Blackwell's Amelia II).
                rows = self._generator(0).integers(0, len(X), len(X))
            gaussian = GaussianWithHoles(**_GAUSSIAN).fit(X[rows])
            self._location, self._covariance = gaussian.location_, gaussian.covariance_
        else:
            self._location, self._covariance = np.zeros(n_features), None
        precision = (
            np.eye(n_features)
            if self._covariance is None
            else np.linalg.inv(self._covariance)
        )
        module.set_base(self._location, precision)

    def _criterion(self):
        return torch.nn.MSELoss

    def _sigmoid_output(self):
        return False

    def _loss_options(self):
        return {"masked": True}

    def _iterator_options(self, generator):
        # The held-out rows hide the same entries at every epoch.
        seed = int(torch.randint(2**31 - 1, (1,), generator=generator))
        return {
            "iterator_train__holes": True,
            "iterator_valid__noise": self.noise_,
            "iterator_valid__noise_type": "masking",
            "iterator_valid__holes": True,
            "iterator_valid__seed": seed,
        }

    def _callbacks(self, incremental):
        callbacks = super()._callbacks(incremental)
        if self.early_stopping and not incremental:
            callbacks.append(("initial_validation", InitialValidationLoss()))
        return callbacks

    def _choose_network(self):
        """Keep the network's correction only where held-out rows show it helps."""
        initial = dict(self.net_.callbacks_).get("initial_validation")
        self.base_loss_ = None if initial is None else initial.loss_
        self.network_used_ = (
            self.base_loss_ is None or self.best_loss_ < self.base_loss_
        )
        self._variance_scale = 1.0
        if not self.network_used_:
            last = self.net_.module_.decoder[-1]
            with torch.no_grad():
                last.weight.zero_()
                last.bias.zero_()
            self._prepare_inference()
        elif self.base_loss_:
            self._variance_scale = min(1.0, self.best_loss_ / self.base_loss_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _fill(module, x, out):
    """Write the rows of `x` with their holes filled into `out`."""
    out.copy_(module(x)[0])


def _is_nan(value):
    return isinstance(value, Real) and math.isnan(value)
