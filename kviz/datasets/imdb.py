"""IMDB movie-review sentiment: 25,000 training and 25,000 test reviews as word-id lists.

``load_data`` downloads Keras's ``imdb.npz`` (``https://storage.googleapis.com/tensorflow/
tf-keras-datasets/imdb.npz``, sha256 ``69664113…``) into ``$KERAS_HOME/datasets`` and applies
Keras 2's rules: shuffle with ``seed`` (numpy ``RandomState``), prepend ``start_char``, add
``index_from`` to every id, drop sequences of length >= ``maxlen``, and replace ids outside
``skip_top <= id < num_words`` with ``oov_char`` (or drop them when ``oov_char=None``).
Returns ``(x_train, y_train), (x_test, y_test)``: 1-D object arrays of int lists, int labels.

``get_word_index()`` returns the ``{'the': 1, ...}`` dict of ``imdb_word_index.json``; the ids
in the data are these ranks plus ``index_from``.
"""

from __future__ import annotations

import json

import numpy as np

from kviz.datasets import _text
from kviz.datasets._files import get_file

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(
    path="imdb.npz",
    num_words=None,
    skip_top=0,
    maxlen=None,
    seed=113,
    start_char=1,
    oov_char=2,
    index_from=3,
    cache_dir=None,
    **kwargs,
):
    """Keras's ``imdb.load_data``; ``nb_words`` is accepted as the Keras 1 name of num_words."""
    num_words = _text.legacy_num_words(num_words, kwargs, "imdb.load_data")
    path = get_file(
        path, origin=ORIGIN_FOLDER + "imdb.npz", file_hash=FILE_HASH, cache_dir=cache_dir
    )
    with np.load(path, allow_pickle=True) as f:
        x_train, labels_train = f["x_train"], f["y_train"]
        x_test, labels_test = f["x_test"], f["y_test"]

    rng = np.random.RandomState(seed)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train, labels_train = x_train[indices], labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test, labels_test = x_test[indices], labels_test[indices]

    x_train = _text.shift(x_train, start_char, index_from)
    x_test = _text.shift(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = _text.remove_long_seq(maxlen, x_train, labels_train)
        x_test, labels_test = _text.remove_long_seq(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(
                f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was "
                "kept. Increase maxlen."
            )
    xs = _text.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([np.asarray(labels_train), np.asarray(labels_test)])
    idx = len(x_train)
    return (_text.object_array(xs[:idx]), labels[:idx]), (
        _text.object_array(xs[idx:]),
        labels[idx:],
    )


def get_word_index(path="imdb_word_index.json", cache_dir=None):
    """The word -> rank dict (``'the': 1``); ranks start at 1, data ids add ``index_from``."""
    path = get_file(
        path,
        origin=ORIGIN_FOLDER + "imdb_word_index.json",
        file_hash=WORD_INDEX_HASH,
        cache_dir=cache_dir,
    )
    with open(path, encoding="utf-8") as f:
        return json.load(f)
