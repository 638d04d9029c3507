"""One-class anomaly detection: the variational autoencoder's likelihood beside the
reconstruction error.

The novelty protocol of ``compare_outliers.py`` (fit on one class's training
images, score the whole test set, ROC AUC with the other nine classes as
anomalies), for ``AutoencoderOutlierDetector`` (defaults: the reconstruction
error) and ``VariationalOutlierDetector`` (defaults: the importance-sampled
log-likelihood, here the continuous Bernoulli's; and the Bernoulli likelihood,
whose score is minus a cross-entropy), side by side in one process, each with
``novelty=False`` (the same network, without the fits that calibrate the
offset, which the ranking does not use).

    python benchmarks/compare_outliers_variational.py --dataset mnist   # ~40 min here

Results go to benchmarks/results/unsaved/ unless --save is given, which writes
the committed benchmarks/results/outliers_variational_<dataset>.json.
"""

import argparse
import os
import warnings

from _common import Log, load_images, machine, output_dir, write_json
from compare_outliers import novelty, summarise

from skae import AutoencoderOutlierDetector, VariationalOutlierDetector

TABLE = {
    "skae reconstruction (defaults)": (
        "AutoencoderOutlierDetector(novelty=False, random_state=0)",
        lambda _: AutoencoderOutlierDetector(novelty=False, random_state=0),
    ),
    "skae variational (defaults)": (
        "VariationalOutlierDetector(novelty=False, random_state=0)",
        lambda _: VariationalOutlierDetector(novelty=False, random_state=0),
    ),
    "skae variational (bernoulli)": (
        "VariationalOutlierDetector(likelihood='bernoulli', novelty=False, "
        "random_state=0)",
        lambda _: VariationalOutlierDetector(
            likelihood="bernoulli", novelty=False, random_state=0
        ),
    ),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dataset", choices=["fashion-mnist", "mnist"], default="mnist"
    )
    parser.add_argument("--classes", type=int, nargs="+", default=list(range(10)))
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)
    log = Log()
    X_train, y_train, X_test, y_test, _, description = load_images(args.dataset)
    load = os.getloadavg()[0]
    results = novelty(TABLE, X_train, y_train, X_test, y_test, args.classes, log)
    summarise(results)
    for name, result in results.items():
        log(f"{name}: mean AUC {result['mean_auc']:.4f}")
    path = write_json(
        output_dir(args.save),
        f"outliers_variational_{args.dataset}",
        {
            "dataset": description,
            "protocol": "one-class (novelty): fit on one class, the other nine "
            "classes of the test set are the anomalies",
            "classes": args.classes,
            "load_average_at_start": load,
            "machine": machine(),
            "methods": {name: call for name, (call, _) in TABLE.items()},
            "results": results,
        },
    )
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
