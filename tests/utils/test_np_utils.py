"""kviz.utils.to_categorical / normalize and the Keras 2 module paths of kviz.utils."""

from __future__ import annotations

import doctest
import importlib
import random

import numpy as np
import pytest

import kviz
from kviz.utils import normalize, to_categorical


def test_to_categorical_basic_and_dtype():
    out = to_categorical([0, 2, 1])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.eye(3, dtype="float32")[[0, 2, 1]])
    assert to_categorical([1, 0], num_classes=4, dtype="int64").dtype == np.int64
    assert to_categorical([1, 0], 4).shape == (2, 4)


@pytest.mark.parametrize(
    "shape, expected",
    [((5,), (5, 3)), ((5, 1), (5, 3)), ((2, 5), (2, 5, 3)), ((2, 5, 1), (2, 5, 3)), ((1,), (1, 3))],
)
def test_to_categorical_shapes(shape, expected):
    y = np.arange(int(np.prod(shape))).reshape(shape) % 3
    out = to_categorical(y, num_classes=3)
    assert out.shape == expected
    np.testing.assert_array_equal(out.argmax(-1), y.reshape(expected[:-1]))


def test_to_categorical_legacy_nb_classes_and_float_labels():
    np.testing.assert_array_equal(to_categorical([1], nb_classes=3), [[0, 1, 0]])
    np.testing.assert_array_equal(to_categorical(np.array([2.0, 0.0])), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(TypeError):
        to_categorical([1], num_classes=3, nb_classes=3)
    with pytest.raises(TypeError):
        to_categorical([1], classes=3)


def test_to_categorical_invalid_values_name_them():
    with pytest.raises(ValueError, match=r"negative values \[-2, -1\]"):
        to_categorical([0, -1, 3, -2])
    with pytest.raises(ValueError, match=r"num_classes=3.*\[3, 5\]"):
        to_categorical([0, 3, 5, 3], num_classes=3)
    with pytest.raises(ValueError, match=r"non-integer values \[0.5\]"):
        to_categorical([0.5, 1.0])
    with pytest.raises(ValueError, match="integer class labels"):
        to_categorical(["a", "b"])


def test_normalize():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(normalize(x), [[0.6, 0.8], [0.0, 0.0]])
    np.testing.assert_allclose(normalize(x, axis=0, order=1), [[1.0, 1.0], [0.0, 0.0]])
    v = np.random.default_rng(0).normal(size=(4, 5, 6))
    np.testing.assert_allclose(np.linalg.norm(normalize(v, axis=1), axis=1), 1.0)


def test_utils_namespace_and_legacy_modules():
    utils = kviz.utils
    for name in [
        "to_categorical",
        "normalize",
        "get_file",
        "Sequence",
        "Progbar",
        "CustomObjectScope",
        "custom_object_scope",
        "get_custom_objects",
        "register_keras_serializable",
        "set_random_seed",
        "serialize_keras_object",
        "deserialize_keras_object",
        "pad_sequences",
        "load_img",
        "img_to_array",
        "array_to_img",
        "save_img",
    ]:
        assert hasattr(utils, name), name
    from kviz.engine.progbar import Progbar
    from kviz.engine.sequence import Sequence
    from kviz.registry import CustomObjectScope

    np_utils = importlib.import_module("kviz.utils.np_utils")
    generic_utils = importlib.import_module("kviz.utils.generic_utils")
    data_utils = importlib.import_module("kviz.utils.data_utils")
    assert np_utils.to_categorical is to_categorical and np_utils.normalize is normalize
    assert generic_utils.Progbar is Progbar is utils.Progbar
    assert generic_utils.CustomObjectScope is CustomObjectScope is utils.CustomObjectScope
    assert data_utils.Sequence is Sequence is utils.Sequence
    assert data_utils.get_file is utils.get_file
    assert utils.plot_model is utils.vis_utils.plot_model  # kviz.viz underneath


def test_custom_objects_and_deserialize():
    from kviz.utils import (
        custom_object_scope,
        deserialize_keras_object,
        get_custom_objects,
        register_keras_serializable,
        serialize_keras_object,
    )

    def my_fn(x):
        return x

    with custom_object_scope({"my_fn": my_fn}):
        assert get_custom_objects()["my_fn"] is my_fn
        assert deserialize_keras_object("my_fn") is my_fn
    assert "my_fn" not in get_custom_objects()
    with pytest.raises(ValueError, match="Unknown object: 'my_fn'"):
        deserialize_keras_object("my_fn")

    @register_keras_serializable(package="KvizTest")
    class Thing:
        def __init__(self, a=1):
            self.a = a

        def get_config(self):
            return {"a": self.a}

    cfg = serialize_keras_object(Thing(5))
    assert cfg == {"class_name": "Thing", "config": {"a": 5}}
    assert deserialize_keras_object(cfg).a == 5
    assert serialize_keras_object(my_fn) == "my_fn"


def test_set_random_seed_seeds_python_numpy_and_kviz():
    from kviz import config
    from kviz.utils import set_random_seed

    set_random_seed(7)
    a = (random.random(), np.random.rand(), config.rng().random())
    set_random_seed(7)
    assert (random.random(), np.random.rand(), config.rng().random()) == a
    with pytest.raises(ValueError, match="integer"):
        set_random_seed(1.5)


@pytest.mark.parametrize(
    "module",
    [
        "kviz.utils",
        "kviz.utils.np_utils",
        "kviz.datasets",
        "kviz.datasets._files",
        "kviz.preprocessing.sequence",
        "kviz.preprocessing.text",
        "kviz.preprocessing.image",
    ],
)
def test_doctests(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
