"""Small files in exactly the formats of Keras's dataset downloads, for loader tests.

* ``imdb.npz``: ``x_train``/``x_test`` object arrays of int lists (word ranks, 1 = most
  frequent), ``y_train``/``y_test`` int labels (``np.savez`` with pickled object arrays).
* ``reuters.npz``: ``x`` (object array of int lists) and ``y`` (int topics).
* ``boston_housing.npz``: ``x`` float64 ``(n, 13)``, ``y`` float64 ``(n,)``.
* CIFAR "python version" ``.tar.gz``: a folder of Python pickles (dicts with byte-string keys
  ``b'data'`` = uint8 ``(n, 3072)`` rows in CHW order, ``b'labels'`` or
  ``b'fine_labels'``/``b'coarse_labels'`` lists).
"""

from __future__ import annotations

import hashlib
import io
import pickle
import tarfile

import numpy as np


def sha256(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def _seqs(rng, n, vocab, min_len=1, max_len=30):
    out = np.empty(n, dtype=object)
    for i in range(n):
        out[i] = [int(w) for w in rng.integers(1, vocab, size=rng.integers(min_len, max_len))]
    return out


def write_imdb(path, n_train=40, n_test=30, vocab=60, seed=0):
    rng = np.random.default_rng(seed)
    np.savez(
        path,
        x_train=_seqs(rng, n_train, vocab),
        y_train=rng.integers(0, 2, n_train),
        x_test=_seqs(rng, n_test, vocab),
        y_test=rng.integers(0, 2, n_test),
    )
    return path


def write_reuters(path, n=50, vocab=80, seed=1):
    rng = np.random.default_rng(seed)
    np.savez(path, x=_seqs(rng, n, vocab), y=rng.integers(0, 46, n))
    return path


def write_boston(path, n=30, seed=2):
    rng = np.random.default_rng(seed)
    np.savez(path, x=rng.normal(size=(n, 13)) * 10, y=rng.uniform(5, 50, n))
    return path


def _add(tar, name, obj):
    data = pickle.dumps(obj, protocol=2)
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _images(rng, n):
    return rng.integers(0, 256, size=(n, 3 * 32 * 32), dtype=np.uint8)


def write_cifar10(path, per_batch=6, n_test=5, seed=3, fill=None):
    """``cifar-10-python.tar.gz`` with 5 training batches; ``fill`` makes cheap big files."""
    rng = np.random.default_rng(seed)
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        for name, n in [(f"data_batch_{i}", per_batch) for i in range(1, 6)] + [
            ("test_batch", n_test)
        ]:
            data = _images(rng, n) if fill is None else fill(rng, n)
            labels = [int(v) for v in rng.integers(0, 10, n)]
            _add(tar, f"cifar-10-batches-py/{name}", {b"data": data, b"labels": labels})
    return path


def write_cifar100(path, n_train=12, n_test=7, seed=4):
    rng = np.random.default_rng(seed)
    with tarfile.open(path, "w:gz") as tar:
        for name, n in (("train", n_train), ("test", n_test)):
            d = {
                b"data": _images(rng, n),
                b"fine_labels": [int(v) for v in rng.integers(0, 100, n)],
                b"coarse_labels": [int(v) for v in rng.integers(0, 20, n)],
            }
            _add(tar, f"cifar-100-python/{name}", d)
    return path
