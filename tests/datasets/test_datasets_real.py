"""The real offline dataset copies (../shared/data) through the ``keras_datasets_dir`` fixture:
Fashion-MNIST, MNIST from LeCun's IDX files, the IMDB word index."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil

import numpy as np
import pytest

from kviz.datasets import fashion_mnist, imdb, mnist

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def _sha(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def _check_mnist_like(data):
    (x_train, y_train), (x_test, y_test) = data
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    for a in (x_train, y_train, x_test, y_test):
        assert a.dtype == np.uint8
    return (x_train, y_train), (x_test, y_test)


def test_fashion_mnist(keras_datasets_dir):
    if not (keras_datasets_dir / "datasets" / "fashion-mnist").is_dir():
        pytest.skip("Fashion-MNIST copy not available")
    (x_train, y_train), (x_test, y_test) = _check_mnist_like(fashion_mnist.load_data())
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert int(x_train.max()) == 255 and int(x_train.min()) == 0
    assert int(x_train[0].sum()) == 76247
    assert _sha(x_train[0]) == "5bd44e331a6d6998daf675700cd0c13dcd7af8ab954b7585124124da61459e7b"
    assert y_train[0] == 9  # an ankle boot
    assert fashion_mnist.CLASS_NAMES[9] == "Ankle boot"


def test_mnist_from_lecun_idx_files(keras_datasets_dir):
    if not (keras_datasets_dir / "datasets" / "mnist-idx").is_dir():
        pytest.skip("MNIST IDX copy not available")
    assert not (keras_datasets_dir / "datasets" / "mnist.npz").exists()
    (x_train, y_train), (x_test, y_test) = _check_mnist_like(mnist.load_data())
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == MNIST_TEST_COUNTS
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:5].tolist() == [7, 2, 1, 0, 4]
    assert int(x_train[0].sum()) == 27525
    assert _sha(x_train[0]) == "23ceaef5eb61f0e70d64ac18fdf0f60df3d5971cf30bbadac7b6ebf07f782d2c"
    assert (
        mnist.verify_arrays(
            {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
        )
        == []
    )


def test_mnist_idx_uncompressed_names_and_resaved_npz(keras_datasets_dir, tmp_path, monkeypatch):
    src = keras_datasets_dir / "datasets" / "mnist-idx"
    if not src.is_dir():
        pytest.skip("MNIST IDX copy not available")
    home = tmp_path / "plain"
    dst = home / "datasets" / "mnist-idx"
    dst.mkdir(parents=True)
    # uncompressed, with the spelling of LeCun's web site (train-images-idx3-ubyte)
    for f in sorted(src.iterdir()):
        name = f.name[: -len(".gz")].replace(".idx", "-idx")
        with gzip.open(f, "rb") as fin, open(dst / name, "wb") as fout:
            shutil.copyfileobj(fin, fout)
    monkeypatch.setenv("KERAS_HOME", str(home))
    (x_train, y_train), (x_test, y_test) = _check_mnist_like(mnist.load_data())
    # an mnist.npz re-saved from the arrays: not Keras's file hash, accepted by content
    shutil.rmtree(dst)
    np.savez_compressed(
        home / "datasets" / "mnist.npz",
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
    )
    (x2, _), (_, y2) = mnist.load_data()
    np.testing.assert_array_equal(x2, x_train)
    np.testing.assert_array_equal(y2, y_test)


def test_mnist_rejects_altered_idx_file(keras_datasets_dir, tmp_path, monkeypatch):
    src = keras_datasets_dir / "datasets" / "mnist-idx"
    if not src.is_dir():
        pytest.skip("MNIST IDX copy not available")
    dst = tmp_path / "h" / "datasets" / "mnist-idx"
    dst.mkdir(parents=True)
    for f in src.iterdir():
        (dst / f.name).symlink_to(os.path.realpath(f))
    labels = gzip.open(src / "t10k-labels.idx1-ubyte.gz").read()
    (dst / "t10k-labels.idx1-ubyte.gz").unlink()
    (dst / "t10k-labels.idx1-ubyte").write_bytes(labels[:-1] + bytes([(labels[-1] + 1) % 10]))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "h"))
    with pytest.raises(ValueError, match="not the original MNIST file"):
        mnist.load_data()


def test_imdb_word_index(keras_datasets_dir):
    if not (keras_datasets_dir / "datasets" / "imdb_word_index.json").exists():
        pytest.skip("IMDB word index copy not available")
    index = imdb.get_word_index()
    assert len(index) == 88584
    assert index["the"] == 1 and index["and"] == 2
    assert sorted(index.values()) == list(range(1, 88585))
