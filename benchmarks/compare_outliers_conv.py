"""One-class anomaly detection: the convolutional detector beside the dense one.

The novelty protocol of ``compare_outliers.py`` (fit on one class's training
images, score the whole test set, ROC AUC with the other nine classes as
anomalies), for ``ConvolutionalOutlierDetector`` (defaults, and the dense
detector's best setting on Fashion-MNIST) beside ``AutoencoderOutlierDetector``
in that best setting (mean AUC 0.931 in ``outliers_fashion-mnist.json``),
side by side in one process, each with ``novelty=False`` (the same network,
without the fits that calibrate the offset, which the ranking does not use).

With ``--table outliers_conv_code_weight``, the convolutional detector in that
setting with more weight on the code's distance (1, 3 and 10), beside the
dense detector's best.

    python benchmarks/compare_outliers_conv.py --dataset fashion-mnist   # ~45 min
    python benchmarks/compare_outliers_conv.py --table outliers_conv_code_weight

Results go to benchmarks/results/unsaved/ unless --save is given, which
writes the committed benchmarks/results/<table>_<dataset>.json.
"""

from compare_outliers import compare_kinds

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

DENSE = "skae dense (max_iter=20, code_weight=0.3)"
CODE_WEIGHTS = (1.0, 3.0, 10.0)

CODE_WEIGHT_TABLE = {DENSE: TABLE[DENSE]} | {
    f"skae convolutional (max_iter=20, code_weight={weight:g})": (
        f"ConvolutionalOutlierDetector(max_iter=20, code_weight={weight:g}, "
        "novelty=False, random_state=0)",
        lambda _, weight=weight: ConvolutionalOutlierDetector(
            max_iter=20, code_weight=weight, novelty=False, random_state=0
        ),
    )
    for weight in CODE_WEIGHTS
}


def main():
    compare_kinds(
        {"outliers_conv": TABLE, "outliers_conv_code_weight": CODE_WEIGHT_TABLE},
        __doc__,
        default_dataset="fashion-mnist",
    )


if __name__ == "__main__":
    main()
