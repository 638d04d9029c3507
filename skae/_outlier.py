"""AutoencoderOutlierDetector: reconstruction error as a scikit-learn outlier score."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import OutlierMixin, _fit_context, clone
from sklearn.covariance import LedoitWolf
from sklearn.model_selection import KFold, ShuffleSplit
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted

from ._base import _BaseAutoencoder, _check_finite, _restored_on_error, fill_doc
from ._transformer import AutoencoderTransformer

# What the detector fits beyond its autoencoder.
_OWN_ATTRIBUTES = (
    "offset_",
    "code_location_",
    "code_precision_",
    "code_scale_",
    "_code_weight",
)

DETECTOR_PARAMETERS_DOC = """\
    contamination : 'auto' or float, default='auto'
        Where ``offset_`` lies among the scores. A float in (0, 0.5] is the
        expected fraction of outliers: with `novelty` (the default),
        :meth:`predict` flags about that fraction of new samples drawn like
        the training data; without, it flags that fraction of the training
        data (:meth:`fit_predict`), as scikit-learn's detectors do.
        ``'auto'`` assumes no fraction and flags what is an outlier by Tukey's
        boxplot rule: a score more than 1.5 interquartile ranges below the
        first quartile of the scores the offset is set from, which flags
        0.35% of normally distributed scores and more of heavy-tailed ones.
        Reconstruction errors have no scale of their own, so unlike
        IsolationForest's fixed offset, the threshold comes from the errors
        the model makes.

    support_fraction : float in (0, 1], default=1.0
        Fraction of each training batch that the network learns from: the
        rows it reconstructs best (a trimmed loss, as in least trimmed
        squares; the name is :class:`~sklearn.covariance.EllipticEnvelope`'s).
        Below 1, after a first epoch on every row, the worst-reconstructed
        rows of each batch are left out of the loss, so that outliers in the
        training data, which the network would otherwise learn and then
        reconstruct well, do not train it. For training data that holds
        outliers: 0.8, a fifth left out, raised the ROC AUC with 5%
        contamination and cost a little on clean data, where the rows left
        out are hard normal ones (see the Benchmarks page). The default, 1,
        trains on every row, as :class:`AutoencoderTransformer` does.

    novelty : bool, default=True
        Set ``offset_`` from scores of training rows that the scoring network
        did not train on (see `calibration_cv`), so that :meth:`predict` holds
        on new data: the network reconstructs its own training rows better
        than new ones, and a threshold set on their scores flags far more new
        normal samples than `contamination` says. This is split-conformal
        calibration: on new samples exchangeable with the training data, the
        held-out networks flag about `contamination` of them, and the network
        kept, trained on every row, reconstructs new rows about as well,
        usually slightly better, so the rate stays near and mostly below
        `contamination` (see the Benchmarks page). It costs the extra fits of
        `calibration_cv`; the network kept, and so ``score_samples``, is the
        same as with ``novelty=False``. As with
        :class:`~sklearn.neighbors.LocalOutlierFactor`, :meth:`fit_predict` is
        then not available; ``novelty=False`` sets ``offset_`` from the
        training rows' own scores, for labelling the training data.

    calibration_cv : int or 'auto', default='auto'
        How the held-out scores of `novelty` are made: an int k >= 2 trains k
        networks on k-fold splits of the training data and scores each row
        with the network that did not see it (cross-fitting, k extra fits).
        ``'auto'`` uses 5 folds below 5,000 training rows and a single
        held-out fifth (one extra fit on four fifths) above, where it holds
        enough rows to place the threshold. Unused with ``novelty=False``.

    code_weight : float, default=0.0
        Weight, in :meth:`score_samples`, of how unusual a sample's code is
        next to its reconstruction error: a sample can be reconstructed well
        from a code unlike any training sample's. How unusual a code is is
        its squared Mahalanobis distance to a Gaussian fitted to the training
        codes (with Ledoit-Wolf shrinkage); ``code_scale_`` puts it in units
        of the reconstruction error (one standard deviation of the training
        distances weighs one standard deviation of the training errors), and
        the score is ``-(error + code_weight * code_scale_ * distance)``. 0
        (the default) scores the reconstruction error alone. On Fashion-MNIST
        0.3 raised the mean one-class ROC AUC by about 0.003, on MNIST it
        lowered it (see the benchmarks page). The weight set at :meth:`fit`
        is the one ``offset_`` is set with and the one scoring uses.
"""

DETECTOR_ATTRIBUTES_DOC = """\
    offset_ : float
        Offset used to define the decision function from the raw scores:
        ``decision_function = score_samples - offset_``.

    code_location_ : ndarray of shape (n_components,)
        Mean of the training codes.

    code_precision_ : ndarray of shape (n_components, n_components)
        Inverse of the shrunk covariance of the training codes.

    code_scale_ : float
        Standard deviation of the training reconstruction errors over that of
        the training codes' distances; 0 when the distances do not vary.
"""

# calibration_cv='auto': cross-fitting below this many training rows, where a
# single held-out fifth would leave too few scores to place a small quantile.
_CROSS_FIT_BELOW = 5000
_AUTO_FOLDS = 5
_AUTO_HELD_OUT = 0.2


@fill_doc
class AutoencoderOutlierDetector(OutlierMixin, _BaseAutoencoder):
    """Outlier and novelty detection by an autoencoder's reconstruction error.

    An autoencoder trained on normal data reconstructs normal samples well
    and unusual ones badly. :meth:`score_samples` is minus each sample's
    reconstruction error (higher is more normal), optionally plus how unusual
    its code is (`code_weight`), :meth:`decision_function`
    shifts it by ``offset_`` so that outliers are negative, and
    :meth:`predict` labels inliers 1 and outliers -1, like
    :class:`~sklearn.ensemble.IsolationForest` and
    :class:`~sklearn.neighbors.LocalOutlierFactor` with ``novelty=True``.

    It trains the same network as :class:`AutoencoderTransformer`, with the
    same parameters and defaults (and optionally a loss that leaves out the
    rows it reconstructs worst, `support_fraction`), and exposes it as
    ``autoencoder_``.

    Parameters
    ----------
    {parameters}

    {role_parameters}

    Attributes
    ----------
    {role_attributes}

    autoencoder_ : AutoencoderTransformer
        The fitted autoencoder, sharing this detector's network: its
        ``transform`` gives the codes, its ``inverse_transform`` the
        reconstructions.

    {fitted_attributes}

    See Also
    --------
    AutoencoderTransformer : The same autoencoder as a transformer.
    sklearn.ensemble.IsolationForest : Isolation Forest outlier detector.
    sklearn.neighbors.LocalOutlierFactor : Local Outlier Factor detector.

    Notes
    -----
    With ``loss_ == 'bce'`` (data in [0, 1]) the reconstruction error is the
    binary Kullback-Leibler divergence between each value and its
    reconstruction, averaged over features: the cross-entropy less the entropy
    of the sample itself, so that bright images are not scored as abnormal
    for their brightness. With ``'mse'`` it is the mean squared error.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import AutoencoderOutlierDetector
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> detector = AutoencoderOutlierDetector(
    ...     n_components=8, max_iter=5, contamination=0.05, random_state=0
    ... ).fit(X[y == 0])
    >>> detector.predict(X[:4]).shape
    (4,)
    >>> detector.autoencoder_.transform(X[:4]).shape
    (4, 8)
    """

    # The autoencoder that autoencoder_ is, whose kind the detector trains:
    # its graph, its parameters and its scores. A detector on another kind
    # names only that kind's transformer here.
    _autoencoder_class = AutoencoderTransformer

    _role_doc = DETECTOR_PARAMETERS_DOC
    _role_attributes_doc = DETECTOR_ATTRIBUTES_DOC
    _role_parameters = {
        "contamination": "auto",
        "support_fraction": 1.0,
        "code_weight": 0.0,
        "novelty": True,
        "calibration_cv": "auto",
    }
    _role_constraints = {
        "contamination": [
            StrOptions({"auto"}),
            Interval(Real, 0, 0.5, closed="right"),
        ],
        "support_fraction": [Interval(Real, 0, 1, closed="right")],
        "code_weight": [Interval(Real, 0, None, closed="left")],
        "novelty": ["boolean"],
        "calibration_cv": [
            Interval(Integral, 2, None, closed="left"),
            StrOptions({"auto"}),
        ],
    }

    @classmethod
    def _kind(cls):
        """Return the class that declares this detector's kind: its autoencoder's."""
        return cls._autoencoder_class

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the autoencoder on `X` and set ``offset_`` from scores of `X`.

        With `novelty`, the scores of held-out rows (see `calibration_cv`);
        otherwise the training rows' own scores.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, mostly normal. Dense only.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        # Scoring the training data can fail too (Ctrl-C on large data): the
        # detector is then left as it was, not with a new network and an old
        # offset_.
        with _restored_on_error(self):
            # _fit returns X validated, as an array (finite, the features
            # known): only its dtype is left to make float for inference.
            # validate_data would scan it again and warn that it lacks the
            # feature names of a DataFrame fitted on.
            X = check_array(
                self._fit(X), dtype=[np.float32, np.float64], ensure_all_finite=False
            )
            # Scoring uses the weight offset_ is set with, whatever set_params
            # does after fit.
            self._code_weight = self.code_weight
            # The training scores, with the errors and codes computed once.
            scores = self._score_rows(X)
            codes = self._infer("encode", X, self._n_features_out)
            self._fit_codes(codes, -scores)
            if self._code_weight:
                self._add_code_term(scores, codes, X)
            if self.novelty:
                scores = self._held_out_scores(X, scores)
            if self.contamination == "auto":
                first, third = np.percentile(scores, [25, 75])
                self.offset_ = float(first - 1.5 * (third - first))
            else:
                self.offset_ = float(np.percentile(scores, 100 * self.contamination))
        return self

    def _held_out_scores(self, X, scores):
        """Score held-out rows of `X`, each with a network that did not train on it.

        Returns the scores of every row (k-fold) or of the held-out fifth;
        with fewer than two rows, nothing can be held out and `scores`, the
        rows' own, are returned.
        """
        n_samples = len(X)
        if n_samples < 2:
            return scores
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        if self.calibration_cv == "auto" and n_samples >= _CROSS_FIT_BELOW:
            splits = ShuffleSplit(1, test_size=_AUTO_HELD_OUT, random_state=seed)
        else:
            folds = (
                _AUTO_FOLDS if self.calibration_cv == "auto" else self.calibration_cv
            )
            splits = KFold(min(folds, n_samples), shuffle=True, random_state=seed)
        # Each held-out network trains as the kept one did: from scratch, for
        # every epoch the kept one has had (more than max_iter with warm_start).
        params = {"novelty": False, "warm_start": False, "verbose": 0}
        if self.warm_start:
            params["max_iter"] = self.n_iter_
        held_out = []
        for train, test in splits.split(X):
            network = clone(self).set_params(**params)
            held_out.append(network.fit(X[train]).score_samples(X[test]))
        # Only quantiles are taken of them: the rows' order does not matter.
        return np.concatenate(held_out)

    def _check_novelty_fit_predict(self):
        if self.novelty:
            raise AttributeError(
                "fit_predict is not available when novelty=True, since its "
                "offset_ is set for new data. Use novelty=False to label the "
                "training data, or fit and then predict new data."
            )
        return True

    @available_if(_check_novelty_fit_predict)
    def fit_predict(self, X, y=None, **kwargs):
        """Fit to `X` and label its rows: 1 for inliers, -1 for outliers.

        Only with ``novelty=False``, where ``offset_`` is set from the
        training rows' own scores, so that the fraction `contamination` of
        them is flagged.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.

        y : Ignored
            Not used, present for API consistency by convention.

        **kwargs : dict
            Passed to :meth:`fit`.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            1 for inliers, -1 for outliers.
        """
        return super().fit_predict(X, y, **kwargs)

    def _loss_options(self):
        # The first epoch trains on every row, so that rows are ranked by a
        # network that has learnt something (a longer warm-up did no better).
        return {"support_fraction": self.support_fraction, "warm_up_epochs": 1}

    # What depends on the kind is the autoencoder's: the graph, its arguments,
    # the loss and the scores.

    @property
    def _module_class(self):
        return self._autoencoder_class._module_class

    def _as_autoencoder(self):
        """Return this detector as its autoencoder: the same state, the kind's methods.

        What the autoencoder's methods set (the loss chosen at fit, say) is
        set on the detector.
        """
        autoencoder = object.__new__(self._autoencoder_class)
        autoencoder.__dict__ = self.__dict__
        return autoencoder

    def _module_params(self):
        return self._as_autoencoder()._module_params()

    def _resolve_output(self, module_params, X, value_range, continuing):
        self._as_autoencoder()._resolve_output(
            module_params, X, value_range, continuing
        )

    def _criterion(self):
        return self._as_autoencoder()._criterion()

    def _sigmoid_output(self):
        return self._as_autoencoder()._sigmoid_output()

    def _score_rows(self, X):
        return self._as_autoencoder()._score_rows(X)

    def _fit_codes(self, codes, errors):
        """Fit the Gaussian of the training codes and the scale of its distances."""
        # In float64, like the distances: float32 squares of large codes overflow.
        # One sample has no spread (code_scale_ is then 0); no need to warn.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Only one sample available")
            covariance = LedoitWolf().fit(codes.astype(np.float64))
        self.code_location_ = covariance.location_
        self.code_precision_ = covariance.precision_
        spread = self._code_distance(codes).std()
        # float64: the squares of large float32 errors overflow.
        error_spread = errors.std(dtype=np.float64)
        self.code_scale_ = float(error_spread / spread) if spread > 0 else 0.0

    def _code_distance(self, codes):
        """Squared Mahalanobis distance of each code to the training codes.

        In float64, whose range the squares of float32 codes cannot overflow.
        """
        centered = codes.astype(np.float64) - self.code_location_
        return np.einsum("ij,jk,ik->i", centered, self.code_precision_, centered)

    def score_samples(self, X):
        """Minus the reconstruction error of each sample: higher is more normal.

        With a positive `code_weight`, minus the sum of the error and
        `code_weight` times the scaled distance of the sample's code to the
        training codes.
        The error is the binary Kullback-Leibler divergence between each value
        and its reconstruction with ``loss_ == 'bce'`` and the squared error
        with ``'mse'``, averaged over features; see
        :meth:`AutoencoderTransformer.score_samples`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Minus the reconstruction error (and code distance) of each sample.
        """
        X = self._validate_rows(X)
        scores = self._score_rows(X)
        if self._code_weight:
            codes = self._infer("encode", X, self._n_features_out)
            self._add_code_term(scores, codes, X)
        return scores

    def _add_code_term(self, scores, codes, X):
        """Subtract the weighted code distance from `scores`, in place."""
        distance = self._code_distance(codes)
        with np.errstate(over="ignore"):
            scores -= (self._code_weight * self.code_scale_ * distance).astype(
                scores.dtype
            )
        _check_finite(scores, X)

    def decision_function(self, X):
        """Score shifted by ``offset_``: negative for outliers, positive for inliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``score_samples(X) - offset_``.
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """Label each sample as an inlier (1) or an outlier (-1).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples to label.

        Returns
        -------
        is_inlier : ndarray of shape (n_samples,)
            1 for inliers, -1 for outliers.
        """
        decision = self.decision_function(X)
        is_inlier = np.ones(decision.shape[0], dtype=int)
        is_inlier[decision < 0] = -1
        return is_inlier

    @property
    def autoencoder_(self):
        check_is_fitted(self)
        params = self.get_params(deep=False)
        for name in self._role_parameters:
            del params[name]
        autoencoder = self._autoencoder_class(**params)
        # Share the fitted network and state, without copying or refitting.
        fitted = {
            name: value
            for name, value in vars(self).items()
            if name not in params
            and name not in (*self._role_parameters, *_OWN_ATTRIBUTES)
        }
        autoencoder.__dict__.update(fitted)
        return autoencoder
