"""Copies of an estimator fitted on subsets of the rows, and the rows they left out.

The detector does this twice: an ensemble's members are copies fitted on
random subsamples (as :class:`~sklearn.ensemble.IsolationForest`'s trees
are), and the held-out scores that calibrate ``offset_`` come from copies
fitted without the rows they score (k folds), or from the members that did
not see a row (out of bag). One function fits, one scores out of bag.
"""

import numpy as np
from sklearn.base import clone


def fit_on_subsets(estimator, X, subsets, params_for):
    """Fit a copy of `estimator` on the rows of each subset.

    Parameters
    ----------
    estimator : estimator
        Cloned, unfitted, for each subset.

    X : ndarray of shape (n_samples, n_features)
        The rows the subsets index.

    subsets : list of ndarray of int
        The rows each copy trains on.

    params_for : callable
        ``params_for(i)`` gives the parameters set on the `i`-th copy.

    Returns
    -------
    fitted : list of estimators
        One fitted copy per subset.
    """
    return [
        clone(estimator).set_params(**params_for(i)).fit(X[rows])
        for i, rows in enumerate(subsets)
    ]


def draw_subsamples(pool, n_subsamples, size, random_state):
    """Draw `n_subsamples` subsets of `size` rows of `pool`, each without replacement.

    Parameters
    ----------
    pool : ndarray of int
        The rows to draw from.

    n_subsamples : int
        Number of subsets.

    size : int
        Rows per subset, at most ``len(pool)``.

    random_state : numpy.random.RandomState
        Source of the draws.

    Returns
    -------
    subsets : list of ndarray of int
        Each sorted.
    """
    return [
        np.sort(random_state.choice(pool, size, replace=False))
        for _ in range(n_subsamples)
    ]


def out_of_bag_median(scores, subsets):
    """Median of each row's scores over the members that did not train on it.

    Parameters
    ----------
    scores : ndarray of shape (n_members, n_samples)
        Every member's score of every row.

    subsets : list of ndarray of int
        The rows each member trained on.

    Returns
    -------
    median : ndarray of shape (n_samples,)
        The median over the members that left the row out; over all members
        for a row that every member trained on.
    """
    left_out = np.ones(scores.shape, dtype=bool)
    for member, rows in enumerate(subsets):
        left_out[member, rows] = False
    held_out = np.where(left_out, scores, np.nan)
    seen_by_all = ~left_out.any(axis=0)
    held_out[:, seen_by_all] = scores[:, seen_by_all]
    return np.nanmedian(held_out, axis=0)


def robust_scale(values):
    """Median and interquartile range of `values`; a range of 0 counts as 1."""
    values = np.asarray(values, dtype=np.float64)
    first, median, third = np.percentile(values, [25, 50, 75])
    spread = third - first
    return float(median), float(spread) if spread > 0 else 1.0
