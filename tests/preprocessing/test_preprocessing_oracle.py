"""kviz.preprocessing against tf-keras 2.21: pad_sequences (every padding/truncating pair),
text_to_word_sequence, Tokenizer, TimeseriesGenerator, skipgrams, sampling table and
ImageDataGenerator.flow batches (seeded, so shuffling is compared too)."""

from __future__ import annotations

import itertools
import json
import os
import random
import types

import numpy as np
import pytest

from kviz.preprocessing import image, sequence, text

pytestmark = pytest.mark.keras_oracle


@pytest.fixture(scope="module")
def tk():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
    return pytest.importorskip("tf_keras")


SEQS = [[1, 2, 3, 4, 5, 6], [7, 8], [], [9], [10, 11, 12, 13]]


@pytest.mark.parametrize(
    "padding, truncating, maxlen",
    list(itertools.product(["pre", "post"], ["pre", "post"], [None, 1, 3, 8])),
)
def test_pad_sequences(tk, padding, truncating, maxlen):
    kw = dict(maxlen=maxlen, padding=padding, truncating=truncating)
    want = tk.preprocessing.sequence.pad_sequences(SEQS, **kw)
    got = sequence.pad_sequences(SEQS, **kw)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    kw.update(dtype="float32", value=-0.5)
    np.testing.assert_array_equal(
        sequence.pad_sequences(SEQS, **kw), tk.preprocessing.sequence.pad_sequences(SEQS, **kw)
    )


def test_pad_sequences_nd(tk):
    seqs = [np.arange(6).reshape(3, 2), np.ones((1, 2))]
    for padding in ("pre", "post"):
        np.testing.assert_array_equal(
            sequence.pad_sequences(seqs, maxlen=2, padding=padding, dtype="float64"),
            tk.preprocessing.sequence.pad_sequences(
                seqs, maxlen=2, padding=padding, dtype="float64"
            ),
        )


CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "The dog barks; the fox runs!  Quick, quick...",
    "A lazy afternoon: dogs sleep, foxes (sometimes) don't.",
    "tabs\tand\nnewlines, UPPER and lower Case",
    "the the the end",
]
QUERIES = ["the fox and the unknown zebra", "quick quick dog", "", "Case UPPER lower tabs"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"num_words": 6},
        {"oov_token": "<unk>"},
        {"num_words": 5, "oov_token": "<unk>"},
        {"lower": False},
        {"char_level": True},
        {"filters": "", "split": " "},
    ],
    ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()) or "defaults",
)
def test_tokenizer(tk, kwargs):
    mine, theirs = text.Tokenizer(**kwargs), tk.preprocessing.text.Tokenizer(**kwargs)
    mine.fit_on_texts(CORPUS)
    theirs.fit_on_texts(CORPUS)
    assert mine.word_index == theirs.word_index
    assert list(mine.word_index) == list(theirs.word_index)
    assert mine.index_word == theirs.index_word
    assert dict(mine.word_counts) == dict(theirs.word_counts)
    assert dict(mine.word_docs) == dict(theirs.word_docs)
    assert dict(mine.index_docs) == dict(theirs.index_docs)
    assert mine.document_count == theirs.document_count
    seqs = mine.texts_to_sequences(QUERIES + CORPUS)
    assert seqs == theirs.texts_to_sequences(QUERIES + CORPUS)
    assert mine.sequences_to_texts(seqs + [[1, 2, 99]]) == theirs.sequences_to_texts(
        seqs + [[1, 2, 99]]
    )
    for mode in ("binary", "count", "tfidf", "freq"):
        np.testing.assert_allclose(
            mine.texts_to_matrix(QUERIES, mode=mode), theirs.texts_to_matrix(QUERIES, mode=mode)
        )
    # JSON written by one is read by the other
    assert json.loads(mine.to_json()) == json.loads(theirs.to_json())
    back = tk.preprocessing.text.tokenizer_from_json(mine.to_json())
    assert back.texts_to_sequences(QUERIES) == seqs[: len(QUERIES)]
    back = text.tokenizer_from_json(theirs.to_json())
    assert back.texts_to_sequences(QUERIES) == seqs[: len(QUERIES)]


def test_tokenizer_fit_on_sequences(tk):
    mine, theirs = text.Tokenizer(num_words=8), tk.preprocessing.text.Tokenizer(num_words=8)
    seqs = [[1, 2, 2, 5], [3, 1], [7, 7, 7]]
    mine.fit_on_sequences(seqs)
    theirs.fit_on_sequences(seqs)
    np.testing.assert_allclose(
        mine.sequences_to_matrix(seqs, mode="tfidf"), theirs.sequences_to_matrix(seqs, mode="tfidf")
    )


@pytest.mark.parametrize("s", CORPUS + QUERIES)
def test_text_to_word_sequence(tk, s):
    ours, theirs = text.text_to_word_sequence, tk.preprocessing.text.text_to_word_sequence
    assert ours(s) == theirs(s)
    assert ours(s, lower=False, split=",") == theirs(s, lower=False, split=",")
    assert text.hashing_trick(s, 17, hash_function="md5") == tk.preprocessing.text.hashing_trick(
        s, 17, hash_function="md5"
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"length": 4, "batch_size": 3},
        {"length": 6, "sampling_rate": 2, "stride": 3, "batch_size": 2},
        {"length": 3, "start_index": 2, "end_index": 17, "reverse": True, "batch_size": 4},
        {"length": 5, "shuffle": True, "batch_size": 5},
    ],
)
def test_timeseries_generator(tk, kwargs):
    data = np.arange(60, dtype="float32").reshape(30, 2)
    targets = np.arange(30) * 3
    mine = sequence.TimeseriesGenerator(data, targets, **kwargs)
    theirs = tk.preprocessing.sequence.TimeseriesGenerator(data, targets, **kwargs)
    assert len(mine) == len(theirs)
    for i in range(len(mine)):
        np.random.seed(i)
        a = mine[i]
        np.random.seed(i)
        b = theirs[i]
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    assert mine.get_config() == theirs.get_config()


def test_sampling_table_and_skipgrams(tk):
    np.testing.assert_allclose(
        sequence.make_sampling_table(50, 1e-3),
        tk.preprocessing.sequence.make_sampling_table(50, 1e-3),
    )
    seq = [3, 0, 5, 1, 2, 7, 7, 4, 0, 9]
    table = sequence.make_sampling_table(10, 0.05)
    for kw in (
        {},
        {"window_size": 2, "categorical": True},
        {"negative_samples": 0.5, "sampling_table": table},
    ):
        random.seed(11)
        a = sequence.skipgrams(seq, 10, seed=4, **kw)
        random.seed(11)
        b = tk.preprocessing.sequence.skipgrams(seq, 10, seed=4, **kw)
        assert a == b


def _x(n=11, h=5, w=6, c=3, seed=0):
    return (np.random.default_rng(seed).random((n, h, w, c)) * 255).astype("float32")


@pytest.fixture
def tk_image(tk, monkeypatch):
    """tf-keras's image module; without SciPy its apply_affine_transform hits a NameError on
    ``scipy`` even for the identity, so a stand-in is set (no transform is done then)."""
    from tf_keras.src.preprocessing import image as tk_img

    try:
        import scipy  # noqa: F401
    except ImportError:
        monkeypatch.setattr(tk_img, "scipy", types.SimpleNamespace(), raising=False)
    return tk


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rescale": 1 / 255.0},
        {"samplewise_center": True},
        {"samplewise_center": True, "samplewise_std_normalization": True, "rescale": 0.5},
        {"featurewise_center": True},
        {"featurewise_center": True, "featurewise_std_normalization": True},
        {"horizontal_flip": True, "vertical_flip": True, "rescale": 2.0},
        {"preprocessing_function": np.sqrt},
        {"validation_split": 0.3},
    ],
    ids=lambda k: ",".join(k),
)
@pytest.mark.parametrize("shuffle", [False, True])
def test_image_data_generator_flow_without_affine_augmentation(tk_image, kwargs, shuffle):
    x, y = _x(), np.arange(11) % 3
    mine = image.ImageDataGenerator(**kwargs)
    theirs = tk_image.preprocessing.image.ImageDataGenerator(**kwargs)
    if any(k.startswith("featurewise") for k in kwargs):
        mine.fit(x)
        theirs.fit(x)
        np.testing.assert_allclose(mine.mean, theirs.mean, rtol=1e-6)
    subset = "training" if "validation_split" in kwargs else None
    a = mine.flow(x, y, batch_size=4, shuffle=shuffle, seed=5, subset=subset)
    b = theirs.flow(x, y, batch_size=4, shuffle=shuffle, seed=5, subset=subset)
    assert len(a) == len(b)
    for i in [0, len(a) - 1, 1]:
        (ax, ay), (bx, by) = a[i], b[i]
        assert ax.dtype == bx.dtype and ax.shape == bx.shape
        np.testing.assert_allclose(ax, bx, rtol=1e-6, atol=1e-6)
        np.testing.assert_array_equal(ay, by)
    for _ in range(len(a) + 1):  # Keras-style endless iteration
        (ax, ay), (bx, by) = next(a), next(b)
        np.testing.assert_allclose(ax, bx, rtol=1e-6, atol=1e-6)
        np.testing.assert_array_equal(ay, by)


@pytest.mark.parametrize("fill_mode", ["nearest", "constant", "reflect", "wrap"])
def test_image_data_generator_affine_augmentation_when_scipy_is_installed(tk, fill_mode):
    pytest.importorskip("scipy.ndimage")  # tf-keras needs SciPy for these transforms
    kw = dict(
        rotation_range=30,
        width_shift_range=0.2,
        height_shift_range=2,
        shear_range=10,
        zoom_range=0.3,
        channel_shift_range=5.0,
        fill_mode=fill_mode,
        cval=3.0,
    )
    x = _x()
    a = image.ImageDataGenerator(**kw).flow(x, batch_size=4, seed=2)
    b = tk.preprocessing.image.ImageDataGenerator(**kw).flow(x, batch_size=4, seed=2)
    for i in range(len(a)):
        np.testing.assert_allclose(a[i], b[i], rtol=1e-5, atol=1e-4)
