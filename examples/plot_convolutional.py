"""
===============================================
Convolutional against dense: the same code size
===============================================

:class:`~skae.ConvolutionalAutoencoder` keeps scikit-learn's contract (each
row is an image's pixels, flattened, and rows come back from
``inverse_transform``) but trains a convolutional network, which sees
neighbouring pixels together. Here on Fashion-MNIST (Debian's
``dataset-fashion-mnist``), it and a dense network with a hidden layer of
256 each encode an image to 16 numbers; PCA with 16 components is the
baseline. The shapes of a 28 x 28 grey image are inferred from the 784
features.
"""

# %%
# Load the data
# -------------
# 10,000 training images and the 10,000 test images, pixels in [0, 1].
import numpy as np

from skae.datasets import load_fashion_mnist

X_train, _ = load_fashion_mnist()
X_test, _ = load_fashion_mnist(subset="test")
X_train = X_train[:10_000]
print(f"{len(X_train):,} training images, {len(X_test):,} test images")

# %%
# Train both networks
# -------------------
# A short schedule (20 epochs) keeps the example quick; the Benchmarks page
# ("Convolutional autoencoders") trains the defaults on all 60,000 images.
from sklearn.decomposition import PCA

from skae import AutoencoderTransformer, ConvolutionalAutoencoder

schedule = dict(n_components=16, batch_size=256, max_iter=20, random_state=0)
models = {
    "convolutional": ConvolutionalAutoencoder(**schedule),
    "dense (256)": AutoencoderTransformer(hidden_layer_sizes=(256,), **schedule),
    "PCA(16)": PCA(n_components=16, random_state=0),
}
for name, model in models.items():
    model.fit(X_train)
    reconstructions = model.inverse_transform(model.transform(X_test))
    print(f"{name:<14} test MSE {np.mean((reconstructions - X_test) ** 2):.4f}")
print("image shape inferred:", models["convolutional"].image_shape_)

# %%
# Originals over reconstructions
# ------------------------------
# The convolutional network keeps more of the edges and patterns at the same
# code size.
import matplotlib.pyplot as plt

from skae.plotting import plot_reconstructions

plot_reconstructions(models, X_test)
plt.show()
