"""Whitening of codes, for ``AutoencoderTransformer(whiten=True)``."""

import numpy as np


def fit_whitening(codes):
    """Return the mean, ZCA whitening and its inverse of `codes`.

    ZCA, the symmetric whitening, keeps each whitened component as close as
    a whitening can to its code unit, so components keep their meaning
    (PCA's whitening rotates them onto principal axes instead); distances and
    penalties that do not depend on a rotation see the same data either way.
    Directions in which the codes vary less than the float32 rank tolerance
    (dead ReLU units, linear dependencies) are scaled as if they varied that
    much, as PCA clips its variances: the network computes in float32, and
    below that its codes' variations are rounding. The two matrices are
    inverses, so that decoding whitened codes gives the same reconstructions.

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
    floor = variances.max() * len(variances) * np.finfo(np.float32).eps
    # Codes that do not vary at all (a single row) are only centred.
    scales = np.sqrt(np.maximum(variances, floor)) if floor > 0 else 1.0
    return mean, (axes / scales) @ axes.T, (axes * scales) @ axes.T
