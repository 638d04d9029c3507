import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from skorch.callbacks import Callback
from threadpoolctl import ThreadpoolController

from skae import AutoencoderTransformer
from skae._module import BlasForward
from skae._threads import (
    SMALL_WORK,
    _get_blas_threads,
    _set_blas_threads,
    blas_threads,
    n_threads,
    torch_threads,
)


@pytest.fixture
def user_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield 2
    torch.set_num_threads(before)


@pytest.fixture
def user_blas_threads():
    # Set by the user, from this thread, as threadpoolctl does, even where the
    # count is 2 already: this thread then controls a process-wide pool.
    before = _get_blas_threads()
    for lib in ThreadpoolController().select(user_api="blas").lib_controllers:
        lib.set_num_threads(2)
    yield _get_blas_threads()
    _set_blas_threads(before)


class _RecordThreads(Callback):
    def on_epoch_end(self, net, **kwargs):
        net.history.record("threads", torch.get_num_threads())


def test_n_threads_is_one_for_small_work_and_the_users_setting_above(user_threads):
    assert n_threads(None, SMALL_WORK - 1) == 1
    assert n_threads(None, SMALL_WORK) == user_threads
    assert n_threads(3, 10) == 3
    assert n_threads(-1, 10) == os.cpu_count()
    assert n_threads(-(os.cpu_count() + 5), 10) == 1


@pytest.mark.parametrize("n_jobs, expected", [(None, 1), (2, 2), (1, 1)])
def test_fit_uses_the_chosen_threads_and_restores_the_users(
    user_threads, n_jobs, expected
):
    X = load_digits().data / 16
    model = AutoencoderTransformer(
        max_iter=2, n_jobs=n_jobs, callbacks=[_RecordThreads()], random_state=0
    ).fit(X)
    assert model.net_.history[:, "threads"] == [expected, expected]
    assert torch.get_num_threads() == user_threads


def test_failed_fit_restores_the_users_threads(user_threads):
    with pytest.raises(ValueError):
        AutoencoderTransformer(max_iter=2).fit(np.full((5, 3), np.nan))
    with pytest.raises(RuntimeError):
        with torch_threads(1):
            raise RuntimeError
    assert torch.get_num_threads() == user_threads


def test_concurrent_calls_restore_the_users_threads(user_threads):
    X = load_digits().data / 16
    model = AutoencoderTransformer(max_iter=2, random_state=0).fit(X)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: model.transform(X[:10]), range(200)))
    assert torch.get_num_threads() == user_threads


def test_nested_blocks_restore_the_outer_setting(user_threads):
    with torch_threads(1):
        with torch_threads(3):
            assert torch.get_num_threads() == 3
        assert torch.get_num_threads() == 3  # the outer block is still running
    assert torch.get_num_threads() == user_threads


@pytest.mark.parametrize("n_jobs, blas", [(None, "user"), (1, (1,)), (2, (2,))])
def test_inference_multiplies_on_blas_threads_and_restores_them(
    user_threads, user_blas_threads, monkeypatch, n_jobs, blas
):
    # Inference on the CPU multiplies with NumPy's BLAS (n_jobs sets its
    # threads, None leaves them as the user has them) and runs torch's
    # elementwise work on one thread.
    seen = []
    encode_into = BlasForward.encode_into

    def recording(self, X, out):
        seen.append((_get_blas_threads(), torch.get_num_threads()))
        return encode_into(self, X, out)

    monkeypatch.setattr(BlasForward, "encode_into", recording)
    X = load_digits().data / 16
    model = AutoencoderTransformer(max_iter=2, n_jobs=n_jobs, random_state=0).fit(X)
    model.transform(X)
    expected = user_blas_threads if blas == "user" else blas * len(user_blas_threads)
    assert seen == [(expected, 1)]
    assert _get_blas_threads() == user_blas_threads
    assert torch.get_num_threads() == user_threads


def test_a_graph_inferred_in_torch_runs_on_torch_s_threads(user_threads):
    # A graph without a NumPy forward (a convolutional one) infers in torch:
    # large work gets torch's threads, not the one thread torch keeps beside
    # NumPy's BLAS.
    from skae import ConvolutionalAutoencoder

    seen = []
    X = (load_digits().data / 16).astype(np.float32)  # inferred by the graph itself
    model = ConvolutionalAutoencoder(max_iter=1, random_state=0).fit(X)
    model.net_.module_.encoder.register_forward_hook(
        lambda *args: seen.append(torch.get_num_threads())
    )
    model.transform(X)
    model.set_params(n_jobs=1).transform(X)
    assert seen == [user_threads, 1]
    assert torch.get_num_threads() == user_threads


def test_concurrent_calls_restore_the_users_blas_threads(user_blas_threads):
    X = load_digits().data / 16
    model = AutoencoderTransformer(max_iter=2, n_jobs=1, random_state=0).fit(X)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: model.transform(X[:10]), range(200)))
    assert _get_blas_threads() == user_blas_threads
    with pytest.raises(RuntimeError):
        with blas_threads(1):
            raise RuntimeError
    assert _get_blas_threads() == user_blas_threads


def test_a_block_left_last_by_another_thread_restores_the_users_blas_threads(
    user_blas_threads,
):
    # Thread "first" enters first and leaves first; thread "last" restores the
    # user's count while "first" is still alive. threadpoolctl 3.8 lets only
    # the first thread to set a process-wide pool (pthreads OpenBLAS) set it,
    # so the restore used to be dropped, and the count stayed at 1.
    steps = [threading.Event() for _ in range(4)]
    inside = []

    def first():
        with blas_threads(1):
            steps[0].set()
            steps[1].wait(timeout=60)
            inside.append(_get_blas_threads())
        steps[2].set()
        steps[3].wait(timeout=60)  # alive until the check below

    def last():
        steps[0].wait(timeout=60)
        with blas_threads(1):
            steps[1].set()
            steps[2].wait(timeout=60)

    threads = [threading.Thread(target=first), threading.Thread(target=last)]
    for thread in threads:
        thread.start()
    try:
        threads[1].join()
        assert inside == [(1,) * len(user_blas_threads)]
        assert _get_blas_threads() == user_blas_threads
    finally:
        for step in steps:  # a failure above must not leave "first" waiting
            step.set()
        threads[0].join()
