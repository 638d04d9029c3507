"""The whitening of codes, on its own."""

import numpy as np
from numpy.testing import assert_allclose

from skae._whiten import fit_whitening


def test_whitened_codes_are_centred_decorrelated_and_of_unit_variance():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(500, 4)) @ rng.normal(size=(4, 4)) + 3.0
    mean, whitening, coloring = fit_whitening(codes)
    whitened = (codes - mean) @ whitening
    assert_allclose(whitened.mean(axis=0), 0, atol=1e-12)
    assert_allclose(whitened.T @ whitened / len(codes), np.eye(4), atol=1e-10)


def test_whitening_is_symmetric_and_coloring_is_its_inverse():
    codes = np.random.default_rng(1).gamma(2.0, size=(200, 6))
    _, whitening, coloring = fit_whitening(codes)
    assert_allclose(whitening, whitening.T, atol=1e-12)
    assert_allclose(whitening @ coloring, np.eye(6), atol=1e-10)


def test_directions_of_little_variance_are_scaled_by_the_floor_not_blown_up():
    # A dead unit (always 0), a unit that copies another (no variance in that
    # direction) and a direction of tiny variance: each is scaled as a
    # direction of a hundredth of the largest variance, so that noise is not
    # brought to the weight of signal, and the map stays invertible.
    rng = np.random.default_rng(2)
    base = rng.normal(size=(300, 3))
    tiny = 1e-3 * rng.normal(size=300)
    codes = np.column_stack([base, np.zeros(300), base[:, 0], tiny])
    mean, whitening, coloring = fit_whitening(codes)
    whitened = (codes - mean) @ whitening
    largest = np.linalg.eigvalsh(np.cov(codes.T, bias=True)).max()
    assert np.abs(whitening).max() <= 1.01 / np.sqrt(largest * 1e-2)
    assert_allclose(whitening @ coloring, np.eye(6), atol=1e-8)
    assert_allclose(whitened[:, 3], 0, atol=1e-12)
    # the tiny direction keeps its smallness: 1e-3 / sqrt(largest / 100)
    assert whitened[:, 5].std() < 0.01
    # the well-spread directions are whitened
    spread = np.linalg.eigvalsh(np.cov(whitened.T, bias=True))
    assert_allclose(spread[-3:], 1, rtol=1e-6)


def test_codes_that_do_not_vary_are_only_centred():
    codes = np.array([[1.0, -2.0, 0.0]])
    mean, whitening, coloring = fit_whitening(codes)
    assert_allclose(mean, codes[0])
    assert_allclose(whitening, np.eye(3))
    assert_allclose(coloring, np.eye(3))
