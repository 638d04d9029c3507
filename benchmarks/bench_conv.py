"""Training speed of ConvolutionalAutoencoder against a hand-written torch loop.

The network of the convolutional issue, on Fashion-MNIST's 60,000 training
images in batches of 256: Conv(1->16, 3x3, stride 2) -> ReLU -> Conv(16->32,
3x3, stride 2) -> ReLU -> Linear(1568->32), mirrored with transposed
convolutions; binary cross-entropy on logits, Adam. The hand loop is plain
torch written from scratch (NCHW tensors, ``nn.Sequential``); skae's fit is
``ConvolutionalAutoencoder(batch_size=256)``. Fits are interleaved epoch by
epoch in this one process, as in ``bench_speed.py`` (only one computes at
any time), at torch's default threads and at one thread, and the hand loop
also in torch's ``channels_last`` layout. Reported: median seconds per epoch
after each fit's first, and ratios paired within a round.

    python benchmarks/bench_conv.py [--rounds 8] [--save]
    python benchmarks/bench_conv.py --device cuda --save   # the GPU checks

With ``--device cuda`` both fits run on the GPU (threads do not apply), and
a first check fits ``ConvolutionalAutoencoder`` on the CPU and on the GPU
from the same ``random_state`` and reports how far their codes differ.
Results go to benchmarks/results/unsaved/ unless --save is given, which
writes the committed benchmarks/results/conv_speed.json (conv_speed_cuda.json
on a GPU).
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np
import torch
from _common import machine, output_dir, write_json
from bench_speed import _EpochEnd, measure_training
from torch import nn

from skae import ConvolutionalAutoencoder
from skae.datasets import FASHION_MNIST_DIR, load_fashion_mnist


def hand_network(generator):
    """The issue's network, written as a torch user would, in NCHW."""
    network = nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 16, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, 32),
        nn.Linear(32, 32 * 7 * 7),
        nn.ReLU(),
        nn.Unflatten(1, (32, 7, 7)),
        nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1),
        nn.ReLU(),
        nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1),
        nn.Flatten(),
    )
    for layer in network:
        if hasattr(layer, "weight"):
            nn.init.xavier_uniform_(layer.weight, generator=generator)
            nn.init.zeros_(layer.bias)
    return network


def hand_loop(X, threads, epochs, on_epoch_end, channels_last=False, device="cpu"):
    """Train the hand network: a per-epoch ``randperm``, batches sliced from X."""
    generator = torch.Generator().manual_seed(0)
    network = hand_network(generator).to(device)
    if channels_last:
        network = network.to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3, eps=1e-7, fused=True)
    criterion = nn.BCEWithLogitsLoss()
    X = torch.from_numpy(X).to(device)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads or previous)
    try:
        for _ in range(epochs):
            start = time.perf_counter()
            order = torch.randperm(len(X), generator=generator).to(device)
            for i in range(0, len(X), 256):
                batch = X.index_select(0, order[i : i + 256])
                optimizer.zero_grad()
                loss = criterion(network(batch), batch)
                loss.backward()
                optimizer.step()
                loss.item()  # a real loop logs the loss; skorch does too
            if device != "cpu":
                torch.cuda.synchronize()
            on_epoch_end(time.perf_counter() - start)
    finally:
        torch.set_num_threads(previous)


def skae_fit(X, threads, epochs, on_epoch_end, device="cpu"):
    ConvolutionalAutoencoder(
        batch_size=256,
        max_iter=epochs,
        n_jobs=threads,
        device=device,
        random_state=0,
        callbacks=[("bench", _EpochEnd(on_epoch_end))],
    ).fit(X)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8, help="measured epochs")
    parser.add_argument("--pause", type=float, default=0.5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()
    try:
        X, _ = load_fashion_mnist(FASHION_MNIST_DIR)
    except FileNotFoundError as exc:
        sys.exit(f"bench_conv needs the Fashion-MNIST files.\n{exc}")

    def log(line):
        print(line, flush=True)

    cores = os.cpu_count()
    load = os.getloadavg()[0]
    log(f"machine: {machine()}, load {load:.2f}")
    if args.device != "cpu":
        return gpu_checks(X, args, log)
    systems = {
        "hand loop": (hand_loop, cores),
        "skae": (skae_fit, cores),
        "hand loop, channels_last": (
            lambda X, threads, epochs, on_epoch_end: hand_loop(
                X, threads, epochs, on_epoch_end, channels_last=True
            ),
            cores,
        ),
        "hand loop, 1 thread": (hand_loop, 1),
        "skae, 1 thread": (skae_fit, 1),
    }
    times = measure_training(systems, X, args.rounds, args.pause, log)
    medians = {name: statistics.median(values) for name, values in times.items()}

    def paired(a, b):
        return statistics.median(x / y for x, y in zip(times[a], times[b]))

    ratios = {
        "skae / hand loop": paired("skae", "hand loop"),
        "skae, 1 thread / hand loop, 1 thread": paired(
            "skae, 1 thread", "hand loop, 1 thread"
        ),
        "hand loop, channels_last / hand loop": paired(
            "hand loop, channels_last", "hand loop"
        ),
        f"hand loop, 1 thread / hand loop, {cores} threads": paired(
            "hand loop, 1 thread", "hand loop"
        ),
    }
    print("\nseconds per epoch (median of the epochs after the first)")
    for name, value in medians.items():
        print(f"  {name:<28} {value:7.3f}")
    print("\nratios (median of the ratios within a round)")
    for name, value in ratios.items():
        print(f"  {name:<44} {value:6.3f}")
    path = write_json(
        output_dir(args.save),
        "conv_speed",
        {
            "data": "Fashion-MNIST training images, 60,000 x 784, float32",
            "network": "Conv(1-16, 3x3, s2) ReLU Conv(16-32, 3x3, s2) ReLU "
            "Linear(1568-32), mirrored; BCE on logits, Adam, batches of 256",
            "rounds": args.rounds,
            "load_average_at_start": load,
            "machine": machine(),
            "seconds_per_epoch": medians,
            "epochs": times,
            "ratios": ratios,
            "target": {"skae / hand loop": "<= 1.10"},
        },
    )
    log(f"wrote {path}")


def gpu_checks(X, args, log):
    """The CPU fit against the GPU fit, then the GPU speed against the hand loop."""
    rows = X[:10_000]
    codes = {}
    for device in ("cpu", args.device):
        model = ConvolutionalAutoencoder(max_iter=2, device=device, random_state=0)
        codes[device] = model.fit(rows).transform(rows)
    difference = np.abs(codes["cpu"] - codes[args.device]).max()
    scale = np.abs(codes["cpu"]).max()
    log(
        f"2 epochs on 10,000 images: codes differ by {difference:.3g} (scale {scale:.3g})"
    )

    def on_device(function):
        return lambda X, threads, epochs, on_epoch_end: function(
            X, threads, epochs, on_epoch_end, device=args.device
        )

    systems = {
        "hand loop": (on_device(hand_loop), None),
        "skae": (on_device(skae_fit), None),
    }
    times = measure_training(systems, X, args.rounds, args.pause, log)
    medians = {name: statistics.median(values) for name, values in times.items()}
    ratio = statistics.median(a / b for a, b in zip(times["skae"], times["hand loop"]))
    log(f"seconds per epoch {medians}; skae / hand loop {ratio:.3f}")
    path = write_json(
        output_dir(args.save),
        "conv_speed_cuda",
        {
            "data": "Fashion-MNIST training images, 60,000 x 784, float32",
            "device": args.device,
            "machine": machine(),
            "cpu_vs_gpu_codes_max_abs_difference": float(difference),
            "codes_max_abs": float(scale),
            "seconds_per_epoch": medians,
            "epochs": times,
            "ratios": {"skae / hand loop": ratio},
        },
    )
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
