"""Denoising: does training on noisy inputs help reconstruct noisy test images?

Fits a plain and a denoising autoencoder (``noise=0.3``) on clean MNIST, each
dense (one hidden layer of 256) and convolutional (``ConvolutionalAutoencoder``
defaults), all with a code of 32, then feeds them test images with Gaussian
noise of the same strength and compares their reconstructions with the clean
images.

    python benchmarks/compare_denoising.py [--data-dir DIR] [--epochs 50]
"""

import argparse
import time
from pathlib import Path

import numpy as np
from _common import SHARED_MNIST, machine, output_dir, write_json

from skae import AutoencoderTransformer, ConvolutionalAutoencoder
from skae.datasets import load_mnist


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=SHARED_MNIST if SHARED_MNIST.is_dir() else None
    )
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--noise", type=float, default=0.3)
    parser.add_argument(
        "--save", action="store_true", help="write the committed results"
    )
    args = parser.parse_args()

    X_train, _ = load_mnist(args.data_dir)
    X_test, _ = load_mnist(args.data_dir, subset="test")
    rng = np.random.default_rng(0)
    noisy = np.clip(
        X_test + rng.normal(scale=args.noise, size=X_test.shape), 0, 1
    ).astype(np.float32)
    params = {
        "n_components": 32,
        "batch_size": 256,
        "max_iter": args.epochs,
        "random_state": 0,
    }
    dense = {"hidden_layer_sizes": (256,)}
    models = {
        "plain": AutoencoderTransformer(**dense, **params),
        f"denoising (noise={args.noise})": AutoencoderTransformer(
            noise=args.noise, **dense, **params
        ),
        "convolutional plain": ConvolutionalAutoencoder(**params),
        f"convolutional denoising (noise={args.noise})": ConvolutionalAutoencoder(
            noise=args.noise, **params
        ),
    }
    errors, reconstructions = {}, {}
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(X_train)
        reconstructions[name] = model.inverse_transform(model.transform(noisy))
        errors[name] = {
            "mse_noisy_input_vs_clean": float(
                np.mean((reconstructions[name] - X_test) ** 2)
            ),
            "mse_clean_input_vs_clean": float(
                np.mean(
                    (model.inverse_transform(model.transform(X_test)) - X_test) ** 2
                )
            ),
            "fit_seconds": time.perf_counter() - start,
        }
        print(
            f"{name:<44} fit {errors[name]['fit_seconds']:5.1f}s  "
            f"MSE(reconstruction of noisy test images, clean images) {errors[name]['mse_noisy_input_vs_clean']:.5f}  "
            f"(from clean inputs: {errors[name]['mse_clean_input_vs_clean']:.5f})",
            flush=True,
        )
    print(
        f"noisy test images themselves: MSE to clean {np.mean((noisy - X_test) ** 2):.5f}"
    )

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = {"clean": X_test, "noisy input": noisy, **reconstructions}
    fig, axes = plt.subplots(len(rows), 10, figsize=(11, 1.2 * len(rows)))
    for (label, images), row_axes in zip(rows.items(), axes):
        for image, ax in zip(images, row_axes):
            ax.imshow(image.reshape(28, 28), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        row_axes[0].set_ylabel(label, rotation=0, ha="right", va="center")
    folder = output_dir(args.save)
    fig.savefig(folder / "denoising_mnist.png", dpi=100, bbox_inches="tight")
    path = write_json(
        folder,
        "denoising_mnist",
        {
            "command": "python benchmarks/compare_denoising.py",
            "machine": machine(),
            "settings": {
                **params,
                "dense": "hidden_layer_sizes=(256,)",
                "convolutional": "ConvolutionalAutoencoder defaults",
                "noise": args.noise,
                "training_images": len(X_train),
            },
            "noisy_input_mse_to_clean": float(np.mean((noisy - X_test) ** 2)),
            "errors": errors,
        },
    )
    print(f"wrote {path} and denoising_mnist.png")


if __name__ == "__main__":
    main()
