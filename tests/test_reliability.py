"""Persistence, hostile input, faults, concurrency and scaling out."""

import json
import pickle
import subprocess
import sys
import threading
import warnings
import zipfile
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io as skops_io
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import Callback, EarlyStopping
from threadpoolctl import threadpool_limits

from skae import (
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    ConvolutionalAutoencoder,
    ConvolutionalOutlierDetector,
    ConvolutionalVariationalAutoencoder,
    VariationalAutoencoder,
    VariationalOutlierDetector,
    _torch,
)
from skae._net import ArrayDataset


@pytest.fixture(scope="module")
def X():
    return load_digits().data / 16


@pytest.fixture(scope="module")
def fitted(X):
    return AutoencoderTransformer(n_components=8, max_iter=5, random_state=0).fit(X)


# One network trained on every row, as the detector is on images; the
# ensemble that tables get by default is `ensemble`.
ONE_NETWORK = {
    "n_estimators": 1,
    "feature_weight": 0.0,
    "screening": 0.0,
    "covariance_weight": 0.0,
}


# With the code term, so that its fitted arrays make the round trip too.
DETECTOR = dict(
    n_components=8, max_iter=5, contamination=0.1, code_weight=0.5, random_state=0
)


@pytest.fixture(scope="module")
def detector(X):
    return AutoencoderOutlierDetector(**DETECTOR, **ONE_NETWORK).fit(X)


@pytest.fixture(scope="module")
def ensemble(X):
    # The defaults on tables: networks on subsamples, histograms, a covariance.
    return AutoencoderOutlierDetector(**DETECTOR).fit(X)


@pytest.fixture(scope="module")
def vae(X):
    return VariationalAutoencoder(
        n_components=8,
        hidden_layer_sizes=(16,),
        n_importance_samples=10,
        max_iter=5,
        random_state=0,
    ).fit(X)


@pytest.fixture(scope="module")
def vae_detector(X):
    return VariationalOutlierDetector(
        n_components=8,
        hidden_layer_sizes=(16,),
        n_importance_samples=10,
        max_iter=5,
        contamination=0.1,
        code_weight=0.5,
        random_state=0,
    ).fit(X)


@pytest.fixture(scope="module")
def conv(X):
    return ConvolutionalAutoencoder(
        n_components=8, channels=(4, 8), max_iter=5, random_state=0
    ).fit(X)


@pytest.fixture(scope="module")
def conv_detector(X):
    return ConvolutionalOutlierDetector(
        n_components=8,
        channels=(4, 8),
        max_iter=5,
        contamination=0.1,
        code_weight=0.5,
        random_state=0,
    ).fit(X)


@pytest.fixture(scope="module")
def conv_vae(X):
    return ConvolutionalVariationalAutoencoder(
        n_components=8,
        channels=(4, 8),
        n_importance_samples=5,
        max_iter=3,
        random_state=0,
    ).fit(X)


# --- persistence ------------------------------------------------------------------


# Each estimator with the method whose output a round trip must keep.
ESTIMATORS = [
    ("fitted", "transform", "skae._transformer.AutoencoderTransformer"),
    ("detector", "decision_function", "skae._outlier.AutoencoderOutlierDetector"),
    (
        "ensemble",
        "decision_function",
        (
            "skae._histogram.FeatureHistograms",
            "skae._outlier.AutoencoderOutlierDetector",
        ),
    ),
    ("vae", "score_samples", "skae._variational.VariationalAutoencoder"),
    (
        "vae_detector",
        "decision_function",
        "skae._variational_outlier.VariationalOutlierDetector",
    ),
    ("conv", "score_samples", "skae._conv.ConvolutionalAutoencoder"),
    (
        "conv_detector",
        "decision_function",
        "skae._conv_outlier.ConvolutionalOutlierDetector",
    ),
    (
        "conv_vae",
        "score_samples",
        "skae._conv_variational.ConvolutionalVariationalAutoencoder",
    ),
]


def test_the_ensemble_round_tripped_holds_every_part_of_the_table_score(ensemble):
    assert ensemble.n_estimators_ > 1 and ensemble.feature_weight_ > 0
    assert ensemble.covariance_weight_ > 0 and ensemble.screening_ > 0


@pytest.fixture(scope="module")
def fresh_process_outputs(request, X, tmp_path_factory):
    """Each model's output after a pickle and a joblib round trip, in one new process.

    One process loads them all: starting one per model costs seconds each.
    """
    folder = tmp_path_factory.mktemp("round_trips")
    np.save(folder / "X.npy", X)
    loads = {"pickle": "pickle.loads(path.read_bytes())", "joblib": "joblib.load(path)"}
    for name, _, _ in ESTIMATORS:
        model = request.getfixturevalue(name)
        (folder / f"pickle-{name}").write_bytes(pickle.dumps(model))
        joblib.dump(model, folder / f"joblib-{name}")
    # Bitwise equality holds at the same BLAS thread count (products split
    # over other thread counts round differently): both sides run on one.
    script = "import pathlib, pickle, joblib, numpy as np, threadpoolctl\n"
    script += f"X = np.load({str(folder / 'X.npy')!r})\n"
    jobs = [(dump, name, method) for dump in loads for name, method, _ in ESTIMATORS]
    for dump, name, method in jobs:
        script += (
            f"path = pathlib.Path({str(folder / f'{dump}-{name}')!r})\n"
            f"model = {loads[dump]}\n"
            "with threadpoolctl.threadpool_limits(1):\n"
            f"    np.save({str(folder / f'{dump}-{name}.npy')!r}, model.{method}(X))\n"
        )
    subprocess.run([sys.executable, "-c", script], check=True)
    return {
        (dump, name): np.load(folder / f"{dump}-{name}.npy") for dump, name, *_ in jobs
    }


@pytest.mark.parametrize("name, method, type_name", ESTIMATORS)
@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_round_trip_in_a_fresh_process_gives_identical_output(
    request, X, fresh_process_outputs, dump, name, method, type_name
):
    model = request.getfixturevalue(name)
    with threadpool_limits(1):
        expected = getattr(model, method)(X)
    assert_array_equal(fresh_process_outputs[dump, name], expected)


@pytest.mark.parametrize("name, method, type_name", ESTIMATORS)
def test_other_blas_thread_counts_agree_to_rounding(
    request, X, name, method, type_name
):
    # What the user guide promises across thread counts: the same values up
    # to the rounding of float64 products summed in another order.
    model = request.getfixturevalue(name)
    with threadpool_limits(1):
        one = getattr(model, method)(X)
    with threadpool_limits(2):
        two = getattr(model, method)(X)
    assert_allclose(two, one, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name, method, type_name", ESTIMATORS)
def test_skops_round_trip_trusts_only_skae_types(
    request, X, tmp_path, name, method, type_name
):
    model = request.getfixturevalue(name)
    path = tmp_path / "model.skops"
    skops_io.dump(model, path)
    untrusted = skops_io.get_untrusted_types(file=path)
    assert untrusted == ([type_name] if isinstance(type_name, str) else list(type_name))
    loaded = skops_io.load(path, trusted=untrusted)
    assert_array_equal(getattr(loaded, method)(X), getattr(model, method)(X))


def test_skops_refuses_a_tampered_file(fitted, tmp_path):
    path, tampered = tmp_path / "model.skops", tmp_path / "tampered.skops"
    skops_io.dump(fitted, path)
    with zipfile.ZipFile(path) as source:
        schema = json.loads(source.read("schema.json"))
        others = {
            name: source.read(name)
            for name in source.namelist()
            if name != "schema.json"
        }
    # Swap the payload's n_features_in_ for os.system, as an attacker would.
    schema["content"]["content"]["n_features_in_"] = {
        "__class__": "system",
        "__module__": "os",
        "__loader__": "TypeNode",
        "__id__": 999999,
    }
    with zipfile.ZipFile(tampered, "w") as target:
        target.writestr("schema.json", json.dumps(schema))
        for name, data in others.items():
            target.writestr(name, data)
    assert "os.system" in skops_io.get_untrusted_types(file=tampered)
    with pytest.raises(Exception, match="os.system"):
        skops_io.load(tampered, trusted=["skae._transformer.AutoencoderTransformer"])


def test_state_saved_on_a_cuda_device_loads_on_the_cpu(fitted, X):
    state = fitted.__getstate__()
    if torch.cuda.is_available():
        cuda = AutoencoderTransformer(
            n_components=8, max_iter=5, random_state=0, device="cuda"
        )
        state = cuda.fit(X).__getstate__()
    else:
        # What a CUDA fit stores: the same plain arrays, with the device named.
        state["_net_state"] = dict(state["_net_state"], device="cuda")
    loaded = AutoencoderTransformer.__new__(AutoencoderTransformer)
    loaded.__setstate__(state)
    if not torch.cuda.is_available():
        assert str(loaded.net_.device) == "cpu"
        assert_array_equal(loaded.transform(X), fitted.transform(X))
    else:
        assert loaded.transform(X).shape == (len(X), 8)


def test_state_saved_on_a_gpu_this_machine_lacks_loads_on_the_cpu(
    fitted, X, monkeypatch
):
    # Fitted on a machine's second GPU, loaded where torch sees only one.
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    state = fitted.__getstate__()
    state["_net_state"] = dict(state["_net_state"], device="cuda:1")
    loaded = AutoencoderTransformer.__new__(AutoencoderTransformer)
    loaded.__setstate__(state)
    assert str(loaded.net_.device) == "cpu"
    assert_array_equal(loaded.transform(X), fitted.transform(X))


# --- hostile input ------------------------------------------------------------------

DTYPES = [np.bool_, np.int32, np.int64, np.uint8, np.float16, np.float32, np.float64]


@st.composite
def arrays(draw, n_features=None):
    dtype = draw(st.sampled_from(DTYPES + [object]))
    n_rows = draw(st.integers(0, 6))
    n_cols = n_features if n_features is not None else draw(st.integers(0, 5))
    if draw(st.booleans()) and n_features is not None:
        n_cols += draw(st.sampled_from([-1, 1]))  # sometimes the wrong width
    base = np.float64 if dtype is object else dtype
    elements = None
    if np.issubdtype(base, np.floating):
        elements = st.floats(
            allow_nan=True, allow_infinity=True, width=np.finfo(base).bits
        )
    X = draw(hnp.arrays(base, (n_rows, max(n_cols, 0)), elements=elements))
    if dtype is object:
        X = X.astype(object)
    layout = draw(st.sampled_from(["C", "F", "readonly", "1d", "pandas", "list"]))
    if layout == "F":
        X = np.asfortranarray(X)
    elif layout == "readonly":
        X = X.copy()
        X.flags.writeable = False
    elif layout == "1d":
        X = X.ravel()
    elif layout == "pandas" and X.ndim == 2:
        X = pd.DataFrame(X)
    elif layout == "list":
        X = X.tolist()
    return X


def _finite_input(X):
    try:
        values = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return values.size > 0 and np.isfinite(values).all()


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
# NumPy warns while scikit-learn finds the inf and NaN it then refuses.
@pytest.mark.filterwarnings("ignore:invalid value encountered in reduce:RuntimeWarning")
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_hostile_input_to_fitted_methods_works_or_raises_a_clear_error(
    fitted, detector, vae, vae_detector, conv, conv_detector, conv_vae, data
):
    model, method = data.draw(
        st.sampled_from(
            [
                (fitted, "transform"),
                (fitted, "inverse_transform"),
                (fitted, "score_samples"),
                (detector, "score_samples"),
                (detector, "decision_function"),
                (detector, "predict"),
                (vae, "transform"),
                (vae, "inverse_transform"),
                (vae, "score_samples"),
                (vae_detector, "decision_function"),
                (conv, "transform"),
                (conv, "inverse_transform"),
                (conv_detector, "score_samples"),
                (conv_vae, "score_samples"),
            ]
        )
    )
    width = 8 if method == "inverse_transform" else 64
    X = data.draw(arrays(width))
    try:
        out = getattr(model, method)(X)
    except (ValueError, TypeError) as exc:
        assert len(str(exc)) > 20  # a message, not a bare error
        return
    assert _finite_input(X), "accepted non-finite or empty input"
    assert np.isfinite(out).all(), "silent non-finite output"


@pytest.mark.parametrize(
    "Estimator",
    [
        AutoencoderTransformer,
        AutoencoderOutlierDetector,
        VariationalAutoencoder,
        VariationalOutlierDetector,
        # any number of features: a one-row image
        partial(ConvolutionalAutoencoder, image_shape=(1, -1)),
        partial(ConvolutionalOutlierDetector, image_shape=(1, -1)),
    ],
    ids=lambda Estimator: getattr(Estimator, "func", Estimator).__name__,
)
@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered in reduce:RuntimeWarning")
@settings(max_examples=100, deadline=None)
@given(X=arrays())
def test_hostile_input_to_fit_works_or_raises_a_clear_error(Estimator, X):
    model = Estimator(n_components=2, max_iter=1, random_state=0)
    try:
        model.fit(X)
    except (ValueError, TypeError) as exc:
        assert len(str(exc)) > 20
        return
    assert _finite_input(X), "accepted non-finite or empty input"
    assert np.isfinite(model.score_samples(X)).all()


def test_memmap_input_is_read_without_copying(X, tmp_path):
    path = tmp_path / "X.dat"
    stored = np.memmap(path, dtype=np.uint8, mode="w+", shape=X.shape)
    stored[:] = (X * 16).astype(np.uint8)
    stored.flush()
    data = np.memmap(path, dtype=np.uint8, mode="r", shape=X.shape)
    model = AutoencoderTransformer(
        n_components=4, batch_size=256, max_iter=2, random_state=0
    ).fit(data)
    assert model.loss_ == "mse"
    assert ArrayDataset(data).X is data  # batches are read from the memmap
    assert model.net_.history[-1]["batches"][0]["train_batch_size"] == 256
    assert np.isfinite(model.transform(data)).all()


def test_values_beyond_float32_are_rejected_before_training():
    X = np.array([[1e300, 0.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="beyond float32"):
        AutoencoderTransformer(max_iter=1).fit(X)


def test_methods_refuse_to_return_overflowed_values(fitted):
    X = np.full((2, 64), 1e300)  # finite, but its error overflows
    with pytest.raises(
        ValueError, match="produced non-finite values from finite input"
    ):
        fitted.score_samples(X)


# --- faults -----------------------------------------------------------------------


def test_divergence_stops_at_once_with_a_helpful_error(X):
    # The seed network stays finite at this rate (with a huge loss); this one
    # overflows float32 within the first epoch.
    model = AutoencoderTransformer(
        hidden_layer_sizes=(64, 64),
        loss="mse",
        learning_rate_init=1e3,
        max_iter=50,
        random_state=0,
    )
    with pytest.raises(
        ValueError,
        match="diverged: the loss became .* in epoch 1.* smaller learning_rate_init",
    ):
        model.fit(X)
    assert not hasattr(model, "net_")


def test_divergence_leaves_a_fitted_estimator_intact(fitted, X):
    codes = fitted.transform(X)
    model = pickle.loads(pickle.dumps(fitted))
    model.set_params(hidden_layer_sizes=(64, 64), learning_rate_init=1e3, loss="mse")
    with pytest.raises(ValueError, match="Training diverged"):
        model.fit(X)
    assert_array_equal(model.transform(X), codes)
    assert model.loss_ == "bce"


class Interrupt(Callback):
    def __init__(self, epoch, batch):
        self.epoch, self.batch = epoch, batch

    def on_batch_end(self, net, **kwargs):
        if (
            len(net.history) == self.epoch
            and len(net.history[-1]["batches"]) == self.batch
        ):
            raise KeyboardInterrupt


def test_keyboard_interrupt_keeps_the_epochs_done_and_warns(X):
    model = AutoencoderTransformer(
        max_iter=10, random_state=0, callbacks=(Interrupt(epoch=4, batch=2),)
    )
    with pytest.warns(UserWarning, match="interrupted after 3 of 10 epochs"):
        model.fit(X)
    assert model.n_iter_ == 3
    assert len(model.loss_curve_) == 3
    assert model.transform(X).shape == (len(X), 32)


def test_early_stopping_does_not_warn_of_an_interrupt(X):
    model = AutoencoderTransformer(
        early_stopping=True, tol=10.0, n_iter_no_change=2, max_iter=10, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X)
    assert model.n_iter_ == 3


def test_a_skorch_early_stopping_callback_does_not_warn_of_an_interrupt(X):
    stopper = EarlyStopping(monitor="train_loss", patience=2, threshold=10.0)
    model = AutoencoderTransformer(max_iter=10, random_state=0, callbacks=[stopper])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X)
    assert model.n_iter_ == 3


# --- the caller's torch settings --------------------------------------------------

# Everything a fit can draw random numbers for or build: hidden layers, dropout,
# noise of both kinds and the validation split.
TORCH_SETTINGS_CASES = [
    dict(hidden_layer_sizes=(16,), dropout=0.2, early_stopping=True),
    dict(noise=0.2, noise_type="masking"),
    dict(noise=0.1, loss="mse"),
]


@pytest.mark.parametrize(
    "Estimator",
    [
        AutoencoderTransformer,
        AutoencoderOutlierDetector,
        VariationalAutoencoder,
        VariationalOutlierDetector,
        ConvolutionalAutoencoder,
        ConvolutionalOutlierDetector,
    ],
)
@pytest.mark.parametrize(
    "mode",
    [
        torch.no_grad,
        torch.inference_mode,
        partial(torch.autocast, "cpu", dtype=torch.bfloat16),
    ],
    ids=["no_grad", "inference_mode", "autocast"],
)
def test_fit_inside_a_torch_mode_block_trains_as_outside(X, Estimator, mode):
    params = dict(n_components=4, max_iter=3, random_state=0)
    if Estimator is AutoencoderOutlierDetector:
        params.update(ONE_NETWORK)
    if Estimator in (VariationalAutoencoder, VariationalOutlierDetector):
        # The same checks on a smaller network and estimate, to stay fast.
        params.update(hidden_layer_sizes=(16,), n_importance_samples=5)
    if Estimator in (ConvolutionalAutoencoder, ConvolutionalOutlierDetector):
        params["channels"] = (4, 8)
    if Estimator in (VariationalOutlierDetector, ConvolutionalOutlierDetector):
        params["calibration_cv"] = 2
    expected = Estimator(**params).fit(X).score_samples(X)
    with mode():
        model = Estimator(**params).fit(X)
        assert_array_equal(model.score_samples(X), expected)
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()
    assert not torch.is_autocast_enabled("cpu")
    # Its weights are ordinary tensors: training goes on outside the block.
    model.set_params(warm_start=True).fit(X)
    assert model.n_iter_ == 6


def test_a_model_loaded_inside_inference_mode_can_train_on(fitted, X):
    dumped = pickle.dumps(fitted)
    with torch.inference_mode():
        model = pickle.loads(dumped)
        assert_array_equal(model.transform(X), fitted.transform(X))
    # Its torch encoder fine-tunes in the user's own loop, as in the seed.
    encoder = model.net_.module_.encoder
    encoder(torch.as_tensor(X[:5], dtype=torch.float32)).sum().backward()
    assert all(param.grad is not None for param in encoder.parameters())
    model.set_params(warm_start=True).fit(X)
    assert model.n_iter_ == 10


@pytest.fixture
def restore_default_dtype():
    before = torch.get_default_dtype()
    yield
    torch.set_default_dtype(before)


@pytest.mark.parametrize("params", TORCH_SETTINGS_CASES)
def test_a_float64_default_dtype_changes_neither_training_nor_the_default(
    X, params, restore_default_dtype
):
    params = dict(
        params,
        n_components=4,
        max_iter=3,
        code_weight=0.5,
        random_state=0,
        **ONE_NETWORK,
    )
    expected = AutoencoderOutlierDetector(**params).fit(X)
    torch.set_default_dtype(torch.float64)
    model = AutoencoderOutlierDetector(**params).fit(X)
    assert torch.get_default_dtype() == torch.float64
    assert next(model.net_.module_.parameters()).dtype == torch.float32
    assert_array_equal(model.loss_curve_, expected.loss_curve_)
    assert model.offset_ == expected.offset_
    assert_array_equal(model.decision_function(X), expected.decision_function(X))
    for dtype in (np.float32, np.float64):
        assert_array_equal(
            model.autoencoder_.transform(X.astype(dtype)),
            expected.autoencoder_.transform(X.astype(dtype)),
        )
    loaded = pickle.loads(pickle.dumps(model))
    assert next(loaded.net_.module_.parameters()).dtype == torch.float32
    loaded.set_params(warm_start=True).fit(X)
    assert torch.get_default_dtype() == torch.float64


def test_an_ensemble_fits_alike_under_other_torch_defaults(
    X, restore_default_dtype, restore_default_device
):
    params = dict(n_components=4, max_iter=2, code_weight=0.5, random_state=0)
    expected = AutoencoderOutlierDetector(**params).fit(X).decision_function(X)
    torch.set_default_dtype(torch.float64)
    torch.set_default_device("meta")
    with torch.no_grad():
        model = AutoencoderOutlierDetector(**params).fit(X)
    assert_array_equal(model.decision_function(X), expected)


@pytest.fixture
def restore_default_device():
    yield
    torch.set_default_device(None)  # torch's default: no default device


@pytest.mark.parametrize("params", TORCH_SETTINGS_CASES)
def test_a_default_device_changes_neither_training_nor_loading(
    X, params, restore_default_device
):
    params = dict(params, n_components=4, max_iter=3, random_state=0, **ONE_NETWORK)
    expected = AutoencoderOutlierDetector(**params).fit(X)
    # The meta device stands for torch.set_default_device("cuda") where there
    # is no GPU: a tensor made without naming its device lands there and
    # fails, as on the GPU it would fail beside the CPU data and generator.
    torch.set_default_device("meta")
    model = AutoencoderOutlierDetector(**params).fit(X)
    assert_array_equal(model.decision_function(X), expected.decision_function(X))
    loaded = pickle.loads(pickle.dumps(model))
    assert_array_equal(loaded.decision_function(X), expected.decision_function(X))
    loaded.set_params(warm_start=True).fit(X)
    assert loaded.n_iter_ == 6


# --- concurrency and scaling out ----------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_transform_from_8_threads_matches_serial_calls(fitted, X, dtype):
    chunks = [X[i::8].astype(dtype) for i in range(8)]
    serial = [fitted.transform(chunk) for chunk in chunks]
    with ThreadPoolExecutor(8) as pool:
        for _ in range(3):
            threaded = list(pool.map(fitted.transform, chunks))
            for a, b in zip(serial, threaded):
                assert_array_equal(a, b)


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_fits_in_threads_match_serial_fits_and_keep_the_global_generator(X, dropout):
    def fit(seed):
        model = AutoencoderTransformer(
            hidden_layer_sizes=(16,), n_components=4, max_iter=4, dropout=dropout
        )
        return model.set_params(random_state=seed).fit(X).transform(X[:20])

    torch.manual_seed(0)
    state = torch.get_rng_state()
    serial = [fit(seed) for seed in range(6)]
    with ThreadPoolExecutor(3) as pool:
        threaded = list(pool.map(fit, range(6)))
    for a, b in zip(serial, threaded):
        assert_array_equal(a, b)
    assert torch.equal(torch.get_rng_state(), state)


def test_a_fit_drawing_nothing_globally_runs_beside_one_that_does(X):
    # A fit without dropout does not wait for the global generator's lock.
    held, release = threading.Event(), threading.Event()

    def hold():
        with _torch.GLOBAL_GENERATOR_LOCK:
            held.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(60)
    try:
        with ThreadPoolExecutor(1) as pool:
            model = AutoencoderTransformer(n_components=4, max_iter=2, random_state=0)
            pool.submit(model.fit, X).result(timeout=60)
    finally:
        release.set()
        holder.join()


def _search(**kwargs):
    return GridSearchCV(
        AutoencoderTransformer(max_iter=3, random_state=0),
        {"n_components": [2, 8]},
        cv=2,
        **kwargs,
    )


def test_grid_search_with_two_loky_workers_matches_the_serial_search(X):
    serial = _search().fit(X)
    parallel = _search(n_jobs=2).fit(X)
    assert parallel.best_params_ == serial.best_params_
    assert_allclose(
        parallel.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
