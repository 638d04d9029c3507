"""
=============================
Autoencoder or PCA?
=============================

PCA is the linear autoencoder: the best code a linear encoder and decoder can
find. A nonlinear one can reconstruct better from small codes, and loses its
edge as the code grows. This example measures both, on scikit-learn's digits:
the reconstruction error on held-out images against the code size, and the
accuracy of the same classifier fed with each model's codes.
"""

# %%
# Reconstruction error against code size
# --------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from skae import AutoencoderTransformer

X, y = load_digits(return_X_y=True)
X = X / 16  # pixels in [0, 1]
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)


def test_error(model):
    model.fit(X_train)
    reconstruction = model.inverse_transform(model.transform(X_test))
    return np.mean((reconstruction - X_test) ** 2)


sizes = [2, 4, 8, 16, 32]
errors = {"PCA": [], "autoencoder (128,)": []}
for k in sizes:
    errors["PCA"].append(test_error(PCA(n_components=k)))
    errors["autoencoder (128,)"].append(
        test_error(
            AutoencoderTransformer(
                n_components=k, hidden_layer_sizes=(128,), random_state=0
            )
        )
    )
for name, values in errors.items():
    print(f"{name:>20}: " + "  ".join(f"{v:.4f}" for v in values))

fig, ax = plt.subplots()
for name, values in errors.items():
    ax.plot(sizes, values, marker="o", label=name)
ax.set_xscale("log", base=2)
ax.set_xlabel("code size (n_components)")
ax.set_ylabel("test mean squared error")
ax.legend()
plt.show()

# %%
# The same pipeline with each in front of a classifier
# ----------------------------------------------------
# Both are transformers, so either can sit in a :class:`~sklearn.pipeline.Pipeline`
# before a classifier. The codes are standardised for the logistic regression.
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

for reducer in (
    PCA(n_components=16),
    AutoencoderTransformer(n_components=16, hidden_layer_sizes=(128,), random_state=0),
):
    pipeline = make_pipeline(
        reducer, StandardScaler(), LogisticRegression(max_iter=2000)
    )
    scores = cross_val_score(pipeline, X, y, cv=3)
    print(f"{type(reducer).__name__:>22}: accuracy {scores.mean():.3f} (3-fold)")
