"""
============
Sparse codes
============

``activity_regularization`` adds an L1 penalty on the code to the loss: the
network learns codes in which most entries are exactly zero for a given
image (with the ReLU code layer), at some cost in reconstruction.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skae import AutoencoderTransformer

X = load_digits().data / 16
X_train, X_test = train_test_split(X, random_state=0)

codes = {}
for penalty in (0.0, 3e-3):
    model = AutoencoderTransformer(activity_regularization=penalty, random_state=0)
    model.fit(X_train)
    codes[penalty] = model.transform(X_test)
    reconstruction = model.inverse_transform(codes[penalty])
    print(
        f"activity_regularization={penalty:g}: {np.mean(codes[penalty] == 0):.0%} "
        f"of code entries are zero, test MSE "
        f"{np.mean((reconstruction - X_test) ** 2):.4f}"
    )

# %%
# How many of the 32 code entries each test image uses.
fig, ax = plt.subplots()
bins = np.arange(34) - 0.5
for penalty, code in codes.items():
    ax.hist(
        (code > 0).sum(axis=1),
        bins=bins,
        alpha=0.6,
        label=f"activity_regularization={penalty:g}",
    )
ax.set_xlabel("non-zero code entries per image (of 32)")
ax.set_ylabel("test images")
ax.legend()
plt.show()
