"""Outlier detection on tables: skae against scikit-learn's detectors, PCA and pyod.

The classic tabular sets that scikit-learn ships, built the way the ODDS
collection builds its sets and named so:

- WBC: breast cancer, the 357 benign tumours as inliers plus 21 malignant
  ones drawn at random (30 features);
- wine: classes 1 and 2 as inliers plus 10 rows of class 0 (13 features);
- optdigits: the digits 1 to 9 as inliers plus 50 zeros, 3% (64 features).

pyod's benchmark protocol: a 60/40 split with both parts contaminated
(stratified on the label), a StandardScaler fitted on the training part, ROC
AUC and precision at the true number of outliers (precision@n) on the test
part, mean and standard deviation over 10 splits. Every method is fitted on
the training part without labels; both figures rank by ``score_samples``, so
no threshold is involved. Three protocols, in one run:

- ``contaminated``: the sets above, as just said;
- ``clean``: the same splits, every method fitted on the training part's
  inliers only (the test part keeps its outliers);
- ``planted``: ADBench's four synthetic anomaly types (Han et al., NeurIPS
  2022), 5% of the rows, planted in bundled tables taken whole as inliers
  (wine, the benign breast tumours, diabetes), then the contaminated
  protocol. Global: uniform over each feature's range widened by 10%; local:
  drawn from a Gaussian mixture fitted to the inliers, its covariances
  scaled by 5; clustered: the same mixture with its means scaled by 5;
  dependency: each feature drawn on its own from its inlier values, so the
  marginals are kept and the links between features cut;
- ``low-dimensional``: 2 to 10 features, 15% outliers uniform over a box
  around the data, then the contaminated protocol: three of the toy sets of
  scikit-learn's example "Comparing anomaly detection algorithms for outlier
  detection on toy datasets" (its box, [-6, 6]), and rows near a plane in 5
  and 10 features (the box: each feature's range widened by 10%).

    python benchmarks/compare_outliers_tabular.py            # about 15 minutes
    python benchmarks/compare_outliers_tabular.py --splits 3 # a quick look

pyod's AutoEncoder, HBOS and ECOD need ``pip install -e ".[outliers]"``;
without pyod their columns are skipped with a note. --save writes the
committed benchmarks/results/outliers_tabular.json.
"""

import argparse
import importlib.util
import time
import warnings

import numpy as np
from _common import Log, machine, output_dir, write_json
from compare_outliers import PCAOutlier, PyodOutlier
from sklearn.covariance import EllipticEnvelope
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_wine,
    make_blobs,
    make_moons,
)
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor
from sklearn.preprocessing import StandardScaler
from sklearn.svm import OneClassSVM

from skae import AutoencoderOutlierDetector


def _with_outliers(X, is_outlier, n_outliers, seed):
    """All inliers, plus `n_outliers` outliers drawn at random."""
    rng = np.random.default_rng(seed)
    outliers = rng.choice(np.flatnonzero(is_outlier), n_outliers, replace=False)
    rows = np.concatenate([np.flatnonzero(~is_outlier), np.sort(outliers)])
    return X[rows], is_outlier[rows]


def datasets():
    """Return ``{name: (X, y_outlier, description)}``."""
    cancer = load_breast_cancer()
    wine = load_wine()
    digits = load_digits()
    return {
        "WBC": (
            *_with_outliers(cancer.data, cancer.target == 0, 21, seed=0),
            "breast cancer: 357 benign + 21 malignant, 30 features",
        ),
        "wine": (
            *_with_outliers(wine.data, wine.target == 0, 10, seed=0),
            "wine: classes 1 and 2 (119) + 10 of class 0, 13 features",
        ),
        "optdigits": (
            *_with_outliers(digits.data, digits.target == 0, 50, seed=0),
            "digits: 1 to 9 (1,619) + 50 zeros, 64 features",
        ),
    }


ANOMALY_TYPES = ("global", "local", "clustered", "dependency")
PLANTED_FRACTION = 0.05
MIXTURE_SCALE = 5.0  # ADBench's alpha
GLOBAL_WIDENING = 0.1  # ADBench's percentage


def planted_sets():
    """Return ``{name: inliers}``: bundled tables taken whole as inliers."""
    cancer = load_breast_cancer()
    return {
        "wine": load_wine().data,
        "breast cancer (benign)": cancer.data[cancer.target == 1],
        "diabetes": load_diabetes().data,
    }


def plant(inliers, kind, seed):
    """Return ``(X, is_outlier)``: standardized inliers and planted anomalies."""
    rng = np.random.default_rng(seed)
    X = StandardScaler().fit_transform(inliers)
    n = int(np.ceil(PLANTED_FRACTION / (1 - PLANTED_FRACTION) * len(X)))
    if kind == "global":
        low, high = X.min(axis=0), X.max(axis=0)
        margin = GLOBAL_WIDENING * (high - low)
        anomalies = rng.uniform(low - margin, high + margin, size=(n, X.shape[1]))
    elif kind == "dependency":
        anomalies = np.column_stack(
            [rng.choice(column, n) for column in X.T]
        ) + rng.normal(0, 0.01, size=(n, X.shape[1]))
    else:
        mixture = min(
            (GaussianMixture(k, random_state=seed).fit(X) for k in range(1, 6)),
            key=lambda model: model.bic(X),
        )
        if kind == "local":
            mixture.covariances_ = mixture.covariances_ * MIXTURE_SCALE
        else:
            mixture.means_ = mixture.means_ * MIXTURE_SCALE
        anomalies = mixture.sample(n)[0]
        anomalies = anomalies[rng.permutation(n)]
    return np.vstack([X, anomalies]), np.r_[np.zeros(len(X)), np.ones(n)].astype(bool)


LOW_DIMENSIONAL_INLIERS = 255  # and 45 outliers: scikit-learn's example's 300 rows
LOW_DIMENSIONAL_OUTLIERS = 45


def low_dimensional_sets():
    """Return ``{name: (X, is_outlier, description)}`` with 2 to 10 features."""
    n = LOW_DIMENSIONAL_INLIERS
    blobs = dict(n_samples=n, centers=[[2, 2], [-2, -2]], random_state=0)
    rng = np.random.default_rng(0)
    plane = rng.normal(size=(n, 2))
    inliers = {
        "two blobs": make_blobs(cluster_std=0.5, **blobs)[0],
        "uneven blobs": make_blobs(cluster_std=[1.5, 0.3], **blobs)[0],
        "moons": 4 * (make_moons(n, noise=0.05, random_state=0)[0] - [0.5, 0.25]),
        "plane in 5": plane @ rng.normal(size=(2, 5)) + 0.3 * rng.normal(size=(n, 5)),
        "plane in 10": plane @ rng.normal(size=(2, 10))
        + 0.3 * rng.normal(size=(n, 10)),
    }
    sets = {}
    for name, X in inliers.items():
        if X.shape[1] == 2:
            low, high = np.full(2, -6.0), np.full(2, 6.0)
        else:
            margin = GLOBAL_WIDENING * (X.max(axis=0) - X.min(axis=0))
            low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
        outliers = rng.uniform(low, high, size=(LOW_DIMENSIONAL_OUTLIERS, X.shape[1]))
        sets[name] = (
            np.vstack([X, outliers]),
            np.r_[np.zeros(n), np.ones(LOW_DIMENSIONAL_OUTLIERS)].astype(bool),
            f"{name}: {n} rows, {X.shape[1]} features, "
            f"+ {LOW_DIMENSIONAL_OUTLIERS} uniform outliers",
        )
    return sets


def methods(pyod_available):
    """Return ``{name: (description, make(n_features))}``: defaults everywhere."""
    table = {
        "skae (defaults)": (
            "AutoencoderOutlierDetector(random_state=0, novelty=False): the "
            "defaults on tables (an ensemble of small networks on subsamples "
            "of the rows the per-feature histograms find likely, plus those "
            "histograms and a robust covariance's distance), without the "
            "offset, which no figure here uses",
            lambda n: AutoencoderOutlierDetector(random_state=0, novelty=False),
        ),
        "skae (one network)": (
            "AutoencoderOutlierDetector(n_estimators=1, feature_weight=0, "
            "screening=0, covariance_weight=0, random_state=0, novelty=False): "
            "one network trained on every row, the earlier defaults and those "
            "on images",
            lambda n: AutoencoderOutlierDetector(
                n_estimators=1,
                feature_weight=0.0,
                screening=0.0,
                covariance_weight=0.0,
                random_state=0,
                novelty=False,
            ),
        ),
        "PCA": (
            "squared reconstruction error of PCA with the code size of skae's "
            "default (32, or half the features)",
            # skae's n_components='auto'
            lambda n: PCAOutlier(min(32, max(1, n // 2))),
        ),
        "IsolationForest": (
            "IsolationForest(random_state=0)",
            lambda n: IsolationForest(random_state=0),
        ),
        "LocalOutlierFactor": (
            "LocalOutlierFactor(novelty=True)",
            lambda n: LocalOutlierFactor(novelty=True),
        ),
        "OneClassSVM": ("OneClassSVM()", lambda n: OneClassSVM()),
        "EllipticEnvelope": (
            "EllipticEnvelope(random_state=0): the minimum covariance determinant",
            lambda n: EllipticEnvelope(random_state=0),
        ),
    }
    if pyod_available:
        from pyod.models.auto_encoder import AutoEncoder
        from pyod.models.ecod import ECOD
        from pyod.models.hbos import HBOS

        table["pyod AutoEncoder"] = (
            "pyod.models.auto_encoder.AutoEncoder() with its defaults",
            lambda n: PyodOutlier(AutoEncoder(verbose=0)),
        )
        table["HBOS"] = ("pyod.models.hbos.HBOS()", lambda n: PyodOutlier(HBOS()))
        table["ECOD"] = ("pyod.models.ecod.ECOD()", lambda n: PyodOutlier(ECOD()))
    return table


def precision_at_n(is_outlier, scores):
    """Precision among the n lowest scores, n the true number of outliers."""
    n = int(is_outlier.sum())
    return float(is_outlier[np.argsort(scores)[:n]].mean())


def run(table, data, splits, log, clean=False):
    """Fit every method on every split of every set; ``clean``: on inliers only."""
    results = {}
    for set_name, (X, is_outlier, _) in data.items():
        for split in range(splits):
            X_train, X_test, y_train, y_test = train_test_split(
                X, is_outlier, test_size=0.4, stratify=is_outlier, random_state=split
            )
            if clean:
                X_train = X_train[~y_train]
            scaler = StandardScaler().fit(X_train)
            X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
            for name, (_, make) in table.items():
                model = make(X.shape[1])
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # pyod's and torch's chatter
                    model.fit(X_train)
                    seconds = time.perf_counter() - start
                    scores = model.score_samples(X_test)
                cell = results.setdefault(name, {}).setdefault(
                    set_name, {"auc": [], "precision_at_n": [], "fit_seconds": []}
                )
                cell["auc"].append(float(roc_auc_score(~y_test, scores)))
                cell["precision_at_n"].append(precision_at_n(y_test, scores))
                cell["fit_seconds"].append(seconds)
        log(
            f"{set_name}: mean AUC "
            + ", ".join(
                f"{name} {np.mean(results[name][set_name]['auc']):.3f}"
                for name in table
            )
        )
    for by_set in results.values():
        for cell in by_set.values():
            cell["mean_auc"] = float(np.mean(cell["auc"]))
            cell["std_auc"] = float(np.std(cell["auc"]))
            cell["mean_precision_at_n"] = float(np.mean(cell["precision_at_n"]))
            cell["median_fit_seconds"] = float(np.median(cell["fit_seconds"]))
        by_set["mean over the sets"] = {
            "mean_auc": float(np.mean([c["mean_auc"] for c in by_set.values()])),
            "mean_precision_at_n": float(
                np.mean([c["mean_precision_at_n"] for c in by_set.values()])
            ),
            "median_fit_seconds": float(
                np.median([c["median_fit_seconds"] for c in by_set.values()])
            ),
        }
    return results


def print_table(results, sets, title):
    columns = [*sets, "mean over the sets"]
    print(f"\n{title}: ROC AUC (std) on the test parts over the splits; fit s\n")
    print(f"{'method':<22}" + "".join(f"{c[:16]:>17}" for c in columns) + "  fit s")
    for name, by_set in results.items():
        cells = "".join(
            f"{by_set[c]['mean_auc']:>10.3f} ({by_set[c]['std_auc']:.3f})"
            if "std_auc" in by_set[c]
            else f"{by_set[c]['mean_auc']:>17.3f}"
            for c in columns
        )
        seconds = by_set["mean over the sets"]["median_fit_seconds"]
        print(f"{name:<22}{cells}  {seconds:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument(
        "--save", action="store_true", help="write the committed results"
    )
    args = parser.parse_args()

    pyod_available = importlib.util.find_spec("pyod") is not None
    if not pyod_available:
        print(
            'pyod is not installed (pip install -e ".[outliers]"): its column is skipped.'
        )
    log = Log()
    data = datasets()
    table = methods(pyod_available)
    planted = {
        f"{kind} in {name}": (*plant(inliers, kind, seed=i), f"{kind} anomalies")
        for i, (name, inliers) in enumerate(planted_sets().items())
        for kind in ANOMALY_TYPES
    }
    low = low_dimensional_sets()
    results = {
        "contaminated": run(table, data, args.splits, log),
        "clean": run(table, data, args.splits, log, clean=True),
        "planted": run(table, planted, args.splits, log),
        "low-dimensional": run(table, low, args.splits, log),
    }
    for protocol, by_method in results.items():
        sets = [s for s in next(iter(by_method.values())) if s != "mean over the sets"]
        print_table(by_method, sets, protocol)
    path = write_json(
        output_dir(args.save),
        "outliers_tabular",
        {
            "command": "python benchmarks/compare_outliers_tabular.py"
            + ("" if args.splits == 10 else f" --splits {args.splits}"),
            "machine": machine(),
            "protocol": "60/40 split, stratified; StandardScaler fitted on the "
            "training part; contaminated: both parts hold the outliers; clean: "
            "fitted on the training part's inliers; planted: ADBench's anomaly "
            "types planted in bundled tables, then contaminated; "
            "low-dimensional: 2 to 10 features, 15% uniform outliers, "
            "contaminated",
            "splits": args.splits,
            "datasets": {
                name: {
                    "shape": list(X.shape),
                    "outliers": int(y.sum()),
                    "description": d,
                }
                for name, (X, y, d) in {**data, **planted, **low}.items()
            },
            "methods": {name: description for name, (description, _) in table.items()},
            "results": results,
            "seconds": log.seconds(),
        },
    )
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
