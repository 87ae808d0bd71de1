"""Reading one batch file of the CIFAR "python version" archives (a pickled dict)."""

from __future__ import annotations

import pickle

import numpy as np


def load_batch(fpath, label_key="labels"):
    """``(data, labels)`` of one CIFAR batch: data ``(n, 3, 32, 32)`` uint8, labels a list.

    The files are Python 2 pickles with byte-string keys (``b'data'``, ``b'labels'``,
    ``b'fine_labels'``...); they are read with ``encoding='bytes'`` and the keys decoded.
    """
    with open(fpath, "rb") as f:
        d = pickle.load(f, encoding="bytes")
    d = {(k.decode("utf8") if isinstance(k, bytes) else k): v for k, v in d.items()}
    data = np.asarray(d["data"])
    labels = d[label_key]
    return data.reshape(data.shape[0], 3, 32, 32), labels
