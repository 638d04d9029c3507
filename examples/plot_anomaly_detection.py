"""
=====================================
Anomaly detection by reconstruction
=====================================

:class:`~skae.AutoencoderOutlierDetector` trains an autoencoder on data that
is (mostly) normal and scores each sample by how badly it is reconstructed:
``score_samples`` is minus the reconstruction error, higher for more normal
samples, as with scikit-learn's ``IsolationForest`` and
``LocalOutlierFactor(novelty=True)``.

Here it learns the zeros of scikit-learn's digits; the other digits of a
held-out half are the anomalies.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from skae import AutoencoderOutlierDetector

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16, y, test_size=0.5, stratify=y, random_state=0
)
# The digits are images of 64 pixels: fewer than the 256 features from which
# the detector's defaults are one network, so ask for one network here (on a
# table the defaults are an ensemble; see the user guide).
one_network = dict(
    n_estimators=1, feature_weight=0.0, screening=0.0, covariance_weight=0.0
)
detector = AutoencoderOutlierDetector(random_state=0, **one_network)
detector.fit(X_train[y_train == 0])
scores = detector.score_samples(X_test)
print(
    f"ROC AUC, zeros against the other digits: {roc_auc_score(y_test == 0, scores):.4f}"
)

# %%
# ``predict`` flags as outliers (-1) the samples whose ``decision_function``
# is negative. With ``contamination="auto"`` the threshold ``offset_`` is
# Tukey's boxplot fence (scores more than 1.5 interquartile ranges below the
# first quartile), which needs no guess of how many outliers there are.
#
# The fence is set on held-out scores (``novelty=True``, the default): each
# training zero is scored by a network fitted without it, so that the
# threshold holds on zeros the network has not seen. Set on the training
# zeros' own scores (``novelty=False``), the same fence flags most new zeros:
# the network reconstructs the 90 zeros it trained on far better than others.
labels = detector.predict(X_test)
in_sample = AutoencoderOutlierDetector(novelty=False, random_state=0, **one_network)
in_sample_labels = in_sample.fit(X_train[y_train == 0]).predict(X_test)
for digit in (0, 6, 8):
    flagged = np.mean(labels[y_test == digit] == -1)
    flagged_in_sample = np.mean(in_sample_labels[y_test == digit] == -1)
    print(
        f"digit {digit}: {flagged:4.0%} flagged as outliers "
        f"(offset set on the training zeros' own scores: {flagged_in_sample:4.0%})"
    )

# %%
# The most and least abnormal test images
# ---------------------------------------
order = np.argsort(scores)
fig, axes = plt.subplots(2, 10, figsize=(10, 2.6))
for row, indices, title in (
    (axes[0], order[:10], "most abnormal"),
    (axes[1], order[-10:], "most normal"),
):
    for ax, i in zip(row, indices):
        ax.imshow(X_test[i].reshape(8, 8), cmap="gray", vmin=0, vmax=1)
        ax.set_title(str(y_test[i]), fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    row[0].set_ylabel(title, rotation=0, ha="right", va="center")
plt.show()

# %%
# The codes and reconstructions behind the scores
# -----------------------------------------------
# ``autoencoder_`` is the fitted autoencoder as an
# :class:`~skae.AutoencoderTransformer`, sharing the detector's network: its
# ``transform`` gives each image's code, its ``inverse_transform`` the
# reconstruction the score measures. The network learnt zeros only, so it
# redraws the most abnormal images as something zero-like (first figure), and
# the most normal ones almost as they are (second).
from skae.plotting import plot_reconstructions

codes = detector.autoencoder_.transform(X_test)
print(f"codes: {codes.shape[1]} numbers for each of {codes.shape[0]} test images")
for indices, title in ((order[:8], "most abnormal"), (order[-8:], "most normal")):
    fig = plot_reconstructions(
        {"reconstruction": detector.autoencoder_},
        X_test[indices],
        n=8,
        image_shape=(8, 8),
    )
    fig.suptitle(f"{title} test images (top) and their reconstructions")
plt.show()

# %%
# Against other detectors
# -----------------------
# ``benchmarks/compare_outliers.py`` runs the one-class protocol on
# Fashion-MNIST and MNIST against PCA, scikit-learn's detectors and pyod's
# autoencoder; it takes minutes, so this plot reads its committed results.
import json
from pathlib import Path

try:
    results = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
except NameError:
    results = Path("..", "benchmarks", "results")
fig, ax = plt.subplots(figsize=(7, 3.5))
for offset, dataset in ((-0.15, "fashion-mnist"), (0.15, "mnist")):
    novelty = json.loads((results / f"outliers_{dataset}.json").read_text())["novelty"]
    names = list(novelty)
    means = [novelty[name]["mean_auc"] for name in names]
    ax.barh(np.arange(len(names)) + offset, means, height=0.3, label=dataset)
ax.set_yticks(np.arange(len(names)), names)
ax.set_xlim(0.8, 1.0)
ax.set_xlabel("mean one-class ROC AUC over the ten classes")
ax.invert_yaxis()
ax.legend()
fig.tight_layout()
plt.show()

# %%
# Do the verdicts hold on new data?
# ---------------------------------
# ``benchmarks/calibrate_outliers.py`` fits each detector on one digit's
# training half with ``contamination`` c and counts the fraction of the same
# digit's test half that ``predict`` flags, for each digit: the false-alarm
# rate that c promises. This plot reads its committed results. With its
# offset set on held-out scores (the default), skae stays near the dashed
# line, as scikit-learn's detectors do; set on the training rows' own scores
# (``novelty=False``), it flags most new normal digits at any c.
calibration = json.loads((results / "calibration_digits.json").read_text())
fractions = [0.01, 0.05, 0.1]
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(fractions, fractions, "--", color="0.5", label="flagged = c")
for name, by_c in calibration["flagged"].items():
    ax.plot(
        fractions, [by_c[str(c)]["normal_mean"] for c in fractions], "o-", label=name
    )
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xticks(fractions, [str(c) for c in fractions])
ax.set_xlabel("contamination c")
ax.set_ylabel("new normal digits flagged\n(mean over the ten digits)")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
