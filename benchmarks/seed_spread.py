"""The seed network on MNIST over many seeds: skae against a hand loop and Keras.

compare_pca's seed check averages random_state 0, 1 and 2. Three seeds of a
network whose test BCE varies by about 0.003 from seed to seed cannot tell a
systematic gap from chance, so this runs the seed network (784 -> 32 relu ->
784, BCE, Adam, batch 256, 50 epochs) for ``--seeds`` seeds, one seed after
the other, three ways:

- skae, ``AutoencoderTransformer(batch_size=256, max_iter=50, random_state=seed)``;
- a hand-written torch loop of the same network (same initialisation,
  BCEWithLogitsLoss, Adam with Keras' epsilon) seeded with ``seed``;
- the same loop drawing skae's random numbers: any difference from skae is
  then arithmetic, not chance;
- where Keras 3 is installed (``pip install -e ".[keras]"``), the seed post's
  own Keras model, seeded with ``keras.utils.set_random_seed(seed)``. It runs
  on the backend ``KERAS_BACKEND`` names, torch unless set.

It reports the distributions, and the means of disjoint groups of three seeds
(0-2, 3-5, ...) against the target, which is set on the mean of seeds 0-2.

    python benchmarks/seed_spread.py [--data-dir DIR] [--seeds 30] [--epochs 50]
"""

import argparse
import importlib.util
import os
import statistics
import time

import numpy as np
import torch
from _common import hand_loop, load_images, machine, output_dir, write_json
from compare_pca import (
    SEED_BCE_KERAS_10K,
    SEED_BCE_TARGET,
    reconstruction_errors,
)

from skae import AutoencoderTransformer


class HandLoopAutoencoder:
    """The seed network trained by a plain torch loop, with transform/inverse_transform."""

    def __init__(self, epochs, seed, stream="own"):
        self.epochs = epochs
        self.seed = seed
        self.stream = stream

    def fit(self, X):
        self.module_, _ = hand_loop(
            X, epochs=self.epochs, seed=self.seed, stream=self.stream
        )
        return self

    @torch.no_grad()
    def transform(self, X):
        return self.module_.encoder(torch.from_numpy(X)).numpy()

    @torch.no_grad()
    def inverse_transform(self, codes):
        return torch.sigmoid(self.module_.decoder(torch.from_numpy(codes))).numpy()


class KerasAutoencoder:
    """The seed post's Keras model: autoencoder, then encoder and decoder models."""

    def __init__(self, epochs, seed):
        self.epochs = epochs
        self.seed = seed

    def fit(self, X):
        import keras

        keras.utils.set_random_seed(self.seed)
        inputs = keras.Input((X.shape[1],))
        code = keras.layers.Dense(32, activation="relu")(inputs)
        decoded = keras.layers.Dense(X.shape[1], activation="sigmoid")(code)
        autoencoder = keras.Model(inputs, decoded)
        autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
        autoencoder.fit(X, X, epochs=self.epochs, batch_size=256, verbose=0)
        self.encoder_ = keras.Model(inputs, code)
        code_input = keras.Input((32,))
        self.decoder_ = keras.Model(code_input, autoencoder.layers[-1](code_input))
        return self

    def transform(self, X):
        return np.asarray(self.encoder_.predict(X, batch_size=1024, verbose=0))

    def inverse_transform(self, codes):
        return np.asarray(self.decoder_.predict(codes, batch_size=1024, verbose=0))


def keras_version():
    """Import Keras and return e.g. ``"3.15.1 (torch backend)"``; None if missing.

    Keras runs on torch unless ``KERAS_BACKEND`` names another backend.
    """
    if importlib.util.find_spec("keras") is None:
        return None
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    return f"{keras.__version__} ({keras.backend.backend()} backend)"


def difference_of_means(a, b):
    """Mean of `a` minus mean of `b`, with its standard error.

    Every run is seeded on its own, so the runs of `a` and `b` for one seed
    are independent and the standard error is that of two independent means.
    """
    error = np.sqrt((np.var(a, ddof=1) + np.var(b, ddof=1)) / len(a))
    return {"mean": float(np.mean(a) - np.mean(b)), "standard_error": float(error)}


def summary(values):
    triples = [statistics.mean(values[i : i + 3]) for i in range(0, len(values) - 2, 3)]
    return {
        "first_3_mean": statistics.mean(values[:3]),
        "means_of_3": triples,
        "means_of_3_meeting_target": sum(mean <= SEED_BCE_TARGET for mean in triples),
        "mean": statistics.mean(values),
        "stdev": statistics.stdev(values) if len(values) > 1 else 0.0,
        "min": min(values),
        "max": max(values),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument(
        "--save", action="store_true", help="write the committed results"
    )
    args = parser.parse_args()

    keras = keras_version()
    X_train, _, X_test, _, _, description = load_images("mnist", args.data_dir)
    print(f"{description}: train {X_train.shape}, test {X_test.shape}", flush=True)
    systems = {
        # The classic example's schedule, written out: batches of 256.
        "skae": lambda seed: AutoencoderTransformer(
            batch_size=256, max_iter=args.epochs, random_state=seed
        ),
        "hand loop": lambda seed: HandLoopAutoencoder(args.epochs, seed),
        "hand loop, skae's stream": lambda seed: HandLoopAutoencoder(
            args.epochs, seed, stream="skae"
        ),
    }
    if keras is None:
        print('Keras is not installed: pip install -e ".[keras]" adds its column.')
    else:
        print(f"Keras {keras}")
        systems["Keras"] = lambda seed: KerasAutoencoder(args.epochs, seed)
    bce = {name: [] for name in systems}
    fit_seconds = {name: [] for name in systems}
    for seed in range(args.seeds):
        for name, make in systems.items():
            start = time.perf_counter()
            model = make(seed).fit(X_train)
            fit_seconds[name].append(time.perf_counter() - start)
            bce[name].append(reconstruction_errors(model, X_test)[1])
            print(
                f"seed {seed}  {name:<24}  test BCE {bce[name][-1]:.5f}  "
                f"({fit_seconds[name][-1]:.1f} s)",
                flush=True,
            )

    stats = {name: summary(values) for name, values in bce.items()}
    for name, seconds in fit_seconds.items():
        stats[name]["median_fit_seconds"] = statistics.median(seconds)
    others = ["hand loop"] + (["Keras"] if keras else [])
    gaps = {other: difference_of_means(bce["skae"], bce[other]) for other in others}
    same_stream = np.abs(np.subtract(bce["skae"], bce["hand loop, skae's stream"]))
    print(f"\ntest BCE over seeds 0-{args.seeds - 1}, {args.epochs} epochs")
    print(
        f"  {'':<24}  seeds 0-2   mean     stdev    min      max      "
        f"means of 3 <= {SEED_BCE_TARGET}  median fit"
    )
    for name, s in stats.items():
        print(
            f"  {name:<24}  {s['first_3_mean']:.5f}     {s['mean']:.5f}  "
            f"{s['stdev']:.5f}  {s['min']:.5f}  {s['max']:.5f}  "
            f"{s['means_of_3_meeting_target']} of {len(s['means_of_3'])}"
            f"{'':<18}{s['median_fit_seconds']:.1f} s"
        )
    for other, gap in gaps.items():
        print(
            f"  skae - {other}, means: {gap['mean']:+.5f}, "
            f"standard error {gap['standard_error']:.5f}"
        )
    print(
        "  skae vs the hand loop on skae's random stream: largest |difference| "
        f"{same_stream.max():.2e}"
    )
    print(
        f"  The issue's Keras figure (one seed): {SEED_BCE_KERAS_10K}; target for "
        f"skae's mean over seeds 0-2: <= {SEED_BCE_TARGET}"
    )
    path = write_json(
        output_dir(args.save),
        "seed_spread_mnist",
        {
            "machine": machine(),
            "data": description,
            "epochs": args.epochs,
            "test_bce": bce,
            "summary": stats,
            "skae_minus": gaps,
            "skae_vs_same_stream_max_abs_difference": float(same_stream.max()),
            "keras": keras,
            "keras_10k": SEED_BCE_KERAS_10K,
            "target_first_3_mean": SEED_BCE_TARGET,
        },
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
