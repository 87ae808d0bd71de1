"""Sequential models: add/pop, deferred build, batch_input_shape, config, legacy predict_*."""

import numpy as np
import pytest

from kviz.layers import Dense, Input, InputLayer
from kviz.models import Sequential, model_from_json


def test_list_and_add_forms_agree():
    a = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    b = Sequential()
    b.add(Dense(4, input_dim=3))
    b.add(Dense(2))
    assert a.output_shape == b.output_shape == (None, 2)
    assert [type(x).__name__ for x in a.layers] == ["Dense", "Dense"]
    assert a.layers[0].name == "dense"
    assert a.inputs[0]._keras_history[0].name == "dense_input"


def test_deferred_build_then_call():
    model = Sequential([Dense(4), Dense(2)])
    assert not model.built
    with pytest.raises(
        ValueError, match="Weights for model 'sequential' have not yet been created"
    ):
        _ = model.weights
    with pytest.raises(ValueError, match="has not yet been built"):
        model.summary()
    out = model.predict(np.zeros((3, 7)), verbose=0)
    assert out.shape == (3, 2)
    assert model.built and model.input_shape == (None, 7)
    assert model.layers[0].kernel.shape == (7, 4)


def test_build_with_input_shape():
    model = Sequential([Dense(4), Dense(2)])
    model.build((None, 5))
    assert model.count_params() == 5 * 4 + 4 + 4 * 2 + 2


def test_batch_input_shape_fixes_batch_size():
    model = Sequential([Dense(2, batch_input_shape=(8, 3))])
    assert model.input_shape == (8, 3)


def test_pop_and_errors():
    model = Sequential([Dense(4, input_shape=(3,)), Dense(2), Dense(1)])
    model.pop()
    assert model.output_shape == (None, 2)
    assert len(model.layers) == 2
    with pytest.raises(TypeError, match="must be an instance of class Layer"):
        model.add("dense")
    with pytest.raises(ValueError, match="unique names"):
        model.add(Dense(3, name="dense"))
    model.pop()
    model.pop()
    with pytest.raises(TypeError, match="There are no layers in the model"):
        model.pop()


def test_input_layer_and_input_tensor_as_first_layer():
    m1 = Sequential([InputLayer(input_shape=(3,)), Dense(2)])
    m2 = Sequential()
    m2.add(Input(shape=(3,)))
    m2.add(Dense(2))
    assert m1.output_shape == m2.output_shape == (None, 2)
    assert len(m1.layers) == 1


def test_bad_input_shape_error_names_shapes():
    model = Sequential([Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match=r"expected shape=\(None, 3\), found shape=\(None, 5\)"):
        model.predict(np.zeros((4, 5)), verbose=0)


def test_sequential_config_and_json():
    model = Sequential([Dense(4, input_shape=(3,), activation="relu"), Dense(2)])
    config = model.get_config()
    assert config["layers"][0]["class_name"] == "InputLayer"
    assert config["layers"][0]["config"]["batch_input_shape"] == (None, 3)
    clone = model_from_json(model.to_json())
    assert isinstance(clone, Sequential)
    clone.set_weights(model.get_weights())
    x = np.random.rand(2, 3)
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    # Keras 2.2 layout: no InputLayer entry, the first layer carries batch_input_shape
    legacy = {"name": "s", "layers": config["layers"][1:]}
    legacy["layers"][0]["config"]["batch_input_shape"] = [None, 3]
    rebuilt = Sequential.from_config(legacy)
    assert rebuilt.output_shape == (None, 2)
    # Keras <= 2.1: a bare list
    assert Sequential.from_config(legacy["layers"]).output_shape == (None, 2)


def test_predict_classes_and_proba():
    model = Sequential([Dense(3, input_shape=(2,), activation="softmax")])
    x = np.random.rand(4, 2)
    np.testing.assert_array_equal(model.predict_classes(x), model.predict(x).argmax(axis=-1))
    binary = Sequential([Dense(1, input_shape=(2,), activation="sigmoid")])
    assert binary.predict_classes(x).shape == (4, 1)
    assert binary.predict_proba(x).shape == (4, 1)
