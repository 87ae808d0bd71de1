"""Fashion-MNIST: 60,000 training and 10,000 test 28x28 grey images of clothes, 10 classes.

``load_data`` fetches Keras's four gzip IDX files (``train-labels-idx1-ubyte.gz``,
``train-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``
from ``https://storage.googleapis.com/tensorflow/tf-keras-datasets/``) into
``$KERAS_HOME/datasets/fashion-mnist/`` and decodes them. Returns ``x`` uint8
``(n, 28, 28)`` and ``y`` uint8 ``(n,)``. As in Keras, the files carry no hash check.

Class names: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag,
Ankle boot (:data:`CLASS_NAMES`).
"""

from __future__ import annotations

import gzip
import os

import numpy as np

from kviz.datasets._files import get_file

BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)
CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def _read(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_data(cache_dir=None):
    """Keras's ``fashion_mnist.load_data``: ``(x_train, y_train), (x_test, y_test)``."""
    dirname = os.path.join("datasets", "fashion-mnist")
    paths = [
        get_file(fname, origin=BASE + fname, cache_dir=cache_dir, cache_subdir=dirname)
        for fname in FILES
    ]
    y_train = _read(paths[0], 8)
    x_train = _read(paths[1], 16).reshape(len(y_train), 28, 28)
    y_test = _read(paths[2], 8)
    x_test = _read(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
