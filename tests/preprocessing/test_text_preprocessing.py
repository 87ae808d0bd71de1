"""kviz.preprocessing.text: word splitting, hashing, Tokenizer."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kviz.preprocessing.text import (
    Tokenizer,
    hashing_trick,
    one_hot,
    text_to_word_sequence,
    tokenizer_from_json,
)

CORPUS = [
    "The cat sat on the mat.",
    "The dog ate my homework!",
    "Cats and dogs: the eternal (friendly?) rivalry.",
]


def test_text_to_word_sequence():
    assert text_to_word_sequence("Hello, World!\tBye") == ["hello", "world", "bye"]
    assert text_to_word_sequence("A-b c", lower=False, filters="") == ["A-b", "c"]
    assert text_to_word_sequence("a,b;c", split=",", filters=";") == ["a", "b", "c"]


def test_one_hot_and_hashing_trick():
    ids = one_hot("the cat the", 10)
    assert len(ids) == 3 and ids[0] == ids[2] and all(1 <= i < 10 for i in ids)
    md5 = hashing_trick("the cat", 50, hash_function="md5")
    assert md5 == hashing_trick("THE cat", 50, hash_function="md5")
    assert md5 == [
        int(__import__("hashlib").md5(w.encode()).hexdigest(), 16) % 49 + 1 for w in ("the", "cat")
    ]
    assert hashing_trick("ab", 5, hash_function=len, analyzer=list) == [2, 2]


def test_tokenizer_word_index_and_sequences():
    tok = Tokenizer()
    tok.fit_on_texts(CORPUS)
    assert tok.document_count == 3
    assert list(tok.word_index)[:2] == ["the", "cat"]  # 'the' x4, then ties in first-seen order
    assert tok.word_index["the"] == 1 and tok.word_counts["the"] == 4
    assert tok.word_docs["the"] == 3 and tok.index_docs[1] == 3
    assert tok.index_word[tok.word_index["mat"]] == "mat"
    seqs = tok.texts_to_sequences(["the cat ate a mat"])
    assert seqs == [[1, tok.word_index["cat"], tok.word_index["ate"], tok.word_index["mat"]]]
    assert tok.sequences_to_texts(seqs) == ["the cat ate mat"]


def test_tokenizer_num_words_and_oov():
    tok = Tokenizer(num_words=3, oov_token="<OOV>")
    tok.fit_on_texts(CORPUS)
    assert tok.word_index["<OOV>"] == 1 and tok.word_index["the"] == 2
    assert tok.texts_to_sequences(["the cat zebra"]) == [[2, 1, 1]]
    assert tok.sequences_to_texts([[2, 1, 7]]) == ["the <OOV> <OOV>"]
    plain = Tokenizer(num_words=3)
    plain.fit_on_texts(CORPUS)
    assert plain.texts_to_sequences(["the cat zebra"]) == [[1, 2]]  # ids < 3 only


def test_tokenizer_char_level_and_lists():
    tok = Tokenizer(char_level=True)
    tok.fit_on_texts(["abca", "Bc"])
    assert tok.word_index == {"a": 1, "b": 2, "c": 3}
    tok2 = Tokenizer()
    tok2.fit_on_texts([["Hello", "world"], ["hello"]])
    assert tok2.word_index == {"hello": 1, "world": 2}


def test_texts_to_matrix_modes():
    tok = Tokenizer()
    tok.fit_on_texts(CORPUS)
    texts = ["the the cat", "dog"]
    n = len(tok.word_index) + 1
    binary = tok.texts_to_matrix(texts)
    assert binary.shape == (2, n) and binary[0, 1] == 1 and binary[0, 0] == 0
    count = tok.texts_to_matrix(texts, mode="count")
    assert count[0, 1] == 2 and count[0].sum() == 3
    freq = tok.texts_to_matrix(texts, mode="freq")
    np.testing.assert_allclose(freq[0, 1], 2 / 3)
    tfidf = tok.texts_to_matrix(texts, mode="tfidf")
    np.testing.assert_allclose(tfidf[0, 1], (1 + np.log(2)) * np.log(1 + 3 / 4))
    with pytest.raises(ValueError, match="mode"):
        tok.texts_to_matrix(texts, mode="bogus")
    with pytest.raises(ValueError, match="num_words"):
        Tokenizer().texts_to_matrix(["a"])
    assert Tokenizer(num_words=4).sequences_to_matrix([[1, 3, 7]]).tolist() == [[0, 1, 0, 1]]


def test_tokenizer_json_round_trip():
    tok = Tokenizer(num_words=5, oov_token="?")
    tok.fit_on_texts(CORPUS)
    cfg = json.loads(tok.to_json())
    assert cfg["class_name"] == "Tokenizer"
    back = tokenizer_from_json(tok.to_json())
    assert back.word_index == tok.word_index and back.index_word == tok.index_word
    assert back.texts_to_sequences(CORPUS) == tok.texts_to_sequences(CORPUS)
    np.testing.assert_array_equal(
        back.texts_to_matrix(CORPUS, "tfidf"), tok.texts_to_matrix(CORPUS, "tfidf")
    )
    back.fit_on_texts(["more words"])  # still fits after loading
    assert back.document_count == 4


def test_tokenizer_legacy_and_bad_kwargs():
    with pytest.warns(UserWarning, match="num_words"):
        assert Tokenizer(nb_words=7).num_words == 7
    with pytest.raises(TypeError, match="Unrecognized"):
        Tokenizer(bogus=1)
