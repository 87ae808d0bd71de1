"""Functional models: construction, layers order, shared layers, multi-IO, nesting, errors."""

import numpy as np
import pytest

import kviz
from kviz import backend as K
from kviz.layers import Dense, Input, Lambda
from kviz.models import Model, Sequential, clone_model, model_from_json


def mlp():
    inputs = Input(shape=(4,))
    x = Dense(8, activation="relu")(inputs)
    outputs = Dense(3, activation="softmax")(x)
    return Model(inputs=inputs, outputs=outputs)


def test_basic_functional_model():
    model = mlp()
    assert [lyr.name for lyr in model.layers] == ["input_1", "dense", "dense_1"]
    assert model.input_shape == (None, 4)
    assert model.output_shape == (None, 3)
    out = model.predict(np.random.rand(70, 4), verbose=0)
    assert out.shape == (70, 3)
    np.testing.assert_allclose(out.sum(axis=1), 1, rtol=1e-5)
    assert out.dtype == np.float32
    assert model.count_params() == 4 * 8 + 8 + 8 * 3 + 3


def test_keras1_spelling_and_positional():
    inputs = Input(shape=(3,))
    out = Dense(2)(inputs)
    m1 = Model(input=inputs, output=out)
    m2 = Model(inputs, out)
    assert m1.output_shape == m2.output_shape == (None, 2)


def test_predict_matches_manual_numpy():
    model = mlp()
    x = np.random.rand(5, 4).astype("float32")
    w1, b1, w2, b2 = model.get_weights()
    h = np.maximum(x @ w1 + b1, 0)
    logits = h @ w2 + b2
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_multi_input_multi_output_and_dict_inputs():
    a = Input(shape=(3,), name="a")
    b = Input(shape=(5,), name="b")
    ha = Dense(4, name="ha")(a)
    hb = Dense(4, name="hb")(b)
    merged = Lambda(lambda t: t[0] + t[1], name="merge")([ha, hb])
    out1 = Dense(1, name="out1")(merged)
    out2 = Dense(2, name="out2")(merged)
    model = Model(inputs=[a, b], outputs=[out1, out2])
    assert model.input_names == ["a", "b"]
    assert model.output_names == ["out1", "out2"]
    xa, xb = np.random.rand(6, 3), np.random.rand(6, 5)
    p1, p2 = model.predict([xa, xb], verbose=0)
    assert p1.shape == (6, 1) and p2.shape == (6, 2)
    q1, q2 = model.predict({"a": xa, "b": xb}, verbose=0)
    np.testing.assert_allclose(p1, q1)
    np.testing.assert_allclose(p2, q2)
    with pytest.raises(ValueError, match="No data provided for input 'b'"):
        model.predict({"a": xa}, verbose=0)
    with pytest.raises(ValueError, match="has 2 inputs"):
        model.predict(xa, verbose=0)


def test_shared_layer_nodes_and_errors():
    a = Input(shape=(3,))
    b = Input(shape=(3,))
    shared = Dense(2, name="shared")
    ea, eb = shared(a), shared(b)
    assert shared.get_output_at(0) is ea
    assert shared.get_output_at(1) is eb
    assert shared.get_input_at(1) is b
    assert shared.get_output_shape_at(1) == (None, 2)
    with pytest.raises(AttributeError, match="multiple inbound nodes"):
        _ = shared.output
    assert shared.input_shape == (None, 3)  # all nodes agree
    model = Model([a, b], [ea, eb])
    assert model.count_params() == 8  # shared weights counted once
    x = np.random.rand(2, 3)
    oa, ob = model.predict([x, x], verbose=0)
    np.testing.assert_allclose(oa, ob)


def test_shared_layer_different_shapes_makes_input_shape_ill_defined():
    a = Input(shape=(3, 4))
    b = Input(shape=(5, 4))
    d = Dense(2)
    d(a)
    d(b)
    with pytest.raises(AttributeError, match="ill-defined"):
        _ = d.input_shape
    assert d.get_input_shape_at(1) == (None, 5, 4)


def test_graph_disconnected_names_the_missing_input():
    a = Input(shape=(3,), name="first")
    b = Input(shape=(3,), name="second")
    out = Lambda(lambda t: t[0] * t[1])([a, b])
    with pytest.raises(ValueError, match="Graph disconnected.*second"):
        Model(inputs=a, outputs=out)


def test_nested_model_called_on_tensors():
    inner = mlp()
    x = Input(shape=(4,))
    y = inner(x)
    z = Dense(1, name="head")(y)
    outer = Model(x, z)
    assert [lyr.name for lyr in outer.layers] == ["input_2", "model", "head"]
    assert len(outer.weights) == 6
    data = np.random.rand(3, 4)
    expected = outer.get_layer("head").kernel.numpy()
    got = outer.predict(data, verbose=0)
    manual = inner.predict(data, verbose=0) @ expected + outer.get_layer("head").bias.numpy()
    np.testing.assert_allclose(got, manual, rtol=1e-5)


def test_sequential_inside_functional_and_functional_inside_sequential():
    seq = Sequential([Dense(5, input_shape=(4,)), Dense(2)])
    x = Input(shape=(4,))
    m = Model(x, seq(x))
    assert m.output_shape == (None, 2)
    outer = Sequential([mlp(), Dense(1)])
    assert outer.output_shape == (None, 1)
    assert outer.predict(np.zeros((2, 4)), verbose=0).shape == (2, 1)


def test_intermediate_output_model():
    model = mlp()
    probe = Model(inputs=model.input, outputs=model.get_layer("dense").output)
    x = np.random.rand(2, 4)
    w, b = model.get_layer("dense").get_weights()
    np.testing.assert_allclose(
        probe.predict(x, verbose=0), np.maximum(x @ w + b, 0), rtol=1e-5, atol=1e-6
    )


def test_get_layer_errors():
    model = mlp()
    assert model.get_layer(index=1).name == "dense"
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="only has 3 layers"):
        model.get_layer(index=7)
    with pytest.raises(ValueError, match="Provide either a layer name or layer index"):
        model.get_layer()


def test_json_round_trip_functional_and_config_structure():
    model = mlp()
    config = model.get_config()
    assert set(config) >= {"name", "layers", "input_layers", "output_layers"}
    assert config["input_layers"] == [["input_1", 0, 0]]
    assert config["output_layers"] == [["dense_1", 0, 0]]
    assert config["layers"][1]["inbound_nodes"] == [[["input_1", 0, 0, {}]]]
    clone = model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    x = np.random.rand(3, 4)
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_ops_on_symbolic_tensors_become_graph_nodes():
    x = Input(shape=(4,))
    h = Dense(3)(x)
    y = K.mean(h[:, 1:] * 2.0 + 1.0, axis=-1, keepdims=True)
    model = Model(x, -y)
    data = np.random.rand(5, 4).astype("float32")
    hv = Model(x, h).predict(data, verbose=0)
    expected = -np.mean(hv[:, 1:] * 2 + 1, axis=-1, keepdims=True)
    np.testing.assert_allclose(model.predict(data, verbose=0), expected, rtol=1e-5)
    clone = model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(data, verbose=0), expected, rtol=1e-5)


def test_clone_model_functional_and_sequential():
    model = mlp()
    clone = clone_model(model)
    assert [type(a) for a in clone.layers] == [type(b) for b in model.layers]
    assert all(a is not b for a, b in zip(clone.layers, model.layers))
    clone.set_weights(model.get_weights())
    x = np.random.rand(2, 4)
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    seq = Sequential([Dense(3, input_shape=(2,)), Dense(1)])
    sc = clone_model(seq)
    assert isinstance(sc, Sequential) and sc.output_shape == (None, 1)


def test_model_call_eager_on_arrays_and_wrong_shape_error():
    model = mlp()
    out = model(np.zeros((2, 4), "float32"))
    assert np.asarray(out).shape == (2, 3)
    with pytest.raises(
        ValueError, match=r'Input 0 of layer "model" is incompatible.*\(None, 4\).*\(None, 5\)'
    ):
        model.predict(np.zeros((2, 5)), verbose=0)


def test_import_kviz_as_keras():
    keras = kviz
    inputs = keras.layers.Input(shape=(2,))
    model = keras.models.Model(inputs, keras.layers.Dense(1)(inputs))
    assert isinstance(model, keras.Model)
