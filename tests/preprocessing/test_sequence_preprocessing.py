"""kviz.preprocessing.sequence: pad_sequences, TimeseriesGenerator, skipgrams, sampling table."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

import kviz
from kviz.engine.sequence import Sequence
from kviz.preprocessing.sequence import (
    TimeseriesGenerator,
    make_sampling_table,
    pad_sequences,
    skipgrams,
)


def test_pad_sequences_reference_examples():
    assert pad_sequences([[1, 2, 3], [4, 5]]).tolist() == [[1, 2, 3], [0, 4, 5]]
    assert pad_sequences([[6, 7, 8, 9, 10]], maxlen=4).tolist() == [[7, 8, 9, 10]]
    out = pad_sequences([[1, 2, 3], [4, 5]])
    assert out.dtype == np.int32
    assert kviz.utils.pad_sequences is pad_sequences


@pytest.mark.parametrize(
    "padding, truncating, expected",
    [
        ("pre", "pre", [[0, 0, 1], [3, 4, 5]]),
        ("post", "pre", [[1, 0, 0], [3, 4, 5]]),
        ("pre", "post", [[0, 0, 1], [2, 3, 4]]),
        ("post", "post", [[1, 0, 0], [2, 3, 4]]),
    ],
)
def test_pad_sequences_padding_truncating(padding, truncating, expected):
    out = pad_sequences([[1], [2, 3, 4, 5]], maxlen=3, padding=padding, truncating=truncating)
    assert out.tolist() == expected


def test_pad_sequences_value_dtype_empty_and_nd():
    out = pad_sequences([[0.5], []], maxlen=2, dtype="float32", value=-1.0)
    np.testing.assert_array_equal(out, [[-1.0, 0.5], [-1.0, -1.0]])
    nd = pad_sequences([np.ones((2, 3)), np.ones((1, 3)) * 2], maxlen=3)
    assert nd.shape == (2, 3, 3) and nd[1, 2].tolist() == [2, 2, 2] and nd[1, 0].sum() == 0
    strs = pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert strs.tolist() == [["a", "b"], ["<pad>", "c"]]
    assert pad_sequences([]).shape == (0, 0)


def test_pad_sequences_errors():
    with pytest.raises(ValueError, match="Padding type"):
        pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="Truncating type"):
        pad_sequences([[1]], truncating="middle")
    with pytest.raises(ValueError, match="non-iterable"):
        pad_sequences([1, 2])
    with pytest.raises(ValueError, match="dtype=object"):
        pad_sequences([[1]], value="x")
    with pytest.raises(ValueError, match="Shape of sample"):
        pad_sequences([np.ones((2, 3)), np.ones((2, 4))])


def test_timeseries_generator_batches():
    data = np.arange(50).reshape(25, 2)
    targets = np.arange(25) * 10
    gen = TimeseriesGenerator(data, targets, length=5, sampling_rate=2, batch_size=4)
    assert isinstance(gen, Sequence)
    assert len(gen) == 5  # rows 5..24 -> 20 windows in batches of 4
    x, y = gen[0]
    assert x.shape == (4, 3, 2) and y.tolist() == [50, 60, 70, 80]
    np.testing.assert_array_equal(x[0], data[[0, 2, 4]])
    x, y = gen[4]
    assert y.tolist() == [210, 220, 230, 240]
    rev = TimeseriesGenerator(data, targets, length=5, sampling_rate=2, batch_size=4, reverse=True)
    np.testing.assert_array_equal(rev[1][0], gen[1][0][:, ::-1])
    strided = TimeseriesGenerator(
        data, targets, length=3, stride=3, start_index=2, end_index=20, batch_size=2
    )
    assert strided[0][1].tolist() == [50, 80] and len(strided) == 3
    assert strided[2][1].tolist() == [170, 200]
    shuffled = TimeseriesGenerator(data, targets, length=5, shuffle=True, batch_size=7)
    x, y = shuffled[0]
    assert x.shape == (7, 5, 2) and all(50 <= v <= 240 for v in y)
    for row, t in zip(x, y, strict=True):
        np.testing.assert_array_equal(row, data[t // 10 - 5 : t // 10])


def test_timeseries_generator_errors_and_json():
    with pytest.raises(ValueError, match="same length"):
        TimeseriesGenerator(np.zeros(5), np.zeros(4), length=2)
    with pytest.raises(ValueError, match="start_index"):
        TimeseriesGenerator(np.zeros(5), np.zeros(5), length=10)
    gen = TimeseriesGenerator(np.arange(10), np.arange(10), length=3, batch_size=2)
    cfg = json.loads(gen.to_json())
    assert cfg["class_name"] == "TimeseriesGenerator"
    assert json.loads(cfg["config"]["data"]) == list(range(10))
    assert cfg["config"]["start_index"] == 3


def test_make_sampling_table():
    table = make_sampling_table(10)
    assert table.shape == (10,) and np.all((table > 0) & (table <= 1))
    assert np.all(np.diff(table[1:]) >= 0)  # frequent (low rank) words are kept less often
    f = 1e-5 * (5 * (np.log(5) + 0.577) + 0.5 - 1 / 60)
    np.testing.assert_allclose(table[5], f / np.sqrt(f))


def test_skipgrams():
    random.seed(0)
    couples, labels = skipgrams([1, 2, 3, 0, 4], vocabulary_size=6, window_size=1)
    pos = sorted(tuple(c) for c, lab in zip(couples, labels, strict=True) if lab == 1)
    assert pos == [(1, 2), (2, 1), (2, 3), (3, 2)]
    assert labels.count(0) == 4
    assert all(1 <= c[1] < 6 for c, lab in zip(couples, labels, strict=True) if lab == 0)
    c1 = skipgrams([1, 2, 3], 4, seed=5, negative_samples=0)
    c2 = skipgrams([1, 2, 3], 4, seed=5, negative_samples=0)
    assert c1 == c2
    cat = skipgrams([1, 2], 3, categorical=True, negative_samples=0, shuffle=False)
    assert cat == ([[1, 2], [2, 1]], [[0, 1], [0, 1]])
