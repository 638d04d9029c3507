"""Where an epoch of the seed network goes: torch.profiler over skae's fit.

Profiles one epoch of ``AutoencoderTransformer()`` (784 -> 32 relu -> 784,
BCE, Adam, batch 256) on Fashion-MNIST after a warm-up epoch, for the
binary cross-entropy and, for comparison with MLPRegressor (squared error,
identity output), for ``loss='mse'``. Prints the operators that take the most
time and writes them to ``results/profile_seed.json``.

    python benchmarks/profile_seed.py [--data-dir DIR] [--rows 60000]
"""

import argparse
import time

from _common import machine, output_dir, write_json
from skorch.callbacks import Callback
from torch.profiler import ProfilerActivity, profile

from skae import AutoencoderTransformer
from skae.datasets import FASHION_MNIST_DIR, load_fashion_mnist

# Groups of aten operators, to read the table as "matmul, loss, optimizer...".
GROUPS = {
    "matmul (forward and backward)": ("aten::mm", "aten::addmm"),
    "BCE with logits (forward and backward)": (
        "aten::log_sigmoid_forward",
        "aten::sigmoid",
        "aten::binary_cross_entropy_with_logits",
    ),
    "squared error (forward and backward)": (
        "aten::mse_loss",
        "aten::mse_loss_backward",
    ),
    "Adam": ("aten::_fused_adam_", "aten::_foreach_add_"),
    "batch gather": ("aten::index_select",),
}


class ProfileSecondEpoch(Callback):
    """Profile the second epoch of a fit (the first one warms up)."""

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == 2:
            self.profiler = profile(activities=[ProfilerActivity.CPU])
            self.profiler.start()
            self.start = time.perf_counter()

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 2:
            self.seconds = time.perf_counter() - self.start
            self.profiler.stop()


def profile_fit(X, loss):
    callback = ProfileSecondEpoch()
    AutoencoderTransformer(
        loss=loss, max_iter=2, random_state=0, callbacks=[callback]
    ).fit(X)
    events = callback.profiler.key_averages()
    total = sum(event.self_cpu_time_total for event in events)
    top = sorted(events, key=lambda event: -event.self_cpu_time_total)[:15]
    groups = {
        group: sum(e.self_cpu_time_total for e in events if e.key in keys) / total
        for group, keys in GROUPS.items()
    }
    return {
        "epoch_seconds": callback.seconds,
        "top_operators": {
            event.key: {
                "share": event.self_cpu_time_total / total,
                "calls": event.count,
                "microseconds_per_call": event.self_cpu_time_total / event.count,
            }
            for event in top
        },
        "groups": {group: share for group, share in groups.items() if share},
        "table": events.table(sort_by="self_cpu_time_total", row_limit=15),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=FASHION_MNIST_DIR)
    parser.add_argument("--rows", type=int, default=60000)
    parser.add_argument(
        "--save", action="store_true", help="write the committed results"
    )
    args = parser.parse_args()
    X, _ = load_fashion_mnist(args.data_dir)
    X = X[: args.rows]

    results = {}
    for loss in ("bce", "mse"):
        results[loss] = profile_fit(X, loss)
        print(f"\nloss={loss!r}: profiled epoch {results[loss]['epoch_seconds']:.3f} s")
        print(results[loss].pop("table"))
        for group, share in results[loss]["groups"].items():
            print(f"  {group:<40} {share:6.1%} of operator time")
    path = write_json(
        output_dir(args.save),
        "profile_seed",
        {"machine": machine(), "rows": len(X), "profiles": results},
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
