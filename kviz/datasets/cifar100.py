"""CIFAR-100: 50,000 training and 10,000 test 32x32 colour images, 100 fine / 20 coarse classes.

``load_data(label_mode='fine')`` downloads ``https://www.cs.toronto.edu/~kriz/
cifar-100-python.tar.gz`` (sha256 ``85cd44d0…``) into ``$KERAS_HOME/datasets`` and extracts
it to ``cifar-100-python/`` (``train``, ``test``). ``label_mode='coarse'`` returns the 20
superclass labels. Shapes and dtypes are those of :mod:`kviz.datasets.cifar10`.
"""

from __future__ import annotations

import os

import numpy as np

from kviz import config
from kviz.datasets._files import get_file
from kviz.datasets.cifar import load_batch

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode="fine", cache_dir=None):
    """Keras's ``cifar100.load_data``: ``(x_train, y_train), (x_test, y_test)``."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError(
            f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode={label_mode}.'
        )
    path = get_file(
        "cifar-100-python", origin=ORIGIN, untar=True, file_hash=FILE_HASH, cache_dir=cache_dir
    )
    out = []
    for part in ("train", "test"):
        x, y = load_batch(os.path.join(path, part), label_key=label_mode + "_labels")
        y = np.reshape(np.asarray(y), (len(y), 1))
        if config.image_data_format() == "channels_last":
            x = x.transpose(0, 2, 3, 1)
        out.append((x, y))
    return tuple(out)
