"""kviz.datasets loaders on small synthetic files in Keras's exact formats, and their offline
errors (empty KERAS_HOME, urlopen raising URLError)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import numpy as np
import pytest
import synthetic_keras_files as sk

from kviz import config
from kviz.datasets import (
    DownloadError,
    boston_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)


@pytest.fixture
def home(tmp_path, monkeypatch):
    d = tmp_path / "keras_home"
    (d / "datasets").mkdir(parents=True)
    monkeypatch.setenv("KERAS_HOME", str(d))
    return d


@pytest.fixture
def offline(monkeypatch):
    calls = []

    def fail(url, timeout=None):
        calls.append(url)
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", fail)
    return calls


# ----------------------------------------------------------------------------- imdb


def _imdb(home, monkeypatch, **kw):
    path = sk.write_imdb(home / "datasets" / "imdb.npz", **kw)
    monkeypatch.setattr(imdb, "FILE_HASH", sk.sha256(path))
    with np.load(path, allow_pickle=True) as f:
        return {k: f[k] for k in f.files}


def test_imdb_defaults(home, monkeypatch):
    raw = _imdb(home, monkeypatch)
    (x_train, y_train), (x_test, y_test) = imdb.load_data()
    assert x_train.dtype == object and x_train.ndim == 1 and len(x_train) == 40
    assert len(x_test) == 30 and y_train.shape == (40,) and y_test.shape == (30,)
    rng = np.random.RandomState(113)
    tr, te = np.arange(40), np.arange(30)
    rng.shuffle(tr)
    rng.shuffle(te)
    np.testing.assert_array_equal(y_train, raw["y_train"][tr])
    np.testing.assert_array_equal(y_test, raw["y_test"][te])
    top = max(max(s) for s in list(raw["x_train"]) + list(raw["x_test"])) + 3
    for got, src in [(x_train[0], raw["x_train"][tr[0]]), (x_test[5], raw["x_test"][te[5]])]:
        want = [1] + [w + 3 if w + 3 < top else 2 for w in src]
        assert got == want


def test_imdb_num_words_skip_top_maxlen_and_options(home, monkeypatch):
    raw = _imdb(home, monkeypatch)
    (x_train, y_train), (x_test, _) = imdb.load_data(num_words=20, skip_top=5, maxlen=15)
    lengths = [len(s) for s in list(raw["x_train"]) + list(raw["x_test"])]
    kept = sum(n + 1 < 15 for n in lengths)
    assert len(x_train) + len(x_test) == kept and len(x_train) == len(y_train)
    for s in list(x_train) + list(x_test):
        assert len(s) < 15
        assert all(w == 2 or 5 <= w < 20 for w in s)
    # start_char=None, oov_char=None, index_from=0: ids unchanged, out-of-range ids dropped
    (x_train, _), _ = imdb.load_data(num_words=30, start_char=None, oov_char=None, index_from=0)
    tr = np.arange(40)
    np.random.RandomState(113).shuffle(tr)
    assert x_train[3] == [w for w in raw["x_train"][tr[3]] if w < 30]
    # another seed shuffles differently; nb_words is the Keras 1 name of num_words
    (a, _), _ = imdb.load_data(seed=1)
    (b, _), _ = imdb.load_data(seed=113)
    assert list(a) != list(b)
    with pytest.warns(UserWarning, match="num_words"):
        (c, _), _ = imdb.load_data(nb_words=20)
    assert list(c) == list(imdb.load_data(num_words=20)[0][0])
    with pytest.raises(TypeError, match="Unrecognized"):
        imdb.load_data(bogus=1)
    with pytest.raises(ValueError, match="maxlen=1"):
        imdb.load_data(maxlen=1)


def test_imdb_equal_lengths_still_one_dimensional(home, monkeypatch):
    path = home / "datasets" / "imdb.npz"
    seqs = np.empty(3, dtype=object)
    for i in range(3):
        seqs[i] = [1, 2, 3]
    np.savez(path, x_train=seqs, y_train=np.array([0, 1, 0]), x_test=seqs, y_test=np.zeros(3, int))
    monkeypatch.setattr(imdb, "FILE_HASH", sk.sha256(path))
    (x_train, _), _ = imdb.load_data()
    assert x_train.shape == (3,) and x_train[0] == [1, 4, 5, 2]


# ----------------------------------------------------------------------------- reuters


def test_reuters(home, monkeypatch):
    path = sk.write_reuters(home / "datasets" / "reuters.npz")
    monkeypatch.setattr(reuters, "FILE_HASH", sk.sha256(path))
    with np.load(path, allow_pickle=True) as f:
        xs, ys = f["x"], f["y"]
    (x_train, y_train), (x_test, y_test) = reuters.load_data()
    assert (len(x_train), len(x_test)) == (40, 10)
    order = np.arange(50)
    np.random.RandomState(113).shuffle(order)
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), ys[order])
    assert x_train[0][0] == 1 and x_train[0][1:] == [
        w + 3 if w + 3 < max(max(s) for s in xs) + 3 else 2 for w in xs[order[0]]
    ]
    (x_train, _), (x_test, _) = reuters.load_data(
        num_words=10, skip_top=4, test_split=0.5, maxlen=20
    )
    assert abs(len(x_train) - len(x_test)) <= 1
    assert all(w == 2 or 4 <= w < 10 for s in list(x_train) + list(x_test) for w in s)
    assert len(reuters.get_label_names()) == 46 and reuters.get_label_names()[3] == "earn"


# ----------------------------------------------------------------------------- boston


def test_boston_housing(home, monkeypatch):
    path = sk.write_boston(home / "datasets" / "boston_housing.npz")
    monkeypatch.setattr(boston_housing, "FILE_HASH", sk.sha256(path))
    with np.load(path) as f:
        x, y = f["x"], f["y"]
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data()
    assert x_train.shape == (24, 13) and x_test.shape == (6, 13) and x_train.dtype == np.float64
    order = np.arange(30)
    np.random.RandomState(113).shuffle(order)
    np.testing.assert_array_equal(np.concatenate([x_train, x_test]), x[order])
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), y[order])
    with pytest.raises(ValueError):
        boston_housing.load_data(test_split=1.0)


# ----------------------------------------------------------------------------- cifar


def test_cifar10(home, monkeypatch):
    path = sk.write_cifar10(home / "datasets" / "cifar-10-batches-py.tar.gz")
    monkeypatch.setattr(cifar10, "FILE_HASH", sk.sha256(path))
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (30, 32, 32, 3) and x_test.shape == (5, 32, 32, 3)
    assert y_train.shape == (30, 1) and y_test.shape == (5, 1)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype("uint8")}
    assert (home / "datasets" / "cifar-10-batches-py" / "data_batch_5").exists()
    # channel 0 of pixel (0, 1) of image 0 is byte 1 of the CHW row
    from kviz.datasets.cifar import load_batch

    data, labels = load_batch(home / "datasets" / "cifar-10-batches-py" / "data_batch_1")
    assert x_train[0, 0, 1, 0] == data[0, 0, 0, 1] and x_train[0, 2, 3, 2] == data[0, 2, 2, 3]
    assert y_train[:6, 0].tolist() == labels
    monkeypatch.setattr(config, "_IMAGE_DATA_FORMAT", "channels_first")
    (x_cf, _), _ = cifar10.load_data()
    assert x_cf.shape == (30, 3, 32, 32)
    np.testing.assert_array_equal(x_cf.transpose(0, 2, 3, 1), x_train)


@pytest.mark.parametrize("label_mode, top", [("fine", 100), ("coarse", 20)])
def test_cifar100(home, monkeypatch, label_mode, top):
    path = sk.write_cifar100(home / "datasets" / "cifar-100-python.tar.gz")
    monkeypatch.setattr(cifar100, "FILE_HASH", sk.sha256(path))
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode=label_mode)
    assert x_train.shape == (12, 32, 32, 3) and x_test.shape == (7, 32, 32, 3)
    assert x_train.dtype == np.uint8 and y_train.shape == (12, 1) and y_test.shape == (7, 1)
    assert y_train.max() < top
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")


# ----------------------------------------------------------------------------- offline


LOADERS = {
    "mnist": (lambda: mnist.load_data(), "mnist.npz", "tf-keras-datasets/mnist.npz"),
    "fashion_mnist": (
        lambda: fashion_mnist.load_data(),
        "fashion-mnist/train-labels-idx1-ubyte.gz",
        "tf-keras-datasets/train-labels-idx1-ubyte.gz",
    ),
    "imdb": (lambda: imdb.load_data(), "imdb.npz", "tf-keras-datasets/imdb.npz"),
    "imdb_word_index": (
        lambda: imdb.get_word_index(),
        "imdb_word_index.json",
        "tf-keras-datasets/imdb_word_index.json",
    ),
    "reuters": (lambda: reuters.load_data(), "reuters.npz", "tf-keras-datasets/reuters.npz"),
    "reuters_word_index": (
        lambda: reuters.get_word_index(),
        "reuters_word_index.json",
        "tf-keras-datasets/reuters_word_index.json",
    ),
    "cifar10": (
        lambda: cifar10.load_data(),
        "cifar-10-batches-py.tar.gz",
        "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    ),
    "cifar100": (
        lambda: cifar100.load_data(),
        "cifar-100-python.tar.gz",
        "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
    ),
    "boston_housing": (
        lambda: boston_housing.load_data(),
        "boston_housing.npz",
        "tf-keras-datasets/boston_housing.npz",
    ),
}


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_offline_error_names_url_and_path(home, offline, name):
    load, rel, url_part = LOADERS[name]
    t = time.perf_counter()
    with pytest.raises(DownloadError) as info:
        load()
    assert time.perf_counter() - t < 5
    msg = str(info.value)
    assert url_part in msg
    assert str(home / "datasets" / rel) in msg
    assert len(offline) == 1
    if name == "mnist":
        assert str(home / "datasets" / "mnist-idx") in msg and "train-images.idx3-ubyte" in msg
    assert not (home / "datasets" / rel).exists()
    if name.startswith("cifar"):
        assert "extracted folder" in msg
