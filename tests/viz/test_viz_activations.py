"""kviz.viz.activations / hidden_states and the layer lookup they use."""

from __future__ import annotations

import numpy as np
import pytest

from kviz import layers, models
from kviz.viz import activations, hidden_states
from kviz.viz.layer_lookup import layer_names, resolve


def conv_model():
    return models.Sequential(
        [
            layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1), name="conv"),
            layers.MaxPooling2D(2, name="pool"),
            layers.Flatten(name="flat"),
            layers.Dense(3, activation="softmax", name="probs"),
        ]
    )


def rand(*shape, seed=0):
    return np.random.default_rng(seed).random(shape).astype("float32")


def predict_at(model, tensor, x):
    return models.Model(model.inputs, tensor).predict(x, verbose=0)


def test_sequential_all_layers_equal_intermediate_models():
    model = conv_model()
    x = rand(5, 8, 8, 1)
    acts = activations(model, x)
    assert list(acts) == ["conv", "pool", "flat", "probs"]
    for layer in model.layers:
        np.testing.assert_allclose(acts[layer.name], predict_at(model, layer.output, x), atol=1e-6)
    np.testing.assert_allclose(acts["probs"], model.predict(x, verbose=0), atol=1e-6)
    assert acts["conv"].shape == (5, 6, 6, 4)


def test_functional_branches_by_name_index_and_object():
    inp = layers.Input(shape=(6,), name="x")
    a = layers.Dense(4, activation="tanh", name="a")(inp)
    b = layers.Dense(4, name="b")(inp)
    s = layers.Add(name="sum")([a, b])
    out = layers.Dense(2, name="out")(s)
    model = models.Model(inp, out)
    x = rand(3, 6)
    acts = activations(model, x, layers=["sum", 1, model.get_layer("b")])
    assert list(acts) == ["sum", "a", "b"]
    w_a, b_a = model.get_layer("a").get_weights()
    w_b, b_b = model.get_layer("b").get_weights()
    np.testing.assert_allclose(acts["a"], np.tanh(x @ w_a + b_a), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(acts["sum"], np.tanh(x @ w_a + b_a) + x @ w_b + b_b, atol=1e-5)
    # the input layer can be asked for by name and gives the input back
    np.testing.assert_array_equal(activations(model, x, "x")["x"], x)
    # a single spec is accepted
    assert list(activations(model, x, "out")) == ["out"]


def nested_model():
    inner = models.Sequential(
        [
            layers.Conv2D(3, 3, activation="relu", input_shape=(6, 6, 4), name="conv"),
            layers.GlobalAveragePooling2D(name="gap"),
        ],
        name="inner",
    )
    inp = layers.Input(shape=(8, 8, 1), name="img")
    h = layers.Conv2D(4, 3, name="stem")(inp)
    h = inner(h)
    out = layers.Dense(2, name="head")(h)
    return models.Model(inp, out, name="outer"), inner


def test_nested_models_by_path_and_bare_name():
    model, inner = nested_model()
    x = rand(2, 8, 8, 1)
    acts = activations(model, x)
    assert list(acts) == ["stem", "inner", "inner/conv", "inner/gap", "head"]
    stem = predict_at(model, model.get_layer("stem").output, x)
    inner_conv = models.Model(inner.inputs, inner.get_layer("conv").output)
    np.testing.assert_allclose(acts["stem"], stem, atol=1e-6)
    np.testing.assert_allclose(acts["inner/conv"], inner_conv.predict(stem, verbose=0), atol=1e-6)
    np.testing.assert_allclose(acts["inner/gap"], acts["inner"], atol=1e-6)
    np.testing.assert_allclose(acts["head"], model.predict(x, verbose=0), atol=1e-6)
    # bare names of nested layers resolve to their path; objects too
    assert list(activations(model, x, ["gap", inner.layers[0]])) == ["inner/gap", "inner/conv"]
    assert layer_names(model) == ["stem", "inner", "inner/conv", "inner/gap", "head"]


def test_nested_first_layer_of_a_sequential():
    inner = models.Sequential([layers.Dense(3, input_shape=(4,), name="d")], name="inner")
    outer = models.Sequential([inner, layers.Dense(2, name="out")], name="outer")
    x = rand(3, 4)
    acts = activations(outer, x)
    w, b = inner.layers[0].get_weights()
    np.testing.assert_allclose(acts["inner/d"], x @ w + b, atol=1e-5)
    np.testing.assert_allclose(acts["out"], outer.predict(x, verbose=0), atol=1e-6)


def test_unknown_and_ambiguous_names_are_explained():
    model = conv_model()
    with pytest.raises(ValueError, match=r"No layer named 'nope'.*\['conv', 'pool', 'flat'"):
        activations(model, rand(1, 8, 8, 1), ["nope"])
    with pytest.raises(ValueError, match="index 9 is out of range"):
        activations(model, rand(1, 8, 8, 1), [9])
    with pytest.raises(TypeError, match="its name"):
        activations(model, rand(1, 8, 8, 1), [1.5])
    a = models.Sequential([layers.Dense(2, input_shape=(2,), name="d")], name="a")
    b = models.Sequential([layers.Dense(2, input_shape=(2,), name="d")], name="b")
    inp = layers.Input(shape=(2,))
    both = models.Model(inp, layers.Add()([a(inp), b(inp)]))
    with pytest.raises(ValueError, match=r"ambiguous.*\['a/d', 'b/d'\]"):
        resolve(both, "d")
    other = layers.Dense(2, name="elsewhere")
    with pytest.raises(ValueError, match="not part of model"):
        resolve(both, other)


def test_bad_inputs_and_models():
    model = conv_model()
    with pytest.raises(ValueError, match=r"expects arrays of shape \(None, 8, 8, 1\)"):
        activations(model, rand(2, 7, 8, 1))

    class Sub(models.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(2)

        def call(self, x):
            return self.d(x)

    with pytest.raises(ValueError, match="subclassed models are not supported"):
        activations(Sub(), rand(2, 3))


def test_unbuilt_sequential_is_built_from_the_data():
    model = models.Sequential([layers.Dense(3, name="h"), layers.Dense(1, name="o")])
    x = rand(4, 5)
    acts = activations(model, x)
    assert acts["h"].shape == (4, 3) and acts["o"].shape == (4, 1)


def test_probe_models_are_cached_and_take_no_auto_names():
    model = conv_model()
    x = rand(2, 8, 8, 1)
    first = activations(model, x, ["conv"])
    second = activations(model, x[:1], ["conv"])
    np.testing.assert_allclose(second["conv"], first["conv"][:1], atol=1e-6)
    assert layers.Dense(1).name == "dense"  # no counter used by the probe models


def test_multi_output_layer_gives_a_list():
    inp = layers.Input(shape=(4, 2))
    seq, h, c = layers.LSTM(3, return_sequences=True, return_state=True, name="lstm")(inp)
    model = models.Model(inp, layers.Dense(1)(h))
    acts = activations(model, rand(2, 4, 2), ["lstm"])
    assert [a.shape for a in acts["lstm"]] == [(2, 4, 3), (2, 3), (2, 3)]
    np.testing.assert_allclose(acts["lstm"][0][:, -1], acts["lstm"][1], atol=1e-6)


def test_hidden_states_match_a_numpy_simple_rnn():
    model = models.Sequential(
        [layers.SimpleRNN(3, input_shape=(5, 2), name="rnn"), layers.Dense(1, name="o")]
    )
    x = rand(2, 5, 2)
    states = hidden_states(model, x, "rnn")
    kernel, recurrent, bias = model.get_layer("rnn").get_weights()
    h = np.zeros((2, 3))
    want = []
    for t in range(5):
        h = np.tanh(x[:, t] @ kernel + h @ recurrent + bias)
        want.append(h)
    np.testing.assert_allclose(states, np.stack(want, axis=1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(states[:, -1], activations(model, x, "rnn")["rnn"], atol=1e-6)


def test_hidden_states_of_sequence_layers_and_wrappers():
    inp = layers.Input(shape=(4, 2))
    seq = layers.GRU(3, return_sequences=True, name="gru")(inp)
    bi = layers.Bidirectional(layers.LSTM(2), name="bi")(seq)
    model = models.Model(inp, bi)
    x = rand(3, 4, 2)
    np.testing.assert_allclose(
        hidden_states(model, x, "gru"), activations(model, x, "gru")["gru"], atol=1e-6
    )
    bi_states = hidden_states(model, x, "bi")
    assert bi_states.shape == (3, 4, 4)
    final = model.predict(x, verbose=0)
    # forward half ends at the last step, backward half at the first
    np.testing.assert_allclose(bi_states[:, -1, :2], final[:, :2], atol=1e-5)
    np.testing.assert_allclose(bi_states[:, 0, 2:], final[:, 2:], atol=1e-5)
    with pytest.raises(ValueError, match="needs a recurrent layer"):
        hidden_states(conv_model(), rand(1, 8, 8, 1), "conv")


@pytest.mark.parametrize(
    "module",
    [
        "kviz.viz.images",
        "kviz.viz.layer_lookup",
        "kviz.viz.activations",
        "kviz.viz.filters",
        "kviz.viz.saliency",
    ],
)
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
