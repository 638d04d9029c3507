"""Do the detectors' verdicts hold on new data? The fraction of new normal rows flagged.

One class at a time (the one-class protocol of compare_outliers.py): fit on
that class's training rows with ``contamination`` c, then ``predict`` the
test set; report the fraction of the same class's test rows flagged (the
false-alarm rate, which c promises) and of the other classes' (found), for c
in 0.01, 0.05, 0.1 and "auto", mean and largest over the classes. skae with
its default offset (set on held-out scores, ``novelty=True``) and with the
offset set on the training rows' own scores (``novelty=False``), beside
IsolationForest, LocalOutlierFactor(novelty=True) and OneClassSVM(nu=c).
Where skae's defaults are an ensemble (the digits: 64 features, fewer than
images' 256), one network trained on every row is measured beside them.

    python benchmarks/calibrate_outliers.py                    # digits, halves, ~3 min
    python benchmarks/calibrate_outliers.py --dataset mnist    # ../shared/data/mnist
    python benchmarks/calibrate_outliers.py --dataset fashion-mnist

Results go to benchmarks/results/unsaved/ unless --save is given, which writes
the committed benchmarks/results/calibration_<dataset>.json and PNG.
"""

import argparse
import time

import numpy as np
from _common import Log, load_images, machine, output_dir, write_json
from sklearn.datasets import load_digits
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor
from sklearn.svm import OneClassSVM

from skae import AutoencoderOutlierDetector

CONTAMINATIONS = (0.01, 0.05, 0.1, "auto")
ONE_NETWORK = {
    "n_estimators": 1,
    "feature_weight": 0.0,
    "screening": 0.0,
    "covariance_weight": 0.0,
}
OCSVM_MAX_ROWS = 2000  # as in compare_outliers.py


def load(dataset, data_dir):
    """Training and test rows; digits as the README's example splits it."""
    if dataset == "digits":
        X, y = load_digits(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X / 16, y, test_size=0.5, stratify=y, random_state=0
        )
        return (
            X_train,
            y_train,
            X_test,
            y_test,
            "scikit-learn digits, stratified halves",
        )
    X_train, y_train, X_test, y_test, _, description = load_images(dataset, data_dir)
    return X_train, y_train, X_test, y_test, description


def offset(scores, contamination):
    """The offset a detector sets from `scores` for `contamination`."""
    if contamination == "auto":
        first, third = np.percentile(scores, [25, 75])
        return first - 1.5 * (third - first)
    return np.percentile(scores, 100 * contamination)


def skae_offsets(X, seed, name="skae", **params):
    """skae's offsets for every contamination, from one fit with `params`.

    ``contamination`` only picks the quantile of the scores the offset is set
    from, so one fit gives every offset: those of ``novelty=True`` from the
    held-out scores its fit computes (caught on the way), those of
    ``novelty=False`` from the training rows' own scores, with the same
    networks. The offset for the fitted contamination is checked against what
    ``fit`` set.
    """
    detector = AutoencoderOutlierDetector(random_state=seed, **params)
    held_out = {}
    compute = detector._held_out_scores

    def catch(*args):
        held_out["scores"] = compute(*args)
        return held_out["scores"]

    detector._held_out_scores = catch
    detector.fit(X)
    del detector._held_out_scores
    assert np.isclose(detector.offset_, offset(held_out["scores"], "auto"))
    own = detector.score_samples(X)
    default = ", default" if name == "skae" else ""
    return detector, {
        f"{name} (novelty=True{default})": {
            c: offset(held_out["scores"], c) for c in CONTAMINATIONS
        },
        f"{name} (novelty=False)": {c: offset(own, c) for c in CONTAMINATIONS},
    }


def sklearn_detectors(contamination, X):
    """scikit-learn's detectors at `contamination` (OneClassSVM's nu for a fraction)."""
    c = contamination
    rows = np.random.default_rng(0).permutation(len(X))[:OCSVM_MAX_ROWS]
    return {
        "IsolationForest": IsolationForest(contamination=c, random_state=0).fit(X),
        "LocalOutlierFactor": LocalOutlierFactor(novelty=True, contamination=c).fit(X),
        "OneClassSVM": OneClassSVM(nu=0.5 if c == "auto" else c).fit(X[rows]),
    }


def run(X_train, y_train, X_test, y_test, classes, log):
    flagged = {}  # method -> contamination -> {"normal": [...], "others": [...]}
    aucs = {}
    configurations = {"skae": {}}
    # Where the defaults are an ensemble (data narrower than images), one
    # network, the defaults on images, beside them.
    probe = AutoencoderOutlierDetector(max_iter=1, novelty=False).fit(X_train[:20])
    if hasattr(probe, "estimators_"):
        configurations["skae one network"] = ONE_NETWORK
    for k in classes:
        start = time.perf_counter()
        X = X_train[y_train == k]
        normal = y_test == k
        for skae, params in configurations.items():
            model, offsets = skae_offsets(X, seed=0, name=skae, **params)
            scores = model.score_samples(X_test)
            aucs.setdefault(skae, []).append(roc_auc_score(normal, scores))
            for name, by_c in offsets.items():
                for c, value in by_c.items():
                    cell = flagged.setdefault(name, {}).setdefault(str(c), {})
                    cell.setdefault("normal", []).append(
                        float(np.mean(scores[normal] < value))
                    )
                    cell.setdefault("others", []).append(
                        float(np.mean(scores[~normal] < value))
                    )
        for c in CONTAMINATIONS:
            for name, detector in sklearn_detectors(c, X).items():
                outlier = detector.predict(X_test) == -1
                cell = flagged.setdefault(name, {}).setdefault(str(c), {})
                cell.setdefault("normal", []).append(float(np.mean(outlier[normal])))
                cell.setdefault("others", []).append(float(np.mean(outlier[~normal])))
        means = {name: flagged[name]["0.05"]["normal"][-1] for name in flagged}
        log(
            f"class {k}: new normal rows flagged at c=0.05: "
            + ", ".join(f"{name} {value:.3f}" for name, value in means.items())
            + f" ({time.perf_counter() - start:.0f}s)"
        )
    summary = {
        name: {
            c: {
                "normal_mean": float(np.mean(cell["normal"])),
                "normal_max": float(np.max(cell["normal"])),
                "others_mean": float(np.mean(cell["others"])),
                **cell,
            }
            for c, cell in by_c.items()
        }
        for name, by_c in flagged.items()
    }
    return summary, {name: float(np.mean(values)) for name, values in aucs.items()}


def print_table(summary):
    print(
        "\nFraction of new rows flagged by predict, mean over the classes: of the same class\n"
        "(normal; contamination promises about c) with the largest class's in brackets, and\n"
        "of the other classes (others).\n"
    )
    print(f"{'method':<30}" + "".join(f"{'c=' + str(c):>24}" for c in CONTAMINATIONS))
    for name, by_c in summary.items():
        cells = "".join(
            f"{by_c[str(c)]['normal_mean']:>9.3f} ({by_c[str(c)]['normal_max']:.2f}) / {by_c[str(c)]['others_mean']:.2f}"
            for c in CONTAMINATIONS
        )
        print(f"{name:<30}{cells}")
    print("\ncells: normal mean (largest class) / others mean")


def plot(summary, title, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fractions = [c for c in CONTAMINATIONS if c != "auto"]
    fig, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
    band = np.array(fractions)
    ax.fill_between(band, band / 2, band * 2, color="0.9", label="c/2 to 2c")
    ax.plot(band, band, color="0.5", linestyle="--", label="flagged = c")
    for name, by_c in summary.items():
        ax.plot(
            fractions,
            [by_c[str(c)]["normal_mean"] for c in fractions],
            marker="o",
            label=name,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(fractions, [str(c) for c in fractions])
    ax.set_xlabel("contamination c (OneClassSVM: nu)")
    ax.set_ylabel("new normal rows flagged (mean over classes)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dataset", choices=["digits", "mnist", "fashion-mnist"], default="digits"
    )
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--classes", type=int, nargs="+", default=list(range(10)))
    parser.add_argument(
        "--save", action="store_true", help="write the committed results"
    )
    args = parser.parse_args()

    log = Log()
    X_train, y_train, X_test, y_test, description = load(args.dataset, args.data_dir)
    log(
        f"{description}: train {X_train.shape}, test {X_test.shape}, classes {args.classes}"
    )
    summary, aucs = run(X_train, y_train, X_test, y_test, args.classes, log)
    print_table(summary)
    for skae, auc in aucs.items():
        log(f"{skae}: mean one-class ROC AUC (the same either way): {auc:.4f}")

    name = f"calibration_{args.dataset}"
    folder = output_dir(args.save)
    path = write_json(
        folder,
        name,
        {
            "command": "python benchmarks/calibrate_outliers.py"
            + ("" if args.dataset == "digits" else f" --dataset {args.dataset}"),
            "machine": machine(),
            "data": description,
            "train_shape": list(X_train.shape),
            "test_shape": list(X_test.shape),
            "classes": args.classes,
            "flagged": summary,
            "skae_mean_auc": aucs["skae"],
            **(
                {"skae_one_network_mean_auc": aucs["skae one network"]}
                if "skae one network" in aucs
                else {}
            ),
            "seconds": log.seconds(),
        },
    )
    plot(summary, f"Calibration on {args.dataset}", folder / f"{name}.png")
    log(f"wrote {path} and {name}.png")


if __name__ == "__main__":
    main()
