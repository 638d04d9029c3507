"""The convolutional autoencoder: image shapes, the graph, and what it learns."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from torch import nn

from skae import (
    AutoencoderTransformer,
    ConvolutionalAutoencoder,
    ConvolutionalOutlierDetector,
    ConvolutionalVariationalAutoencoder,
)
from skae._conv import resolve_image_shape
from skae._conv_module import (
    ConvAutoencoderModule,
    ConvVariationalModule,
    RowsToImages,
)


@pytest.fixture(scope="module")
def X():
    return load_digits().data / 16


# --- image shapes -----------------------------------------------------------------


@pytest.mark.parametrize(
    "image_shape, n_features, expected",
    [
        (None, 784, (28, 28, 1)),
        (None, 1, (1, 1, 1)),
        ((8, 8), 64, (8, 8, 1)),
        ([4, 16], 64, (4, 16, 1)),
        ((32, 32, -1), 3072, (32, 32, 3)),
        ((-1, 16), 64, (4, 16, 1)),
        ((1, -1), 7, (1, 7, 1)),
        ((1, 1, -1), 5, (1, 1, 5)),
        (np.array([8, 8, 1]), 64, (8, 8, 1)),
    ],
)
def test_image_shape_is_resolved_from_the_number_of_features(
    image_shape, n_features, expected
):
    shape = resolve_image_shape(image_shape, n_features)
    assert shape == expected
    assert all(type(size) is int for size in shape)


@pytest.mark.parametrize(
    "image_shape, n_features, match",
    [
        (None, 30, "not a square number"),
        ((8, 8), 65, "does not fit rows of 65"),
        ((-1, 3), 64, "does not fit rows of 64"),
        ((-1, -1), 64, "one of which may be -1"),
        ((8,), 8, "one of which may be -1"),
        ((2, 2, 2, 8), 64, "one of which may be -1"),
        ((0, 8), 0, "one of which may be -1"),
        ((8.0, 8), 64, "one of which may be -1"),
    ],
)
def test_a_wrong_image_shape_is_a_clear_error(image_shape, n_features, match):
    with pytest.raises(ValueError, match=match):
        resolve_image_shape(image_shape, n_features)


def test_fit_names_image_shape_when_the_rows_are_not_square_images():
    with pytest.raises(ValueError, match="Pass image_shape"):
        ConvolutionalAutoencoder(max_iter=1).fit(np.random.rand(20, 30))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"channels": ()}, "channels must hold at least one layer"),
        ({"channels": (8, 0)}, "channels must contain positive integers only"),
        ({"kernel_size": 4}, "kernel_size must be odd"),
        (
            {"hidden_layer_sizes": (8, 0)},
            "hidden_layer_sizes must contain positive integers only",
        ),
    ],
)
def test_wrong_channels_or_kernels_are_clear_errors(X, params, match):
    with pytest.raises(ValueError, match=match):
        ConvolutionalAutoencoder(max_iter=1, **params).fit(X)


def test_the_fitted_image_shape_is_kept_and_continued_training_checks_it(X):
    autoencoder = ConvolutionalAutoencoder(
        n_components=4, channels=(4,), max_iter=1, random_state=0
    ).fit(X)
    assert autoencoder.image_shape_ == (8, 8, 1)
    autoencoder.set_params(image_shape=(4, 16), warm_start=True)
    with pytest.raises(ValueError, match="image_shape"):
        autoencoder.fit(X)
    assert autoencoder.image_shape_ == (8, 8, 1)
    detector = ConvolutionalOutlierDetector(
        n_components=4, image_shape=(16, -1), channels=(4,), max_iter=1
    ).fit(X)
    assert detector.image_shape_ == (16, 4, 1)
    assert detector.autoencoder_.image_shape_ == (16, 4, 1)


# --- the graph -------------------------------------------------------------------


def test_rows_are_viewed_as_images_in_height_width_channel_order():
    images = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).reshape(2, 3, 4, 5)
    rows = images.reshape(2, -1)
    viewed = RowsToImages((3, 4, 5))(rows)
    assert viewed.shape == (2, 5, 3, 4)  # NCHW
    assert_array_equal(viewed.permute(0, 2, 3, 1).numpy(), images.numpy())
    # the rows' own memory, in torch's channels_last layout
    assert viewed.data_ptr() == rows.data_ptr()
    assert viewed.is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize(
    "image_shape, channels, hidden_layer_sizes",
    [
        ((8, 8, 1), (16, 32), ()),
        ((28, 28, 1), (16, 32), ()),
        ((28, 28, 1), (16, 32), (256,)),
        ((7, 5, 3), (4, 8, 8), (12, 9)),
        ((32, 32, 3), (16, 32), ()),
        ((1, 1, 1), (2,), ()),
        ((1, 9, 2), (4, 4), (3,)),
    ],
)
def test_the_graph_gives_back_rows_of_the_input_s_shape(
    image_shape, channels, hidden_layer_sizes
):
    n_features = int(np.prod(image_shape))
    module = ConvAutoencoderModule(
        n_features,
        6,
        image_shape,
        channels,
        hidden_layer_sizes=hidden_layer_sizes,
        generator=torch.Generator(),
    )
    reconstruction, code = module(torch.rand(3, n_features))
    assert reconstruction.shape == (3, n_features)
    assert code.shape == (3, 6)
    # The dense layers between the convolutions and the code, mirrored.
    widths = [
        layer.out_features for layer in module.encoder if isinstance(layer, nn.Linear)
    ]
    assert widths == [*hidden_layer_sizes, 6]
    widths = [
        layer.in_features for layer in module.decoder if isinstance(layer, nn.Linear)
    ]
    assert widths == [6, *reversed(hidden_layer_sizes)]


def test_a_pixel_reaches_only_the_code_through_its_neighbourhood():
    # The first layer of a convolutional encoder sees a pixel's 3 x 3
    # neighbourhood only: a change in one corner changes the first layer's
    # output at that corner only, as it would not in a dense layer.
    module = ConvAutoencoderModule(64, 4, (8, 8, 1), (4,), generator=torch.Generator())
    first = module.encoder[:2]
    X = torch.zeros(1, 64)
    changed = X.clone()
    changed[0, 0] = 1.0  # the top-left pixel
    difference = (first(changed) - first(X)).abs().sum(dim=1)[0]
    assert difference[0, 0] > 0
    assert difference[1:, :].sum() == 0 and difference[:, 1:].sum() == 0


@pytest.mark.parametrize("hidden_layer_sizes", [(), (256,)])
def test_the_multiply_adds_are_counted_as_the_layers_do_them(hidden_layer_sizes):
    module = ConvAutoencoderModule(
        28 * 28,
        32,
        (28, 28, 1),
        (16, 32),
        hidden_layer_sizes=hidden_layer_sizes,
        generator=torch.Generator(),
    )
    counted = []

    def count(layer, inputs, output):
        if isinstance(layer, nn.Linear):
            counted.append(layer.weight.numel())
        elif isinstance(layer, nn.Conv2d):
            counted.append(output[0].numel() * layer.weight[0].numel())
        elif isinstance(layer, nn.ConvTranspose2d):
            counted.append(inputs[0][0].numel() * layer.weight[0].numel())

    for layer in module.modules():
        layer.register_forward_hook(count)
    module(torch.zeros(1, 784))
    assert module.n_weights() == sum(counted)


def test_initialisation_draws_from_the_generator_only():
    state = torch.random.get_rng_state()
    first = ConvAutoencoderModule(64, 4, (8, 8, 1), generator=torch.Generator())
    assert torch.equal(torch.random.get_rng_state(), state)
    second = ConvAutoencoderModule(64, 4, (8, 8, 1), generator=torch.Generator())
    for a, b in zip(first.parameters(), second.parameters()):
        assert torch.equal(a, b)
    biases = [layer.bias for layer in first.modules() if hasattr(layer, "bias")]
    assert all(torch.count_nonzero(bias) == 0 for bias in biases)


# --- the estimators ---------------------------------------------------------------


def test_the_same_random_state_gives_the_same_model_bit_for_bit(X):
    params = dict(n_components=4, channels=(4, 8), dropout=0.1, noise=0.1, max_iter=3)
    first = ConvolutionalAutoencoder(**params, random_state=0).fit(X)
    second = ConvolutionalAutoencoder(**params, random_state=0).fit(X)
    other = ConvolutionalAutoencoder(**params, random_state=1).fit(X)
    assert_array_equal(first.transform(X), second.transform(X))
    assert not np.array_equal(first.transform(X), other.transform(X))


def test_float64_input_is_inferred_in_float64_to_float32_s_values(X):
    autoencoder = ConvolutionalAutoencoder(
        n_components=4, channels=(4, 8), max_iter=3, random_state=0
    ).fit(X)
    codes = autoencoder.transform(X)
    codes32 = autoencoder.transform(X.astype(np.float32))
    assert codes.dtype == np.float64 and codes32.dtype == np.float32
    assert_allclose(codes, codes32, rtol=1e-4, atol=1e-4)
    decoded = autoencoder.inverse_transform(codes)
    assert decoded.dtype == np.float64 and decoded.shape == X.shape
    assert decoded.min() >= 0 and decoded.max() <= 1  # the sigmoid of BCE


def test_partial_fit_streams_chunks_on_the_same_network(X):
    autoencoder = ConvolutionalAutoencoder(
        n_components=4, channels=(4, 8), random_state=0
    )
    for chunk in np.array_split(X, 3):
        autoencoder.partial_fit(chunk)
    assert autoencoder.n_iter_ == 3
    assert autoencoder.transform(X).shape == (len(X), 4)


def test_it_reconstructs_held_out_digits_better_than_pca_and_a_dense_network(X):
    # Neighbouring pixels go together: at the same code size and schedule,
    # the convolutional network reconstructs new digits better than PCA and
    # than a dense network with a hidden layer as wide as the image.
    X_train, X_test = train_test_split(X, random_state=0)

    def error(model):
        model.fit(X_train)
        return np.mean((model.inverse_transform(model.transform(X_test)) - X_test) ** 2)

    conv = error(ConvolutionalAutoencoder(n_components=8, max_iter=60, random_state=0))
    dense = error(
        AutoencoderTransformer(
            n_components=8, hidden_layer_sizes=(64,), max_iter=60, random_state=0
        )
    )
    pca = error(PCA(n_components=8))
    assert conv < 0.95 * pca
    assert conv < 0.95 * dense


# --- the variational model on convolutional networks -------------------------------


def test_the_variational_graph_starts_each_pixel_at_its_mean():
    module = ConvVariationalModule(
        64, 4, (8, 8, 1), (4,), likelihood="bernoulli", generator=torch.Generator()
    )
    mean = np.linspace(0.1, 0.9, 64)
    module.initialize_output(mean, np.ones(64))
    module.eval()
    with torch.no_grad():
        # A code of zeros: the decoder's layers give one value per channel,
        # the pixel biases the rest.
        biases = module.decoder[-1].bias
        assert_allclose(torch.sigmoid(biases).numpy(), mean, rtol=1e-5)
    posterior_mean, log_variance = module.posterior(torch.rand(3, 64))
    assert posterior_mean.shape == log_variance.shape == (3, 4)


def test_the_convolutional_vae_scores_and_samples_reproducibly(X):
    params = dict(n_components=4, channels=(4, 8), n_importance_samples=5, max_iter=3)
    vae = ConvolutionalVariationalAutoencoder(**params, random_state=0).fit(X)
    assert vae.image_shape_ == (8, 8, 1)
    assert vae.likelihood_ == "continuous_bernoulli"
    scores = vae.score_samples(X[:20])
    assert np.isfinite(scores).all()
    assert_array_equal(vae.score_samples(X[:20]), scores)
    # a row's score is its own: the same whatever rows come with it
    assert_allclose(vae.score_samples(X[10:20]), scores[10:], rtol=1e-5)
    samples = vae.sample(6, random_state=0)
    assert samples.shape == (6, 64)
    assert_array_equal(vae.sample(6, random_state=0), samples)
    assert samples.min() >= 0 and samples.max() <= 1
    with pytest.raises(ValueError, match="Pass image_shape"):
        ConvolutionalVariationalAutoencoder(max_iter=1).fit(X[:, :60])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_cuda_fit_matches_the_cpu_fit_and_loads_on_the_cpu(X):
    params = dict(n_components=4, channels=(4, 8), max_iter=2, random_state=0)
    cpu = ConvolutionalAutoencoder(**params).fit(X)
    cuda = ConvolutionalAutoencoder(device="cuda", **params).fit(X)
    assert next(cuda.net_.module_.parameters()).is_cuda
    assert_allclose(cuda.transform(X), cpu.transform(X), rtol=1e-3, atol=1e-3)
    state = cuda.__getstate__()
    assert all(
        isinstance(value, np.ndarray)
        for value in state["_net_state"]["module"].values()
    )
