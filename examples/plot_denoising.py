"""
=========================
A denoising autoencoder
=========================

With ``noise`` set, the autoencoder sees corrupted inputs in training and is
asked to reconstruct the clean ones; ``transform`` and ``inverse_transform``
stay deterministic. It learns to remove that kind of noise: here, Gaussian
noise of standard deviation 0.3 on scikit-learn's digits.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skae import AutoencoderTransformer

X = load_digits().data / 16
X_train, X_test = train_test_split(X, random_state=0)
rng = np.random.default_rng(0)
X_noisy = X_test + rng.normal(scale=0.3, size=X_test.shape)

models = {
    "plain": AutoencoderTransformer(hidden_layer_sizes=(128,), random_state=0),
    "denoising": AutoencoderTransformer(
        hidden_layer_sizes=(128,), noise=0.3, random_state=0
    ),
}
cleaned = {}
print(f"noisy input:  MSE to the clean images {np.mean((X_noisy - X_test) ** 2):.4f}")
for name, model in models.items():
    model.fit(X_train)
    # Scaled like the training data, the noisy images leave [0, 1]: clip them.
    cleaned[name] = model.inverse_transform(model.transform(np.clip(X_noisy, 0, 1)))
    error = np.mean((cleaned[name] - X_test) ** 2)
    print(f"{name:>10}:  MSE to the clean images {error:.4f}")

# %%
# Clean, noisy, and what each model makes of the noisy images.
rows = {"clean": X_test, "noisy": np.clip(X_noisy, 0, 1), **cleaned}
fig, axes = plt.subplots(len(rows), 8, figsize=(8, 4.5))
for (label, images), row in zip(rows.items(), axes):
    for image, ax in zip(images, row):
        ax.imshow(image.reshape(8, 8), cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
    row[0].set_ylabel(label, rotation=0, ha="right", va="center")
plt.show()
