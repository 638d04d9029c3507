"""
=======================================================
A variational autoencoder: latent map, samples, choices
=======================================================

:class:`~skae.VariationalAutoencoder` is a generative model: a Gaussian
posterior over a code for each image, a standard normal prior, and a
likelihood of the image given its code. Its
:meth:`~skae.VariationalAutoencoder.transform` is the posterior mean,
:meth:`~skae.VariationalAutoencoder.sample` draws new images, and
:meth:`~skae.VariationalAutoencoder.score` is the held-out log-likelihood,
in the same units as :meth:`sklearn.decomposition.PCA.score` (probabilistic
PCA) and :meth:`sklearn.decomposition.FactorAnalysis.score`, so that
:class:`~sklearn.model_selection.GridSearchCV` chooses its code size as
scikit-learn's "Model selection with Probabilistic PCA and Factor Analysis"
example does for theirs.

The latent map, the decodings and the samples are of MNIST (5,000 images of
the training subset in ``../shared/data/mnist`` where that folder exists, else
Fashion-MNIST, images of the same size); the choice of the code size is made
on scikit-learn's digits, whose pixels (17 grey levels) are dequantized with
uniform noise, as the generative-model literature does, so that the
likelihoods are densities.
"""

# %%
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA, FactorAnalysis
from sklearn.model_selection import cross_val_score, train_test_split

from skae import VariationalAutoencoder
from skae.datasets import load_fashion_mnist, load_mnist

try:
    repository = Path(__file__).resolve().parents[1]
except NameError:  # run line by line, e.g. in a notebook started in examples/
    repository = Path.cwd().parent
mnist_dir = repository.parent / "shared" / "data" / "mnist"
try:
    with warnings.catch_warnings():
        # fetch_openml warns at each failed download before it gives up.
        warnings.simplefilter("ignore", UserWarning)
        data_dir = mnist_dir if mnist_dir.is_dir() else None
        images, _ = load_mnist(data_dir)
        test_images, test_labels = load_mnist(data_dir, subset="test")
    name = "MNIST"
except FileNotFoundError:
    images, _ = load_fashion_mnist()
    test_images, test_labels = load_fashion_mnist(subset="test")
    name = "Fashion-MNIST"
images = images[:5_000]  # a subset and a short schedule keep this example quick
print(f"{name}: {len(images):,} training images")

# %%
# A two-dimensional code: the latent map
# --------------------------------------
# The posterior means of the test images, coloured by their label, beside
# PCA's two-dimensional scores.

vae = VariationalAutoencoder(n_components=2, max_iter=30, random_state=0)
vae.fit(images)
print(f"likelihood: {vae.likelihood_}")
pca = PCA(n_components=2).fit(images)

figure, axes = plt.subplots(1, 2, figsize=(10, 4.5))
for axis, codes, title in [
    (axes[0], vae.transform(test_images), "VariationalAutoencoder(n_components=2)"),
    (axes[1], pca.transform(test_images), "PCA(n_components=2)"),
]:
    points = axis.scatter(codes[:, 0], codes[:, 1], c=test_labels, cmap="tab10", s=2)
    axis.set_title(title)
figure.colorbar(points, ax=axes, label="label")
plt.show()

# %%
# Decodings across the latent plane
# ---------------------------------
# The prior is a standard normal: a grid from -2 to 2 in both directions
# covers most of it. :meth:`~skae.VariationalAutoencoder.inverse_transform`
# gives the likelihood's mean at each point.

grid = np.linspace(-2, 2, 12)
codes = np.array([[a, b] for b in grid[::-1] for a in grid])
decodings = vae.inverse_transform(codes).reshape(12, 12, 28, 28)
plt.figure(figsize=(6, 6))
plt.imshow(decodings.transpose(0, 2, 1, 3).reshape(336, 336), cmap="gray_r")
plt.axis("off")
plt.title("decodings of a grid over the latent plane")
plt.show()

# %%
# Samples
# -------
# :meth:`~skae.VariationalAutoencoder.sample` draws a code from the prior and
# an image from the likelihood given it: with a larger code, more varied
# images, each pixel drawn on its own, so grainy. The means of the same codes
# are smoother.

vae16 = VariationalAutoencoder(n_components=16, max_iter=30, random_state=0)
vae16.fit(images)
samples = vae16.sample(24, random_state=0)
means = vae16.inverse_transform(np.random.default_rng(0).standard_normal((24, 16)))
figure, axes = plt.subplots(4, 12, figsize=(10, 3.6))
for axis, image in zip(axes.ravel(), np.r_[samples, means]):
    axis.imshow(image.reshape(28, 28), cmap="gray_r")
    axis.axis("off")
figure.suptitle("24 samples (top two rows) and 24 decoded means (bottom)")
plt.show()

# %%
# Choosing the code size by held-out likelihood
# ---------------------------------------------
# On the dequantized digits (in (0, 1)):
# 3-fold cross-validated log-likelihood, in bits per dimension of the
# original 17-level pixels (lower is better), for the variational
# autoencoder and the two linear Gaussian models.


X, y = load_digits(return_X_y=True)
rng = np.random.default_rng(0)
X = (X + rng.random(X.shape)) / 17  # dequantized, in (0, 1)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)


def bits_per_dim(log_likelihood):
    return (-log_likelihood / 64 + np.log(17)) / np.log(2)


sizes = [2, 8, 16]
models = {
    "VariationalAutoencoder": lambda k: VariationalAutoencoder(
        n_components=k, max_iter=120, random_state=0
    ),
    "PCA": lambda k: PCA(n_components=k),
    "FactorAnalysis": lambda k: FactorAnalysis(n_components=k, random_state=0),
}
plt.figure(figsize=(6, 4))
for name, make in models.items():
    scores = [
        bits_per_dim(cross_val_score(make(k), X_train, cv=3).mean()) for k in sizes
    ]
    print(name, " ".join(f"{score:.3f}" for score in scores))
    plt.plot(sizes, scores, marker="o", label=name)
plt.xscale("log", base=2)
plt.xlabel("code size (n_components)")
plt.ylabel("bits per dimension (lower is better)")
plt.legend()
plt.show()
