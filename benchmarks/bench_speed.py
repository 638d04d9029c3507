"""Speed of skae against a hand-written torch loop, skorch, MLPRegressor and PCA.

Every system trains in this one process on the same Fashion-MNIST data, and
the fits are interleaved epoch by epoch: each waits at the end of every epoch
until the others have run theirs, with a pause before each epoch (so that no
library's idle threads are still spinning when the next one starts). Only one
fit computes at any time. Reported: the median of the epochs after each fit's
first, and ratios paired within a round.

    python benchmarks/bench_speed.py [--data-dir DIR] [--rounds 12] [--pause 0.5]
"""

import argparse
import functools
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import greenlet
import numpy as np
import torch
from _common import (
    hand_loop,
    machine,
    output_dir,
    reset_peak_rss,
    rss_kib,
    write_json,
)
from sklearn.decomposition import PCA
from sklearn.neural_network import MLPRegressor
from skorch import NeuralNetRegressor
from skorch.callbacks import Callback

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


# --- the systems, with _common.hand_loop: each fit(X, hidden, epochs, -------------
# --- on_epoch_end=...) calls on_epoch_end(seconds) after every epoch ---------------


class _EpochEnd(Callback):
    """Pass each epoch's duration, as skorch's ``EpochTimer`` measured it, on."""

    def __init__(self, function):
        self.function = function

    def on_epoch_end(self, net, **kwargs):
        self.function(net.history[-1, "dur"])


def skae_fit(X, hidden, epochs, on_epoch_end, loss="auto"):
    AutoencoderTransformer(
        hidden_layer_sizes=hidden,
        loss=loss,
        batch_size=256,
        max_iter=epochs,
        # The hand loop and MLPRegressor use every core: compare at equal threads.
        n_jobs=-1,
        random_state=0,
        callbacks=[("bench", _EpochEnd(on_epoch_end))],
    ).fit(X)


def skae_mse_fit(X, hidden, epochs, on_epoch_end):
    """skae with MLPRegressor's loss: squared error on a linear output."""
    skae_fit(X, hidden, epochs, on_epoch_end, loss="mse")


class _LogitsOnly(torch.nn.Module):
    def __init__(self, n_features):
        super().__init__()
        self.autoencoder = AutoencoderModule(
            n_features, 32, generator=torch.Generator().manual_seed(0)
        )

    def forward(self, X):
        return self.autoencoder(X)[0]


def skorch_default(X, hidden, epochs, on_epoch_end):
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
        callbacks=[("bench", _EpochEnd(on_epoch_end))],
        verbose=0,
    )
    net.fit(X, X)


def mlp_regressor(X, hidden, epochs, on_epoch_end):
    """sklearn's MLPRegressor fitting X -> X (squared error, identity output)."""
    mlp = MLPRegressor(
        hidden_layer_sizes=(32,),
        batch_size=256,
        max_iter=epochs,
        n_iter_no_change=epochs + 1,
        tol=0,
        random_state=0,
    )
    # MLPRegressor has no callbacks: its training loop calls this private
    # method once per epoch, after the last batch (benchmark-only).
    hook = mlp._update_no_improvement_count
    start = time.perf_counter()

    def timed(*args, **kwargs):
        nonlocal start
        seconds = time.perf_counter() - start
        result = hook(*args, **kwargs)
        on_epoch_end(seconds)
        start = time.perf_counter()
        return result

    mlp._update_no_improvement_count = timed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlp.fit(X, X)


# --- measurement ----------------------------------------------------------------


class EpochGate:
    """Run a fit one epoch at a time, each time :meth:`step` is called.

    Runs of several epochs, one system after the other, let a shared
    machine's speed drift between the two sides of a ratio: measured that
    way (speed.json of 2026-11-28 06:59), the hand loop's median epoch ranged
    from 0.49 to 0.64 s from round to round. Gated fits interleave epoch by
    epoch, so that a ratio compares epochs about a second apart.

    Each fit runs in a greenlet, and at the end of every epoch switches back
    to the caller: all fits share the main thread. Threads would not do:
    once the main thread had used torch, the seed network's epoch took 2-3x
    longer in a second thread than in the main one (torch's OpenMP keeps its
    worker pool per calling thread; setting OMP_WAIT_POLICY=active or
    GOMP_SPINCOUNT did not remove the slowdown, so its exact cause is open).

    Parameters
    ----------
    fit : callable
        ``fit(on_epoch_end=...)`` trains, calling ``on_epoch_end(seconds)`` at the
        end of every epoch with that epoch's duration.
    """

    def __init__(self, fit):
        caller = greenlet.getcurrent()
        self._fit = greenlet.greenlet(lambda: fit(on_epoch_end=caller.switch))

    def step(self):
        """Let the fit run its next epoch and return that epoch's seconds."""
        seconds = self._fit.switch()  # an error in the fit is raised here
        if self._fit.dead:
            raise RuntimeError("the fit ended before the epoch asked for")
        return seconds

    def finish(self):
        """Let the fit return after its last epoch."""
        self._fit.switch()
        if not self._fit.dead:
            raise RuntimeError("the fit ran more epochs than asked for")


def measure_training(systems, X, rounds, pause, log):
    """Train all systems epoch by epoch, interleaved; drop each one's first epoch.

    Returns, for each system, the seconds of its epochs, one per round.
    """
    gates = {
        name: EpochGate(functools.partial(function, X, hidden, 1 + rounds))
        for name, (function, hidden) in systems.items()
    }
    times = {name: [] for name in systems}
    for round_ in range(1 + rounds):
        # Reverse the order every other round, so that no system always runs
        # right after the same neighbour.
        order = list(gates.items())[:: 1 if round_ % 2 == 0 else -1]
        line = []
        for name, gate in order:
            time.sleep(pause)
            seconds = gate.step()
            if round_:
                times[name].append(seconds)
            line.append(f"{name} {seconds:.3f}")
        label = "warm-up" if round_ == 0 else f"round {round_}/{rounds}"
        log(f"{label}: " + ", ".join(line) + " s/epoch")
    for gate in gates.values():
        gate.finish()
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
    # A first small fit loads torch's kernels before the baseline is read.
    AutoencoderTransformer(max_iter=1, random_state=0).fit(X[:2000])
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
    parser.add_argument(
        "--rounds", type=int, default=12, help="measured epochs, after 1 warm-up"
    )
    parser.add_argument(
        "--pause", type=float, default=0.5, help="seconds of rest before each epoch"
    )
    parser.add_argument(
        "--quick", action="store_true", help="10,000 rows, 2 rounds: a smoke test"
    )
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--save", action="store_true", help="write the committed results"
    )
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
        X, args.rounds = X[:10000], 2

    def log(line):
        print(line, flush=True)

    info = machine()
    log(f"machine: {info}")
    log(f"data: Fashion-MNIST train {X.shape} {X.dtype}, test {X_test.shape}")
    systems = {
        "hand loop": (hand_loop, ()),
        "skae": (skae_fit, ()),
        "MLPRegressor": (mlp_regressor, ()),
        "skae, loss='mse'": (skae_mse_fit, ()),
        "skorch default": (skorch_default, ()),
        "hand loop deep": (hand_loop, DEEP),
        "skae deep": (skae_fit, DEEP),
    }
    epoch_times = measure_training(systems, X, args.rounds, args.pause, log)
    medians = {name: statistics.median(times) for name, times in epoch_times.items()}

    log("inference: 10,000 rows, skae (seed network) vs PCA(32)")
    autoencoder = AutoencoderTransformer(max_iter=1, n_jobs=-1, random_state=0).fit(X)
    pca = PCA(32, random_state=0).fit(X)
    inference = measure_inference(autoencoder, pca, X_test, repeats=50, pause=0.2)

    log("memory: peak RSS growth during fit, in a fresh process")
    memory = measure_fit_memory(args.data_dir, len(X))

    def paired(a, b):
        # median over rounds of the ratio within a round: epochs further apart
        # on a shared machine can differ by more than the effect measured
        return statistics.median(x / y for x, y in zip(epoch_times[a], epoch_times[b]))

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
    # Not targets: MLPRegressor fits squared error on a linear output, so the
    # first is the like-for-like comparison of the two training loops; the
    # hand loop bounds what skae can reach against MLPRegressor and skorch.
    like_for_like = {
        "seed, squared error: skae / MLPRegressor": paired(
            "skae, loss='mse'", "MLPRegressor"
        )
    }
    floors = {
        "seed: hand loop / MLPRegressor (floor of skae / MLPRegressor)": paired(
            "hand loop", "MLPRegressor"
        ),
        "seed: skorch default / hand loop (ceiling of skorch default / skae)": (
            paired("skorch default", "hand loop")
        ),
    }

    print("\nseconds per epoch (median of the epochs after the first)")
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
    for name, value in floors.items():
        print(f"  {name} {value:6.3f}")

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
        "floors": floors,
    }
    path = write_json(output_dir(args.save), name, payload)
    plot(medians, path.with_suffix(".png"))
    print(f"\nwrote {path} and {path.with_suffix('.png')}")


if __name__ == "__main__":
    main()
