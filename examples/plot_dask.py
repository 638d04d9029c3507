"""
=====================================
Scaling out with Dask
=====================================

skae's estimators are plain scikit-learn estimators, so the ecosystem's
engines run them as they are:

- ``GridSearchCV`` sends its fits to a Dask cluster through joblib's
  ``"dask"`` backend;
- ``dask_ml.wrappers.ParallelPostFit`` fits on an in-memory sample and then
  transforms a chunked Dask array block by block, in parallel, on the
  cluster's workers.

This example starts a ``distributed.LocalCluster`` (two worker processes on
this machine, loopback only); point ``Client`` at a real cluster's scheduler
to use one. It needs ``pip install "dask[distributed]" dask-ml``. The cluster
is started under ``if __name__ == "__main__":`` because its worker processes
import the script again.
"""

# %%
import dask.array as da
import joblib
import numpy as np
from dask_ml.wrappers import ParallelPostFit
from distributed import Client, LocalCluster
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from skae import AutoencoderTransformer

X = (load_digits().data / 16).astype(np.float32)

if __name__ == "__main__":
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
    client = Client(cluster)

    # A grid search, one fit per task on the workers.
    search = GridSearchCV(
        AutoencoderTransformer(max_iter=50, random_state=0),
        {"n_components": [8, 16, 32]},
        cv=3,
    )
    with joblib.parallel_backend("dask"):
        search.fit(X)
    print("chosen:", search.best_params_)

    # The search's scores, as from a search run in this process.
    import matplotlib.pyplot as plt

    sizes = search.cv_results_["param_n_components"].data
    fig, ax = plt.subplots(figsize=(5, 3), layout="constrained")
    ax.plot(sizes, search.cv_results_["mean_test_score"], marker="o")
    ax.set_xlabel("n_components (code size)")
    ax.set_ylabel("mean CV score\n(minus the reconstruction error)")
    ax.set_title("GridSearchCV on the Dask cluster")
    plt.show()

    # Transforming a Dask array in parallel: ``fit`` runs in memory;
    # ``transform`` maps over the array's blocks, here eight blocks of about
    # 225 rows, and returns a lazy Dask array. dask-ml gives that lazy array
    # the input's block shapes (64 columns); the blocks it computes hold the
    # 32 columns of the code.
    model = ParallelPostFit(AutoencoderTransformer(max_iter=50, random_state=0)).fit(X)
    X_dask = da.from_array(X, chunks=(225, 64))
    codes = model.transform(X_dask).compute()
    same = np.array_equal(codes, model.estimator.transform(X))
    print(f"codes {codes.shape}; equal to the in-memory transform: {same}")

    client.close()
    cluster.close()
