"""Per-feature histograms: how likely each value of a row is, feature by feature."""

import numpy as np

# Rows scored at a time, so that the temporaries stay small on large data.
_CHUNK_ROWS = 2**14
# A value this many bins beyond the training range still counts as in its
# edge bin; one further out gets this share of an empty bin's density.
_TOLERANCE = 0.5
_BEYOND = 0.1


class FeatureHistograms:
    """A histogram density per feature; a row's score is its summed log-density.

    The histogram-based outlier score (HBOS, Goldstein & Dengel, 2012): each
    feature's density is a histogram of its training values, in ``sqrt(n)``
    bins of equal width, and a row's log-likelihood is the sum over features
    of the log-density of its values, as if the features were independent.
    It sees what a reconstruction cannot: a group of rows whose values are
    rare feature by feature, which a network trained on them learns to
    reconstruct. A share `regularization` of the mass is spread evenly over
    the bins, so that an empty bin is unlikely but not impossible; a value
    beyond the training range gets the density of an empty bin, less one
    nat for every bin width it lies beyond.

    Parameters
    ----------
    regularization : float, default=0.1
        Share of each feature's probability mass spread evenly over its bins.
    """

    def __init__(self, regularization=0.1):
        self.regularization = regularization

    def fit(self, X):
        """Fit a histogram to each feature of `X` (float, finite).

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Training data.

        Returns
        -------
        self : object
            Fitted histograms.
        """
        X = np.asarray(X, dtype=np.float64)
        self.n_samples_ = len(X)
        n_bins = max(1, int(np.sqrt(len(X))))
        low, high = X.min(axis=0), X.max(axis=0)
        # A constant feature gets bins over a width of 1 around its value, as
        # in numpy.histogram.
        constant = ~(high > low)
        self.low_ = np.where(constant, low - 0.5, low)
        self.width_ = np.where(constant, 1.0, high - low) / n_bins
        # Binned by the formula that scoring uses, so that a training row's
        # own count is exactly the one left out.
        bins = self._bins(self._position(X), n_bins)
        self.counts_ = np.array(
            [np.bincount(column, minlength=n_bins) for column in bins.T],
            dtype=np.float64,
        ).reshape(X.shape[1], n_bins)
        return self

    def log_density(self, X, leave_out=False):
        """Sum over features of the log-density of each row's values.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Rows to score.

        leave_out : bool, default=False
            `X` holds the training rows, each scored by histograms without
            its own count (leave-one-out), so that their scores are those of
            new rows drawn alike.

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
            The rows' summed log-densities, in float64.
        """
        return np.concatenate(
            [
                self._log_density(np.asarray(X[start : start + _CHUNK_ROWS]), leave_out)
                for start in range(0, len(X), _CHUNK_ROWS)
            ]
        )

    def _position(self, X):
        """Each value's place in its feature's bins, in bin widths from the first."""
        return (X.astype(np.float64) - self.low_) / self.width_

    @staticmethod
    def _bins(position, n_bins):
        return np.clip(np.floor(position), 0, n_bins - 1).astype(np.intp)

    def _log_density(self, X, leave_out):
        n_bins = self.counts_.shape[1]
        position = self._position(X)
        bins = self._bins(position, n_bins)
        counts = np.take_along_axis(self.counts_.T, bins, axis=0)
        n_samples = self.n_samples_
        if leave_out and n_samples > 1:
            counts = counts - 1
            n_samples -= 1
        floor = self.regularization / n_bins
        share = (1 - self.regularization) * counts / n_samples + floor
        outside = (position < -_TOLERANCE) | (position > n_bins + _TOLERANCE)
        with np.errstate(divide="ignore"):  # an empty bin without regularization
            log_share = np.where(outside, np.log(floor * _BEYOND), np.log(share))
        return (log_share - np.log(self.width_)).sum(axis=1)
