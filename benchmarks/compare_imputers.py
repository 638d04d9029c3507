"""Missing values: skae's imputer against scikit-learn's, missForest and a Gaussian EM.

Four bundled tables, each z-scored whole first (so that errors compare
across features and sets; a constant feature is only centred): breast
cancer (569 x 30), diabetes (442 x 10, unscaled), wine (178 x 13) and digits
(1797 x 64, with constant features). Values are removed by four mechanisms,
5 masks each:

- ``mcar20``, ``mcar50``: completely at random, 20% and 50% of the entries;
- ``mar``: at random: 30% of the features stay observed, each other value
  goes missing with a logistic probability of a random combination of the
  observed features, 30% on average;
- ``mnar``: not at random, self-masking: each value goes missing with a
  logistic probability that grows with the value itself, 30% on average.

The error is the mean squared error on the removed entries, in z-units:
in-sample (``fit_transform`` on all rows) and held out (fit on 70% of the
rows with their holes, ``transform`` the other 30% with theirs). Imputers:
the mean, ``KNNImputer``, ``IterativeImputer`` (BayesianRidge),
missForest (``IterativeImputer`` over ``ExtraTreesRegressor(n_estimators=100)``),
the Gaussian EM reference (below) and skae's ``AutoencoderImputer``, all
with ``keep_empty_features=True`` and default parameters otherwise.

Also in the run: each imputer's median fit seconds; skae's ``transform`` of
one row; the coverage of 95% intervals from ``sample_posterior=True`` over
10 ``random_state`` (skae and IterativeImputer, breast cancer and diabetes,
MCAR); and the downstream protocol of scikit-learn's example "Imputing
missing values before building an estimator" on diabetes (its first 300
rows, one value removed in 75% of the rows, ``RandomForestRegressor`` in a
4-fold cross-validation, ``add_indicator=True``), over 5 masks.

    python benchmarks/compare_imputers.py                    # about 40 minutes
    python benchmarks/compare_imputers.py --masks 1 --forest-masks 0  # a quick look

missForest costs 50 s a fit on breast cancer and 190-270 s on digits here:
``--forest-masks`` runs it on the first masks only (the results say how
many) and ``--forest-max-features`` (32) skips it on wider tables (digits;
``--forest-max-features 64`` runs it there too, hours more). --save writes
the committed benchmarks/results/imputers.json and imputers.png.
"""

import argparse
import time
import warnings

import numpy as np
from _common import Log, machine, output_dir, write_json
from scipy.special import expit
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from skae import AutoencoderImputer

MECHANISMS = ("mcar20", "mcar50", "mar", "mnar")
IMPUTERS = ("mean", "knn", "iterative", "missforest", "gaussian_em", "skae")


class GaussianEMImputer:
    """The reference: a full Gaussian fitted by EM with the holes, conditional means.

    The linear-Gaussian imputer of Little & Rubin (chapter 11), written here
    as the issue's 40-line reference so that the row does not depend on
    skae: mean and covariance by expectation-maximization, each hole then
    filled by its mean given the row's observed entries.
    """

    def __init__(self, max_iter=100, tol=1e-4, ridge=1e-6):
        self.max_iter, self.tol, self.ridge = max_iter, tol, ridge

    def fit(self, X):
        X = np.asarray(X, dtype=float)
        mean = np.nanmean(X, axis=0)
        mean = np.where(np.isnan(mean), 0.0, mean)
        cov = np.diag(np.nan_to_num(np.nanvar(X, axis=0), nan=1.0) + self.ridge)
        for _ in range(self.max_iter):
            filled, spread = self._expect(X, mean, cov)
            new_mean = filled.mean(axis=0)
            centred = filled - new_mean
            new_cov = (centred.T @ centred + spread) / len(X)
            new_cov += self.ridge * np.eye(len(mean))
            moved = max(np.abs(new_mean - mean).max(), np.abs(new_cov - cov).max())
            mean, cov = new_mean, new_cov
            if moved < self.tol:
                break
        self.mean_, self.cov_ = mean, cov
        return self

    @staticmethod
    def _expect(X, mean, cov):
        filled, spread = X.copy(), np.zeros_like(cov)
        for i, row in enumerate(X):
            m = np.isnan(row)
            if not m.any():
                continue
            o = ~m
            gain = np.linalg.solve(cov[np.ix_(o, o)], cov[np.ix_(o, m)]).T
            filled[i, m] = mean[m] + gain @ (row[o] - mean[o])
            spread[np.ix_(m, m)] += cov[np.ix_(m, m)] - gain @ cov[np.ix_(o, m)]
        return filled, spread

    def transform(self, X):
        return self._expect(np.asarray(X, dtype=float), self.mean_, self.cov_)[0]

    def fit_transform(self, X):
        return self.fit(X).transform(X)


def make_imputer(name, seed):
    if name == "mean":
        return SimpleImputer(keep_empty_features=True)
    if name == "knn":
        return KNNImputer(keep_empty_features=True)
    if name == "iterative":
        return IterativeImputer(random_state=seed, keep_empty_features=True)
    if name == "missforest":
        forest = ExtraTreesRegressor(n_estimators=100, random_state=seed)
        return IterativeImputer(forest, random_state=seed, keep_empty_features=True)
    if name == "gaussian_em":
        return GaussianEMImputer()
    return AutoencoderImputer(random_state=seed, keep_empty_features=True)


def datasets():
    """Return ``{name: X}``, each z-scored whole (a constant feature only centred)."""
    tables = {
        "breast_cancer": load_breast_cancer().data,
        "diabetes": load_diabetes(scaled=False).data,
        "wine": load_wine().data,
        "digits": load_digits().data,
    }
    out = {}
    for name, X in tables.items():
        std = X.std(axis=0)
        out[name] = (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)
    return out


def _intercepts(logits, rate):
    """Per-column intercepts by bisection so that the mean of expit is `rate`."""
    low = np.full(logits.shape[1], -50.0)
    high = np.full(logits.shape[1], 50.0)
    for _ in range(60):
        middle = (low + high) / 2
        too_many = expit(logits + middle).mean(axis=0) > rate
        high = np.where(too_many, middle, high)
        low = np.where(too_many, low, middle)
    return (low + high) / 2


def make_mask(X, mechanism, rng):
    """Return where values are removed (True), by `mechanism`."""
    n_samples, n_features = X.shape
    if mechanism.startswith("mcar"):
        return rng.random(X.shape) < int(mechanism[4:]) / 100
    mask = np.zeros(X.shape, dtype=bool)
    if mechanism == "mar":
        order = rng.permutation(n_features)
        n_observed = max(1, int(0.3 * n_features))
        observed, missing = order[:n_observed], order[n_observed:]
        logits = X[:, observed] @ rng.standard_normal((n_observed, len(missing)))
        logits /= np.where(logits.std(axis=0) > 0, logits.std(axis=0), 1.0)
        logits *= 2.0
        probability = expit(logits + _intercepts(logits, 0.3))
        mask[:, missing] = rng.random(probability.shape) < probability
        return mask
    logits = 2.0 * X  # self-masking: the larger the value, the likelier missing
    probability = expit(logits + _intercepts(logits, 0.3))
    return rng.random(X.shape) < probability


def error(imputed, X, mask):
    return float(np.mean((imputed[mask] - X[mask]) ** 2))


def run_cell(name, X, mask, split, seed):
    """Return ``(in-sample error, held-out error, fit seconds)`` of one imputer."""
    X_missing = np.where(mask, np.nan, X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # IterativeImputer's ConvergenceWarning
        start = time.perf_counter()
        imputed = make_imputer(name, seed).fit_transform(X_missing)
        seconds = time.perf_counter() - start
        train, test = split
        imputer = make_imputer(name, seed).fit(X_missing[train])
        held_out = imputer.transform(X_missing[test])
    return (
        error(imputed, X, mask),
        error(held_out, X[test], mask[test]),
        seconds,
    )


def coverage(X, mechanism, seed, log, draws=10):
    """Return the coverage of 95% intervals over `draws` random_states, per imputer."""
    rng = np.random.default_rng(1000 + seed)
    mask = make_mask(X, mechanism, rng)
    X_missing = np.where(mask, np.nan, X)
    out = {}
    for name, make in (
        ("skae", lambda s: AutoencoderImputer(sample_posterior=True, random_state=s)),
        (
            "iterative",
            lambda s: IterativeImputer(sample_posterior=True, random_state=s),
        ),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            samples = np.stack(
                [make(s).fit_transform(X_missing)[mask] for s in range(draws)]
            )
        # With 10 draws, the interval between the smallest and the largest
        # has a nominal coverage of 9/11; the normal interval from their
        # mean and spread, 95%.
        centre, spread = samples.mean(axis=0), samples.std(axis=0, ddof=1)
        inside = np.abs(X[mask] - centre) <= 1.96 * spread
        out[name] = float(inside.mean())
        log(f"  coverage {mechanism} {name}: {out[name]:.3f}")
    return out


def downstream(log, n_masks):
    """scikit-learn's example on diabetes: mean CV MSE of a forest after each imputer."""
    X_full, y_full = load_diabetes(return_X_y=True)
    X_full, y_full = X_full[:300], y_full[:300]
    imputers = {
        "zero": lambda: SimpleImputer(
            strategy="constant", fill_value=0, add_indicator=True
        ),
        "mean": lambda: SimpleImputer(add_indicator=True),
        "knn": lambda: KNNImputer(add_indicator=True),
        "iterative": lambda: IterativeImputer(
            add_indicator=True,
            random_state=0,
            n_nearest_features=3,
            max_iter=1,
            sample_posterior=True,
        ),
        "missforest": lambda: IterativeImputer(
            ExtraTreesRegressor(n_estimators=100, random_state=0),
            add_indicator=True,
            random_state=0,
        ),
        "skae": lambda: AutoencoderImputer(add_indicator=True, random_state=0),
    }
    scores = {name: [] for name in ["full_data", *imputers]}
    for seed in range(n_masks):
        rng = np.random.RandomState(42 + seed)
        n_samples, n_features = X_full.shape
        n_missing = int(0.75 * n_samples)
        rows = np.zeros(n_samples, dtype=bool)
        rows[:n_missing] = True
        rng.shuffle(rows)
        X_missing = X_full.copy()
        X_missing[rows, rng.randint(0, n_features, n_missing)] = np.nan
        regressor = RandomForestRegressor(random_state=0)
        full = cross_val_score(
            regressor, X_full, y_full, scoring="neg_mean_squared_error", cv=4
        )
        scores["full_data"].append(float(-full.mean()))
        for name, make in imputers.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mse = -cross_val_score(
                    make_pipeline(make(), RandomForestRegressor(random_state=0)),
                    X_missing,
                    y_full,
                    scoring="neg_mean_squared_error",
                    cv=4,
                ).mean()
            scores[name].append(float(mse))
        log(
            f"  downstream mask {seed}: "
            + ", ".join(f"{k} {v[-1]:.0f}" for k, v in scores.items())
        )
    return {name: float(np.mean(values)) for name, values in scores.items()}, scores


def one_row_ms(X):
    imputer = AutoencoderImputer(random_state=0).fit(
        np.where(np.random.default_rng(0).random(X.shape) < 0.2, np.nan, X)
    )
    row = X[:1].copy()
    row[0, ::3] = np.nan
    times = []
    for _ in range(300):
        start = time.perf_counter()
        imputer.transform(row)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sets = list(results)
    fig, axes = plt.subplots(1, len(sets), figsize=(4 * len(sets), 3.4), sharey=True)
    width = 0.8 / len(IMPUTERS)
    for axis, name in zip(axes, sets):
        for i, imputer in enumerate(IMPUTERS):
            values = [
                results[name][m]["in_sample"].get(imputer, {}).get("mean", np.nan)
                / results[name][m]["in_sample"]["mean"]["mean"]
                for m in MECHANISMS
            ]
            axis.bar(
                np.arange(len(MECHANISMS)) + i * width, values, width, label=imputer
            )
        axis.set_xticks(np.arange(len(MECHANISMS)) + 0.4 - width / 2, MECHANISMS)
        axis.set_title(name)
        axis.axhline(1.0, color="grey", linewidth=0.8)
    axes[0].set_ylabel("error / mean imputation's (in-sample)")
    axes[-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--masks", type=int, default=5)
    parser.add_argument("--forest-masks", type=int, default=5)
    parser.add_argument("--forest-max-features", type=int, default=32)
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()
    log = Log()
    results, fit_seconds = {}, {}
    for data_name, X in datasets().items():
        results[data_name] = {}
        for mechanism in MECHANISMS:
            cells = {name: [] for name in IMPUTERS}
            for seed in range(args.masks):
                rng = np.random.default_rng(seed)
                mask = make_mask(X, mechanism, rng)
                order = rng.permutation(len(X))
                split = (order[: int(0.7 * len(X))], order[int(0.7 * len(X)) :])
                for name in IMPUTERS:
                    if name == "missforest" and (
                        seed >= args.forest_masks
                        or X.shape[1] > args.forest_max_features
                    ):
                        continue
                    cells[name].append(run_cell(name, X, mask, split, seed))
                    fit_seconds.setdefault((data_name, name), []).append(
                        cells[name][-1][2]
                    )
            summary = {"in_sample": {}, "held_out": {}, "masks": {}}
            for name, values in cells.items():
                if not values:
                    continue
                values = np.array(values)
                summary["masks"][name] = len(values)
                for column, key in ((0, "in_sample"), (1, "held_out")):
                    summary[key][name] = {
                        "mean": float(values[:, column].mean()),
                        "std": float(values[:, column].std()),
                        "per_mask": values[:, column].tolist(),
                    }
            results[data_name][mechanism] = summary
            log(
                f"{data_name} {mechanism}: "
                + "; ".join(
                    f"{name} {summary['in_sample'][name]['mean']:.3f}/"
                    f"{summary['held_out'][name]['mean']:.3f}"
                    for name in summary["in_sample"]
                )
            )
    seconds = {}
    for (data_name, name), values in fit_seconds.items():
        seconds.setdefault(data_name, {})[name] = float(np.median(values))
    tables = datasets()
    log("coverage of sample_posterior")
    covered = {
        data_name: {
            mechanism: coverage(tables[data_name], mechanism, 0, log)
            for mechanism in ("mcar20", "mcar50")
        }
        for data_name in ("breast_cancer", "diabetes")
    }
    log("downstream, scikit-learn's example on diabetes")
    downstream_mean, downstream_masks = downstream(log, args.masks)
    transform_ms = one_row_ms(tables["breast_cancer"])
    log(f"transform of one row (breast cancer): {transform_ms:.2f} ms")
    folder = output_dir(args.save)
    path = write_json(
        folder,
        "imputers",
        {
            "machine": machine(),
            "masks": args.masks,
            "forest_masks": args.forest_masks,
            "forest_max_features": args.forest_max_features,
            "errors": results,
            "fit_seconds_median": seconds,
            "coverage_95": covered,
            "downstream_diabetes_mse": downstream_mean,
            "downstream_diabetes_mse_per_mask": downstream_masks,
            "transform_one_row_ms": transform_ms,
            "seconds": log.seconds(),
        },
    )
    plot(results, folder / "imputers.png")
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
