import matplotlib
import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from skae import AutoencoderTransformer
from skae.plotting import plot_loss_curve, plot_reconstructions

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(scope="module")
def models():
    X = load_digits().data / 16
    autoencoder = AutoencoderTransformer(
        n_components=8, max_iter=5, random_state=0
    ).fit(X)
    return X, {"autoencoder": autoencoder, "PCA": PCA(8).fit(X)}


def test_plot_reconstructions_draws_originals_then_one_row_per_model(models):
    X, estimators = models
    fig = plot_reconstructions(estimators, X, n=4, image_shape=(8, 8))
    assert len(fig.axes) == 3 * 4
    labels = [ax.get_ylabel() for ax in fig.axes[::4]]
    assert labels == ["original", "autoencoder", "PCA"]
    assert_allclose(fig.axes[1].images[0].get_array(), X[1].reshape(8, 8))
    pca = estimators["PCA"]
    expected = pca.inverse_transform(pca.transform(X[:4]))[2].reshape(8, 8)
    assert_allclose(fig.axes[2 * 4 + 2].images[0].get_array(), expected)
    plt.close(fig)


def test_plot_reconstructions_labels_a_list_by_class_name_and_uses_a_given_figure(
    models,
):
    X, estimators = models
    fig = plt.figure()
    returned = plot_reconstructions(
        list(estimators.values()), X, n=2, image_shape=(8, 8), fig=fig
    )
    assert returned is fig
    assert [ax.get_ylabel() for ax in fig.axes[::2]] == [
        "original",
        "AutoencoderTransformer",
        "PCA",
    ]
    plt.close(fig)


def test_plot_reconstructions_rejects_a_wrong_image_shape(models):
    X, estimators = models
    with pytest.raises(
        ValueError,
        match=r"X has 64 features, which cannot be shown as images of shape \(28, 28\)",
    ):
        plot_reconstructions(estimators, X)


def test_plot_loss_curve_draws_the_training_loss(models):
    _, estimators = models
    autoencoder = estimators["autoencoder"]
    fig, ax = plt.subplots()
    assert plot_loss_curve(autoencoder, ax=ax) is fig
    (line,) = ax.get_lines()
    assert_allclose(line.get_xdata(), np.arange(1, 6))
    assert_allclose(line.get_ydata(), autoencoder.loss_curve_)
    assert ax.get_ylabel() == "loss (bce)"
    plt.close(fig)


def test_plotting_without_matplotlib_says_how_to_install_it(monkeypatch):
    import sys

    from skae import plotting

    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'skae\[plot\]'"):
        plotting.plot_loss_curve(None)
