"""One-class anomaly detection: the convolutional detector beside the dense one.

The novelty protocol of ``compare_outliers.py`` (fit on one class's training
images, score the whole test set, ROC AUC with the other nine classes as
anomalies), for ``ConvolutionalOutlierDetector`` (defaults, and the dense
detector's best setting on Fashion-MNIST) beside ``AutoencoderOutlierDetector``
in that best setting (mean AUC 0.931 in ``outliers_fashion-mnist.json``),
side by side in one process, each with ``novelty=False`` (the same network,
without the fits that calibrate the offset, which the ranking does not use).

    python benchmarks/compare_outliers_conv.py --dataset fashion-mnist   # ~30 min

Results go to benchmarks/results/unsaved/ unless --save is given, which
writes the committed benchmarks/results/outliers_conv_<dataset>.json.
"""

import argparse
import os
import warnings

from _common import Log, load_images, machine, output_dir, write_json
from compare_outliers import PUBLISHED, novelty, summarise

from skae import AutoencoderOutlierDetector, ConvolutionalOutlierDetector

# compare_outliers.py's best dense setting on Fashion-MNIST.
BEST = {"max_iter": 20, "code_weight": 0.3}

TABLE = {
    "skae dense (max_iter=20, code_weight=0.3)": (
        "AutoencoderOutlierDetector(max_iter=20, code_weight=0.3, novelty=False, "
        "random_state=0)",
        lambda _: AutoencoderOutlierDetector(novelty=False, random_state=0, **BEST),
    ),
    "skae convolutional (defaults)": (
        "ConvolutionalOutlierDetector(novelty=False, random_state=0)",
        lambda _: ConvolutionalOutlierDetector(novelty=False, random_state=0),
    ),
    "skae convolutional (max_iter=20, code_weight=0.3)": (
        "ConvolutionalOutlierDetector(max_iter=20, code_weight=0.3, novelty=False, "
        "random_state=0)",
        lambda _: ConvolutionalOutlierDetector(novelty=False, random_state=0, **BEST),
    ),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dataset", choices=["fashion-mnist", "mnist"], default="fashion-mnist"
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
    published = PUBLISHED[args.dataset]
    log(f"published mean AUC ({published['source']}): {published['mean_auc']}")
    path = write_json(
        output_dir(args.save),
        f"outliers_conv_{args.dataset}",
        {
            "dataset": description,
            "protocol": "one-class (novelty): fit on one class, the other nine "
            "classes of the test set are the anomalies",
            "classes": args.classes,
            "load_average_at_start": load,
            "machine": machine(),
            "methods": {name: call for name, (call, _) in TABLE.items()},
            "results": results,
            "published": published,
        },
    )
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
