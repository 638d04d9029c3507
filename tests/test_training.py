"""Training controls and variants of AutoencoderTransformer."""

import contextlib
import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from skorch.callbacks import Callback, LRScheduler

from skae import AutoencoderTransformer
from skae._module import AutoencoderModule
from skae._torch import forked_rng, torch_generator


@pytest.fixture(scope="module")
def digits():
    X = load_digits().data / 16
    return train_test_split(X, test_size=0.25, random_state=0)


def _fast(**params):
    return AutoencoderTransformer(**{"max_iter": 5, "random_state": 0, **params})


# --- the training loop ---------------------------------------------------------------


def _plain_torch_loop(X, hidden_layer_sizes, batch_size, epochs, random_state):
    """Train the network as a hand-written torch loop, drawing skae's random numbers.

    skae initialises the module from its generator, draws once from it to
    seed dropout's global generator, then draws one permutation per epoch.
    """
    generator = torch_generator(random_state)
    module = AutoencoderModule(X.shape[1], 8, hidden_layer_sizes, generator=generator)
    torch.randint(2**62, (1,), generator=generator)  # what forked_rng draws
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3, eps=1e-7, fused=True)
    criterion = torch.nn.BCEWithLogitsLoss()
    X = torch.from_numpy(X)
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), batch_size):
            batch = X[order[start : start + batch_size]]
            optimizer.zero_grad()
            loss = criterion(module(batch)[0], batch)
            loss.backward()
            optimizer.step()
    return module


@pytest.mark.parametrize("hidden_layer_sizes", [(), (16,)])
def test_fit_trains_exactly_like_a_plain_torch_loop(digits, hidden_layer_sizes):
    # skorch's bookkeeping must not change the arithmetic: same weights, bit for
    # bit, as the loop a PyTorch user would write (last batch smaller included).
    X = digits[0].astype(np.float32)
    params = {"hidden_layer_sizes": hidden_layer_sizes, "batch_size": 100}
    autoencoder = AutoencoderTransformer(8, max_iter=3, random_state=1, **params)
    autoencoder.fit(X)
    expected = _plain_torch_loop(X, hidden_layer_sizes, 100, 3, random_state=1)
    fitted = dict(autoencoder.net_.module_.named_parameters())
    assert len(X) % 100 != 0
    for name, parameter in expected.named_parameters():
        assert_array_equal(fitted[name].detach().numpy(), parameter.detach().numpy())


# --- early stopping ----------------------------------------------------------------


def test_early_stopping_stops_before_max_iter_and_restores_the_best_epoch(digits):
    X, _ = digits
    autoencoder = AutoencoderTransformer(
        n_components=8,
        hidden_layer_sizes=(256,),
        early_stopping=True,
        n_iter_no_change=3,
        tol=0.0,
        learning_rate_init=0.01,
        max_iter=400,
        random_state=0,
    ).fit(X)
    assert autoencoder.n_iter_ < 400
    curve = autoencoder.validation_loss_curve_
    assert len(curve) == autoencoder.n_iter_
    assert autoencoder.best_loss_ == min(curve)
    best_epoch = int(np.argmin(curve))
    assert best_epoch < autoencoder.n_iter_ - 1
    stopper = dict(autoencoder.net_.callbacks_)["early_stopping"]
    assert stopper.best_epoch_ == best_epoch + 1
    for name, weights in autoencoder.net_.module_.state_dict().items():
        assert torch.equal(weights, stopper.best_model_weights_[name])


def test_early_stopping_holds_out_validation_fraction(digits):
    X, _ = digits
    autoencoder = _fast(
        early_stopping=True, validation_fraction=0.2, batch_size=1000
    ).fit(X)
    history = autoencoder.net_.history
    n_valid = int(np.ceil(0.2 * len(X)))
    assert (
        sum(
            b["valid_batch_size"]
            for b in history[-1]["batches"]
            if "valid_batch_size" in b
        )
        == n_valid
    )
    assert (
        sum(
            b["train_batch_size"]
            for b in history[-1]["batches"]
            if "train_batch_size" in b
        )
        == len(X) - n_valid
    )


def test_without_early_stopping_no_data_is_held_out(digits):
    X, _ = digits
    autoencoder = _fast().fit(X)
    assert autoencoder.validation_loss_curve_ is None
    assert autoencoder.best_loss_ == min(autoencoder.loss_curve_)
    batches = autoencoder.net_.history[-1]["batches"]
    assert sum(b["train_batch_size"] for b in batches) == len(X)


def test_tol_decides_what_counts_as_an_improvement(digits):
    X, _ = digits
    # no validation loss can fall by 10: training stops after the first
    # epoch plus n_iter_no_change epochs without improvement
    autoencoder = _fast(
        early_stopping=True, tol=10.0, n_iter_no_change=4, max_iter=50
    ).fit(X)
    assert autoencoder.n_iter_ == 5


def test_early_stopping_on_one_sample_says_why_it_cannot_split():
    with pytest.raises(ValueError, match="leaves no training data .* got 1 sample"):
        _fast(early_stopping=True).fit(np.ones((1, 4)))


# --- verbosity ---------------------------------------------------------------------


def test_verbose_prints_one_line_per_epoch(digits, capsys):
    X, _ = digits
    _fast(verbose=1, early_stopping=True, max_iter=3).fit(X)
    out = capsys.readouterr().out
    assert "train_loss" in out and "valid_loss" in out and "dur" in out
    rows = [line for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == 3


def test_verbose_2_adds_a_progress_bar(digits, capsys):
    X, _ = digits
    autoencoder = _fast(verbose=2, max_iter=2, batch_size=256).fit(X)
    assert "progress_bar" in dict(autoencoder.net_.callbacks_)
    assert "/6" in capsys.readouterr().err  # tqdm's n/total, 6 batches of 256


def test_verbose_0_prints_nothing(digits, capsys):
    X, _ = digits
    _fast(early_stopping=True).fit(X)
    assert capsys.readouterr() == ("", "")


# --- warm start and partial_fit -----------------------------------------------------


def test_warm_start_continues_from_the_fitted_weights(digits):
    X, _ = digits
    autoencoder = _fast(warm_start=True, max_iter=10).fit(X)
    first = autoencoder.loss_curve_
    autoencoder.fit(X)
    curve = autoencoder.loss_curve_
    assert autoencoder.n_iter_ == 20
    assert curve[:10] == first
    assert curve[10] < first[-1] * 1.02  # no restart: the loss picks up where it was
    assert curve[10] < 0.9 * first[0]


def test_without_warm_start_fit_starts_afresh(digits):
    X, _ = digits
    autoencoder = _fast(max_iter=10).fit(X)
    first = autoencoder.loss_curve_
    assert autoencoder.fit(X).loss_curve_ == first


def test_warm_start_with_another_network_shape_is_refused(digits):
    X, _ = digits
    autoencoder = _fast(warm_start=True).fit(X)
    autoencoder.set_params(n_components=8)
    with pytest.raises(
        ValueError,
        match="continue .* n_components=8: the fitted network has n_components=32",
    ):
        autoencoder.fit(X)
    assert autoencoder.n_iter_ == 5  # and nothing was lost


def test_warm_start_keeps_adam_moments_but_takes_the_new_learning_rate(digits):
    X, _ = digits
    autoencoder = _fast(warm_start=True, batch_size=256).fit(X)
    moments = autoencoder.net_.optimizer_.state_dict()["state"][0]["exp_avg"].clone()
    autoencoder.set_params(learning_rate_init=1e-4, max_iter=1).fit(X)
    optimizer = autoencoder.net_.optimizer_
    assert optimizer.param_groups[0]["lr"] == 1e-4
    assert (
        optimizer.state_dict()["state"][0]["step"].item() == 6 * 6
    )  # 6 epochs of 6 batches
    assert not torch.equal(optimizer.state_dict()["state"][0]["exp_avg"], moments)


def test_partial_fit_runs_one_pass_per_call(digits):
    X, _ = digits
    autoencoder = _fast(batch_size=256)
    for i in range(3):
        autoencoder.partial_fit(X[:500])
        assert autoencoder.n_iter_ == i + 1
    assert autoencoder.n_features_in_ == 64
    assert autoencoder.net_.history[-1]["train_batch_count"] == 2


def test_partial_fit_draws_new_shuffles_and_noise_at_every_call(digits):
    # An int random_state seeds each call further on: the same chunk twice
    # is not trained on in the same order with the same noise.
    X, _ = digits
    orders = []

    class RecordOrder(Callback):
        def on_batch_begin(self, net, batch=None, **kwargs):
            orders.append(batch[1][0].clone())

    autoencoder = _fast(noise=0.3, callbacks=[("record", RecordOrder())])
    autoencoder.partial_fit(X).partial_fit(X).partial_fit(X)
    n_batches = len(orders) // 3
    # (The first call also draws the initial weights; the later ones alike.)
    second, third = orders[n_batches : 2 * n_batches], orders[2 * n_batches :]
    assert not all(torch.equal(a, b) for a, b in zip(second, third))
    # ... and reproducibly so.
    first = _fast(noise=0.3).partial_fit(X).partial_fit(X)
    second = _fast(noise=0.3).partial_fit(X).partial_fit(X)
    assert_array_equal(first.transform(X), second.transform(X))


def test_partial_fit_rejects_another_width(digits):
    X, _ = digits
    autoencoder = _fast().partial_fit(X)
    with pytest.raises(
        ValueError,
        match="X has 10 features, but AutoencoderTransformer is expecting 64",
    ):
        autoencoder.partial_fit(X[:, :10])
    assert autoencoder.n_iter_ == 1


def test_partial_fit_rejects_a_later_chunk_outside_the_bce_range(digits):
    X, _ = digits
    autoencoder = _fast().partial_fit(X)
    with pytest.raises(
        ValueError, match=r"loss='bce' needs training values in \[0, 1\]"
    ):
        autoencoder.partial_fit(X * 16)


def test_partial_fit_over_memmap_chunks_reaches_the_loss_of_fit(digits, tmp_path):
    X, X_test = digits
    path = tmp_path / "X.dat"
    stored = np.memmap(path, dtype=np.float32, mode="w+", shape=X.shape)
    stored[:] = X
    stored.flush()
    data = np.memmap(path, dtype=np.float32, mode="r", shape=X.shape)
    streamed = _fast(n_components=16)
    for _ in range(40):
        for start in range(0, len(data), 350):
            streamed.partial_fit(data[start : start + 350])
    fitted = _fast(n_components=16, max_iter=40).fit(X)
    assert streamed.score(X_test) > 1.05 * fitted.score(X_test)  # scores are negative


def test_partial_fit_ignores_early_stopping(digits):
    X, _ = digits
    autoencoder = _fast(early_stopping=True).partial_fit(X).partial_fit(X)
    assert autoencoder.validation_loss_curve_ is None
    assert sum(
        b["train_batch_size"] for b in autoencoder.net_.history[-1]["batches"]
    ) == len(X)


def test_failed_partial_fit_leaves_the_weights_as_they_were(digits):
    X, _ = digits
    autoencoder = _fast().partial_fit(X)
    codes = autoencoder.transform(X)
    with pytest.raises(ValueError):
        autoencoder.partial_fit(np.full_like(X, np.nan))
    assert_array_equal(autoencoder.transform(X), codes)


# --- callbacks and devices ----------------------------------------------------------


class EpochCounter(Callback):
    def __init__(self):
        self.epochs = 0

    def on_epoch_end(self, net, **kwargs):
        self.epochs += 1


def test_callbacks_passed_in_are_called(digits):
    X, _ = digits
    counter = EpochCounter()
    _fast(callbacks=(counter,), max_iter=4).fit(X)
    assert counter.epochs == 4


class _BatchAndGradientCounter(Callback):
    def initialize(self):
        self.batches, self.gradients = 0, 0
        return self

    def on_batch_end(self, net, **kwargs):
        self.batches += 1

    def on_grad_computed(self, net, named_parameters, **kwargs):
        self.gradients += 1


def test_callbacks_listening_to_batches_and_gradients_hear_each_one(digits):
    # The epoch loop skips these hooks when no callback overrides them.
    X, _ = digits
    counter = _BatchAndGradientCounter()
    autoencoder = _fast(callbacks=(counter,), max_iter=3, batch_size=256).fit(X)
    assert counter.batches == counter.gradients == 3 * 6
    assert autoencoder.net_.history[-1]["train_batch_count"] == 6


def test_skorch_lr_scheduler_changes_the_learning_rate(digits):
    X, _ = digits
    scheduler = LRScheduler(
        policy=torch.optim.lr_scheduler.StepLR, step_size=1, gamma=0.5
    )
    autoencoder = _fast(callbacks=(("lr", scheduler),), max_iter=3).fit(X)
    assert autoencoder.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(
        1e-3 * 0.5**3
    )


def test_a_callback_class_and_a_named_pair_are_accepted_as_skorch_does(digits):
    X, _ = digits
    autoencoder = _fast(callbacks=[EpochCounter, ["count", EpochCounter()]])
    callbacks = dict(autoencoder.fit(X).net_.callbacks_)
    assert isinstance(callbacks["count"], EpochCounter)
    assert isinstance(callbacks["EpochCounter"], EpochCounter)


@pytest.mark.parametrize(
    "callback", ["print_log", ("lr", "StepLR"), (1, EpochCounter()), len]
)
def test_anything_but_a_skorch_callback_is_a_type_error_naming_it(digits, callback):
    # skorch failed with AttributeError: 'str' object has no attribute ...
    X, _ = digits
    fitted = _fast(max_iter=1).fit(X)
    codes = fitted.transform(X)
    fitted.set_params(callbacks=[callback])
    with pytest.raises(TypeError, match=r"callbacks must hold skorch callbacks.*got"):
        fitted.fit(X)
    assert_array_equal(fitted.transform(X), codes)


def test_device_auto_picks_what_is_available(digits):
    X, _ = digits
    autoencoder = _fast(device="auto", max_iter=1).fit(X)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert str(autoencoder.net_.device) == expected


def test_unavailable_cuda_device_is_a_clear_error_before_training(digits, monkeypatch):
    X, _ = digits
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="device='cuda' but CUDA is not available"):
        _fast(device="cuda").fit(X)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(ValueError, match=r"device='cuda:1' but torch sees 1 CUDA"):
        _fast(device="cuda:1").fit(X)


@pytest.mark.parametrize("device, index", [("cuda:0", 0), ("cuda:1", 1), ("cuda", 1)])
def test_dropout_seeds_and_restores_the_fits_gpu_not_the_current_one(
    monkeypatch, device, index
):
    # Without a GPU here, two CPU generators stand for torch's per-GPU ones,
    # with GPU 1 current; fork_rng's save and restore are torch's own.
    generators = (torch.Generator(), torch.Generator())
    forked = []

    @contextlib.contextmanager
    def fork_rng(devices):
        forked.append(list(devices))
        state = torch.get_rng_state()
        try:
            yield
        finally:
            torch.set_rng_state(state)

    monkeypatch.setattr(torch.cuda, "default_generators", generators)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 1)
    monkeypatch.setattr(torch.random, "fork_rng", fork_rng)
    untouched = generators[1 - index].get_state()
    with forked_rng(torch.Generator().manual_seed(0), device):
        pass
    seed = int(torch.randint(2**62, (1,), generator=torch.Generator().manual_seed(0)))
    assert forked == [[index]]
    assert generators[index].initial_seed() == seed
    assert torch.equal(generators[1 - index].get_state(), untouched)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_fit_transforms_like_cpu_and_pickles(digits):
    X, _ = digits
    autoencoder = _fast(device="cuda").fit(X)
    assert next(autoencoder.net_.module_.parameters()).is_cuda
    codes = autoencoder.transform(X)
    loaded = pickle.loads(pickle.dumps(autoencoder))
    np.testing.assert_allclose(loaded.transform(X), codes, rtol=1e-5, atol=1e-6)


# --- variants -----------------------------------------------------------------------


def _noisy(X, seed=0, scale=0.3):
    return X + np.random.default_rng(seed).normal(scale=scale, size=X.shape)


def test_denoising_reconstructs_noisy_images_closer_to_the_clean_ones(digits):
    X, X_test = digits
    params = {
        "n_components": 32,
        "hidden_layer_sizes": (128,),
        "max_iter": 150,
        "random_state": 0,
    }
    plain = AutoencoderTransformer(**params).fit(X)
    denoising = AutoencoderTransformer(noise=0.3, **params).fit(X)
    noisy = _noisy(X_test)

    def error(model):
        return np.mean((model.inverse_transform(model.transform(noisy)) - X_test) ** 2)

    assert error(denoising) < 0.85 * error(plain)


def test_masking_noise_zeroes_that_fraction_of_the_inputs():
    from skae._net import ArrayDataset, BatchIterator

    X = torch.ones(1000, 50)
    iterator = BatchIterator(
        ArrayDataset(X),
        1000,
        generator=torch.Generator().manual_seed(0),
        noise=0.3,
        noise_type="masking",
    )
    noisy, clean = next(iter(iterator))
    assert torch.equal(clean, X)
    assert (noisy == 0).float().mean().item() == pytest.approx(0.3, abs=0.01)


@pytest.mark.parametrize(
    "n_components, expected", [(8, 0.0), (63, 0.0), (64, 0.5), (128, 0.5)]
)
def test_auto_noise_denoises_a_code_at_least_as_wide_as_the_input(
    digits, n_components, expected
):
    # The digits have 64 features: a code of 64 or more could copy them.
    X, _ = digits
    model = _fast(n_components=n_components, max_iter=1).fit(X)
    assert model.noise == "auto"
    assert model.noise_ == expected
    assert model.net_.iterator_train__noise == expected


@pytest.mark.parametrize("n_components, noise", [(8, 0.0), (100, 0.5)])
def test_auto_noise_trains_exactly_as_that_noise_given(digits, n_components, noise):
    X, _ = digits
    auto = _fast(n_components=n_components).fit(X)
    given = _fast(n_components=n_components, noise=noise).fit(X)
    for name, tensor in given.net_.module_.state_dict().items():
        assert torch.equal(auto.net_.module_.state_dict()[name], tensor)


def test_auto_noise_follows_noise_type(digits):
    X, _ = digits
    model = _fast(n_components=100, noise_type="masking", max_iter=1).fit(X)
    assert model.net_.iterator_train__noise == 0.5
    assert model.net_.iterator_train__noise_type == "masking"


def test_noise_given_is_used_as_given_on_a_wide_code(digits):
    X, _ = digits
    assert _fast(n_components=100, noise=0.0, max_iter=1).fit(X).noise_ == 0.0


def test_masking_noise_of_one_is_refused(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="would mask every input"):
        _fast(noise=1.0, noise_type="masking").fit(X)


def test_activity_regularization_makes_codes_sparser_at_a_small_cost(digits):
    X, X_test = digits
    params = {"n_components": 32, "max_iter": 100, "random_state": 0}
    plain = AutoencoderTransformer(**params).fit(X)
    sparse = AutoencoderTransformer(activity_regularization=3e-3, **params).fit(X)

    def near_zero(model):
        return np.mean(np.abs(model.transform(X_test)) < 1e-2)

    def bce(model):
        p = np.clip(model.inverse_transform(model.transform(X_test)), 1e-7, 1 - 1e-7)
        return -np.mean(X_test * np.log(p) + (1 - X_test) * np.log(1 - p))

    assert near_zero(sparse) > near_zero(plain) + 0.3  # measured: 0.51 vs 0.14
    assert bce(sparse) < 1.1 * bce(plain)


def test_dropout_sits_between_hidden_layers_and_is_off_at_inference(digits):
    X, _ = digits
    autoencoder = _fast(hidden_layer_sizes=(64, 32), n_components=8, dropout=0.5).fit(X)
    dropouts = [
        m for m in autoencoder.net_.module_.modules() if isinstance(m, torch.nn.Dropout)
    ]
    assert (
        len(dropouts) == 4
    )  # after 64 and 32 in the encoder, 32 and 64 in the decoder
    assert_array_equal(autoencoder.transform(X), autoencoder.transform(X))
    assert autoencoder.score(X) == autoencoder.score(X)


def test_dropout_training_is_reproducible_and_leaves_the_global_rng_alone(digits):
    X, _ = digits
    before = torch.random.get_rng_state()
    first = _fast(hidden_layer_sizes=(64,), dropout=0.5).fit_transform(X)
    assert torch.equal(before, torch.random.get_rng_state())
    assert_array_equal(
        first, _fast(hidden_layer_sizes=(64,), dropout=0.5).fit_transform(X)
    )
