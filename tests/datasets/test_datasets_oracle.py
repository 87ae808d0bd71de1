"""kviz.datasets against tf-keras 2.21's loaders on the same files: the real Fashion-MNIST and
IMDB word index, and synthetic files in Keras's formats (tf-keras's hash check is bypassed
for those, since their hashes cannot be Keras's)."""

from __future__ import annotations

import os

import numpy as np
import pytest
import synthetic_keras_files as sk

from kviz.datasets import boston_housing, cifar10, cifar100, fashion_mnist, imdb, reuters

pytestmark = pytest.mark.keras_oracle


@pytest.fixture(scope="module")
def tk():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
    return pytest.importorskip("tf_keras")


@pytest.fixture
def tk_no_hash(tk, monkeypatch):
    """tf-keras with its file-hash check disabled (for synthetic files)."""
    from tf_keras.src.utils import data_utils

    monkeypatch.setattr(data_utils, "validate_file", lambda *a, **k: True)
    return tk


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    return tmp_path


def _same(a, b):
    (ka, kb) = a, b
    for x, y in zip(ka, kb, strict=True):
        for u, v in zip(x, y, strict=True):
            assert u.shape == v.shape and u.dtype == v.dtype
            if u.dtype == object:
                assert [list(s) for s in u] == [list(s) for s in v]
            else:
                np.testing.assert_array_equal(u, v)


def test_fashion_mnist_equals_tf_keras(tk, keras_datasets_dir):
    if not (keras_datasets_dir / "datasets" / "fashion-mnist").is_dir():
        pytest.skip("Fashion-MNIST copy not available")
    want = tk.datasets.fashion_mnist.load_data(cache_dir=str(keras_datasets_dir))
    _same(fashion_mnist.load_data(), want)


def test_imdb_word_index_equals_tf_keras(tk, keras_datasets_dir):
    path = keras_datasets_dir / "datasets" / "imdb_word_index.json"
    if not path.exists():
        pytest.skip("IMDB word index copy not available")
    assert imdb.get_word_index() == tk.datasets.imdb.get_word_index(path=str(path))


IMDB_ARGS = [
    {},
    {"num_words": 20},
    {"num_words": 25, "skip_top": 4, "maxlen": 18},
    # (index_from=0 with start_char=None crashes in tf-keras: it adds two numpy arrays)
    {"seed": 7, "start_char": None, "oov_char": None, "index_from": 1, "num_words": 30},
    {"start_char": 5, "oov_char": 9, "index_from": 10, "maxlen": 25},
    {"nb_words": 15},
]


@pytest.mark.parametrize("kwargs", IMDB_ARGS, ids=lambda k: ",".join(k) or "defaults")
def test_imdb_equals_tf_keras(tk_no_hash, cache, monkeypatch, kwargs):
    path = sk.write_imdb(cache / "datasets" / "imdb.npz")
    monkeypatch.setattr(imdb, "FILE_HASH", sk.sha256(path))
    want = tk_no_hash.datasets.imdb.load_data(cache_dir=str(cache), **kwargs)
    if "nb_words" in kwargs:
        with pytest.warns(UserWarning):
            got = imdb.load_data(**kwargs)
    else:
        got = imdb.load_data(**kwargs)
    _same(got, want)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"num_words": 30, "skip_top": 3}, {"maxlen": 15, "test_split": 0.3}, {"seed": 3}],
    ids=lambda k: ",".join(k) or "defaults",
)
def test_reuters_equals_tf_keras(tk_no_hash, cache, monkeypatch, kwargs):
    path = sk.write_reuters(cache / "datasets" / "reuters.npz")
    monkeypatch.setattr(reuters, "FILE_HASH", sk.sha256(path))
    want = tk_no_hash.datasets.reuters.load_data(cache_dir=str(cache), **kwargs)
    _same(reuters.load_data(**kwargs), want)
    assert reuters.get_label_names() == tk_no_hash.datasets.reuters.get_label_names()


@pytest.mark.parametrize("kwargs", [{}, {"test_split": 0.5, "seed": 1}])
def test_boston_housing_equals_tf_keras(tk_no_hash, cache, monkeypatch, kwargs):
    path = sk.write_boston(cache / "datasets" / "boston_housing.npz")
    monkeypatch.setattr(boston_housing, "FILE_HASH", sk.sha256(path))
    want = tk_no_hash.datasets.boston_housing.load_data(cache_dir=str(cache), **kwargs)
    _same(boston_housing.load_data(**kwargs), want)


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100_equals_tf_keras(tk_no_hash, cache, monkeypatch, label_mode):
    path = sk.write_cifar100(cache / "datasets" / "cifar-100-python.tar.gz")
    monkeypatch.setattr(cifar100, "FILE_HASH", sk.sha256(path))
    want = tk_no_hash.datasets.cifar100.load_data(label_mode=label_mode, cache_dir=str(cache))
    _same(cifar100.load_data(label_mode=label_mode), want)


def _cheap_images(rng, n):
    """Full-size CIFAR batches that compress well: a per-image value plus a few random bytes."""
    data = np.repeat(rng.integers(0, 256, size=(n, 1), dtype=np.uint8), 3072, axis=1)
    data[:, :16] = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    return data


@pytest.mark.slow
def test_cifar10_equals_tf_keras(tk_no_hash, cache, monkeypatch):
    # tf-keras hard-codes 50,000 training images (5 batches of 10,000)
    path = sk.write_cifar10(
        cache / "datasets" / "cifar-10-batches-py.tar.gz",
        per_batch=10000,
        n_test=10000,
        fill=_cheap_images,
    )
    monkeypatch.setattr(cifar10, "FILE_HASH", sk.sha256(path))
    want = tk_no_hash.datasets.cifar10.load_data(cache_dir=str(cache))
    _same(cifar10.load_data(), want)
