"""Helpers shared by the benchmark scripts: machine, JSON output, the hand loop, CV."""

import json
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

RESULTS_DIR = Path(__file__).parent / "results"
# Where runs go unless asked to --save: git ignores it, so a newcomer's run
# leaves the committed results as they are.
UNSAVED_DIR = RESULTS_DIR / "unsaved"
# compare_conv.py's convolutional networks, by the prefix of their ratios'
# keys in a row of its results ("conv_256_over_deep").
CONV_RATIO_KEYS = {"conv": "conv", "conv (256)": "conv_256"}
# The MNIST files in ../shared/data/mnist, named relative to the repository.
SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


class Log:
    """Print a line with the seconds since this log was made; ``seconds()`` reads them."""

    def __init__(self):
        self.start = time.perf_counter()

    def seconds(self):
        return time.perf_counter() - self.start

    def __call__(self, line):
        print(f"[{self.seconds():7.1f}s] {line}", flush=True)


def output_dir(save):
    """Return the folder a run writes to: the committed results only with --save."""
    folder = RESULTS_DIR if save else UNSAVED_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def load_images(dataset, data_dir=None):
    """Return ``X_train, y_train, X_test, y_test, image_shape, description``.

    ``digits`` is scikit-learn's bundled set, split 75/25; ``mnist`` reads
    `data_dir` or ../shared/data/mnist; ``fashion-mnist`` reads `data_dir`
    or Debian's folder. Pixels are float32 in [0, 1].
    """
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from skae.datasets import load_fashion_mnist, load_mnist

    if dataset == "digits":
        X, y = load_digits(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            (X / 16).astype(np.float32), y, test_size=0.25, stratify=y, random_state=0
        )
        return (
            X_train,
            y_train,
            X_test,
            y_test,
            (8, 8),
            "scikit-learn digits, 75/25 split",
        )
    if dataset == "mnist":
        where = data_dir or "../shared/data/mnist"
        data_dir = data_dir or (SHARED_MNIST if SHARED_MNIST.is_dir() else None)
        X_train, y_train = load_mnist(data_dir)
        X_test, y_test = load_mnist(data_dir, subset="test")
        return X_train, y_train, X_test, y_test, (28, 28), f"MNIST ({where})"
    X_train, y_train = load_fashion_mnist(data_dir)
    X_test, y_test = load_fashion_mnist(data_dir, subset="test")
    return X_train, y_train, X_test, y_test, (28, 28), "Fashion-MNIST"


def machine():
    """Describe the machine and the library versions a result was measured with."""
    import numpy
    import sklearn
    import skorch
    import torch

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as file:
            cpu = next(
                line.split(":", 1)[1].strip() for line in file if "model name" in line
            )
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "sklearn": sklearn.__version__,
        "skorch": skorch.__version__,
        "numpy": numpy.__version__,
        "cuda": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
    }


def write_json(folder, name, payload):
    """Write ``payload``, timestamped, to ``<folder>/<name>.json``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    payload = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **payload,
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def rss_kib(field):
    """Read ``VmRSS:`` (current) or ``VmHWM:`` (peak) of this process, in KiB."""
    with open("/proc/self/status") as file:
        return next(int(line.split()[1]) for line in file if line.startswith(field))


def reset_peak_rss():
    """Reset this process's peak resident set size to its current one (Linux)."""
    with open("/proc/self/clear_refs", "w") as file:
        file.write("5")


def hand_loop(
    X,
    hidden_layer_sizes=(),
    epochs=50,
    seed=0,
    on_epoch_end=None,
    stream="own",
    batch_size=256,
):
    """Train skae's network with the best hand-written torch loop.

    The reference skae is measured against: the same module and
    initialisation, logits + ``BCEWithLogitsLoss``, Adam (Keras' epsilon,
    fused), batches of `batch_size` (256) sliced from one tensor by a per-epoch ``randperm``.
    ``on_epoch_end``, if given, is called with the seconds of each epoch.
    With ``stream="own"`` the torch generator is seeded with ``seed``; with
    ``stream="skae"`` it draws the same random numbers as
    ``AutoencoderTransformer(random_state=seed).fit``: the torch seed skae
    derives from ``random_state``, and the one draw its fit makes for the
    global generator, so both start from the same weights and see the same
    batches. Returns the trained module and the seconds of every epoch.
    """
    import torch

    from skae._module import AutoencoderModule
    from skae._torch import torch_generator

    if stream == "skae":
        generator = torch_generator(seed)
    else:
        generator = torch.Generator().manual_seed(seed)
    module = AutoencoderModule(X.shape[1], 32, hidden_layer_sizes, generator=generator)
    if stream == "skae":
        torch.randint(2**62, (1,), generator=generator)  # what forked_rng draws
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3, eps=1e-7, fused=True)
    criterion = torch.nn.BCEWithLogitsLoss()
    X = torch.from_numpy(X)
    durations = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(X), generator=generator)
        for i in range(0, len(X), batch_size):
            batch = X.index_select(0, order[i : i + batch_size])
            optimizer.zero_grad()
            reconstruction, _ = module(batch)
            loss = criterion(reconstruction, batch)
            loss.backward()
            optimizer.step()
            loss.item()  # a real loop logs the loss; skorch does too
        durations.append(time.perf_counter() - start)
        if on_epoch_end is not None:
            on_epoch_end(durations[-1])
    return module, durations


def cross_validate_over_seeds(
    make, seeds, X, y, n_jobs, standardized=True, scale_codes=False, max_iter=5000
):
    """5-fold CV of a reducer per seed in front of LogisticRegression.

    With `standardized` a StandardScaler comes first, with `scale_codes`
    another after the reducer. Returns ``({"mean", "per_seed"}, every fitted
    pipeline)``.
    """
    scores, fits = [], []
    for seed in seeds:
        steps = [StandardScaler()] if standardized else []
        steps.append(make(seed))
        if scale_codes:
            steps.append(StandardScaler())
        pipeline = make_pipeline(*steps, LogisticRegression(max_iter=max_iter))
        run = cross_validate(pipeline, X, y, cv=5, n_jobs=n_jobs, return_estimator=True)
        scores.append(float(run["test_score"].mean()))
        fits.extend(run["estimator"])
    return {"mean": float(np.mean(scores)), "per_seed": scores}, fits
