"""Loaders for MNIST-format image data sets (IDX files).

Both loaders return ``(X, y)`` with ``X`` of shape ``(n_samples, 784)``, float32
pixels scaled to [0, 1], and ``y`` the integer labels.
"""

import gzip
from pathlib import Path

import numpy as np

__all__ = ["load_fashion_mnist", "load_idx", "load_mnist"]

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")

_IMAGES_MAGIC = 2051
_LABELS_MAGIC = 2049
_SUBSETS = ("train", "test")


def load_idx(path, *, expected_magic=None):
    """Read one IDX file (optionally gzip-compressed) into a numpy array.

    Parameters
    ----------
    path : str or path-like
        The file; a name ending in ``.gz`` is decompressed.

    expected_magic : int, default=None
        The magic number the file must start with: 2051 for images, 2049 for
        labels. ``None`` accepts any unsigned-byte IDX file.

    Returns
    -------
    data : ndarray of uint8
        The array, with the shape the file declares.

    Raises
    ------
    ValueError
        When the file is not an unsigned-byte IDX file, has another magic
        number than expected, or is truncated or too long.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as file:
            raw = file.read()
    except (OSError, EOFError) as exc:
        raise ValueError(f"{path} could not be read as an IDX file: {exc}") from exc
    if len(raw) < 4:
        raise ValueError(f"{path} is too short ({len(raw)} bytes) to be an IDX file.")
    magic = int.from_bytes(raw[:4], "big")
    n_dims = raw[3]
    if raw[:3] != b"\x00\x00\x08" or n_dims == 0:
        raise ValueError(
            f"{path} is not an unsigned-byte IDX file (magic number {magic}); "
            "expected 2051 for images or 2049 for labels."
        )
    if expected_magic is not None and magic != expected_magic:
        raise ValueError(
            f"{path} has magic number {magic}, expected {expected_magic}: "
            "images and labels files may be swapped."
        )
    header = 4 + 4 * n_dims
    if len(raw) < header:
        raise ValueError(f"{path} is truncated: its header is incomplete.")
    shape = tuple(
        int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims)
    )
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        state = "truncated" if len(raw) < expected else "longer than its header says"
        raise ValueError(
            f"{path} is {state}: shape {shape} needs {expected} bytes, "
            f"the file has {len(raw)}."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _find(directory, stems):
    """First existing file among ``stems`` (each with or without ``.gz``)."""
    tried = []
    for stem in stems:
        for name in (stem, stem + ".gz"):
            path = Path(directory) / name
            tried.append(str(path))
            if path.is_file():
                return path, tried
    return None, tried


def _load_from_directory(directory, prefixes):
    """Load images and labels with the first prefix found, or return what was tried."""
    images, tried = _find(directory, [f"{p}-images-idx3-ubyte" for p in prefixes])
    if images is None:
        return None, tried
    prefix = images.name.split("-images")[0]
    labels, tried_labels = _find(directory, [f"{prefix}-labels-idx1-ubyte"])
    if labels is None:
        raise FileNotFoundError(
            f"Found {images} but no labels next to it; tried {tried_labels}."
        )
    pixels = load_idx(images, expected_magic=_IMAGES_MAGIC)
    y = load_idx(labels, expected_magic=_LABELS_MAGIC).astype(np.int64)
    if len(pixels) != len(y):
        raise ValueError(
            f"{images} holds {len(pixels)} images but {labels} holds {len(y)} labels."
        )
    return (_scale(pixels.reshape(len(pixels), -1)), y), tried


def _scale(pixels):
    X = pixels.astype(np.float32)
    X /= 255
    return X


def _check_subset(subset):
    if subset not in _SUBSETS:
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}.")


def load_mnist(data_dir=None, *, subset="train"):
    """Load MNIST digits from IDX files, or from OpenML when none are found.

    Parameters
    ----------
    data_dir : str or path-like, default=None
        Folder with the IDX files (``train-images-idx3-ubyte[.gz]``,
        ``t10k-images-idx3-ubyte[.gz]`` and their ``-labels-idx1-ubyte``
        files). For the training set, ``train10k-*`` files (a 10,000-image
        subset) are used when the full files are absent. When ``None`` or when
        no files are found there, the data set ``mnist_784`` is fetched with
        :func:`sklearn.datasets.fetch_openml` (cached in scikit-learn's data
        home, so it needs the network only once).

    subset : {'train', 'test'}, default='train'
        The 60,000 training images (first 60,000 rows on OpenML) or the 10,000
        test images.

    Returns
    -------
    X : ndarray of shape (n_samples, 784), dtype float32
        Pixels scaled to [0, 1].

    y : ndarray of shape (n_samples,), dtype int64
        Digit labels.
    """
    _check_subset(subset)
    prefixes = ["train", "train10k"] if subset == "train" else ["t10k"]
    tried = []
    if data_dir is not None:
        data, tried = _load_from_directory(data_dir, prefixes)
        if data is not None:
            return data
    try:
        return _fetch_openml_mnist(subset)
    except Exception as exc:
        tried.append(f"fetch_openml('mnist_784') failed: {exc}")
        raise FileNotFoundError(
            "MNIST could not be loaded. Tried:\n  "
            + "\n  ".join(tried)
            + "\nPass data_dir=... pointing at a folder with the IDX files "
            "(train-images-idx3-ubyte.gz, t10k-images-idx3-ubyte.gz and their "
            "labels), or run once with network access to cache it from OpenML."
        ) from exc


def _fetch_openml_mnist(subset):
    from sklearn.datasets import fetch_openml

    X, y = fetch_openml("mnist_784", version=1, return_X_y=True, as_frame=False)
    rows = slice(0, 60000) if subset == "train" else slice(60000, None)
    return _scale(np.asarray(X[rows], dtype=np.uint8)), y[rows].astype(np.int64)


def load_fashion_mnist(data_dir=None, *, subset="train"):
    """Load Fashion-MNIST from IDX files.

    Parameters
    ----------
    data_dir : str or path-like, default=None
        Folder with the IDX files under their official names. ``None`` means
        ``/usr/share/datasets/fashion-mnist``, where Debian's package
        ``dataset-fashion-mnist`` installs them.

    subset : {'train', 'test'}, default='train'
        The 60,000 training images or the 10,000 test images.

    Returns
    -------
    X : ndarray of shape (n_samples, 784), dtype float32
        Pixels scaled to [0, 1].

    y : ndarray of shape (n_samples,), dtype int64
        Labels of the 10 clothing classes.
    """
    _check_subset(subset)
    directory = FASHION_MNIST_DIR if data_dir is None else Path(data_dir)
    data, tried = _load_from_directory(
        directory, ["train" if subset == "train" else "t10k"]
    )
    if data is None:
        raise FileNotFoundError(
            "Fashion-MNIST files not found. Tried:\n  "
            + "\n  ".join(tried)
            + "\nInstall them with `apt-get install dataset-fashion-mnist` (Debian) "
            "or pass data_dir=... pointing at a folder with the official files."
        )
    return data
