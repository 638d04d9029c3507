import gzip
import struct

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skae import datasets
from skae.datasets import load_fashion_mnist, load_idx, load_mnist

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
LABELS = np.array([3, 1, 4, 1, 5], dtype=np.uint8)


def _idx_bytes(array, magic):
    header = struct.pack(">I", magic) + b"".join(
        struct.pack(">I", d) for d in array.shape
    )
    return header + array.tobytes()


def _write(path, array, magic, compress):
    data = _idx_bytes(array, magic)
    if compress:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def _write_set(directory, prefix, compress=True, images=IMAGES, labels=LABELS):
    _write(directory / f"{prefix}-images-idx3-ubyte", images, 2051, compress)
    _write(directory / f"{prefix}-labels-idx1-ubyte", labels, 2049, compress)


@pytest.mark.parametrize("compress", [True, False])
def test_load_mnist_reads_idx_files_scaled_to_unit_range(tmp_path, compress):
    _write_set(tmp_path, "t10k", compress)
    X, y = load_mnist(tmp_path, subset="test")
    assert X.shape == (5, 784) and X.dtype == np.float32
    assert_array_equal(X, IMAGES.reshape(5, -1) / np.float32(255))
    assert_array_equal(y, LABELS)
    assert y.dtype == np.int64


def test_load_mnist_prefers_the_full_training_set_over_train10k(tmp_path):
    _write_set(tmp_path, "train10k", images=IMAGES[:2], labels=LABELS[:2])
    assert len(load_mnist(tmp_path)[0]) == 2
    _write_set(tmp_path, "train")
    assert len(load_mnist(tmp_path)[0]) == 5


def test_load_fashion_mnist_reads_its_default_folder(tmp_path, monkeypatch):
    _write_set(tmp_path, "train")
    monkeypatch.setattr(datasets, "FASHION_MNIST_DIR", tmp_path)
    X, y = load_fashion_mnist()
    assert X.shape == (5, 784)
    assert_array_equal(y, LABELS)


def test_load_fashion_mnist_without_files_says_how_to_get_them(tmp_path):
    with pytest.raises(
        FileNotFoundError,
        match="(?s)t10k-images-idx3-ubyte.gz.*apt-get install dataset-fashion-mnist",
    ):
        load_fashion_mnist(tmp_path, subset="test")


def test_load_mnist_falls_back_to_openml(tmp_path, monkeypatch):
    calls = []

    def fake_fetch(subset):
        calls.append(subset)
        return np.zeros((1, 784), np.float32), np.zeros(1, np.int64)

    monkeypatch.setattr(datasets, "_fetch_openml_mnist", fake_fetch)
    load_mnist(tmp_path, subset="test")
    assert calls == ["test"]


def test_load_mnist_error_lists_what_was_tried(tmp_path, monkeypatch):
    def offline(subset):
        raise OSError("network unreachable")

    monkeypatch.setattr(datasets, "_fetch_openml_mnist", offline)
    with pytest.raises(
        FileNotFoundError,
        match="(?s)train10k-images-idx3-ubyte.gz.*network unreachable.*data_dir",
    ):
        load_mnist(tmp_path)


def test_truncated_file_is_rejected(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(_idx_bytes(IMAGES, 2051)[:-10])
    with pytest.raises(
        ValueError, match=r"is truncated: shape \(5, 28, 28\) needs 3936 bytes"
    ):
        load_idx(path)


def test_truncated_gzip_is_rejected(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(_idx_bytes(IMAGES, 2051))[:-20])
    with pytest.raises(ValueError, match="could not be read as an IDX file"):
        load_idx(path)


def test_swapped_files_are_rejected(tmp_path):
    _write(tmp_path / "t10k-images-idx3-ubyte", LABELS, 2049, False)
    _write(tmp_path / "t10k-labels-idx1-ubyte", IMAGES, 2051, False)
    with pytest.raises(ValueError, match="has magic number 2049, expected 2051"):
        load_mnist(tmp_path, subset="test")


def test_non_idx_file_is_rejected(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(b"<html>not found</html>")
    with pytest.raises(ValueError, match="not an unsigned-byte IDX file"):
        load_idx(path)


def test_mismatched_image_and_label_counts_are_rejected(tmp_path):
    _write_set(tmp_path, "t10k", labels=LABELS[:3])
    with pytest.raises(ValueError, match="holds 5 images but .* holds 3 labels"):
        load_mnist(tmp_path, subset="test")


def test_missing_labels_are_reported(tmp_path):
    _write(tmp_path / "t10k-images-idx3-ubyte", IMAGES, 2051, True)
    with pytest.raises(FileNotFoundError, match="but no labels next to it"):
        load_mnist(tmp_path, subset="test")


def test_unknown_subset_is_rejected():
    with pytest.raises(ValueError, match="subset must be 'train' or 'test', got 'val'"):
        load_mnist(subset="val")
