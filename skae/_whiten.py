"""Whitening of codes, for ``AutoencoderTransformer(whiten=True)``."""

import numpy as np

# Directions of the codes are brought to unit variance down to this fraction
# of the largest direction's variance, and scaled as that floor below it.
_FLOOR = 1e-2


def fit_whitening(codes):
    """Return the mean, ZCA whitening and its inverse of `codes`.

    ZCA, the symmetric whitening, keeps each whitened component as close as
    a whitening can to its code unit, so components keep their meaning
    (PCA's whitening rotates them onto principal axes instead); distances and
    penalties that do not depend on a rotation see the same data either way.
    Directions in which the codes vary less than a hundredth of the
    variance of the direction that varies most are scaled as if they varied
    that much (regularised whitening, as PCA clips its variances, with a
    higher floor): a code wider than its input has many directions of
    little variance, dead units and rounding among them, and bringing them
    all to unit variance gives noise the weight of signal (see the
    Benchmarks page, "Wide codes"). The two matrices are inverses, so that
    decoding whitened codes gives the same reconstructions.

    Parameters
    ----------
    codes : ndarray of shape (n_samples, n_components)
        The codes of the training data.

    Returns
    -------
    mean : ndarray of shape (n_components,)
    whitening : ndarray of shape (n_components, n_components)
        Whitened codes are ``(codes - mean) @ whitening``.
    coloring : ndarray of shape (n_components, n_components)
        Codes are ``whitened @ coloring + mean``.
    """
    codes = np.asarray(codes, dtype=np.float64)
    mean = codes.mean(axis=0)
    centered = codes - mean
    variances, axes = np.linalg.eigh(centered.T @ centered / len(codes))
    floor = variances.max() * _FLOOR
    # Codes that do not vary at all (a single row) are only centred.
    scales = np.sqrt(np.maximum(variances, floor)) if floor > 0 else 1.0
    return mean, (axes / scales) @ axes.T, (axes * scales) @ axes.T
