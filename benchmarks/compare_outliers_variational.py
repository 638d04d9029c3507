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

from compare_outliers import compare_kinds

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
    compare_kinds({"outliers_variational": TABLE}, __doc__, default_dataset="mnist")


if __name__ == "__main__":
    main()
