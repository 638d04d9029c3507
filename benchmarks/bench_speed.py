"""Speed of skae against a hand-written torch loop, skorch, MLPRegressor and PCA.

Every system runs in this one process on the same Fashion-MNIST data, interleaved
round by round with a pause before each run (so that no library's idle threads
are still spinning when the next one starts). Reported: median seconds per epoch
after one warm-up epoch, and the ratios the speed targets are set on.

    python benchmarks/bench_speed.py [--data-dir DIR] [--rounds 3] [--epochs 3]
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from _common import (
    RESULTS_DIR,
    hand_loop,
    machine,
    reset_peak_rss,
    rss_kib,
    write_json,
)
from sklearn.decomposition import PCA
from sklearn.neural_network import MLPRegressor
from skorch import NeuralNetRegressor

from skae import AutoencoderTransformer
from skae._module import AutoencoderModule
from skae.datasets import FASHION_MNIST_DIR, load_fashion_mnist

DEEP = (512, 256)
TARGETS = {
    "seed: skae / hand loop": ("<=", 1.10),
    "deep: skae / hand loop": ("<=", 1.10),
    "seed: skae / MLPRegressor": ("<=", 1.0),
    "seed: skorch default / skae": (">=", 4.0),
    "transform: skae / PCA": ("<=", 1.5),
    "inverse_transform: skae / PCA": ("<=", 1.0),
    "fit peak RSS growth / X.nbytes": ("<=", 1.2),
}


# --- the systems: each returns the seconds of every epoch -----------------------


def hand_loop_fit(X, hidden, epochs):
    """Best hand loop: logits + BCEWithLogitsLoss, randperm + index_select."""
    return hand_loop(X, hidden, epochs)[1]


def skae_fit(X, hidden, epochs, loss="auto"):
    autoencoder = AutoencoderTransformer(
        hidden_layer_sizes=hidden, loss=loss, max_iter=epochs, random_state=0
    )
    autoencoder.fit(X)
    return list(autoencoder.net_.history[:, "dur"])


def skae_mse_fit(X, hidden, epochs):
    """skae with MLPRegressor's loss: squared error on a linear output."""
    return skae_fit(X, hidden, epochs, loss="mse")


class _LogitsOnly(torch.nn.Module):
    def __init__(self, n_features):
        super().__init__()
        self.autoencoder = AutoencoderModule(
            n_features, 32, generator=torch.Generator().manual_seed(0)
        )

    def forward(self, X):
        return self.autoencoder(X)[0]


def skorch_default(X, hidden, epochs):
    """skorch's NeuralNetRegressor on its default data path (Dataset + DataLoader)."""
    net = NeuralNetRegressor(
        _LogitsOnly(X.shape[1]),
        criterion=torch.nn.BCEWithLogitsLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        optimizer__eps=1e-7,
        optimizer__fused=True,
        batch_size=256,
        max_epochs=epochs,
        train_split=None,
        predict_nonlinearity=None,
        iterator_train__shuffle=True,
        verbose=0,
    )
    net.fit(X, X)
    return list(net.history[:, "dur"])


def mlp_regressor(X, hidden, epochs):
    """sklearn's MLPRegressor fitting X -> X (squared error, identity output)."""
    mlp = MLPRegressor(
        hidden_layer_sizes=(32,),
        batch_size=256,
        max_iter=epochs,
        n_iter_no_change=epochs + 1,
        tol=0,
        random_state=0,
    )
    # MLPRegressor has no callbacks: time each epoch at the per-epoch hook of
    # its training loop (private, benchmark-only), so that the epoch times
    # exclude input validation exactly as skae's and skorch's do.
    stamps = []
    hook = mlp._update_no_improvement_count

    def stamped(*args, **kwargs):
        stamps.append(time.perf_counter())
        return hook(*args, **kwargs)

    mlp._update_no_improvement_count = stamped
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlp.fit(X, X)
    return list(np.diff([start, *stamps]))


# --- measurement ----------------------------------------------------------------


def measure_training(systems, X, rounds, pause, log):
    """Run each system ``rounds`` times, interleaved; keep epochs after the first.

    Returns, for each system, one list of epoch times per round.
    """
    times = {name: [] for name in systems}
    for round_ in range(rounds):
        # Reverse the order every other round, so that no system always runs
        # right after the same neighbour.
        order = list(systems.items())
        for name, (function, hidden, n_epochs) in order[
            :: 1 if round_ % 2 == 0 else -1
        ]:
            time.sleep(pause)
            durations = function(X, hidden, 1 + n_epochs)
            times[name].append(durations[1:])
            log(
                f"round {round_ + 1}/{rounds}  {name:<22} "
                + " ".join(f"{d:.3f}" for d in durations)
                + " s/epoch"
            )
    return times


def measure_inference(autoencoder, pca, X, repeats, pause):
    """Median seconds of transform and inverse_transform, skae and PCA alternating.

    ``paused`` sleeps before each call; ``back_to_back`` does not, which is the
    setting of a Pipeline mixing numpy and torch. ``ratio`` is the median of
    the ratios of calls made one right after the other, which cancels the
    drift of a shared machine's speed.
    """
    codes = {"skae": autoencoder.transform(X), "PCA": pca.transform(X)}
    models = {"skae": autoencoder, "PCA": pca}
    results = {}
    for setting, sleep in (("paused", pause), ("back_to_back", 0.0)):
        for method in ("transform", "inverse_transform"):
            samples = {"skae": [], "PCA": []}
            for _ in range(repeats):
                for name, model in models.items():
                    data = X if method == "transform" else codes[name]
                    time.sleep(sleep)
                    start = time.perf_counter()
                    getattr(model, method)(data)
                    samples[name].append(time.perf_counter() - start)
            result = {name: statistics.median(s) for name, s in samples.items()}
            result["ratio"] = statistics.median(
                a / b for a, b in zip(samples["skae"], samples["PCA"])
            )
            results[f"{method} {setting}"] = result
    return results


def measure_fit_memory(data_dir, n_rows):
    """Peak RSS growth during fit, measured in a fresh process."""
    output = subprocess.run(
        [
            sys.executable,
            __file__,
            "--memory-child",
            "--data-dir",
            str(data_dir),
            "--rows",
            str(n_rows),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def memory_child(data_dir, n_rows):
    X, _ = load_fashion_mnist(data_dir)
    X = np.ascontiguousarray(X[:n_rows])
    AutoencoderTransformer(max_iter=1, random_state=0).fit(
        X[:2000]
    )  # load torch's kernels
    baseline = rss_kib("VmRSS:")
    reset_peak_rss()
    AutoencoderTransformer(max_iter=2, random_state=0).fit(X)
    growth = (rss_kib("VmHWM:") - baseline) * 1024
    print(
        json.dumps(
            {
                "X_nbytes": X.nbytes,
                "peak_rss_growth": growth,
                "ratio": growth / X.nbytes,
            }
        )
    )


# --- report -----------------------------------------------------------------------


def _check(name, value):
    op, bound = TARGETS[name]
    ok = value <= bound if op == "<=" else value >= bound
    return {"value": round(value, 3), "target": f"{op} {bound}", "met": bool(ok)}


def plot(medians, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
    names = list(medians)
    ax.barh(names, [medians[n] for n in names], color="tab:blue")
    ax.invert_yaxis()
    ax.set_xlabel("seconds per epoch (median), Fashion-MNIST 60,000 x 784")
    ax.set_title("Training speed, one process, same data")
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=FASHION_MNIST_DIR)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--epochs", type=int, default=3, help="measured epochs per run, after 1 warm-up"
    )
    parser.add_argument(
        "--pause", type=float, default=1.0, help="seconds of rest before each run"
    )
    parser.add_argument(
        "--quick", action="store_true", help="10,000 rows, 1 round: a smoke test"
    )
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.memory_child:
        return memory_child(args.data_dir, args.rows)
    try:
        X, _ = load_fashion_mnist(args.data_dir)
        X_test, _ = load_fashion_mnist(args.data_dir, subset="test")
    except FileNotFoundError as exc:
        sys.exit(
            "bench_speed needs the real Fashion-MNIST files; "
            f"no synthetic fallback.\n{exc}"
        )
    if args.quick:
        X, args.rounds, args.epochs = X[:10000], 1, 2

    def log(line):
        print(line, flush=True)

    info = machine()
    log(f"machine: {info}")
    log(f"data: Fashion-MNIST train {X.shape} {X.dtype}, test {X_test.shape}")
    seed_systems = {
        "hand loop": (hand_loop_fit, (), args.epochs),
        "skae": (skae_fit, (), args.epochs),
        "MLPRegressor": (mlp_regressor, (), args.epochs),
        "skae, loss='mse'": (skae_mse_fit, (), args.epochs),
        "skorch default": (skorch_default, (), max(1, args.epochs - 1)),
        "hand loop deep": (hand_loop_fit, DEEP, args.epochs),
        "skae deep": (skae_fit, DEEP, args.epochs),
    }
    epoch_times = measure_training(seed_systems, X, args.rounds, args.pause, log)
    medians = {
        name: statistics.median(t for round_ in rounds for t in round_)
        for name, rounds in epoch_times.items()
    }

    log("inference: 10,000 rows, skae (seed network) vs PCA(32)")
    autoencoder = AutoencoderTransformer(max_iter=1, random_state=0).fit(X)
    pca = PCA(32, random_state=0).fit(X)
    inference = measure_inference(autoencoder, pca, X_test, repeats=50, pause=0.2)

    log("memory: peak RSS growth during fit, in a fresh process")
    memory = measure_fit_memory(args.data_dir, len(X))

    def paired(a, b):
        # median over rounds of the ratio within a round: runs minutes apart
        # on a shared machine can differ by more than the effect measured
        return statistics.median(
            statistics.median(x) / statistics.median(y)
            for x, y in zip(epoch_times[a], epoch_times[b])
        )

    values = {
        "seed: skae / hand loop": paired("skae", "hand loop"),
        "deep: skae / hand loop": paired("skae deep", "hand loop deep"),
        "seed: skae / MLPRegressor": paired("skae", "MLPRegressor"),
        "seed: skorch default / skae": paired("skorch default", "skae"),
        "transform: skae / PCA": inference["transform paused"]["ratio"],
        "inverse_transform: skae / PCA": inference["inverse_transform paused"]["ratio"],
        "fit peak RSS growth / X.nbytes": memory["ratio"],
    }
    ratios = {name: _check(name, value) for name, value in values.items()}
    # Not a target: MLPRegressor fits squared error on a linear output, so
    # this is the like-for-like comparison of the two training loops.
    like_for_like = {
        "seed, squared error: skae / MLPRegressor": paired(
            "skae, loss='mse'", "MLPRegressor"
        )
    }

    print("\nseconds per epoch (median of epochs after the first)")
    for name, value in medians.items():
        print(f"  {name:<22} {value:8.3f}")
    print("\ninference on 10,000 rows, median seconds")
    for name, values in inference.items():
        print(
            f"  {name:<30} skae {values['skae']:.4f}  PCA {values['PCA']:.4f}"
            f"  paired ratio {values['ratio']:.2f}"
        )
    growth_mib = memory["peak_rss_growth"] / 2**20
    print(f"\nfit memory: peak RSS growth {growth_mib:.0f} MiB", end="")
    print(f" for X of {memory['X_nbytes'] / 2**20:.0f} MiB")
    print("\nratio (paired: median of side-by-side ratios)  value   target   met")
    for name, check in ratios.items():
        met = "yes" if check["met"] else "NO"
        print(f"  {name:<32} {check['value']:6.3f}   {check['target']:<7}  {met}")
    for name, value in like_for_like.items():
        print(f"  {name:<32} {value:6.3f}   (no target: same loss as MLPRegressor)")

    name = "speed_quick" if args.quick else "speed"
    payload = {
        "machine": info,
        "args": {k: str(v) for k, v in vars(args).items()},
        "data": {
            "dataset": "fashion-mnist",
            "train_shape": list(X.shape),
            "test_shape": list(X_test.shape),
        },
        "seconds_per_epoch": medians,
        "epoch_times": epoch_times,
        "inference_seconds": inference,
        "fit_memory": memory,
        "ratios": ratios,
        "like_for_like": like_for_like,
    }
    path = write_json(name, payload)
    plot(medians, RESULTS_DIR / f"{name}.png")
    print(f"\nwrote {path} and {path.with_suffix('.png')}")


if __name__ == "__main__":
    main()
