"""Peak memory of fit on a read-only uint8 memmap, and of partial_fit over chunks.

Each measurement runs in a fresh process: it opens the data, trains once on a
small slice (so torch's own allocations are not counted), resets the peak
resident set size (Linux's clear_refs), trains, and reads the new peak.

    python benchmarks/bench_memory.py [--rows 200000] [--stream-rows 400000]
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from _common import machine, output_dir, reset_peak_rss, rss_kib, write_json

from skae import AutoencoderTransformer
from skae.datasets import FASHION_MNIST_DIR, load_fashion_mnist

N_FEATURES = 784


def child(path, n_rows, mode, chunk_rows):
    data = np.memmap(path, dtype=np.uint8, mode="r", shape=(n_rows, N_FEATURES))
    warm = AutoencoderTransformer(max_iter=1, random_state=0)
    warm.fit(np.asarray(data[:2000]))
    baseline = rss_kib("VmRSS:")
    reset_peak_rss()
    model = AutoencoderTransformer(max_iter=1, random_state=0)
    if mode == "fit":
        model.fit(data)
    else:
        for start in range(0, n_rows, chunk_rows):
            # A fresh map per chunk: its pages leave the process with it.
            chunk = np.memmap(
                path,
                dtype=np.uint8,
                mode="r",
                offset=start * N_FEATURES,
                shape=(min(chunk_rows, n_rows - start), N_FEATURES),
            )
            model.partial_fit(chunk)
            del chunk
    growth = (rss_kib("VmHWM:") - baseline) * 1024
    print(
        json.dumps(
            {"peak_rss_growth": growth, "epochs": model.n_iter_, "loss": model.loss_}
        )
    )


def measure(path, n_rows, mode, chunk_rows=0):
    command = [
        sys.executable,
        __file__,
        "--child",
        mode,
        str(path),
        str(n_rows),
        str(chunk_rows),
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    float32_bytes = n_rows * N_FEATURES * 4
    result.update(
        rows=n_rows,
        uint8_bytes=n_rows * N_FEATURES,
        float32_bytes=float32_bytes,
        ratio_to_float32=result["peak_rss_growth"] / float32_bytes,
    )
    return result


def write_memmap(path, n_rows, data_dir):
    """Fashion-MNIST pixels (uint8) tiled to ``n_rows`` rows; random if absent."""
    try:
        X, _ = load_fashion_mnist(data_dir)
        source = "Fashion-MNIST train, tiled"
        pixels = np.round(X * 255).astype(np.uint8)
    except FileNotFoundError:
        source = (
            "random uint8 (Fashion-MNIST not found; memory does not depend on values)"
        )
        pixels = np.random.default_rng(0).integers(
            0, 256, (60000, N_FEATURES), dtype=np.uint8
        )
    stored = np.memmap(path, dtype=np.uint8, mode="w+", shape=(n_rows, N_FEATURES))
    for start in range(0, n_rows, len(pixels)):
        stop = min(start + len(pixels), n_rows)
        stored[start:stop] = pixels[: stop - start]
    stored.flush()
    del stored
    return source


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--stream-rows", type=int, default=400_000)
    parser.add_argument("--chunk-rows", type=int, default=20_000)
    parser.add_argument("--data-dir", type=Path, default=FASHION_MNIST_DIR)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument(
        "--save", action="store_true", help="write the committed results"
    )
    args = parser.parse_args()
    if args.child:
        mode, path, n_rows, chunk_rows = args.child
        return child(path, int(n_rows), mode, int(chunk_rows))

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "X.uint8"
        rows = max(args.rows, args.stream_rows)
        source = write_memmap(path, rows, args.data_dir)
        print(f"data: {rows} x {N_FEATURES} uint8 memmap, {source}", flush=True)
        fit = measure(path, args.rows, "fit")
        print(
            f"fit on a read-only memmap of {args.rows} rows: peak RSS growth "
            f"{fit['peak_rss_growth'] / 2**20:.0f} MiB = {fit['ratio_to_float32']:.2f}x "
            f"the float32 size ({fit['float32_bytes'] / 2**20:.0f} MiB); target <= 1.2x",
            flush=True,
        )
        stream = measure(path, args.stream_rows, "partial_fit", args.chunk_rows)
        print(
            f"partial_fit over {args.stream_rows} rows in chunks of {args.chunk_rows}: "
            f"peak RSS growth {stream['peak_rss_growth'] / 2**20:.0f} MiB for data of "
            f"{stream['float32_bytes'] / 2**20:.0f} MiB as float32 "
            f"({stream['ratio_to_float32']:.3f}x)",
            flush=True,
        )
    path = write_json(
        output_dir(args.save),
        "memory",
        {
            "machine": machine(),
            "source": source,
            "fit_memmap": dict(
                fit, target="<= 1.2", met=fit["ratio_to_float32"] <= 1.2
            ),
            "partial_fit_stream": dict(stream, chunk_rows=args.chunk_rows),
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
