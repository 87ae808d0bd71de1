"""CIFAR-10: 50,000 training and 10,000 test colour images of 32x32 pixels, 10 classes.

``load_data`` downloads ``https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz`` (sha256
``6d958be0…``) into ``$KERAS_HOME/datasets`` as ``cifar-10-batches-py.tar.gz`` (Keras's
name for it) and extracts it to ``cifar-10-batches-py/``
(``data_batch_1`` … ``data_batch_5``, ``test_batch``). Returns ``x`` as uint8
``(n, 32, 32, 3)`` (``(n, 3, 32, 32)`` when ``image_data_format()`` is channels_first) and
``y`` as uint8 ``(n, 1)``. Unlike Keras, the number of images is read from the batch files
instead of being fixed at 50,000, so smaller files in the same format load too.
"""

from __future__ import annotations

import os

import numpy as np

from kviz import config
from kviz.datasets._files import get_file
from kviz.datasets.cifar import load_batch

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data(cache_dir=None):
    """Keras's ``cifar10.load_data``: ``(x_train, y_train), (x_test, y_test)``."""
    path = get_file(
        "cifar-10-batches-py", origin=ORIGIN, untar=True, file_hash=FILE_HASH, cache_dir=cache_dir
    )
    xs, ys = [], []
    for i in range(1, 6):
        data, labels = load_batch(os.path.join(path, f"data_batch_{i}"))
        xs.append(data.astype("uint8"))
        ys.append(np.asarray(labels, dtype="uint8"))
    x_train, y_train = np.concatenate(xs), np.concatenate(ys)
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    x_test, y_test = x_test.astype("uint8"), np.asarray(y_test, dtype="uint8")
    y_train = y_train.reshape(len(y_train), 1)
    y_test = y_test.reshape(len(y_test), 1)
    if config.image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
