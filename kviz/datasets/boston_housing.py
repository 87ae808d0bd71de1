"""Boston housing prices: 506 samples of 13 features, target in thousands of dollars.

``load_data`` downloads Keras's ``boston_housing.npz`` (sha256 ``f553886a…``) into
``$KERAS_HOME/datasets``, shuffles with ``seed`` and splits off the last ``test_split``
fraction: ``(404, 13)`` / ``(102, 13)`` float64 features and ``(404,)`` / ``(102,)`` targets.
"""

from __future__ import annotations

import numpy as np

from kviz.datasets._files import get_file

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113, cache_dir=None):
    """Keras's ``boston_housing.load_data``."""
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1); got {test_split}")
    path = get_file(
        path,
        origin=ORIGIN_FOLDER + "boston_housing.npz",
        file_hash=FILE_HASH,
        cache_dir=cache_dir,
    )
    with np.load(path, allow_pickle=True) as f:
        x, y = f["x"], f["y"]
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x))
    rng.shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
