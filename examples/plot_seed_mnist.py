"""
======================================
The classic Keras autoencoder on MNIST
======================================

skae grew from a classic Keras example: MNIST images (784 pixels scaled to
[0, 1]) are encoded by ``Dense(32, relu)`` and decoded by
``Dense(784, sigmoid)``, trained with Adam on the binary cross-entropy, in
batches of 256 for 50 epochs. Trained on the 60,000 MNIST training images,
the original post reached a test loss of 0.0915.

:class:`~skae.AutoencoderTransformer` builds that network by default. Here it
trains it on MNIST's training images, encodes the test images to 32 numbers
each, and decodes them. The output below names the images it trained on: the
10,000-image training subset in ``../shared/data/mnist`` where that folder
exists (Keras gives a test loss of 0.1011 on that subset, so a somewhat higher
loss than the post's is expected), else the 60,000 MNIST training images from
OpenML, or Fashion-MNIST where neither can be had.
"""

# %%
# Load the data
# -------------
# ``load_mnist`` reads the MNIST files from a folder, here the one next to
# the repository (``../shared/data/mnist``); without such a folder it fetches
# MNIST from OpenML once and caches it. Where neither is possible (an offline
# machine with no MNIST files), the example falls back to Fashion-MNIST from
# Debian's ``dataset-fashion-mnist`` package: images of the same size.
import warnings
from pathlib import Path

import numpy as np

from skae.datasets import load_fashion_mnist, load_mnist

try:
    repository = Path(__file__).resolve().parents[1]
except NameError:  # run line by line, e.g. in a notebook started in examples/
    repository = Path.cwd().parent
mnist_dir = repository.parent / "shared" / "data" / "mnist"
try:
    with warnings.catch_warnings():
        # fetch_openml warns at each failed download before it gives up; the
        # fallback below says what happened instead.
        warnings.simplefilter("ignore", UserWarning)
        data_dir = mnist_dir if mnist_dir.is_dir() else None
        X_train, _ = load_mnist(data_dir)
        X_test, _ = load_mnist(data_dir, subset="test")
    name = "MNIST"
except FileNotFoundError:
    print(
        "MNIST could not be loaded (no files in ../shared/data/mnist, and "
        "OpenML out of reach): Fashion-MNIST, images of the same size, stands in."
    )
    X_train, _ = load_fashion_mnist()
    X_test, _ = load_fashion_mnist(subset="test")
    name = "Fashion-MNIST"
print(f"{name}: {len(X_train):,} training images, {len(X_test):,} test images")

# %%
# Train the seed network
# ----------------------
# The defaults are the seed's network. Its schedule (batches of 256, 50
# epochs) is what the defaults train on 60,000 rows; on fewer rows they
# would train longer, so it is written out here.
from skae import AutoencoderTransformer

autoencoder = AutoencoderTransformer(batch_size=256, max_iter=50, random_state=0)
autoencoder.fit(X_train)
print(f"{autoencoder.n_iter_} epochs, training loss {autoencoder.loss_curve_[-1]:.4f}")

# %%
# The encoder and the decoder, used on their own
# ----------------------------------------------
# ``transform`` is the encoder: 32 numbers per image. ``inverse_transform`` is
# the decoder: back to 784 pixels.
codes = autoencoder.transform(X_test)
reconstructions = autoencoder.inverse_transform(codes)
print("codes", codes.shape, "reconstructions", reconstructions.shape)

eps = 1e-7
clipped = np.clip(reconstructions, eps, 1 - eps)
test_bce = -np.mean(X_test * np.log(clipped) + (1 - X_test) * np.log(1 - clipped))
print(f"test binary cross-entropy on {name}: {test_bce:.4f}")
if name == "MNIST":
    print("Keras, the original post (60,000 training images): 0.0915")
    print("Keras 3 on the 10,000-image training subset: 0.1011")

# %%
# Originals over reconstructions
# ------------------------------
# The seed's figure, with PCA's reconstruction from the same code size below.
import matplotlib.pyplot as plt
from sklearn.decomposition import PCA

from skae.plotting import plot_reconstructions

pca = PCA(n_components=32, random_state=0).fit(X_train)
fig = plot_reconstructions({"autoencoder": autoencoder, "PCA(32)": pca}, X_test)
plt.show()
