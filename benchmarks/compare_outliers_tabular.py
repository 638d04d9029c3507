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
part, mean over 10 splits. Every method is fitted on the training part
without labels; both figures rank by ``score_samples``, so no threshold is
involved.

    python benchmarks/compare_outliers_tabular.py            # about 5 minutes
    python benchmarks/compare_outliers_tabular.py --splits 3 # a quick look

pyod's AutoEncoder needs ``pip install -e ".[outliers]"``; without it its
column is skipped with a note. --save writes the committed
benchmarks/results/outliers_tabular.json.
"""

import argparse
import importlib.util
import time
import warnings

import numpy as np
from _common import Log, machine, output_dir, write_json
from compare_outliers import PCAOutlier, PyodOutlier
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
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


def methods(pyod_available):
    """Return ``{name: (description, make(n_features))}``: defaults everywhere."""
    table = {
        "skae (defaults)": (
            "AutoencoderOutlierDetector(random_state=0, novelty=False): the "
            "defaults' network, without the calibration fits, since no figure "
            "here uses the offset",
            lambda n: AutoencoderOutlierDetector(random_state=0, novelty=False),
        ),
        "skae (support_fraction=0.8)": (
            "AutoencoderOutlierDetector(support_fraction=0.8, random_state=0, "
            "novelty=False): the trimmed loss, for training data that holds "
            "outliers, as every training part here does",
            lambda n: AutoencoderOutlierDetector(
                support_fraction=0.8, random_state=0, novelty=False
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
    }
    if pyod_available:
        from pyod.models.auto_encoder import AutoEncoder

        table["pyod AutoEncoder"] = (
            "pyod.models.auto_encoder.AutoEncoder() with its defaults",
            lambda n: PyodOutlier(AutoEncoder(verbose=0)),
        )
    return table


def precision_at_n(is_outlier, scores):
    """Precision among the n lowest scores, n the true number of outliers."""
    n = int(is_outlier.sum())
    return float(is_outlier[np.argsort(scores)[:n]].mean())


def run(table, data, splits, log):
    results = {}
    for set_name, (X, is_outlier, _) in data.items():
        for split in range(splits):
            X_train, X_test, _, y_test = train_test_split(
                X, is_outlier, test_size=0.4, stratify=is_outlier, random_state=split
            )
            scaler = StandardScaler().fit(X_train)
            X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
            for name, (_, make) in table.items():
                model = make(X.shape[1])
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # pyod's and torch's chatter
                    scores = model.fit(X_train).score_samples(X_test)
                cell = results.setdefault(name, {}).setdefault(
                    set_name, {"auc": [], "precision_at_n": [], "fit_seconds": []}
                )
                cell["auc"].append(float(roc_auc_score(~y_test, scores)))
                cell["precision_at_n"].append(precision_at_n(y_test, scores))
                cell["fit_seconds"].append(time.perf_counter() - start)
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
            cell["mean_precision_at_n"] = float(np.mean(cell["precision_at_n"]))
        by_set["mean over the sets"] = {
            "mean_auc": float(np.mean([c["mean_auc"] for c in by_set.values()])),
            "mean_precision_at_n": float(
                np.mean([c["mean_precision_at_n"] for c in by_set.values()])
            ),
        }
    return results


def print_table(results, sets):
    columns = [*sets, "mean over the sets"]
    print("\nROC AUC / precision@n on the test parts, mean over the splits:\n")
    print(f"{'method':<28}" + "".join(f"{c:>22}" for c in columns))
    for name, by_set in results.items():
        cells = "".join(
            f"{by_set[c]['mean_auc']:>13.3f} / {by_set[c]['mean_precision_at_n']:.3f}"
            for c in columns
        )
        print(f"{name:<28}{cells}")


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
    results = run(table, data, args.splits, log)
    print_table(results, list(data))
    path = write_json(
        output_dir(args.save),
        "outliers_tabular",
        {
            "command": "python benchmarks/compare_outliers_tabular.py"
            + ("" if args.splits == 10 else f" --splits {args.splits}"),
            "machine": machine(),
            "protocol": "60/40 split, both contaminated, stratified; StandardScaler "
            "fitted on the training part; mean over the splits",
            "splits": args.splits,
            "datasets": {
                name: {
                    "shape": list(X.shape),
                    "outliers": int(y.sum()),
                    "description": d,
                }
                for name, (X, y, d) in data.items()
            },
            "methods": {name: description for name, (description, _) in table.items()},
            "results": results,
            "seconds": log.seconds(),
        },
    )
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
