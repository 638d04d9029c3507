"""
=====================================
Imputing missing values
=====================================

:class:`~skae.AutoencoderImputer` fills each missing value from the row's
observed ones: a Gaussian's conditional mean, fitted with the holes by EM,
refined by a network where held-out rows show that it helps. Here it is
compared with scikit-learn's imputers on breast cancer (z-scored) as more
and more values are removed at random, then used on digits with half of
their pixels removed. The error is measured on the removed values only.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.preprocessing import StandardScaler

from skae import AutoencoderImputer

X = StandardScaler().fit_transform(load_breast_cancer().data)
imputers = {
    "mean": lambda: SimpleImputer(),
    "KNNImputer": lambda: KNNImputer(),
    "IterativeImputer": lambda: IterativeImputer(random_state=0),
    "AutoencoderImputer": lambda: AutoencoderImputer(random_state=0),
}
fractions = [0.1, 0.3, 0.5]
errors = {name: [] for name in imputers}
rng = np.random.default_rng(0)
for fraction in fractions:
    removed = rng.random(X.shape) < fraction
    X_missing = np.where(removed, np.nan, X)
    for name, make in imputers.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # IterativeImputer's convergence
            imputed = make().fit_transform(X_missing)
        errors[name].append(np.mean((imputed[removed] - X[removed]) ** 2))
        print(f"{fraction:.0%} removed, {name:>18}: MSE {errors[name][-1]:.3f}")

fig, ax = plt.subplots(figsize=(5, 3.5))
for name, values in errors.items():
    ax.plot(fractions, values, marker="o", label=name)
ax.set_xlabel("fraction of values removed")
ax.set_ylabel("MSE on the removed values")
ax.set_title("breast cancer, z-scored")
ax.legend()
fig.tight_layout()

# %%
# Half of the pixels of digits removed
# ------------------------------------
# The imputer is fitted on 1,000 digits with half of their pixels missing and
# fills the holes of others it has not seen, next to ``KNNImputer``.
digits = load_digits().data / 16
removed = np.random.default_rng(1).random(digits.shape) < 0.5
holed = np.where(removed, np.nan, digits)
train, test = holed[:1000], holed[1000:1008]
filled = {
    "KNNImputer": KNNImputer().fit(train).transform(test),
    "AutoencoderImputer": AutoencoderImputer(random_state=0).fit(train).transform(test),
}
for name, images in filled.items():
    error = np.mean(
        (images[removed[1000:1008]] - digits[1000:1008][removed[1000:1008]]) ** 2
    )
    print(f"{name:>18}: MSE on the removed pixels of these 8 digits {error:.4f}")

rows = {"original": digits[1000:1008], "half removed": np.nan_to_num(test, nan=0.5)}
rows.update(filled)
fig, axes = plt.subplots(len(rows), 8, figsize=(8, 1.1 * len(rows)))
for axes_row, (name, images) in zip(axes, rows.items()):
    for ax, image in zip(axes_row, images):
        ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
    axes_row[0].set_ylabel(name, rotation=0, ha="right", fontsize=8)
fig.tight_layout()
plt.show()
