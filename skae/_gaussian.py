"""A Gaussian fitted to rows with holes, and each hole's conditional mean.

The linear-Gaussian model of imputation (Little & Rubin, "Statistical
Analysis with Missing Data", chapter 11): the mean and covariance fitted by
expectation-maximization with the holes left as they are, each hole then
filled by its conditional mean given the row's observed entries. It is the
base that the imputer's network refines, as probabilistic PCA is the linear
case of the variational autoencoder.
"""

import numpy as np

# Rows solved together: each needs a (n_features, n_features) system.
_CHUNK_ROWS = 1024


class GaussianWithHoles:
    """Mean and covariance of rows with holes (NaN), by expectation-maximization.

    Parameters
    ----------
    max_iter : int, default=100
        Most EM iterations.

    tol : float, default=1e-4
        Stop when no entry of the mean or the covariance moves by more.

    ridge : float, default=1e-6
        Added to the covariance's diagonal, so that it stays invertible with
        a constant or collinear feature.

    Attributes
    ----------
    location_ : ndarray of shape (n_features,)
        The mean.

    covariance_ : ndarray of shape (n_features, n_features)
        The covariance, ridge included.

    n_iter_ : int
        EM iterations run.
    """

    def __init__(self, max_iter=100, tol=1e-4, ridge=1e-6):
        self.max_iter = max_iter
        self.tol = tol
        self.ridge = ridge

    def fit(self, X):
        """Fit to the rows of `X` (float, NaN for a hole; each column observed once)."""
        X = np.asarray(X, dtype=np.float64)
        n_samples, n_features = X.shape
        location = np.nanmean(X, axis=0)
        filled = np.where(np.isnan(X), location, X)
        covariance = self._regularized(
            np.cov(filled.T, bias=True).reshape(n_features, n_features)
        )
        for iteration in range(1, self.max_iter + 1):
            filled, spread = _expectation(X, location, covariance)
            new_location = filled.mean(axis=0)
            centered = filled - new_location
            new_covariance = self._regularized(
                (centered.T @ centered + spread) / n_samples
            )
            moved = max(
                np.abs(new_location - location).max(),
                np.abs(new_covariance - covariance).max(),
            )
            location, covariance = new_location, new_covariance
            if moved <= self.tol:
                break
        self.location_, self.covariance_, self.n_iter_ = location, covariance, iteration
        return self

    def _regularized(self, covariance):
        return covariance + self.ridge * np.eye(len(covariance))

    def conditional_mean(self, X):
        """Return `X`, each hole filled by its mean given the row's observed ones."""
        return _expectation(
            np.asarray(X, dtype=np.float64),
            self.location_,
            self.covariance_,
            spread=None,
        )[0]

    def conditional_variance(self, X):
        """Return each hole's variance given the row's observed entries; 0 elsewhere."""
        return _expectation(
            np.asarray(X, dtype=np.float64),
            self.location_,
            self.covariance_,
            spread="entries",
        )[1]


def _expectation(X, location, covariance, spread="sum"):
    """Run the E-step: each hole's conditional mean and covariance.

    Returns ``(filled, spread)``: with ``spread='sum'`` the sum over rows of
    each row's conditional covariance of its holes (zero on observed
    entries), with ``'entries'`` each hole's conditional variance, and with
    None none. In the precision ``P`` the conditional mean of the holes
    ``m`` is ``mu_m - P_mm^-1 P_mo (x_o - mu_o)`` and their covariance
    ``P_mm^-1``: one solve per row, batched.
    """
    holes = np.isnan(X)
    filled = np.where(holes, 0.0, X)
    n_features = X.shape[1]
    total = np.zeros((n_features, n_features)) if spread == "sum" else None
    variances = np.zeros(X.shape) if spread == "entries" else None
    precision = np.linalg.inv(covariance)
    rows = np.flatnonzero(holes.any(axis=1))
    diagonal = np.arange(n_features)
    for start in range(0, len(rows), _CHUNK_ROWS):
        chunk = rows[start : start + _CHUNK_ROWS]
        missing = holes[chunk].astype(np.float64)
        observed = 1.0 - missing
        # P_mm on the holes, the identity on the observed entries: its
        # inverse is P_mm^-1 there and the identity elsewhere.
        system = precision * (missing[:, :, None] * missing[:, None, :])
        system[:, diagonal, diagonal] += observed
        deviation = (filled[chunk] - location) * observed
        right = -(deviation @ precision) * missing
        solved = np.linalg.solve(system, right[:, :, None])[:, :, 0]
        filled[chunk] += missing * (location + solved)
        if spread is None:
            continue
        inverse = np.linalg.inv(system) * (missing[:, :, None] * missing[:, None, :])
        if total is not None:
            total += inverse.sum(axis=0)
        else:
            variances[chunk] = inverse[:, diagonal, diagonal]
    return filled, total if spread == "sum" else variances
