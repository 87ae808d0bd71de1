"""Shared word-index logic of the IMDB and Reuters loaders (Keras 2 rules)."""

from __future__ import annotations

import numpy as np


def remove_long_seq(maxlen, seqs, labels):
    """Keep the pairs whose sequence is strictly shorter than ``maxlen`` (as Keras does)."""
    kept = [(x, y) for x, y in zip(seqs, labels, strict=True) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def shift(xs, start_char, index_from):
    """Lists of ints with ``index_from`` added to every id and ``start_char`` prepended."""
    if start_char is not None:
        xs = [[start_char] + [int(w) + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[int(w) + index_from for w in x] for x in xs]
    else:
        xs = [[int(w) for w in x] for x in xs]
    return xs


def limit_vocabulary(xs, num_words, skip_top, oov_char):
    """Map ids outside ``skip_top <= w < num_words`` to ``oov_char`` (or drop them if None).

    With ``num_words=None`` the bound is the largest id present, so, as in Keras, that one id
    itself counts as out of vocabulary.
    """
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def object_array(seqs) -> np.ndarray:
    """A 1-D object array of lists (``np.array`` would make a 2-D array for equal lengths)."""
    out = np.empty(len(seqs), dtype=object)
    for i, s in enumerate(seqs):
        out[i] = s
    return out


def legacy_num_words(num_words, kwargs, where):
    """Accept Keras 1's ``nb_words``; reject any other unknown keyword."""
    if "nb_words" in kwargs:
        import warnings

        warnings.warn(
            f"The `nb_words` argument in `{where}` has been renamed `num_words`.", stacklevel=3
        )
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
    return num_words
