"""Print the result tables (markdown) of the committed results/*.json.

python benchmarks/report.py              # every table, to the terminal
python benchmarks/report.py --docs DIR   # one file per table, for the docs'
                                         # Benchmarks page (doc/conf.py runs it)
"""

import argparse
import io
import json
from contextlib import redirect_stdout
from pathlib import Path

from _common import CONV_RATIO_KEYS, RESULTS_DIR


def _load(name):
    path = RESULTS_DIR / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def compare_table(name):
    result = _load(name)
    if result is None:
        return
    print(
        f"\n### {result['data']['description']}: train {result['data']['train']}, test {result['data']['test']}"
    )
    print(
        f"\n`{result['command']}` ({result['date'][:10]}, {result['total_seconds'] / 60:.0f} min)\n"
    )
    settings = result["settings"]
    print(
        f"Seed network: {settings['epochs']} epochs; deep network {tuple(settings['deep'])}: "
        f"{settings.get('deep_epochs', settings['epochs'])} epochs. Test-set MSE (BCE), fit seconds.\n"
    )
    print(
        "| latent | PCA | seed autoencoder | deep autoencoder | best AE / PCA (MSE) | winner |"
    )
    print("|---:|---|---|---|---:|---|")
    for row in result["reconstruction"]:
        cells = [
            f"{row[name]['mse']:.5f} ({row[name]['bce']:.4f}), {row[name]['fit_seconds']:.1f}s"
            for name in ("PCA", "seed", "deep")
        ]
        print(
            f"| {row['latent_size']} | "
            + " | ".join(cells)
            + f" | {row['autoencoder_mse_over_pca']:.3f} | {row['winner']} |"
        )
    accuracy = result["downstream_accuracy"]
    print(
        "\nLogistic regression accuracy on the test set: "
        + ", ".join(f"{k} {v:.4f}" for k, v in accuracy.items())
        + "."
    )
    search = result["grid_search"]
    print(
        f"GridSearchCV over the seed network's latent size in a Pipeline ({search['rows']} training rows, "
        f"{search['cv']}-fold): chose {search['chosen']} (CV accuracy "
        + ", ".join(f"{k}: {v:.3f}" for k, v in search["scores"].items())
        + ")."
    )
    if result.get("seed_check"):
        seed = result["seed_check"]
        print(
            f"Against the classic Keras example, latent 32, {seed['epochs']} epochs, {seed['training_images']} training images: test BCE "
            + ", ".join(f"{b:.4f}" for b in seed["bce_per_seed"])
            + f" (random_state 0, 1, 2; mean {seed['mean_bce']:.4f}); Keras: {seed['keras_10k_subset']} on the "
            f"same subset, {seed['keras_original_60k']} in the original post (60,000 images)."
        )
    print("\nTargets:")
    for target, check in result["targets"].items():
        value = (
            check["value"]
            if isinstance(check["value"], str)
            else f"{check['value']:.4f}"
        )
        print(
            f"- {target}: {value} {check.get('target', '')} — {'met' if check['met'] else '**not met**'}"
        )


def speed_table():
    result = _load("speed")
    if result is None:
        return
    machine = result["machine"]
    print(
        f"\n### Speed ({result['date'][:10]}; {machine['cpu']}, {machine['cores']} cores, torch {machine['torch']}, "
        f"scikit-learn {machine['sklearn']}, skorch {machine['skorch']})\n"
    )
    print("| system | s/epoch (median) |\n|---|---:|")
    for name, value in result["seconds_per_epoch"].items():
        print(f"| {name} | {value:.3f} |")
    print(
        "\n| inference, 10,000 rows | skae (s) | PCA (s) | paired ratio |\n|---|---:|---:|---:|"
    )
    for name, value in result["inference_seconds"].items():
        print(
            f"| {name} | {value['skae']:.4f} | {value['PCA']:.4f} | {value['ratio']:.2f} |"
        )
    print("\n| target | value | goal | met |\n|---|---:|---|---|")
    for name, check in result["ratios"].items():
        print(
            f"| {name} | {check['value']:.3f} | {check['target']} | {'yes' if check['met'] else '**no**'} |"
        )
    for name, value in result.get("like_for_like", {}).items():
        print(f"| {name} (same loss) | {value:.3f} | no target | |")
    for name, value in result.get("floors", {}).items():
        print(f"| {name} | {value:.3f} | no target | |")


def profile_table():
    result = _load("profile_seed")
    if result is None:
        return
    print(
        f"\n### Profile of one epoch of the seed network ({result['date'][:10]}, "
        f"`python benchmarks/profile_seed.py`, {result['rows']:,} rows)\n"
    )
    print("| share of operator time | loss='bce' | loss='mse' |\n|---|---:|---:|")
    profiles = result["profiles"]
    groups = dict.fromkeys(g for p in profiles.values() for g in p["groups"])
    for group in groups:
        cells = [
            f"{profiles[loss]['groups'].get(group, 0):.1%}" for loss in ("bce", "mse")
        ]
        print(f"| {group} | " + " | ".join(cells) + " |")
    print(
        "| epoch under the profiler (s) | "
        + " | ".join(
            f"{profiles[loss]['epoch_seconds']:.3f}" for loss in ("bce", "mse")
        )
        + " |"
    )


def seed_spread_table():
    result = _load("seed_spread_mnist")
    if result is None:
        return
    print(
        f"\n### Seed network over {len(result['test_bce']['skae'])} seeds ({result['date'][:10]}, "
        f"`python benchmarks/seed_spread.py`, {result['data']}, {result['epochs']} epochs)\n"
    )
    target = result["target_first_3_mean"]
    print(
        f"| test BCE | seeds 0-2 mean | mean | stdev | min | max | "
        f"means of 3 seeds <= {target} | median fit (s) |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    for name, s in result["summary"].items():
        label = f"Keras {result['keras']}" if name == "Keras" else name
        print(
            f"| {label} | {s['first_3_mean']:.5f} | {s['mean']:.5f} | {s['stdev']:.5f} | "
            f"{s['min']:.5f} | {s['max']:.5f} | "
            f"{s['means_of_3_meeting_target']} of {len(s['means_of_3'])} | "
            f"{s['median_fit_seconds']:.1f} |"
        )
    gaps = "; ".join(
        f"skae - {other}: {gap['mean']:+.5f} (standard error {gap['standard_error']:.5f})"
        for other, gap in result["skae_minus"].items()
    )
    print(
        f"\nDifferences of the means: {gaps}. skae vs the hand loop drawing skae's random "
        "numbers: largest difference "
        f"{result['skae_vs_same_stream_max_abs_difference']:.1e}. "
        f"Keras' own figure on the same subset, one seed: {result['keras_10k']}."
    )


def memory_table():
    result = _load("memory")
    if result is None:
        return
    fit, stream = result["fit_memmap"], result["partial_fit_stream"]
    print(
        f"\n### Memory ({result['date'][:10]}; {result['source']})\n\n"
        f"- fit on a read-only uint8 memmap of {fit['rows']:,} x 784: peak RSS growth "
        f"{fit['peak_rss_growth'] / 2**20:.0f} MiB = {fit['ratio_to_float32']:.2f}x its float32 size "
        f"({fit['float32_bytes'] / 2**20:.0f} MiB); target <= 1.2x — {'met' if fit['met'] else '**not met**'}\n"
        f"- partial_fit over {stream['rows']:,} rows in chunks of {stream['chunk_rows']:,}: peak RSS growth "
        f"{stream['peak_rss_growth'] / 2**20:.0f} MiB for {stream['float32_bytes'] / 2**20:.0f} MiB of data as float32"
    )


def _auc_rows(rows, classes):
    """Print one row per method: AUC per class, the mean (best in bold), fit seconds."""
    print(f"| method | {' | '.join(str(c) for c in classes)} | mean AUC | fit (s) |")
    print(f"|---|{'---:|' * (len(classes) + 2)}")
    best = max(rows, key=lambda name: rows[name]["mean_auc"])
    for name, row in rows.items():
        cells = " | ".join(f"{row['auc'][str(c)]:.3f}" for c in classes)
        mean = f"{row['mean_auc']:.4f}"
        seconds = sorted(row["fit_seconds"].values())[len(classes) // 2]
        print(
            f"| {name} | {cells} | {'**' + mean + '**' if name == best else mean} "
            f"| {seconds:.1f} |"
        )


def outliers_table(dataset):
    result = _load(f"outliers_{dataset}")
    if result is None:
        return
    classes = result["classes"]
    print(
        f"\n### {result['dataset']}, one class at a time ({result['date'][:10]}, "
        f"`{result['command']}`, {result['seconds'] / 60:.0f} min)\n"
    )
    print(
        "Train on one class, score the test set "
        f"({result['test_shape'][0]:,} images), ROC AUC with the other classes as anomalies. "
        "Fit seconds: median over the classes.\n"
    )
    _auc_rows(result["novelty"], classes)
    published = result["published"]
    print(
        "\nPublished mean AUC: "
        + ", ".join(f"{k} {v}" for k, v in published["mean_auc"].items())
        + f" ({published['source']})."
    )
    mixed = result.get("contaminated")
    if mixed:
        print(
            "\nContaminated training set (one class plus 5% other images), "
            "contamination=0.05: mean test AUC, and precision and recall of `predict`.\n"
        )
        print("| method | mean AUC | precision | recall |")
        print("|---|---:|---:|---:|")
        for name, row in mixed.items():
            print(
                f"| {name} | {row['mean_auc']:.4f} | {row['mean_precision']:.3f} "
                f"| {row['mean_recall']:.3f} |"
            )
    print(
        "\nMethods: " + "; ".join(f"{k}: `{v}`" for k, v in result["methods"].items())
    )


def tabular_table():
    result = _load("outliers_tabular")
    if result is None:
        return
    print(
        f"\n### Tables ({result['date'][:10]}, `{result['command']}`, "
        f"{result['seconds'] / 60:.0f} min)\n"
    )
    print(
        f"{result['protocol']} ({result['splits']} splits). Each cell: mean ROC "
        "AUC (standard deviation) on the test parts; the last column the median "
        "fit seconds.\n"
    )
    for protocol, by_method in result["results"].items():
        sets = [*next(iter(by_method.values()))]
        print(f"\n**{protocol}**\n")
        print("| method | " + " | ".join(sets) + " | fit s |")
        print("|---|" + "---:|" * (len(sets) + 1))
        for name, by_set in by_method.items():
            cells = " | ".join(
                f"{by_set[s]['mean_auc']:.3f}"
                + (f" ({by_set[s]['std_auc']:.3f})" if "std_auc" in by_set[s] else "")
                for s in sets
            )
            seconds = by_set["mean over the sets"]["median_fit_seconds"]
            print(f"| {name} | {cells} | {seconds:.2f} |")
    print(
        "\nData: "
        + "; ".join(
            f"{name}: {d['description']}" for name, d in result["datasets"].items()
        )
        + ".\n\nMethods: "
        + "; ".join(f"{k}: `{v}`" for k, v in result["methods"].items())
    )


def imputers_table():
    result = _load("imputers")
    if result is None:
        return
    command = "python benchmarks/compare_imputers.py"
    if result["forest_masks"] != result["masks"]:
        command += f" --forest-masks {result['forest_masks']}"
    print(
        f"\n### Errors on the removed values ({result['date'][:10]}, `{command}`, "
        f"{result['seconds'] / 60:.0f} min)\n"
    )
    print(
        "Mean squared error on the removed entries, in z-units, mean of "
        f"{result['masks']} masks (missForest: the first {result['forest_masks']}, "
        f"on tables of at most {result['forest_max_features']} features): "
        "in-sample (`fit_transform`) / held out (fit on 70% of the rows, "
        "`transform` the other 30%). The lowest of each in bold; the last "
        "column the median fit seconds in-sample.\n"
    )
    for data_name, by_mechanism in result["errors"].items():
        mechanisms = list(by_mechanism)
        names = list(next(iter(by_mechanism.values()))["in_sample"])
        best = {
            (m, key): min(by_mechanism[m][key][n]["mean"] for n in by_mechanism[m][key])
            for m in mechanisms
            for key in ("in_sample", "held_out")
        }
        print(f"\n**{data_name}**\n")
        print("| imputer | " + " | ".join(mechanisms) + " | fit s |")
        print("|---|" + "---:|" * (len(mechanisms) + 1))
        for name in names:
            cells = []
            for m in mechanisms:
                parts = []
                for key in ("in_sample", "held_out"):
                    cell = by_mechanism[m][key].get(name)
                    if cell is None:
                        parts.append("-")
                        continue
                    text = f"{cell['mean']:.3f}"
                    parts.append(
                        f"**{text}**" if cell["mean"] == best[(m, key)] else text
                    )
                cells.append(" / ".join(parts))
            seconds = result["fit_seconds_median"][data_name].get(name)
            fit = "-" if seconds is None else f"{seconds:.2f}"
            print(f"| {name} | " + " | ".join(cells) + f" | {fit} |")
    print(
        "\n**Coverage of 95% intervals from 10 imputations** (`sample_posterior=True`, "
        "10 `random_state`; the interval is the draws' mean plus or minus 1.96 of "
        "their standard deviation, which covers a new draw of a normal "
        "distribution 90.6% of the time with 10 draws)\n"
    )
    print("| data | removed | skae | IterativeImputer |")
    print("|---|---|---:|---:|")
    for data_name, by_mechanism in result["coverage_95"].items():
        for mechanism, cell in by_mechanism.items():
            print(
                f"| {data_name} | {mechanism} | {cell['skae']:.3f} | "
                f"{cell['iterative']:.3f} |"
            )
    print(
        "\n**Downstream: scikit-learn's example on diabetes** (first 300 rows, "
        "one value removed in 75% of the rows, `RandomForestRegressor` after "
        f"each imputer with `add_indicator=True`, 4-fold CV MSE, mean of "
        f"{len(result['downstream_diabetes_mse_per_mask']['skae'])} masks; lower "
        "is better)\n"
    )
    print("| imputer | MSE |")
    print("|---|---:|")
    for name, mse in result["downstream_diabetes_mse"].items():
        print(f"| {name} | {mse:.0f} |")
    print(
        f"\n`transform` of one row of breast cancer: "
        f"{result['transform_one_row_ms']:.2f} ms (median of 300)."
    )


def calibration_table(dataset):
    result = _load(f"calibration_{dataset}")
    if result is None:
        return
    print(
        f"\n### {result['data']}, one class at a time ({result['date'][:10]}, "
        f"`{result['command']}`, {result['seconds'] / 60:.0f} min)\n"
    )
    print(
        "Fraction of the test rows that `predict` flags, mean over the "
        f"{len(result['classes'])} classes: of the class trained on (new normal rows: "
        "`contamination` c promises about c), the largest class's in brackets, "
        "and of the other classes. OneClassSVM takes c as `nu` (0.5 for auto).\n"
    )
    contaminations = list(next(iter(result["flagged"].values())))
    print(
        "| method | "
        + " | ".join(f"c={c}: normal | others" for c in contaminations)
        + " |"
    )
    print("|---|" + "---:|---:|" * len(contaminations))
    for name, by_c in result["flagged"].items():
        cells = " | ".join(
            f"{cell['normal_mean']:.3f} ({cell['normal_max']:.2f}) | {cell['others_mean']:.3f}"
            for cell in by_c.values()
        )
        print(f"| {name} | {cells} |")
    one_network = result.get("skae_one_network_mean_auc")
    print(
        f"\nskae's mean one-class ROC AUC, the same with either offset: "
        f"{result['skae_mean_auc']:.4f}"
        + ("." if one_network is None else f" (one network: {one_network:.4f}).")
    )


def small_table():
    result = _load("small")
    if result is None:
        return
    fit = result["fit_with_defaults"]
    quality = result["quality"]
    print(
        f"\n### Small data ({result['date'][:10]}, `python benchmarks/bench_small.py`, "
        f"load average {result['load_average_at_start'][0]:.2f} at the start)\n"
    )
    seeds = quality["seeds"]
    aucs = []
    for name, value in quality["one_class_auc"].items():
        per_seed = quality["one_class_auc_per_seed"].get(name)
        if per_seed:
            seed_text = ", ".join(f"{auc:.4f}" for auc in per_seed)
            aucs.append(f"{name} {value:.4f} (seeds: {seed_text})")
        else:
            aucs.append(f"{name} {value:.4f}")
    print(
        f"- One-class ROC AUC on digits, mean over random_state {seeds}: "
        + ", ".join(aucs)
        + "."
    )
    cv = quality["pipeline_cv_accuracy"]
    print(
        "- StandardScaler + reducer + LogisticRegression, 5-fold CV accuracy"
        f" (mean over random_state {seeds}): "
        + ", ".join(f"{k} {v:.4f}" for k, v in cv.items())
        + "."
    )
    seconds = fit["seconds"]
    print(
        f"- Fit with defaults on digits: skae {seconds['skae']:.2f} s "
        f"({fit['skae_epochs']} epochs of batches of {fit['skae_batch_size']}), "
        f"MLPRegressor {seconds['MLPRegressor']:.2f} s ({fit['mlp_epochs']} epochs), "
        f"PCA {seconds['PCA'] * 1e3:.1f} ms. Final training loss "
        f"{fit['skae_final_loss']:.4f}, {fit['loss_over_2000_epochs']:.4f}x what 2,000 "
        f"epochs reach; training MSE skae {fit['skae_final_mse']:.4f}, "
        f"MLPRegressor {fit['mlp_final_mse']:.4f}."
    )
    print(
        "\n| per epoch | skae (ms) | MLPRegressor (ms) | hand loop (ms) | skae / MLP | skae / loop |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for case, row in result["per_epoch"].items():
        per = row["seconds_per_epoch"]
        print(
            f"| {case} | {per['skae'] * 1e3:.2f} | {per['MLPRegressor'] * 1e3:.2f} | "
            f"{per['hand loop'] * 1e3:.2f} | {row['skae_over_mlp']:.2f} | "
            f"{row['skae_over_hand_loop']:.2f} |"
        )
    print("\n| skae / PCA latency | rows | pause 0 | 50 ms | 200 ms | one core busy |")
    print("|---|---:|---:|---:|---:|---:|")
    cells = {}
    for row in result["latency"]:
        key = (f"{row['method']} {row['dtype']}", row["rows"])
        column = "busy" if row["one_core_busy"] else row["pause"]
        cells.setdefault(key, {})[column] = row["skae_over_pca"]
    for (method, rows), values in cells.items():
        print(
            f"| {method} | {rows:,} | "
            + " | ".join(f"{values[c]:.2f}" for c in (0.0, 0.05, 0.2, "busy"))
            + " |"
        )
    print("\n| deep fit on digits | alone (s) | side by side (s) | slowdown |")
    print("|---|---:|---:|---:|")
    for label, row in result["side_by_side"].items():
        print(
            f"| {label} | {row['alone_seconds']:.2f} | "
            f"{max(row['side_by_side_seconds']):.2f} | {row['slowdown']:.2f}x |"
        )


def classifier_table():
    result = _load("classifier")
    if result is None:
        return
    print(
        f"\n### In front of LogisticRegression ({result['date'][:10]}, "
        f"`{result['command']}`, load average "
        f"{result['load_average_at_start'][0]:.2f} at the start)\n"
    )
    print(
        "5-fold CV accuracy of the reducer and `LogisticRegression`; skae's rows "
        f"are the mean over random_state {result['seeds']}. Rows of data: "
        + ", ".join(f"{name} {shape[0]:,}" for name, shape in result["rows"].items())
        + "."
    )
    for key, title in (
        ("standardized", "standardized (`StandardScaler` first)"),
        ("unit_interval", "pixels in [0, 1], no scaler"),
    ):
        by_data = result[key]
        # Every data set and code size of a setting has the same rows.
        first = next(iter(by_data.values()))["accuracy"]
        rows = list(next(iter(first.values())))
        print(f"\n| {title} | code size | " + " | ".join(rows) + " | ReLU code > 0 |")
        print("|---|---:|" + "---:|" * (len(rows) + 1))
        for name, data in by_data.items():
            for k, cell in data["accuracy"].items():
                values = " | ".join(f"{cell[row]['mean']:.4f}" for row in rows)
                # Measured once per data set, at one code size.
                fraction = ""
                if int(k) == data["active_fraction_code_size"]:
                    fraction = f"{data['relu_code_active_fraction']:.3f}"
                print(f"| {name} | {k} | {values} | {fraction} |")
    digits = result.get("digits_standardized")
    if digits is None:
        return
    lengths = digits["training_length"]
    epochs = next(iter(lengths.values()))["epochs"]
    print("\nStandardized digits, the default trained longer:\n")
    print(
        f"| code size | {epochs} epochs (default) | x2 | x4 | "
        "1,000 epochs of 32 | PCA |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for k, row in lengths.items():
        cell = result["standardized"]["digits"]["accuracy"][k]
        longer = [row[name]["mean"] for name in ("2", "4", "1000 epochs of 32")]
        values = " | ".join(f"{mean:.4f}" for mean in (cell["skae"]["mean"], *longer))
        print(f"| {k} | {values} | {cell['PCA']['mean']:.4f} |")
    solver = digits["logistic_regression_default"]
    names = list(next(iter(solver.values())))
    print(
        "\nStandardized digits, `LogisticRegression()` with its default 100 lbfgs "
        "iterations: accuracy (fits that stopped at the limit):\n"
    )
    print("| code size | " + " | ".join(names) + " |")
    print("|---:|" + "---:|" * len(names))
    for k, cell in solver.items():
        values = " | ".join(
            f"{cell[name]['mean']:.4f} ({cell[name]['fits_at_iteration_limit']} "
            f"of {cell[name]['fits']})"
            for name in names
        )
        print(f"| {k} | {values} |")


def wide_codes_table(dataset):
    result = _load(f"classifier_wide_{dataset}")
    if result is None:
        return
    print(
        f"\n### {result['dataset']}: {result['protocol']} ({result['date'][:10]}, "
        f"`{result['command']}`, load average "
        f"{result['load_average_at_start'][0]:.2f} at the start)\n"
    )
    classifiers = result["classifiers"]
    print(
        f"Input width {result['shape'][1]}; codes of "
        + " and ".join(str(k) for k in result["code_sizes"])
        + ". Accuracy on the test data.\n"
    )
    print("| features | " + " | ".join(f"`{c}`" for c in classifiers) + " |")
    print("|---|" + "---:|" * len(classifiers))
    for row, cell in result["rows"].items():
        values = " | ".join(f"{cell['accuracy'][c]:.4f}" for c in classifiers)
        print(f"| {row} | {values} |")


def likelihood_table():
    result = _load("likelihood")
    if result is None or "datasets" not in result:
        return
    print(
        f"{result['date'][:10]}. Test bits per dimension (lower is better) and "
        "fit seconds.\n"
    )
    for dataset, part in result["datasets"].items():
        print(
            f"\n**{part['description']}**: {part['train_rows']} training rows, "
            f"{part['test_rows']} test rows, {part['levels']} levels.\n"
        )
        rows = part["rows"]
        codes = sorted(next(iter(rows.values())), key=int)
        print("| model | " + " | ".join(f"code {k}" for k in codes) + " |")
        print("|---|" + "---:|" * len(codes))
        for name, cells in rows.items():
            values = " | ".join(
                f"{cells[k]['bits_per_dim']:.3f} ({cells[k]['fit_seconds']:.0f} s)"
                for k in codes
            )
            print(f"| {name} | {values} |")


def binarized_table():
    result = _load("likelihood")
    if result is None or "binarized_mnist" not in result:
        return
    part = result["binarized_mnist"]
    burda = part["burda_2016"]
    print(f"{part['description']}; {part['network']}.\n")
    print("| model | epochs | test NLL (nats) |")
    print("|---|---:|---:|")
    print(
        f"| skae `VariationalAutoencoder`, the best epoch of {part['epochs']} by "
        f"validation ELBO; {part['importance_samples']} importance samples on "
        f"{part['test_images']} test images | {part['best_epoch']} | "
        f"{part['test_nll_nats']:.2f} |"
    )
    for name in ("VAE", "IWAE k=50"):
        print(
            f"| Burda et al. (2016), {name}, {burda['train_images']:,} training "
            f"images, all test images, 5,000 samples | 3,280 | {burda[name]} |"
        )


def likelihood_speed_table():
    result = _load("likelihood")
    if result is None or "speed" not in result:
        return
    part = result["speed"]
    print(
        f"{part['data']}; {part['network']}; batch {part['batch_size']}; "
        f"{part['repeats']} fits of {part['epochs_per_repeat']} epochs each.\n"
    )
    print("| skae s/epoch | hand loop s/epoch | ratio (median of the repeats') |")
    print("|---:|---:|---:|")
    print(
        f"| {part['skae_seconds_per_epoch']:.3f} | "
        f"{part['hand_loop_seconds_per_epoch']:.3f} | {part['ratio']:.2f} |"
    )


def kind_outliers_table(name):
    """One-class AUC of one detector kind beside another (a sibling benchmark)."""
    result = _load(name)
    if result is None:
        return
    classes = result["classes"]
    print(
        f"{result['dataset']}, {result['date'][:10]}: train on one class, ROC AUC "
        "on the test set with the other classes as anomalies; fit seconds: "
        "median over the classes.\n"
    )
    _auc_rows(result["results"], classes)
    published = result.get("published")
    if published:
        print(
            "\nPublished mean AUC: "
            + ", ".join(f"{k} {v}" for k, v in published["mean_auc"].items())
            + f" ({published['source']})."
        )
    print(
        "\nMethods: " + "; ".join(f"{k}: `{v}`" for k, v in result["methods"].items())
    )


def conv_table(dataset):
    result = _load(f"conv_{dataset}")
    if result is None:
        return
    print(
        f"{result['dataset']}: train {result['train_shape'][0]:,}, test "
        f"{result['test_shape'][0]:,} images; {result['date'][:10]}, load "
        f"{result['load_average_at_start']:.1f} at the start. Test MSE (fit seconds).\n"
    )
    names = list(result["models"])
    ratios = [
        (f"{name} / {other}", f"{key}_over_{other.lower()}")
        for name, key in CONV_RATIO_KEYS.items()
        if name in names
        for other in ("deep", "PCA")
    ]
    print("| code | " + " | ".join(names + [label for label, _ in ratios]) + " |")
    print("|---:|" + "---:|" * (len(names) + len(ratios)))
    for row in result["rows"]:
        cells = [
            f"{row[name]['mse']:.5f} ({row[name]['fit_seconds']:.0f} s)"
            for name in names
        ] + [f"{row[key]:.2f}" for _, key in ratios]
        print(f"| {row['code']} | " + " | ".join(cells) + " |")
    print("\nModels: " + "; ".join(f"{k}: `{v}`" for k, v in result["models"].items()))
    keras = result.get("keras_setting")
    if keras:
        print(
            f"\nThe Keras blog's convolutional setting, `{keras['call']}`: test BCE "
            f"{keras['bce']:.4f} (the blog: {keras['keras_blog_bce']}, on the "
            f"60,000 MNIST training images), fit {keras['fit_seconds']:.0f} s."
        )


def conv_speed_table():
    result = _load("conv_speed")
    if result is None:
        return
    print(
        f"{result['data']}; {result['network']}; {result['date'][:10]}, "
        f"{result['rounds']} interleaved epochs each after one warm-up, load "
        f"{result['load_average_at_start']:.1f} at the start.\n"
    )
    print("| fit | s/epoch (median) |")
    print("|---|---:|")
    for name, value in result["seconds_per_epoch"].items():
        print(f"| {name} | {value:.2f} |")
    print("\n| ratio (median of the paired ratios) | value |")
    print("|---|---:|")
    for name, value in result["ratios"].items():
        print(f"| {name} | {value:.3f} |")


def denoising_table():
    result = _load("denoising_mnist")
    if result is None:
        return
    settings = result["settings"]
    print(
        f"MNIST subset, {settings['training_images']:,} training images; code "
        f"{settings['n_components']}, {settings['max_iter']} epochs; test images "
        f"with Gaussian noise of {settings['noise']} (MSE to the clean images: "
        f"{result['noisy_input_mse_to_clean']:.4f}).\n"
    )
    print("| model | MSE to clean, from noisy input | from clean input | fit (s) |")
    print("|---|---:|---:|---:|")
    for name, row in result["errors"].items():
        print(
            f"| {name} | {row['mse_noisy_input_vs_clean']:.5f} | "
            f"{row['mse_clean_input_vs_clean']:.5f} | {row['fit_seconds']:.0f} |"
        )


TABLES = {
    **{
        f"compare_pca_{dataset}": (compare_table, f"compare_pca_{dataset}")
        for dataset in ("digits", "mnist", "fashion-mnist")
    },
    "seed_spread": (seed_spread_table,),
    **{
        f"outliers_{dataset}": (outliers_table, dataset)
        for dataset in ("fashion-mnist", "mnist")
    },
    "outliers_tabular": (tabular_table,),
    "imputers": (imputers_table,),
    **{
        f"calibration_{dataset}": (calibration_table, dataset)
        for dataset in ("digits", "mnist", "fashion-mnist")
    },
    "small": (small_table,),
    "classifier": (classifier_table,),
    **{
        f"classifier_wide_{dataset}": (wide_codes_table, dataset)
        for dataset in ("digits", "mnist", "fashion-mnist")
    },
    "likelihood": (likelihood_table,),
    "likelihood_binarized": (binarized_table,),
    "likelihood_speed": (likelihood_speed_table,),
    "outliers_variational_mnist": (kind_outliers_table, "outliers_variational_mnist"),
    **{
        f"conv_{dataset}": (conv_table, dataset)
        for dataset in ("fashion-mnist", "mnist")
    },
    "conv_speed": (conv_speed_table,),
    **{
        name: (kind_outliers_table, name)
        for name in (
            "outliers_conv_fashion-mnist",
            "outliers_conv_code_weight_fashion-mnist",
        )
    },
    "denoising": (denoising_table,),
    "speed": (speed_table,),
    "profile": (profile_table,),
    "memory": (memory_table,),
}


def write_markdown(folder):
    """Write each table to ``folder/<name>.md``; a missing result writes a note."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, (table, *args) in TABLES.items():
        with redirect_stdout(io.StringIO()) as text:
            table(*args)
        markdown = text.getvalue().strip() or (
            f"*No committed result for `{name}` in benchmarks/results/.*"
        )
        (folder / f"{name}.md").write_text(markdown + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, help="write one markdown file per table")
    args = parser.parse_args()
    if args.docs:
        write_markdown(args.docs)
    else:
        for table, *table_args in TABLES.values():
            table(*table_args)
