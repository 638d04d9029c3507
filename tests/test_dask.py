"""Dask: skae's estimators on a real distributed.LocalCluster (loopback only).

GridSearchCV through joblib's "dask" backend, dask-ml's ParallelPostFit
transforming a chunked Dask array, and dask-ml's Incremental streaming the
blocks through partial_fit: each gives the in-memory result.
"""

import os

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from skae import AutoencoderOutlierDetector, AutoencoderTransformer

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers")


@pytest.fixture(scope="module")
def X():
    return (load_digits().data / 16).astype(np.float32)


@pytest.fixture(scope="module")
def client():
    # The cluster's nanny sets OMP_NUM_THREADS, MKL_NUM_THREADS and
    # OPENBLAS_NUM_THREADS (dask's "distributed.nanny.pre-spawn-environ") in
    # this process's environment for its workers, and leaves them there; a
    # subprocess started by a later test would inherit them.
    environ = dict(os.environ)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client
    os.environ.clear()
    os.environ.update(environ)


def _search(**kwargs):
    return GridSearchCV(
        AutoencoderTransformer(max_iter=3, random_state=0),
        {"n_components": [2, 8]},
        cv=2,
        **kwargs,
    )


def test_grid_search_on_the_cluster_matches_the_serial_search(X, client):
    serial = _search().fit(X)
    with joblib.parallel_backend("dask"):
        remote = _search().fit(X)
    assert remote.best_params_ == serial.best_params_
    assert_allclose(
        remote.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )


@pytest.mark.parametrize(
    "Estimator", [AutoencoderTransformer, AutoencoderOutlierDetector]
)
def test_parallel_post_fit_equals_the_in_memory_model(X, client, Estimator):
    # dask-ml guesses predict's output type by calling it on a 1-feature
    # array, which a fitted estimator refuses: name the type instead.
    model = dask_ml_wrappers.ParallelPostFit(
        Estimator(n_components=4, max_iter=3, random_state=0),
        predict_meta=np.empty(0, np.int64),
    ).fit(X)
    X_dask = da.from_array(X, chunks=(len(X) // 4 + 1, X.shape[1]))
    assert X_dask.numblocks[0] == 4
    in_memory = model.estimator
    if Estimator is AutoencoderTransformer:
        codes = model.transform(X_dask).compute()
        assert codes.shape == (len(X), 4)
        # Blocks of 450 rows, not 1797: float32 matrix products may round
        # differently with the number of rows.
        assert_allclose(codes, in_memory.transform(X), rtol=1e-5, atol=1e-6)
    else:
        assert_array_equal(model.predict(X_dask).compute(), in_memory.predict(X))
        scores = X_dask.map_blocks(
            in_memory.score_samples, drop_axis=1, dtype=np.float32
        )
        assert_allclose(
            client.compute(scores).result(), in_memory.score_samples(X), rtol=1e-5
        )


def test_incremental_streams_the_blocks_through_partial_fit(X, client):
    X_dask = da.from_array(X, chunks=(len(X) // 3 + 1, X.shape[1]))
    remote = dask_ml_wrappers.Incremental(
        AutoencoderTransformer(n_components=4, random_state=0), shuffle_blocks=False
    ).fit(X_dask)

    local = AutoencoderTransformer(n_components=4, random_state=0)
    for block in X_dask.blocks:
        local.partial_fit(block.compute())

    assert remote.estimator_.n_iter_ == local.n_iter_ == 3
    assert_array_equal(remote.estimator_.transform(X), local.transform(X))
    assert_allclose(
        remote.transform(X_dask).compute(), local.transform(X), rtol=1e-5, atol=1e-6
    )
