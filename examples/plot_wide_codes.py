"""
======================================
Wide codes: features, not the identity
======================================

A code as wide as the input, or wider, can learn to copy it, and then gives
a classifier little more than the raw pixels. By default
(``noise="auto"``), such a code is trained as a denoising autoencoder: it
sees its inputs with Gaussian noise of standard deviation 0.5 and must
reconstruct them clean, which it cannot do by copying (Vincent et al., 2008).
Here a code of 128 on the 64 pixels of scikit-learn's digits, as features
for a logistic regression, beside the raw pixels and
:class:`~sklearn.neural_network.BernoulliRBM`, scikit-learn's neural feature
extractor, with the settings of its own example.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score, cross_validate
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import make_pipeline

from skae import AutoencoderTransformer

X, y = load_digits(return_X_y=True)
X = X / 16

extractors = {
    "BernoulliRBM(128)": BernoulliRBM(
        n_components=128, learning_rate=0.06, n_iter=20, random_state=0
    ),
    "autoencoder, noise=0": AutoencoderTransformer(128, noise=0.0, random_state=0),
    "autoencoder, defaults": AutoencoderTransformer(128, random_state=0),
}
# 5-fold cross-validation, the folds in the data's order (StratifiedKFold).
classifier = LogisticRegression(max_iter=2000)
print(f"{'raw pixels':<24} accuracy {cross_val_score(classifier, X, y).mean():.3f}")
fitted = {}
for name, extractor in extractors.items():
    run = cross_validate(
        make_pipeline(extractor, classifier), X, y, return_estimator=True
    )
    print(f"{name:<24} accuracy {run['test_score'].mean():.3f}")
    fitted[name] = run["estimator"][0][0]  # the first fold's extractor

# %%
# What each code unit stands for: its decoder weights, the image it adds to
# the reconstruction, as scikit-learn's RBM example shows the RBM's
# components. Without noise the units are speckled patterns of single
# pixels, pieces of a copy; with it more of them are strokes and parts of
# digits. The 40 units with the largest weights of each, from the first
# fold's fit.


def unit_images(extractor):
    if isinstance(extractor, BernoulliRBM):
        weights = extractor.components_
    else:
        weights = extractor.net_.module_.decoder[-1].weight.detach().numpy().T
    strongest = np.argsort(-np.linalg.norm(weights, axis=1))[:40]
    return weights[strongest]


fig, axes = plt.subplots(3, 1, figsize=(8, 6.5))
for ax, (name, extractor) in zip(axes, fitted.items()):
    images = unit_images(extractor).reshape(4, 10, 8, 8)
    # One image of 4 x 10 units, each scaled to its own range.
    low = images.min(axis=(2, 3), keepdims=True)
    high = images.max(axis=(2, 3), keepdims=True)
    images = (images - low) / np.where(high > low, high - low, 1)
    grid = np.pad(images, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=0)
    ax.imshow(grid.transpose(0, 2, 1, 3).reshape(40, 100), cmap="gray_r")
    ax.set_title(name)
    ax.set_axis_off()
fig.tight_layout()
plt.show()
