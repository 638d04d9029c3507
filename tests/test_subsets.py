import numpy as np
from numpy.testing import assert_array_equal
from sklearn.linear_model import LinearRegression

from skae._subsets import (
    draw_subsamples,
    fit_on_subsets,
    out_of_bag_median,
    robust_scale,
)


class Recorder(LinearRegression):
    """Records the rows it was fitted on."""

    def fit(self, X, y=None):
        self.rows_ = X.copy()
        return self


def test_each_copy_is_fitted_on_its_rows_with_its_parameters():
    X = np.arange(10.0)[:, None]
    subsets = [np.array([0, 1]), np.array([5, 9])]
    fitted = fit_on_subsets(
        Recorder(), X, subsets, lambda i: {"fit_intercept": bool(i)}
    )
    assert [model.fit_intercept for model in fitted] == [False, True]
    assert_array_equal(fitted[1].rows_, [[5.0], [9.0]])


def test_subsamples_are_drawn_without_replacement_from_the_pool():
    pool = np.array([2, 3, 5, 7, 11])
    subsets = draw_subsamples(pool, 4, 3, np.random.RandomState(0))
    assert len(subsets) == 4
    for rows in subsets:
        assert len(set(rows)) == 3 and set(rows) <= set(pool)


def test_out_of_bag_median_uses_the_members_that_left_a_row_out():
    scores = np.array([[1.0, 10.0, 5.0], [2.0, 20.0, 6.0], [3.0, 30.0, 7.0]])
    subsets = [np.array([0]), np.array([0, 1]), np.array([0, 1])]
    # row 0: seen by all, so all; row 1: member 0 only; row 2: all three
    assert_array_equal(out_of_bag_median(scores, subsets), [2.0, 10.0, 6.0])


def test_robust_scale_is_the_median_and_interquartile_range():
    assert robust_scale([1.0, 2.0, 3.0, 4.0, 5.0]) == (3.0, 2.0)
    assert robust_scale([4.0, 4.0]) == (4.0, 1.0)
