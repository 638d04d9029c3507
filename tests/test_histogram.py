import numpy as np
import pytest
from numpy.testing import assert_allclose

from skae._histogram import FeatureHistograms


def test_log_density_is_the_sum_of_each_features_histogram_density():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    histograms = FeatureHistograms(regularization=0.0).fit(X)
    row = X[:1]
    expected = 0.0
    for j in range(3):
        counts, edges = np.histogram(X[:, j], bins=10)
        width = edges[1] - edges[0]
        bin_ = min(int((row[0, j] - edges[0]) // width), 9)
        expected += np.log(counts[bin_] / 100 / width)
    assert_allclose(histograms.log_density(row), [expected])


def test_leave_one_out_scores_a_training_row_without_its_own_count():
    X = np.array([[0.0], [0.0], [0.0], [2.0]])
    histograms = FeatureHistograms(regularization=0.1).fit(X)
    inside = histograms.log_density(X)
    left_out = histograms.log_density(X, leave_out=True)
    # the lone row: one of four in its bin, then none of three (the floor)
    assert_allclose(np.exp(inside[3]), 0.9 / 4 + 0.05)
    assert_allclose(np.exp(left_out[3]), 0.05)
    # the others: three of four, then two of three
    assert_allclose(np.exp(left_out[0]), 0.9 * 2 / 3 + 0.05)


def test_values_beyond_the_range_get_a_tenth_of_an_empty_bins_density():
    X = np.linspace(0, 1, 16)[:, None]
    histograms = FeatureHistograms(regularization=0.1).fit(X)
    near, far = histograms.log_density(np.array([[2.0], [1e6]]))
    assert near == far
    empty = 0.1 / 4 / histograms.width_[0]
    assert_allclose(near, np.log(0.1 * empty))
    # half a bin beyond still counts as the edge bin
    edge = histograms.log_density(np.array([[1.0 + histograms.width_[0] / 4]]))
    assert edge[0] == histograms.log_density(np.array([[1.0]]))[0]


@pytest.mark.parametrize("value", [0.0, 1e17])
@pytest.mark.parametrize("n_samples", [1, 2, 50])
def test_constant_features_and_tiny_data_give_finite_densities(n_samples, value):
    X = np.full((n_samples, 2), value)
    histograms = FeatureHistograms().fit(X)
    assert np.isfinite(histograms.log_density(X, leave_out=True)).all()
    assert np.isfinite(histograms.log_density(X + 5)).all()


def test_rare_values_score_below_common_ones():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5))
    histograms = FeatureHistograms().fit(X)
    common, rare = histograms.log_density(np.array([[0.0] * 5, [2.5] * 5]))
    assert common > rare
