"""AutoencoderOutlierDetector: reconstruction error as a scikit-learn outlier score."""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import OutlierMixin
from sklearn.covariance import LedoitWolf
from sklearn.model_selection import KFold, ShuffleSplit
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._base import (
    _BaseAutoencoder,
    _check_finite,
    _restored_on_error,
    fill_doc,
    validate_data_without_holes,
)
from ._covariance import CovarianceError, fit_robust_covariance, held_out_distances
from ._histogram import FeatureHistograms
from ._parameters import Interval, StrOptions, _fit_context
from ._subsets import draw_subsamples, fit_on_subsets, out_of_bag_median, robust_scale
from ._transformer import AutoencoderTransformer

# What the detector fits beyond its autoencoder.
_OWN_ATTRIBUTES = (
    "offset_",
    "code_location_",
    "code_precision_",
    "code_scale_",
    "_code_weight",
    "n_estimators_",
    "max_samples_",
    "feature_weight_",
    "screening_",
    "covariance_weight_",
    "robust_covariance_",
    "_histograms",
    "_network_scale",
    "_density_scale",
    "_covariance_scale",
)
# What a fit in one mode (one network, an ensemble) leaves that one in the
# other must not keep.
_MODE_ATTRIBUTES = (
    "net_",
    "estimators_",
    "estimators_samples_",
    "_member_scales",
    "_histograms",
    "_network_scale",
    "_density_scale",
    "robust_covariance_",
    "_covariance_scale",
    "code_location_",
    "code_precision_",
    "code_scale_",
    "_prepared_inference",
)

# The defaults on tables ('auto' on fewer than _TABLE_MAX_FEATURES features):
# an ensemble of small networks on subsamples, trained on the rows the
# per-feature histograms find likely, next to those histograms' score and a
# robust covariance's distance. See the Benchmarks page, "Outliers in
# tables", for what each part gives.
_TABLE_MAX_FEATURES = 256
_AUTO_N_ESTIMATORS = 10
_AUTO_MAX_SAMPLES = 128
_AUTO_MEMBER_EPOCHS = 60
_AUTO_FEATURE_WEIGHT = 1.0
_AUTO_SCREENING = 0.2
_AUTO_COVARIANCE_WEIGHT = 0.5

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
        is the one ``offset_`` is set with and the one scoring uses. In an
        ensemble, each network weighs its own codes.

    n_estimators : int or 'auto', default='auto'
        Number of networks in the ensemble, each trained on its own random
        subsample of `max_samples` rows (as
        :class:`~sklearn.ensemble.IsolationForest`'s trees are). Each
        network's reconstruction error is put in units of its spread on the
        rows it trained on (minus the median, over the interquartile range),
        and the score is minus the median of these over the networks.
        ``'auto'`` is 10 on tables (fewer than 256 features) and 1 on wider
        data (images), where one network trained on every row, as
        :class:`AutoencoderTransformer` trains it, is the detector. Only the
        dense kind's detector uses an ensemble by default; the variational
        and convolutional detectors take one network unless told otherwise.
        The number used is ``n_estimators_``.

    max_samples : int, float or 'auto', default='auto'
        Rows each network of the ensemble trains on: an int is a number of
        rows, a float a fraction of them (of those `screening` leaves).
        ``'auto'`` is, with several networks, 128 rows, or half the rows on
        fewer than 256, so that every row is left out by about half the
        networks, whose scores of it set ``offset_``; with one network, every
        row. Small subsamples, trained for a few epochs (60 with
        ``max_iter='auto'``), learn the bulk of the data before its outliers
        (see the Benchmarks page). The number used is ``max_samples_``.

    feature_weight : float or 'auto', default='auto'
        Weight of how likely a row's values are feature by feature, next to
        the networks' score: the sum over features of the log-density of a
        histogram of the training values (HBOS, Goldstein & Dengel, 2012),
        put in units of its spread over the training rows, as the networks'
        score is, and added to it. It finds a group of outliers that a
        network trained on them reconstructs well (a cluster away from the
        data), which the reconstruction alone ranks as normal. ``'auto'`` is
        1 on tables and 0 on images. The weight used is ``feature_weight_``.

    screening : float in [0, 1) or 'auto', default='auto'
        Fraction of the training rows that the networks do not train on: the
        least likely by the per-feature histograms, so that outliers in the
        training data, which a network would learn to reconstruct, do not
        train it. They are still scored, and the offset is set from their
        scores too. ``'auto'`` is 0.2 on tables and 0 on images. The
        fraction used is ``screening_``.

    covariance_weight : float or 'auto', default='auto'
        Weight of how far a row lies from the bulk of the training rows by a
        robust covariance, next to the networks' score: minus the squared
        Mahalanobis distance by scikit-learn's minimum covariance determinant
        (:class:`~sklearn.covariance.MinCovDet`, as
        :class:`~sklearn.covariance.EllipticEnvelope` fits it), put in units
        of its spread over the training rows and added to the score. It
        finds rows whose values are each usual but whose combination is not,
        which the histograms miss and small networks learn late. ``'auto'``
        is 0.5 where the ensemble is the default (tables) and there are more
        than twice as many rows as features, and 0 otherwise (images, too
        few rows for a covariance, or rows it cannot be fitted to, most of
        them identical). The weight used is ``covariance_weight_``.
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
        With one network only (`n_estimators_` of 1).

    n_estimators_ : int
        Number of networks (`n_estimators`, resolved).

    max_samples_ : int
        Rows each network trained on (`max_samples`, resolved).

    feature_weight_ : float
        Weight of the per-feature histograms (`feature_weight`, resolved).

    screening_ : float
        Fraction of rows left out of training (`screening`, resolved).

    covariance_weight_ : float
        Weight of the robust covariance's distance (`covariance_weight`,
        resolved).

    robust_covariance_ : sklearn.covariance.MinCovDet
        The minimum covariance determinant of the training rows. Only with a
        positive ``covariance_weight_``.

    estimators_ : list of detectors
        The ensemble's networks, each a detector of this class with one
        network (and its ``autoencoder_``). Only with an ensemble.

    estimators_samples_ : list of ndarray
        The training rows of each network of the ensemble.
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

    On images (256 features or more) it trains the same network as
    :class:`AutoencoderTransformer`, with the same parameters and defaults
    (and optionally a loss that leaves out the rows it reconstructs worst,
    `support_fraction`), and exposes it as ``autoencoder_``. On tables its
    defaults differ, chosen from the data's shape: outliers in the training
    data are the rule there, and a network trained on them learns to
    reconstruct them. It trains an ensemble of small networks (`n_estimators`),
    each for a few epochs on its own subsample (`max_samples`) of the rows
    that per-feature histograms find likely (`screening`), and adds how
    likely each value is feature by feature (`feature_weight`) and how far
    the row lies from the bulk of the data by a robust covariance
    (`covariance_weight`). What was chosen is in ``n_estimators_``,
    ``max_samples_``, ``screening_``, ``feature_weight_`` and
    ``covariance_weight_``; the Benchmarks page, "Outliers in tables", gives
    what each part brings and costs.

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
    >>> detector.n_estimators_, detector.max_samples_
    (10, 72)
    >>> detector.estimators_[0].autoencoder_.transform(X[:4]).shape
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
        "n_estimators": "auto",
        "max_samples": "auto",
        "feature_weight": "auto",
        "screening": "auto",
        "covariance_weight": "auto",
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
        "n_estimators": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "max_samples": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="right"),
            StrOptions({"auto"}),
        ],
        "feature_weight": [
            Interval(Real, 0, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "screening": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "covariance_weight": [
            Interval(Real, 0, None, closed="left"),
            StrOptions({"auto"}),
        ],
    }

    # Whether 'auto' makes an ensemble on tables: a kind whose detector is
    # not for tables (convolutional) or whose members would be costly to
    # score (variational) sets False and keeps one network.
    _ensemble_on_tables = True

    @classmethod
    def _kind(cls):
        """Return the class that declares this detector's kind: its autoencoder's."""
        return cls._autoencoder_class

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the networks on `X` and set ``offset_`` from scores of `X`.

        With `novelty`, the scores of held-out rows (see `calibration_cv`;
        in an ensemble, each row's score by the networks that did not train
        on it); otherwise the training rows' own scores.

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
            continuing = self.warm_start and hasattr(self, "net_")
            raw = X
            X = validate_data_without_holes(
                self, X, dtype="numeric", reset=not continuing
            )
            # A fit in one mode (one network, an ensemble) leaves nothing of
            # a fit in the other.
            for name in _MODE_ATTRIBUTES:
                if not (name == "net_" and continuing):
                    self.__dict__.pop(name, None)
            ensemble = self._resolve_ensemble(*X.shape)
            if ensemble and self.warm_start:
                raise ValueError(
                    "warm_start continues training one network; this detector "
                    f"trains an ensemble of n_estimators_={self.n_estimators_} on "
                    f"subsamples of max_samples_={self.max_samples_} rows. Set "
                    "n_estimators=1 and max_samples=1.0 to continue training, or "
                    "warm_start=False."
                )
            if ensemble or self._weighs_terms() or self.screening_:
                # In the float dtype inference gives the same input (float32
                # for integers), so that the training scores are its scores.
                X = validate_data(
                    self, raw, dtype=[np.float32, np.float64], reset=False
                )
            # Scoring uses the weight offset_ is set with, whatever set_params
            # does after fit.
            self._code_weight = self.code_weight
            rows, density = self._fit_histograms(X)
            if ensemble:
                network, held_out = self._fit_ensemble(X, rows)
            else:
                network, held_out = self._fit_network(X, rows)
            # What score_samples gives the training rows, checked here.
            _check_finite(network, X)
            distance = self._fit_covariance(X)
            if self._weighs_terms():
                self._network_scale = robust_scale(held_out)
            if self.novelty:
                scores = self._held_out_scores(X, network, held_out, density, distance)
            else:
                scores = self._combine(network, self._density(X), self._distance(X))
            _check_finite(scores, X)
            if self.contamination == "auto":
                first, third = np.percentile(scores, [25, 75])
                self.offset_ = float(first - 1.5 * (third - first))
            else:
                self.offset_ = float(np.percentile(scores, 100 * self.contamination))
        return self

    def _resolve_ensemble(self, n_samples, n_features):
        """Resolve the ensemble's 'auto' parameters from the data's shape.

        Returns whether the networks are an ensemble: several, or one on a
        subsample of the rows `screening` keeps.
        """
        table = self._ensemble_on_tables and n_features < _TABLE_MAX_FEATURES

        def resolve(name, on_tables, otherwise):
            value = getattr(self, name)
            if value != "auto":
                return value
            return on_tables if table else otherwise

        self.n_estimators_ = resolve("n_estimators", _AUTO_N_ESTIMATORS, 1)
        self.feature_weight_ = float(
            resolve("feature_weight", _AUTO_FEATURE_WEIGHT, 0.0)
        )
        self.screening_ = float(resolve("screening", _AUTO_SCREENING, 0.0))
        # A covariance needs rows to spare: its support is about half of them.
        self.covariance_weight_ = float(
            resolve(
                "covariance_weight",
                _AUTO_COVARIANCE_WEIGHT if n_samples > 2 * n_features else 0.0,
                0.0,
            )
        )
        n_kept = n_samples - self._n_screened(n_samples)
        if self.max_samples == "auto":
            # At most half the rows, so that each row is out of bag for about
            # half the networks: the held-out scores that set offset_.
            several = self.n_estimators_ > 1
            half = max(1, math.ceil(n_kept / 2))
            self.max_samples_ = min(_AUTO_MAX_SAMPLES, half) if several else n_kept
        elif isinstance(self.max_samples, Integral):
            self.max_samples_ = min(self.max_samples, n_kept)
        else:
            self.max_samples_ = max(1, math.ceil(self.max_samples * n_kept))
        return self.n_estimators_ > 1 or self.max_samples_ < n_kept

    def _weighs_terms(self):
        """Whether the score adds terms to the networks' (then rescaled)."""
        return bool(self.feature_weight_ or self.covariance_weight_)

    def _n_screened(self, n_samples):
        """Rows that `screening` leaves out of training: always at least one kept."""
        return min(int(self.screening_ * n_samples), n_samples - 1)

    def _fit_histograms(self, X):
        """Fit the per-feature histograms where they are used.

        Returns the rows the networks train on (those `screening` keeps) and
        the training rows' leave-one-out log-densities (None without the
        histograms).
        """
        rows = np.arange(len(X))
        if not (self.feature_weight_ or self.screening_):
            return rows, None
        self._histograms = FeatureHistograms().fit(X)
        density = self._histograms.log_density(X, leave_out=True)
        if self.feature_weight_:
            self._density_scale = robust_scale(density)
        n_screened = self._n_screened(len(X))
        if n_screened:
            # Stable, so that ties keep the rows' order.
            rows = np.sort(np.argsort(-density, kind="stable")[: len(X) - n_screened])
        return rows, density

    def _fit_covariance(self, X):
        """Fit the robust covariance where the score uses it.

        Returns minus the training rows' held-out squared distances (None
        without the covariance), and sets their scale. With 'auto', rows that
        the covariance cannot be fitted to (most of them identical) leave it
        out.
        """
        if not self.covariance_weight_:
            return None
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        try:
            self.robust_covariance_ = fit_robust_covariance(X, seed)
        except CovarianceError:
            if self.covariance_weight != "auto":
                raise
            self.covariance_weight_ = 0.0
            return None
        distance = -held_out_distances(self.robust_covariance_, X)
        self._covariance_scale = robust_scale(distance)
        return distance

    def _fit_network(self, X, rows):
        """Train one network on the `rows` of `X`; fit its code's Gaussian there.

        Returns the network's scores of every row, and of the `rows`, on
        which its scale is measured.
        """
        every_row = len(rows) == len(X)
        self._fit(X if every_row else X[rows], validated=True)
        X = check_array(X, dtype=[np.float32, np.float64], ensure_all_finite=False)
        # The scores, with the errors and codes computed once.
        scores = self._score_rows(X)
        codes = self._infer("encode", X, self._n_features_out)
        if every_row:
            self._fit_codes(codes, -scores)
        else:
            self._fit_codes(codes[rows], -scores[rows])
        if self._code_weight:
            self._add_code_term(scores, codes, X)
        return scores, scores if every_row else scores[rows]

    def _fit_ensemble(self, X, rows):
        """Train the ensemble's networks, each on a subsample of the `rows` of `X`.

        Returns the ensemble's scores of every row and its out-of-bag ones
        (each row scored by the networks that did not train on it).
        """
        random_state = check_random_state(self.random_state)
        seeds = random_state.randint(np.iinfo(np.int32).max, size=self.n_estimators_)
        subsets = draw_subsamples(
            rows, self.n_estimators_, self.max_samples_, random_state
        )
        epochs = _AUTO_MEMBER_EPOCHS if self.max_iter == "auto" else self.max_iter
        member_params = {
            "n_estimators": 1,
            "max_samples": 1.0,
            "feature_weight": 0.0,
            "screening": 0.0,
            "covariance_weight": 0.0,
            "novelty": False,
            "contamination": "auto",
            "max_iter": epochs,
            "verbose": 0,
        }
        self.estimators_ = fit_on_subsets(
            self, X, subsets, lambda i: {**member_params, "random_state": int(seeds[i])}
        )
        self.estimators_samples_ = subsets
        scores = self._member_scores(X)
        self._member_scales = np.array(
            [robust_scale(score[rows]) for score, rows in zip(scores, subsets)]
        )
        scores = self._standardize_members(scores)
        with np.errstate(over="ignore"):  # caught by fit's _check_finite
            held_out = out_of_bag_median(scores, subsets).astype(X.dtype)
            return np.median(scores, axis=0).astype(X.dtype), held_out

    def _member_scores(self, X):
        """Return each member's score of the validated `X`, a row per member."""
        return np.stack([member._network_scores(X) for member in self.estimators_])

    def _standardize_members(self, scores):
        """Put each member's scores in units of its spread on its training rows."""
        location, spread = self._member_scales.T
        return (scores - location[:, None]) / spread[:, None]

    def _network_scores(self, X):
        """Return the networks' score of the validated `X`: one's, or the ensemble's."""
        if not hasattr(self, "estimators_"):
            scores = self._score_rows(X)
            if self._code_weight:
                codes = self._infer("encode", X, self._n_features_out)
                self._add_code_term(scores, codes, X)
            return scores
        scores = self._standardize_members(self._member_scores(X))
        with np.errstate(over="ignore"):  # caught where the scores are returned
            return np.median(scores, axis=0).astype(X.dtype)

    def _density(self, X):
        """Return the histograms' log-density of `X` where the score uses it."""
        return self._histograms.log_density(X) if self.feature_weight_ else None

    def _distance(self, X):
        """Return minus the robust covariance's squared distances where used."""
        if not self.covariance_weight_:
            return None
        return -self.robust_covariance_.mahalanobis(X.astype(np.float64))

    def _combine(self, network, density, distance):
        """Return the score: the networks', plus the weighted terms.

        The histograms' log-density with `feature_weight_` and minus the
        covariance's distance with `covariance_weight_`, each in units of its
        spread over the training rows, as the networks' score then is.
        """
        if not self._weighs_terms():
            return network
        terms = [(1.0, network, self._network_scale)]
        if self.feature_weight_:
            terms.append((self.feature_weight_, density, self._density_scale))
        if self.covariance_weight_:
            terms.append((self.covariance_weight_, distance, self._covariance_scale))
        with np.errstate(over="ignore"):  # caught where the scores are returned
            score = sum(
                weight * (values - location) / spread
                for weight, values, (location, spread) in terms
            )
            return score.astype(network.dtype)

    def _held_out_scores(self, X, network, held_out, density, distance):
        """Score rows of `X` by networks (and histograms) that did not train on them.

        An ensemble's are its out-of-bag scores (`held_out`) with the
        histograms' leave-one-out `density` and the covariance's held-out
        `distance`; one network's come from
        detectors fitted on k folds (or one held-out fifth) of the rows. With
        fewer than two rows, nothing can be held out and the rows' own scores
        are returned.
        """
        if hasattr(self, "estimators_"):
            return self._combine(held_out, density, distance)
        n_samples = len(X)
        if n_samples < 2:
            return self._combine(network, density, distance)
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
        folds = list(splits.split(X))
        fitted = fit_on_subsets(
            self, X, [train for train, _ in folds], lambda i: params
        )
        # Only quantiles are taken of them: the rows' order does not matter.
        return np.concatenate(
            [model.score_samples(X[test]) for model, (_, test) in zip(fitted, folds)]
        )

    def __setstate__(self, state):
        # Saved before the ensemble or the covariance existed: one network
        # on every row, no histograms, no covariance (how many rows it
        # trained on was not kept).
        if "_net_state" in state or "estimators_" in state:
            old = {
                "n_estimators_": 1,
                "feature_weight_": 0.0,
                "screening_": 0.0,
                "covariance_weight_": 0.0,
            }
            state = {**old, **state}
        super().__setstate__(state)

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

    # What depends on the kind (the graph, its arguments, its initialisation,
    # the loss and the scores) is the autoencoder's: its hooks are forwarded
    # to it (see skae._base._delegate_to_kind).

    @property
    def _module_class(self):
        return self._autoencoder_class._module_class

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

        With one network, minus its reconstruction error (with a positive
        `code_weight`, minus the sum of the error and `code_weight` times the
        scaled distance of the sample's code to the training codes). The
        error is the binary Kullback-Leibler divergence between each value
        and its reconstruction with ``loss_ == 'bce'`` and the squared error
        with ``'mse'``, averaged over features; see
        :meth:`AutoencoderTransformer.score_samples`. With an ensemble, the
        median over its networks of that score in units of each network's
        spread on its training rows. With a positive ``feature_weight_`` or
        ``covariance_weight_``, that score in units of its spread over the
        training rows plus ``feature_weight_`` times the per-feature
        histograms' log-density and ``covariance_weight_`` times minus the
        robust covariance's squared distance, each in its units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            The score of each sample, in the float dtype of `X`.
        """
        X = self._validate_rows(X)
        scores = self._combine(
            self._network_scores(X), self._density(X), self._distance(X)
        )
        _check_finite(scores, X)
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
    def n_iter_(self):
        check_is_fitted(self)
        if hasattr(self, "estimators_"):
            return max(member.n_iter_ for member in self.estimators_)
        return super().n_iter_

    @property
    def autoencoder_(self):
        check_is_fitted(self)
        if hasattr(self, "estimators_"):
            raise AttributeError(
                f"This detector is an ensemble of n_estimators_={self.n_estimators_} "
                "networks, each with its autoencoder_: see estimators_[i]."
                "autoencoder_, or fit with n_estimators=1 and max_samples=1.0 "
                "for one autoencoder."
            )
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
