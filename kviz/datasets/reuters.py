"""Reuters newswire topics: 11,228 wires labelled with 46 topics, as word-id lists.

``load_data`` downloads Keras's ``reuters.npz`` (sha256 ``d6586e69…``) into
``$KERAS_HOME/datasets``, shuffles with ``seed``, applies the same ``start_char`` /
``index_from`` / ``maxlen`` / ``num_words`` / ``skip_top`` / ``oov_char`` rules as
:mod:`kviz.datasets.imdb`, and splits off the last ``test_split`` fraction as test data
(8,982 / 2,246 wires by default). ``get_word_index()`` reads ``reuters_word_index.json``;
``get_label_names()`` gives the 46 topic names.
"""

from __future__ import annotations

import json

import numpy as np

from kviz.datasets import _text
from kviz.datasets._files import get_file

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"

_LABEL_NAMES = (
    "cocoa grain veg-oil earn acq wheat copper housing money-supply coffee sugar trade "
    "reserves ship cotton carcass crude nat-gas cpi money-fx interest gnp meal-feed alum "
    "oilseed gold tin strategic-metal livestock retail ipi iron-steel rubber heat jobs lei "
    "bop zinc orange pet-chem dlr gas silver wpi hog lead"
).split()


def load_data(
    path="reuters.npz",
    num_words=None,
    skip_top=0,
    maxlen=None,
    test_split=0.2,
    seed=113,
    start_char=1,
    oov_char=2,
    index_from=3,
    cache_dir=None,
    **kwargs,
):
    """Keras's ``reuters.load_data``; ``nb_words`` is accepted as the Keras 1 name."""
    num_words = _text.legacy_num_words(num_words, kwargs, "reuters.load_data")
    path = get_file(
        path, origin=ORIGIN_FOLDER + "reuters.npz", file_hash=FILE_HASH, cache_dir=cache_dir
    )
    with np.load(path, allow_pickle=True) as f:
        xs, labels = f["x"], f["y"]

    rng = np.random.RandomState(seed)
    indices = np.arange(len(xs))
    rng.shuffle(indices)
    xs, labels = xs[indices], labels[indices]

    xs = _text.shift(xs, start_char, index_from)
    if maxlen:
        xs, labels = _text.remove_long_seq(maxlen, xs, labels)
    xs = _text.limit_vocabulary(xs, num_words, skip_top, oov_char)

    idx = int(len(xs) * (1 - test_split))
    x_train, y_train = _text.object_array(xs[:idx]), np.array(labels[:idx])
    x_test, y_test = _text.object_array(xs[idx:]), np.array(labels[idx:])
    return (x_train, y_train), (x_test, y_test)


def get_word_index(path="reuters_word_index.json", cache_dir=None):
    """The word -> rank dict of the Reuters vocabulary (ranks start at 1)."""
    path = get_file(
        path,
        origin=ORIGIN_FOLDER + "reuters_word_index.json",
        file_hash=WORD_INDEX_HASH,
        cache_dir=cache_dir,
    )
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def get_label_names():
    """The 46 topic names, indexed by label."""
    return tuple(_LABEL_NAMES)
