import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from numpy.testing import assert_allclose, assert_array_equal
from scipy import special
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from skae import AutoencoderTransformer, _base


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16, y


@pytest.fixture(scope="module")
def fitted(digits):
    X, _ = digits
    return AutoencoderTransformer(n_components=16, max_iter=100, random_state=0).fit(X)


def _fast(**params):
    return AutoencoderTransformer(**{"max_iter": 3, "random_state": 0, **params})


# --- the seed network and its parameters -------------------------------------


def test_defaults_reproduce_the_seed_network(digits):
    X, _ = digits
    autoencoder = AutoencoderTransformer(max_iter=1).fit(X)
    net = autoencoder.net_
    layers = [type(layer).__name__ for layer in net.module_.modules()]
    assert layers.count("Linear") == 2
    assert net.module_.encoder[0].weight.shape == (32, 64)
    assert isinstance(net.module_.encoder[1], torch.nn.ReLU)
    assert net.module_.decoder[0].weight.shape == (64, 32)
    assert len(net.module_.decoder) == 1  # logits: the sigmoid lives in the loss
    assert isinstance(net.optimizer_, torch.optim.Adam)
    assert net.optimizer_.defaults["eps"] == 1e-7
    assert net.optimizer_.defaults["lr"] == 1e-3
    assert isinstance(net.criterion_, torch.nn.BCEWithLogitsLoss)


def test_auto_schedule_is_the_seed_schedule_on_60000_rows():
    assert AutoencoderTransformer()._schedule(60_000) == (256, 50)


@pytest.mark.parametrize("n_samples", [1, 10, 90, 1797, 4096, 10_000, 10**6])
def test_auto_schedule_trains_at_least_6000_steps_and_50_epochs(n_samples):
    batch_size, epochs = AutoencoderTransformer()._schedule(n_samples)
    assert 32 <= batch_size <= 256
    assert epochs >= 50
    assert -(-n_samples // batch_size) * epochs >= 6000


def test_explicit_schedule_is_used_as_given(digits):
    X, _ = digits
    autoencoder = AutoencoderTransformer(batch_size=100, max_iter=3).fit(X)
    assert autoencoder.batch_size_ == 100
    assert autoencoder.net_.batch_size == 100
    assert autoencoder.n_iter_ == 3


def test_auto_schedule_on_digits(digits):
    X, _ = digits
    autoencoder = AutoencoderTransformer(random_state=0).fit(X[:200])
    assert autoencoder.batch_size_ == 32  # 200 // 16 = 12, raised to 32
    assert autoencoder.n_iter_ == 858  # 7 steps an epoch, 6000 steps


def test_hidden_layer_sizes_are_mirrored_in_the_decoder(digits):
    X, _ = digits
    autoencoder = _fast(n_components=8, hidden_layer_sizes=(40, 20)).fit(X)
    linear = [
        m for m in autoencoder.net_.module_.modules() if isinstance(m, torch.nn.Linear)
    ]
    assert [(m.in_features, m.out_features) for m in linear] == [
        (64, 40),
        (40, 20),
        (20, 8),
        (8, 20),
        (20, 40),
        (40, 64),
    ]


@pytest.mark.parametrize(
    "activation, layer",
    [
        ("relu", torch.nn.ReLU),
        ("tanh", torch.nn.Tanh),
        ("sigmoid", torch.nn.Sigmoid),
        ("gelu", torch.nn.GELU),
    ],
)
def test_activation_is_used_in_every_hidden_layer_and_the_code(
    digits, activation, layer
):
    X, _ = digits
    autoencoder = _fast(hidden_layer_sizes=(20,), activation=activation).fit(X)
    activations = [
        m for m in autoencoder.net_.module_.modules() if isinstance(m, layer)
    ]
    assert len(activations) == 3


def test_weights_are_glorot_uniform_and_biases_zero(digits):
    X, _ = digits
    module = AutoencoderTransformer(n_components=32, max_iter=1).fit(X).net_.module_
    fresh = type(module)(
        **module.get_params(), generator=torch.Generator().manual_seed(0)
    )
    weight = fresh.encoder[0].weight.detach().numpy()
    limit = np.sqrt(6 / (64 + 32))
    assert np.abs(weight).max() <= limit
    assert np.abs(weight).max() > 0.95 * limit
    assert_allclose(weight.std(), limit / np.sqrt(3), rtol=0.05)
    assert not fresh.encoder[0].bias.any()


def test_alpha_is_adam_weight_decay(digits):
    X, _ = digits
    autoencoder = _fast(alpha=0.01).fit(X)
    assert autoencoder.net_.optimizer_.defaults["weight_decay"] == 0.01


def test_learning_rate_init_and_batch_size_reach_the_net(digits):
    X, _ = digits
    autoencoder = _fast(learning_rate_init=0.01, batch_size=100).fit(X)
    assert autoencoder.net_.optimizer_.defaults["lr"] == 0.01
    # every sample is used: skorch's default 20% validation split is off
    assert autoencoder.net_.history[-1, "train_batch_count"] == 18


def test_training_reduces_the_loss(fitted):
    curve = fitted.loss_curve_
    assert len(curve) == fitted.n_iter_ == 100
    assert curve[-1] < 0.6 * curve[0]


# --- fit / transform / inverse_transform ---------------------------------------


def test_fit_ignores_y_and_returns_self(digits):
    X, y = digits
    autoencoder = _fast()
    assert autoencoder.fit(X, y) is autoencoder


def test_shapes(fitted, digits):
    X, _ = digits
    codes = fitted.transform(X)
    assert codes.shape == (len(X), 16)
    assert fitted.inverse_transform(codes).shape == X.shape
    assert fitted.score_samples(X).shape == (len(X),)


def test_fit_transform_equals_fit_then_transform(digits):
    X, _ = digits
    assert_array_equal(_fast().fit_transform(X), _fast().fit(X).transform(X))


def test_inverse_transform_of_bce_model_is_a_probability(fitted, digits):
    X, _ = digits
    reconstruction = fitted.inverse_transform(fitted.transform(X))
    assert reconstruction.min() >= 0 and reconstruction.max() <= 1


def test_reconstruction_is_better_than_the_mean(fitted, digits):
    X, _ = digits
    reconstruction = fitted.inverse_transform(fitted.transform(X))
    assert np.mean((reconstruction - X) ** 2) < 0.5 * np.mean((X - X.mean(0)) ** 2)


def test_n_components_may_exceed_n_features(digits):
    X, _ = digits
    model = _fast(n_components=100).fit(X)
    assert model.transform(X).shape == (len(X), 100)
    assert model.n_components_ == 100


@pytest.mark.parametrize(
    "n_features, expected", [(1, 1), (2, 1), (10, 5), (63, 31), (64, 32), (784, 32)]
)
def test_auto_n_components_is_32_or_half_of_fewer_than_64_features(
    n_features, expected
):
    X = np.random.default_rng(0).random((40, n_features))
    model = AutoencoderTransformer(max_iter=1, random_state=0).fit(X)
    assert model.n_components == "auto"
    assert model.n_components_ == expected
    assert model.transform(X).shape == (40, expected)
    assert model.get_feature_names_out().shape == (expected,)
    codes = np.zeros((3, expected))
    assert model.inverse_transform(codes).shape == (3, n_features)


def test_auto_n_components_uses_every_code_unit_on_a_narrow_table():
    # load_diabetes has 10 features: a code of 32 left a third of its ReLU
    # units all zero; the auto code of 5 compresses the table and uses each.
    X = load_diabetes().data
    model = AutoencoderTransformer(max_iter=200, random_state=0).fit(X)
    codes = model.transform(X)
    assert codes.shape == (len(X), 5)
    assert np.all(np.abs(codes).max(axis=0) > 0)


# --- loss ---------------------------------------------------------------------


def test_loss_auto_uses_bce_in_unit_range_and_mse_elsewhere(digits):
    X, _ = digits
    assert _fast().fit(X).loss_ == "bce"
    autoencoder = _fast().fit(X * 16)
    assert autoencoder.loss_ == "mse"
    assert isinstance(autoencoder.net_.criterion_, torch.nn.MSELoss)


def test_loss_auto_uses_bce_after_a_min_max_scaler(digits):
    # MinMaxScaler's float64 output can exceed 1 by a rounding error, as on
    # load_breast_cancer; training in float32 sees 1.
    X, _ = digits
    X = X.copy()
    X[0, 0] = np.nextafter(1.0, 2.0)
    assert _fast().fit(X).loss_ == "bce"
    assert _fast(loss="bce").fit(X).loss_ == "bce"
    X_scaled = MinMaxScaler().fit_transform(load_breast_cancer().data)
    assert X_scaled.max() > 1
    assert _fast().fit(X_scaled).loss_ == "bce"


def test_loss_auto_uses_mse_beyond_float32_rounding_of_the_unit_range(digits):
    X, _ = digits
    for value in (np.nextafter(np.float32(1), np.float32(2)), -1e-30):
        X_outside = X.copy()
        X_outside[0, 0] = value
        assert _fast().fit(X_outside).loss_ == "mse"
    # The message shows the excess rather than rounding it away.
    with pytest.raises(ValueError, match=r"ranges over \[-1e-30, 1\]"):
        _fast(loss="bce").fit(X_outside)


def test_loss_bce_outside_unit_range_names_the_range_and_the_fixes(digits):
    X, _ = digits
    with pytest.raises(
        ValueError, match=r"ranges over \[0, 16\].*MinMaxScaler.*loss='mse'"
    ):
        _fast(loss="bce").fit(X * 16)


def test_mse_model_reconstructs_outside_unit_range(digits):
    X, _ = digits
    autoencoder = AutoencoderTransformer(loss="mse", max_iter=30, random_state=0).fit(
        X * 16
    )
    reconstruction = autoencoder.inverse_transform(autoencoder.transform(X * 16))
    assert reconstruction.max() > 5


def test_score_samples_is_minus_the_binary_kl_divergence(fitted, digits):
    X, _ = digits
    p = fitted.inverse_transform(fitted.transform(X))
    kl = special.rel_entr(X, p) + special.rel_entr(1 - X, 1 - p)  # 0 log 0 = 0
    assert_allclose(fitted.score_samples(X), -kl.mean(axis=1), rtol=1e-6)
    assert_allclose(fitted.score(X), -kl.mean(), rtol=1e-6)


def test_score_samples_of_a_perfect_reconstruction_is_zero(digits):
    # Pixels of exactly 0 and 1, reconstructed as themselves: no error,
    # whatever the brightness (the cross-entropy alone grows with it).
    X, _ = digits
    model = _fast().fit(X)
    target = (X[:1] > 0.5).astype(float)
    with torch.no_grad():
        model.net_.module_.decoder[-1].weight.zero_()
        model.net_.module_.decoder[-1].bias.copy_(torch.from_numpy(target[0] * 80 - 40))
    assert target.mean() > 0.2
    assert_allclose(model.score_samples(target), [0.0], atol=1e-15)


def test_score_samples_outside_the_unit_range_adds_the_squared_excess(fitted, digits):
    # New data scaled like the training data may leave [0, 1], where the KL
    # divergence is undefined: such a value counts as the nearest bound plus
    # its squared distance to it.
    X, _ = digits
    outside = X[:5].copy()
    outside[:, 0] = [-0.5, 1.5, 2.0, 1.0, 0.0]
    p = fitted.inverse_transform(fitted.transform(outside))
    inside = np.clip(outside, 0, 1)
    error = special.rel_entr(inside, p) + special.rel_entr(1 - inside, 1 - p)
    error += (outside - inside) ** 2
    assert_allclose(fitted.score_samples(outside), -error.mean(axis=1), rtol=1e-6)


def test_score_is_minus_mean_squared_error(digits):
    X, _ = digits
    autoencoder = _fast(loss="mse").fit(X)
    reconstruction = autoencoder.inverse_transform(autoencoder.transform(X))
    assert_allclose(
        autoencoder.score(X), -np.mean((reconstruction - X) ** 2), rtol=1e-6
    )


def test_grid_search_on_score_alone_prefers_the_largest_code(digits):
    X, _ = digits
    search = GridSearchCV(_fast(max_iter=10), {"n_components": [2, 16]}, cv=2).fit(X)
    assert search.best_params_ == {"n_components": 16}


# --- dtypes, names, pandas -----------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_output_dtype_follows_input(fitted, digits, dtype):
    X = digits[0].astype(dtype)
    codes = fitted.transform(X)
    assert codes.dtype == dtype
    assert fitted.inverse_transform(codes).dtype == dtype
    assert fitted.score_samples(X).dtype == dtype


@pytest.mark.parametrize("dtype", [np.uint8, np.int64, np.float16])
def test_other_dtypes_are_inferred_in_float32(fitted, digits, dtype):
    rounded = np.round(digits[0]).astype(dtype)  # 0 and 1, as in training
    codes = fitted.transform(rounded)
    assert codes.dtype == np.float32
    assert fitted.score_samples(rounded).dtype == np.float32
    assert_allclose(codes, fitted.transform(rounded.astype(np.float32)))


def test_float32_and_float64_inference_agree(fitted, digits):
    X, _ = digits
    assert_allclose(
        fitted.transform(X.astype(np.float32)), fitted.transform(X), atol=1e-5
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inference_follows_weights_changed_in_place(digits, dtype):
    # The seed uses the encoder on its own: fine-tuned in a torch loop, or
    # given weights with load_state_dict, it is what transform then runs.
    X, _ = digits
    model = _fast(n_components=4, hidden_layer_sizes=(16,)).fit(X)
    module = model.net_.module_
    optimizer = torch.optim.SGD(module.parameters(), lr=0.5)
    batch = torch.as_tensor(X[:64], dtype=torch.float32)
    for _ in range(3):
        optimizer.zero_grad()
        module(batch)[0].square().mean().backward()
        optimizer.step()
    other = _fast(n_components=4, hidden_layer_sizes=(16,), random_state=1).fit(X)
    X = X[:20].astype(dtype)
    with torch.no_grad():
        codes = module.encoder(torch.as_tensor(X, dtype=torch.float32)).numpy()
        decoded = module.decoder(torch.as_tensor(codes)).sigmoid().numpy()
    assert_allclose(model.transform(X), codes, rtol=1e-5, atol=1e-6)
    assert_allclose(model.inverse_transform(codes), decoded, rtol=1e-5, atol=1e-6)
    module.load_state_dict(other.net_.module_.state_dict())
    assert_array_equal(model.transform(X), other.transform(X))
    assert_array_equal(model.score_samples(X), other.score_samples(X))


def test_inference_is_prepared_once_while_the_weights_do_not_change(fitted, digits):
    X, _ = digits
    prepared = fitted._prepared_inference
    for dtype in (np.float32, np.float64):
        codes = fitted.transform(X[:5].astype(dtype))
        fitted.inverse_transform(codes)
        fitted.score_samples(X[:5].astype(dtype))
    assert fitted._prepared_inference is prepared


def test_feature_names_out(fitted):
    names = fitted.get_feature_names_out()
    assert names[0] == "autoencodertransformer0"
    assert names[-1] == "autoencodertransformer15"


def test_dataframe_input_and_pandas_output(digits):
    X, _ = digits
    frame = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(64)])
    autoencoder = _fast(n_components=4).set_output(transform="pandas").fit(frame)
    assert list(autoencoder.feature_names_in_) == list(frame.columns)
    codes = autoencoder.transform(frame)
    assert isinstance(codes, pd.DataFrame)
    assert list(codes.columns) == [f"autoencodertransformer{i}" for i in range(4)]
    assert_array_equal(codes.to_numpy(), _fast(n_components=4).fit(X).transform(X))


# --- randomness ----------------------------------------------------------------


def test_same_random_state_gives_bitwise_identical_codes(digits):
    X, _ = digits
    first = _fast(random_state=7).fit_transform(X)
    assert_array_equal(first, _fast(random_state=7).fit_transform(X))
    assert not np.array_equal(first, _fast(random_state=8).fit_transform(X))


def test_random_state_instance_is_accepted(digits):
    X, _ = digits
    codes = _fast(random_state=np.random.RandomState(3)).fit_transform(X)
    assert_array_equal(
        codes, _fast(random_state=np.random.RandomState(3)).fit_transform(X)
    )


def test_fit_leaves_the_global_torch_rng_untouched(digits):
    X, _ = digits
    for random_state in (0, None):
        before = torch.random.get_rng_state()
        _fast(random_state=random_state, hidden_layer_sizes=(8,)).fit(X)
        assert torch.equal(before, torch.random.get_rng_state())


# --- bad input -------------------------------------------------------------------


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.array([[0.0, np.nan], [1.0, 0.5]]), ValueError, "Input X contains NaN"),
        (
            np.array([[0.0, np.inf], [1.0, 0.5]]),
            ValueError,
            "Input X contains infinity",
        ),
        (np.empty((0, 3)), ValueError, "0 sample"),
        (np.empty((3, 0)), ValueError, "0 feature"),
        (np.array([0.0, 0.5, 1.0]), ValueError, "Expected 2D array, got 1D array"),
        (np.array([[1 + 1j, 0.5]]), ValueError, "Complex data not supported"),
        (
            np.array([["a", "b"], ["c", "d"]]),
            ValueError,
            "not compatible with arrays of bytes/strings",
        ),
        (sp.csr_matrix(np.eye(3)), TypeError, "Sparse data was passed"),
    ],
    ids=[
        "nan",
        "inf",
        "no-samples",
        "no-features",
        "1d",
        "complex",
        "strings",
        "sparse",
    ],
)
def test_fit_rejects_bad_input_with_a_clear_message(X, error, match):
    with pytest.raises(error, match=match):
        _fast().fit(X)


def test_transform_rejects_a_wrong_number_of_columns(fitted):
    with pytest.raises(
        ValueError,
        match="X has 10 features, but AutoencoderTransformer is expecting 64",
    ):
        fitted.transform(np.zeros((2, 10)))


def test_inverse_transform_rejects_a_wrong_code_width(fitted):
    with pytest.raises(
        ValueError,
        match="X has 5 features, .*inverse_transform is expecting 16 features",
    ):
        fitted.inverse_transform(np.zeros((2, 5)))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_components": 0}, "'n_components' parameter"),
        ({"activation": "swish"}, "'activation' parameter"),
        ({"loss": "l1"}, "'loss' parameter"),
        ({"learning_rate_init": 0}, "'learning_rate_init' parameter"),
        (
            {"hidden_layer_sizes": (10, 0)},
            "hidden_layer_sizes must contain positive integers",
        ),
        ({"device": "gpu0"}, "device='gpu0' is not a torch device"),
    ],
)
def test_invalid_parameters_are_rejected_at_fit(digits, params, match):
    X, _ = digits
    with pytest.raises(ValueError, match=match):
        _fast(**params).fit(X)


def test_an_int_hidden_layer_size_is_one_layer(digits):
    # As in MLPRegressor: hidden_layer_sizes=16 means (16,).
    X, _ = digits
    as_int = _fast(hidden_layer_sizes=16, random_state=0).fit(X)
    as_tuple = _fast(hidden_layer_sizes=(16,), random_state=0).fit(X)
    assert as_int.net_.module_.hidden_layer_sizes == (16,)
    np.testing.assert_array_equal(as_int.transform(X), as_tuple.transform(X))


@pytest.mark.parametrize(
    "bad_X",
    [np.full((5, 64), np.nan), np.full((5, 64), 2.0), np.zeros((5, 3, 2))],
    ids=["nan", "out-of-range-for-bce", "3d"],
)
def test_failed_fit_leaves_a_fitted_estimator_as_it_was(digits, bad_X):
    X, _ = digits
    frame = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(64)])
    autoencoder = _fast(loss="bce").fit(frame)
    state = dict(vars(autoencoder))
    codes = autoencoder.transform(frame)
    with pytest.raises(ValueError):
        autoencoder.fit(bad_X)  # an ndarray: would drop feature_names_in_
    assert vars(autoencoder).keys() == state.keys()
    assert all(vars(autoencoder)[key] is value for key, value in state.items())
    assert_array_equal(autoencoder.transform(frame), codes)


# --- scikit-learn integration ----------------------------------------------------


@pytest.fixture(scope="module")
def digits_split(digits):
    X, y = digits
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


def test_pipeline_with_a_classifier_reaches_90_percent_accuracy(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    pipeline = Pipeline(
        [
            ("autoencodertransformer", AutoencoderTransformer(random_state=0)),
            ("logisticregression", LogisticRegression(max_iter=2000)),
        ]
    ).fit(X_train, y_train)
    assert pipeline.score(X_test, y_test) >= 0.90


def test_grid_search_over_the_code_size_inside_a_pipeline(digits_split):
    X_train, _, y_train, _ = digits_split
    pipeline = Pipeline(
        [
            (
                "autoencodertransformer",
                AutoencoderTransformer(max_iter=20, random_state=0),
            ),
            ("logisticregression", LogisticRegression(max_iter=2000)),
        ]
    )
    search = GridSearchCV(
        pipeline, {"autoencodertransformer__n_components": [8, 16, 32]}, cv=3
    )
    search.fit(X_train, y_train)
    assert search.best_params_["autoencodertransformer__n_components"] in (8, 16, 32)
    assert len(search.cv_results_["mean_test_score"]) == 3
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_clone_gives_an_unfitted_copy_with_the_same_parameters(fitted):
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    assert not hasattr(copy, "net_")


def test_pickle_round_trip_gives_identical_codes(fitted, digits):
    X, _ = digits
    loaded = pickle.loads(pickle.dumps(fitted))
    assert_array_equal(loaded.transform(X), fitted.transform(X))
    assert loaded.loss_curve_ == fitted.loss_curve_


def test_pickled_state_holds_arrays_not_torch_objects(fitted):
    def leaves(tree):
        if isinstance(tree, dict):
            for value in tree.values():
                yield from leaves(value)
        elif isinstance(tree, (list, tuple)):
            for value in tree:
                yield from leaves(value)
        else:
            yield tree

    state = fitted.__getstate__()
    assert "net_" not in state
    assert not any(
        isinstance(leaf, (torch.Tensor, torch.nn.Module)) for leaf in leaves(state)
    )
    assert "net_" in vars(fitted)  # getstate must not strip the live estimator


def test_a_model_pickled_before_auto_noise_loads_and_trains_on(fitted, digits):
    # Files saved before noise='auto' hold no noise_: the number given is used.
    X, _ = digits
    state = fitted.__getstate__()
    del state["noise_"]
    state["noise"] = 0.0  # the default of those versions
    old = AutoencoderTransformer.__new__(AutoencoderTransformer)
    old.__setstate__(state)
    assert old.noise_ == 0.0
    assert old.net_.iterator_train__noise == 0.0
    assert_array_equal(old.transform(X), fitted.transform(X))
    old.set_params(warm_start=True, max_iter=1).fit(X)


def test_pickle_keeps_the_optimizer_state(fitted):
    loaded = pickle.loads(pickle.dumps(fitted))
    before = fitted.net_.optimizer_.state_dict()["state"][0]["exp_avg"]
    assert torch.equal(
        loaded.net_.optimizer_.state_dict()["state"][0]["exp_avg"], before
    )


def test_beats_pca_reconstruction_at_small_code_sizes(digits_split):
    X_train, X_test, _, _ = digits_split
    autoencoder = AutoencoderTransformer(
        n_components=8,
        hidden_layer_sizes=(128,),
        loss="mse",
        max_iter=200,
        random_state=0,
    ).fit(X_train)
    pca = PCA(8).fit(X_train)
    ae_error = np.mean(
        (autoencoder.inverse_transform(autoencoder.transform(X_test)) - X_test) ** 2
    )
    pca_error = np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2)
    assert ae_error < pca_error


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inference_in_many_chunks_equals_inference_in_one(digits, dtype, monkeypatch):
    X, _ = digits
    model = _fast(n_components=8, hidden_layer_sizes=(24,)).fit(X)
    X = X.astype(dtype)
    codes = model.transform(X)
    one_chunk = (codes, model.inverse_transform(codes), model.score_samples(X))
    # A budget of 7 rows' activations: 1,797 rows in 257 chunks, the last short.
    row_bytes = model.net_.module_.activation_width() * np.dtype(dtype).itemsize
    monkeypatch.setattr(_base, "_INFERENCE_BUDGET", 7 * row_bytes)
    chunked = (
        model.transform(X),
        model.inverse_transform(codes),
        model.score_samples(X),
    )
    # Matrix products block differently for other row counts: float32 rounding.
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    for expected, got in zip(one_chunk, chunked):
        assert got.dtype == dtype
        assert_allclose(got, expected, rtol=tolerance, atol=tolerance)


# --- whiten -------------------------------------------------------------------


@pytest.fixture(scope="module")
def whitened(digits):
    # tanh: no dead units, so every direction of the codes varies.
    X, _ = digits
    params = {"n_components": 8, "activation": "tanh", "max_iter": 20}
    plain = AutoencoderTransformer(random_state=0, **params).fit(X)
    return AutoencoderTransformer(whiten=True, random_state=0, **params).fit(X), plain


def test_whiten_gives_centred_codes_of_unit_variance_down_to_the_floor(
    whitened, digits
):
    # Every direction whose variance is at least a hundredth of the largest
    # is brought to unit variance; the directions below keep their ratio to
    # that floor.
    X, _ = digits
    model, plain = whitened
    codes = model.transform(X)
    assert_allclose(codes.mean(axis=0), 0, atol=1e-10)
    plain_codes = plain.transform(X)
    variances = np.linalg.eigvalsh(np.cov(plain_codes.T, bias=True))
    expected = np.minimum(1, variances / (1e-2 * variances.max()))
    got = np.linalg.eigvalsh(codes.T @ codes / len(X))
    assert_allclose(got, expected, atol=1e-8)


def test_whiten_changes_the_codes_only_not_the_network(whitened, digits):
    X, _ = digits
    model, plain = whitened
    for name, tensor in plain.net_.module_.state_dict().items():
        assert torch.equal(model.net_.module_.state_dict()[name], tensor)
    expected = (plain.transform(X) - model.code_mean_) @ model.whitening_
    assert_allclose(model.transform(X), expected, atol=1e-12)
    # inverse_transform undoes the whitening before decoding.
    assert_allclose(
        model.inverse_transform(model.transform(X)),
        plain.inverse_transform(plain.transform(X)),
        atol=1e-10,
    )


def test_whitening_is_the_symmetric_one(whitened):
    model, _ = whitened
    assert_allclose(model.whitening_, model.whitening_.T, atol=1e-12)


def test_whitened_codes_keep_the_input_dtype(whitened, digits):
    X, _ = digits
    model, _ = whitened
    codes = model.transform(X.astype(np.float32))
    assert codes.dtype == np.float32
    assert model.inverse_transform(codes).dtype == np.float32
    assert_allclose(codes, model.transform(X), atol=1e-4)


def test_whitening_fitted_is_used_whatever_set_params_does_after(whitened, digits):
    X, _ = digits
    model, _ = whitened
    model = clone(model).fit(X)
    codes = model.transform(X)
    model.set_params(whiten=False)
    assert_array_equal(model.transform(X), codes)
    # and a refit without it drops the whitening
    assert not hasattr(model.fit(X), "whitening_")


def test_whitening_survives_pickling(whitened, digits):
    X, _ = digits
    model, _ = whitened
    loaded = pickle.loads(pickle.dumps(model))
    assert_array_equal(loaded.transform(X), model.transform(X))


def test_partial_fit_whitens_with_the_codes_of_its_chunk(digits):
    X, _ = digits
    model = AutoencoderTransformer(n_components=4, activation="tanh", whiten=True)
    model.partial_fit(X[:900]).partial_fit(X[900:])
    codes = model.transform(X[900:])
    assert_allclose(codes.mean(axis=0), 0, atol=1e-10)
    assert np.linalg.eigvalsh(codes.T @ codes / len(codes)).max() == pytest.approx(1)


def test_whitening_of_integer_data_matches_its_float_copy():
    # Integer data (a uint8 memmap) is encoded for whitening in float32
    # chunks, never copied whole: the same whitening as from a float32 copy.
    X = np.random.default_rng(0).integers(0, 256, size=(300, 20), dtype=np.uint8)
    params = {"n_components": 4, "whiten": True, "max_iter": 2, "random_state": 0}
    from_uint8 = AutoencoderTransformer(**params).fit(X)
    from_float = AutoencoderTransformer(**params).fit(X.astype(np.float32))
    assert_allclose(from_uint8.whitening_, from_float.whitening_)
    assert_allclose(from_uint8.code_mean_, from_float.code_mean_)
