"""Convolutional against dense autoencoders and PCA: held-out reconstruction error.

For each code size, fits on the training images, in one process: PCA, the
seed network (one layer), the deep dense network of ``compare_pca.py``
(512-256) and ``ConvolutionalAutoencoder``: its defaults (two stride-2
convolutions of 16 and 32 channels, then a linear layer to the code), and
the same with a dense layer of 256 before the code (``hidden_layer_sizes``,
as the deep network's last). Every autoencoder trains on skae's
default schedule (batches of 256; on 60,000 images 50 epochs, on the 10,000
of the MNIST subset 150), so that only the network differs. Reported: the
test-set MSE and BCE, fit seconds, and each convolutional network's MSE over
the deep one's. With ``--keras``, also the Keras blog's convolutional setting
(a code of 128, 50 epochs, test BCE beside the blog's 0.094).

    python benchmarks/compare_conv.py --dataset fashion-mnist    # ~85 min here
    python benchmarks/compare_conv.py --dataset mnist --keras    # ~15 min

Results go to benchmarks/results/unsaved/ unless --save is given, which
writes the committed benchmarks/results/conv_<dataset>.json. The rows done
so far are kept in benchmarks/results/unsaved/conv_<dataset>.partial.json
while the run goes on, so that a run stopped early keeps its finished codes.
"""

import argparse
import os

from _common import CONV_RATIO_KEYS, Log, load_images, machine, output_dir, write_json
from compare_pca import fit_timed, reconstruction_errors
from sklearn.decomposition import PCA

from skae import AutoencoderTransformer, ConvolutionalAutoencoder

CODES = (8, 16, 32, 64)
DEEP = (512, 256)
# The Keras blog's convolutional autoencoder on MNIST: "converges to a loss of
# 0.094" (test BCE after 50 epochs), with a code of 4 x 4 x 8 = 128 values.
KERAS_CONV_BCE = 0.094
# Targets: the convolutional network's MSE below the deep one's at every
# code size (aim: this ratio or below), and below PCA's.
AIM = 0.8

MODELS = {
    "PCA": lambda k: PCA(k, random_state=0),
    "seed": lambda k: AutoencoderTransformer(k, random_state=0),
    "deep": lambda k: AutoencoderTransformer(
        k, hidden_layer_sizes=DEEP, random_state=0
    ),
    "conv": lambda k: ConvolutionalAutoencoder(k, random_state=0),
    "conv (256)": lambda k: ConvolutionalAutoencoder(
        k, hidden_layer_sizes=(256,), random_state=0
    ),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dataset", choices=["digits", "fashion-mnist", "mnist"], default="mnist"
    )
    parser.add_argument("--codes", type=int, nargs="+", default=list(CODES))
    parser.add_argument("--keras", action="store_true")
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()
    log = Log()
    X_train, _, X_test, _, _, description = load_images(args.dataset)
    load = os.getloadavg()[0]
    log(f"{description}: train {X_train.shape}, test {X_test.shape}; load {load:.2f}")
    header = {
        "dataset": description,
        "train_shape": list(X_train.shape),
        "test_shape": list(X_test.shape),
        "models": {
            "PCA": "PCA(k)",
            "seed": "AutoencoderTransformer(k)",
            "deep": f"AutoencoderTransformer(k, hidden_layer_sizes={DEEP})",
            "conv": "ConvolutionalAutoencoder(k)",
            "conv (256)": "ConvolutionalAutoencoder(k, hidden_layer_sizes=(256,))",
        },
        "load_average_at_start": load,
        "machine": machine(),
    }
    partial = f"conv_{args.dataset}.partial"
    rows = []
    for k in args.codes:
        row = {"code": k}
        for name, make in MODELS.items():
            model, seconds = fit_timed(make(k), X_train)
            mse, bce = reconstruction_errors(model, X_test)
            row[name] = {"mse": mse, "bce": bce, "fit_seconds": seconds}
            log(
                f"code {k:>3}  {name:<4}  fit {seconds:6.1f}s  MSE {mse:.5f}  BCE {bce:.4f}"
            )
        for name, key in CONV_RATIO_KEYS.items():
            row[f"{key}_over_deep"] = row[name]["mse"] / row["deep"]["mse"]
            row[f"{key}_over_pca"] = row[name]["mse"] / row["PCA"]["mse"]
            log(
                f"code {k:>3}  {name} / deep MSE {row[f'{key}_over_deep']:.3f}, "
                f"{name} / PCA {row[f'{key}_over_pca']:.3f}"
            )
        rows.append(row)
        write_json(output_dir(False), partial, {**header, "rows": rows})
    keras = None
    if args.keras:
        model, seconds = fit_timed(
            ConvolutionalAutoencoder(128, batch_size=256, max_iter=50, random_state=0),
            X_train,
        )
        mse, bce = reconstruction_errors(model, X_test)
        keras = {
            "call": "ConvolutionalAutoencoder(128, batch_size=256, max_iter=50)",
            "mse": mse,
            "bce": bce,
            "fit_seconds": seconds,
            "keras_blog_bce": KERAS_CONV_BCE,
        }
        log(
            f"Keras blog's setting: test BCE {bce:.4f} (blog {KERAS_CONV_BCE}), {seconds:.0f}s"
        )
    met, aim = {}, {}
    for name, key in CONV_RATIO_KEYS.items():
        met[name] = all(
            row[f"{key}_over_deep"] < 1 and row[f"{key}_over_pca"] < 1 for row in rows
        )
        aim[name] = all(row[f"{key}_over_deep"] <= AIM for row in rows)
        log(
            f"target ({name} below deep and PCA at every code): "
            f"{'met' if met[name] else 'NOT met'}; aim ({name} <= {AIM} x deep "
            f"at every code): {'met' if aim[name] else 'not met'}"
        )
    path = write_json(
        output_dir(args.save),
        f"conv_{args.dataset}",
        {
            **header,
            "rows": rows,
            "keras_setting": keras,
            "target_met": met,
            "aim_met": aim,
        },
    )
    (output_dir(False) / f"{partial}.json").unlink()
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
