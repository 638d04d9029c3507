"""A robust covariance of the training rows and the distances it measures.

The detector's score on tables adds how far a row lies from the bulk of the
training rows by scikit-learn's minimum covariance determinant
(:class:`~sklearn.covariance.MinCovDet`): it sees rows whose values are each
usual but whose combination is not, which per-feature histograms miss.
"""

import warnings

import numpy as np
from sklearn.covariance import MinCovDet


class CovarianceError(ValueError):
    """The minimum covariance determinant could not be fitted to the rows."""


def fit_robust_covariance(X, random_state):
    """Fit the minimum covariance determinant of the rows of `X`, in float64.

    Raises a CovarianceError, naming the detector's parameter, where it
    cannot be fitted: so many identical rows that its support has no
    spread, or so few rows that none is left within its bounds.
    """
    with warnings.catch_warnings():
        # A singular covariance (a constant feature) is expected: its
        # pseudo-inverse measures the distances along the other features.
        warnings.filterwarnings("ignore", message="The covariance matrix associated")
        # Where no row is left within the bounds, NumPy warns before
        # scikit-learn raises.
        warnings.filterwarnings("ignore", message="Mean of empty slice")
        warnings.filterwarnings("ignore", message="invalid value encountered")
        try:
            covariance = MinCovDet(random_state=random_state).fit(X.astype(np.float64))
            failure = None
        except ValueError as error:
            covariance, failure = None, str(error)
    if failure is None and not (
        np.isfinite(covariance.location_).all()
        and np.isfinite(covariance.covariance_).all()
    ):
        failure = "its estimate is not finite"
    if failure is not None:
        raise CovarianceError(
            "covariance_weight needs the minimum covariance determinant of the "
            f"training rows, which could not be fitted ({failure}): too many "
            "identical rows, or too few. Set covariance_weight=0."
        )
    return covariance


def held_out_distances(covariance, X):
    """Squared distances of the training rows `X`, each as if it were new.

    A row of the covariance's support is measured from the mean and
    covariance of the support without it: with ``m`` support rows and its
    distance ``d`` by their maximum-likelihood covariance, that distance is
    ``m d / (m - 1 - d)`` (the Sherman-Morrison formula). Other rows took no
    part in the estimate and keep their distance.
    """
    distances = covariance.mahalanobis(X.astype(np.float64))
    support = covariance.support_
    m = support.sum()
    rank = np.linalg.matrix_rank(covariance.covariance_)
    inside = distances[support]
    if m <= rank + 1 or not inside.sum() > 0:
        # So few rows that each is alone in a direction: none can be left out.
        return distances
    # MinCovDet may scale the support's covariance by a consistency factor;
    # the distances by the maximum-likelihood one sum to m times the rank.
    factor = m * rank / inside.sum()
    inside = np.minimum(factor * inside, (m - 1) * (1 - 1e-6))
    distances[support] = m * inside / (m - 1 - inside) / factor
    return distances
