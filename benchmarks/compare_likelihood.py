"""Held-out log-likelihood of VariationalAutoencoder against PCA and FactorAnalysis.

Three parts, each optional:

- ``--datasets``: bits per dimension on held-out images at codes of 2, 8 and
  32, the variational autoencoder (defaults: ``likelihood='auto'``, the
  continuous Bernoulli on these pixels; and ``likelihood='gaussian'``)
  beside ``PCA.score`` (probabilistic PCA) and ``FactorAnalysis.score``, all
  on the same split, with fit seconds. Pixels are dequantized as the
  generative-model literature does: ``(x + u) / L`` with ``u`` uniform in
  [0, 1) and ``L`` levels (256 for images, 17 for digits), and bits per
  dimension are ``(-log p / d + log L) / log 2``. Digits: scikit-learn's,
  75/25. MNIST: the 10,000 training images here, tested on the official
  10,000. Fashion-MNIST: 10,000 training images drawn at random, tested on
  the official 10,000.
- ``--binarized``: Burda et al.'s network (784-200-200-50, tanh, Bernoulli)
  on the MNIST training images binarized afresh every epoch (``partial_fit``
  one epoch at a time), with 1,000 of them held out (binarized once) to keep
  the epoch of best evidence lower bound; test negative log-likelihood in
  nats with ``--importance-samples`` samples on ``--test-images`` test
  images binarized once.
- ``--speed``: seconds per epoch of a fit against a hand-written torch loop of
  the same network and batch (the MNIST images, code 32, Gaussian
  likelihood): nine repeats of five epochs each, the two sides alternating
  which runs first; the ratio is the median of the repeats' ratios of
  median epochs.

    python benchmarks/compare_likelihood.py --datasets digits mnist fashion-mnist
    python benchmarks/compare_likelihood.py --binarized --speed

Results go to benchmarks/results/unsaved/ unless --save is given, which writes
the committed benchmarks/results/likelihood.json and likelihood.png (each part
keeps the parts of the committed file it does not rerun).
"""

import argparse
import copy
import json
import math
import os
import statistics
import time

import numpy as np
from _common import Log, load_images, machine, output_dir, write_json
from sklearn.decomposition import PCA, FactorAnalysis

from skae import VariationalAutoencoder

LEVELS = {"digits": 17, "mnist": 256, "fashion-mnist": 256}
TRAIN_ROWS = 10_000
VAE_CONFIGS = {
    "VAE defaults": {},
    "VAE gaussian": {"likelihood": "gaussian"},
}


def dequantize(X, levels, rng):
    """Return ``(x + u) / levels`` for the integer levels of X in [0, 1]."""
    integers = np.round(X * (levels - 1))
    return ((integers + rng.random(X.shape)) / levels).astype(np.float32)


def bits_per_dim(log_likelihood, n_features, levels):
    return (-log_likelihood / n_features + math.log(levels)) / math.log(2)


def likelihood_part(datasets, codes, log):
    results = {}
    for dataset in datasets:
        try:
            X_train, _, X_test, _, _, description = load_images(dataset)
        except (FileNotFoundError, OSError) as error:
            log(f"{dataset}: skipped ({error})")
            continue
        rng = np.random.default_rng(0)
        if len(X_train) > TRAIN_ROWS:
            X_train = X_train[rng.choice(len(X_train), TRAIN_ROWS, replace=False)]
        levels = LEVELS[dataset]
        X_train = dequantize(X_train, levels, rng)
        X_test = dequantize(X_test, levels, rng)
        d = X_train.shape[1]
        rows = {}
        for k in codes:
            models = {
                "PCA": PCA(n_components=k),
                "FactorAnalysis": FactorAnalysis(n_components=k, random_state=0),
                **{
                    name: VariationalAutoencoder(
                        n_components=k, random_state=0, **params
                    )
                    for name, params in VAE_CONFIGS.items()
                },
            }
            for name, model in models.items():
                start = time.perf_counter()
                model.fit(X_train.astype(np.float64) if "VAE" not in name else X_train)
                seconds = time.perf_counter() - start
                score = model.score(
                    X_test.astype(np.float64) if "VAE" not in name else X_test
                )
                row = {
                    "bits_per_dim": bits_per_dim(score, d, levels),
                    "fit_seconds": seconds,
                }
                if "VAE" in name:
                    row["likelihood"] = model.likelihood_
                    row["epochs"] = model.n_iter_
                rows.setdefault(name, {})[str(k)] = row
                log(
                    f"{dataset} code {k} {name}: {row['bits_per_dim']:.3f} bits/dim, "
                    f"fit {seconds:.1f} s"
                )
        results[dataset] = {
            "description": description,
            "train_rows": len(X_train),
            "test_rows": len(X_test),
            "levels": levels,
            "rows": rows,
        }
    return results


def binarized_part(epochs, importance_samples, test_images, log):
    X_train, _, X_test, _, _, description = load_images("mnist")
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X_train))
    X_valid = (rng.random(X_train[order[:1000]].shape) < X_train[order[:1000]]).astype(
        np.float32
    )
    X_fit = X_train[order[1000:]]
    X_test = X_test[:test_images]
    X_test = (rng.random(X_test.shape) < X_test).astype(np.float32)
    vae = VariationalAutoencoder(
        n_components=50,
        hidden_layer_sizes=(200, 200),
        activation="tanh",
        likelihood="bernoulli",
        batch_size=100,
        n_importance_samples=1,
        random_state=0,
    )
    best, best_elbo, best_epoch = None, -np.inf, 0
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        binary = (rng.random(X_fit.shape) < X_fit).astype(np.float32)
        vae.partial_fit(binary)
        if epoch % 5 == 0 or epoch == epochs:
            elbo = vae.score(X_valid)
            if elbo > best_elbo:
                best, best_elbo, best_epoch = copy.deepcopy(vae), elbo, epoch
            log(f"epoch {epoch}: validation ELBO {elbo:.2f} (best {best_elbo:.2f})")
    train_seconds = time.perf_counter() - start
    best.set_params(n_importance_samples=importance_samples)
    start = time.perf_counter()
    nll = -best.score(X_test)
    score_seconds = time.perf_counter() - start
    log(f"binarized MNIST: test NLL {nll:.2f} nats ({score_seconds:.0f} s to score)")
    return {
        "description": (
            f"{description}: {len(X_fit)} training images binarized each epoch, "
            "1,000 held out for the best epoch"
        ),
        "network": "784-200-200-50, tanh, Bernoulli, batch 100",
        "epochs": epochs,
        "best_epoch": best_epoch,
        "validation_elbo": best_elbo,
        "importance_samples": importance_samples,
        "test_images": len(X_test),
        "test_nll_nats": nll,
        "train_seconds": train_seconds,
        "score_seconds": score_seconds,
        "burda_2016": {"VAE": 86.76, "IWAE k=50": 84.78, "train_images": 59600},
    }


def hand_loop(X, n_components, epochs, seed):
    """The same network trained by a plain torch loop; seconds of each epoch."""
    import torch

    from skae._variational_module import VariationalModule

    generator = torch.Generator().manual_seed(seed)
    variance = X.var(axis=0).mean()
    module = VariationalModule(
        X.shape[1],
        n_components,
        (256,),
        likelihood="gaussian",
        location=float(X.mean()),
        scale=float(np.sqrt(variance)),
        generator=generator,
    )
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3, eps=1e-7, fused=True)
    X = torch.from_numpy(X)
    durations = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(X), generator=generator)
        for i in range(0, len(X), 256):
            batch = X.index_select(0, order[i : i + 256])
            optimizer.zero_grad()
            output, _, divergence = module(batch)
            loss = (module.negative_log_likelihood(output, batch) + divergence).mean()
            loss.backward()
            optimizer.step()
            loss.item()
        durations.append(time.perf_counter() - start)
    return durations


def speed_part(repeats, epochs, log):
    X_train, *_ = load_images("mnist")
    X_train = np.ascontiguousarray(X_train[:TRAIN_ROWS])
    ratios, skae_epochs, hand_epochs = [], [], []
    for repeat in range(repeats):
        # Alternating which runs first; each repeat's ratio pairs its medians.
        sides = ["skae", "hand"] if repeat % 2 == 0 else ["hand", "skae"]
        seconds = {}
        for side in sides:
            if side == "skae":
                vae = VariationalAutoencoder(
                    n_components=32,
                    likelihood="gaussian",
                    batch_size=256,
                    max_iter=epochs,
                    random_state=repeat,
                ).fit(X_train)
                seconds[side] = list(vae.net_.history[:, "dur"])
            else:
                seconds[side] = hand_loop(X_train, 32, epochs, repeat)
        skae_epochs += seconds["skae"]
        hand_epochs += seconds["hand"]
        ratios.append(
            statistics.median(seconds["skae"]) / statistics.median(seconds["hand"])
        )
        log(f"repeat {repeat}: skae / hand loop {ratios[-1]:.3f}")
    return {
        "data": f"MNIST, {len(X_train)} images",
        "network": "784-256-32 (Gaussian posterior)-256-784, Gaussian likelihood",
        "batch_size": 256,
        "epochs_per_repeat": epochs,
        "repeats": repeats,
        "skae_seconds_per_epoch": statistics.median(skae_epochs),
        "hand_loop_seconds_per_epoch": statistics.median(hand_epochs),
        "ratio": statistics.median(ratios),
        "ratios": ratios,
    }


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = results.get("datasets", {})
    if not datasets:
        return
    figure, axes = plt.subplots(
        1, len(datasets), figsize=(4.5 * len(datasets), 3.6), squeeze=False
    )
    for axis, (dataset, result) in zip(axes[0], datasets.items()):
        for name, rows in result["rows"].items():
            codes = sorted(rows, key=int)
            axis.plot(
                [int(k) for k in codes],
                [rows[k]["bits_per_dim"] for k in codes],
                marker="o",
                label=name,
            )
        axis.set_xscale("log", base=2)
        axis.set_xlabel("code size")
        axis.set_ylabel("test bits per dimension (lower is better)")
        axis.set_title(dataset)
    axes[0][0].legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", default=[])
    parser.add_argument("--codes", nargs="+", type=int, default=[2, 8, 32])
    parser.add_argument("--binarized", action="store_true")
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--importance-samples", type=int, default=5000)
    parser.add_argument("--test-images", type=int, default=2000)
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()
    log = Log()
    folder = output_dir(args.save)
    path = folder / "likelihood.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results["machine"] = machine()
    results["load_at_start"] = os.getloadavg()[0]
    if args.datasets:
        previous = results.get("datasets", {})
        previous.update(likelihood_part(args.datasets, args.codes, log))
        results["datasets"] = previous
    if args.binarized:
        results["binarized_mnist"] = binarized_part(
            args.epochs, args.importance_samples, args.test_images, log
        )
    if args.speed:
        results["speed"] = speed_part(9, 5, log)
    results.pop("date", None)
    written = write_json(folder, "likelihood", results)
    plot(results, folder / "likelihood.png")
    log(f"wrote {written}")


if __name__ == "__main__":
    main()
