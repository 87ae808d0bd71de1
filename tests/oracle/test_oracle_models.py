"""Whole models in kviz and tf-keras 2.21: Sequential and functional (multi-input/output,
shared layers, nested models).

Each description below builds the same model with either library's Keras-2 API. For each one
the two models must give equal predictions (weights copied kviz -> tf-keras), equal
``model.layers`` names from clean sessions, equal parameter counts, equal layer configs, the
same graph structure in ``to_json()``, and ``summary()`` texts that are equal line by line.
JSON goes both ways: kviz's ``to_json()`` loads in ``tf_keras.models.model_from_json``, and
tf-keras's in ``kviz.models.model_from_json``, predicting the same once weights are copied.
"""

from __future__ import annotations

import numpy as np
import pytest
from oracle_utils import (
    assert_same_counts,
    assert_same_gradients,
    assert_same_layer_configs,
    assert_same_model_config,
    assert_same_predictions,
    assert_same_summary,
    build_pair,
    copy_weights,
    copy_weights_to_kviz,
    kviz_model_from_json,
    random_input,
    summary_lines,
    tf_model_from_json,
)

pytestmark = pytest.mark.keras_oracle


# ------------------------------------------------------------------------------ descriptions
def sequential(k):
    return k.models.Sequential(
        [
            k.layers.Dense(8, activation="relu", input_shape=(4,)),
            k.layers.Dropout(0.2),
            k.layers.Dense(3, activation="softmax"),
        ]
    )


def sequential_add(k):
    model = k.models.Sequential(name="stack")
    model.add(k.layers.InputLayer(input_shape=(6,)))
    model.add(k.layers.Reshape((2, 3)))
    model.add(k.layers.Permute((2, 1)))
    model.add(k.layers.Flatten())
    model.add(k.layers.Dense(4, use_bias=False))
    model.add(k.layers.LeakyReLU())
    model.add(k.layers.RepeatVector(2))
    model.add(k.layers.Activation("tanh"))
    return model


def sequential_deferred(k):
    model = k.models.Sequential([k.layers.Dense(5, activation="elu"), k.layers.Dense(2)])
    model.build((None, 4))
    return model


def sequential_text(k):
    return k.models.Sequential(
        [
            k.layers.Embedding(20, 4, input_length=6),
            k.layers.Flatten(),
            k.layers.Dense(2, activation="sigmoid"),
        ]
    )


def sequential_masked(k):
    return k.models.Sequential(
        [
            k.layers.Masking(0.0, input_shape=(5, 3)),
            k.layers.Dense(4, activation="relu"),
            k.layers.GaussianNoise(0.1),
            k.layers.Flatten(),
            k.layers.Dense(1),
        ]
    )


def chain(k):
    inp = k.layers.Input((4,))
    h = k.layers.Dense(8, activation="relu")(inp)
    h = k.layers.ActivityRegularization(l2=0.01)(h)
    return k.models.Model(inp, k.layers.Dense(3)(h))


def branching(k):
    inp = k.layers.Input((4,), name="features")
    a = k.layers.Dense(8, activation="relu")(inp)
    b = k.layers.Dense(8, activation="tanh")(inp)
    c = k.layers.concatenate([a, b])
    d = k.layers.add([a, b])
    e = k.layers.Dot(axes=1, normalize=True)([a, b])
    out = k.layers.Dense(2, name="out")(k.layers.concatenate([c, d, e]))
    return k.models.Model(inp, out)


def multi_io(k):
    a = k.layers.Input((4,), name="a")
    b = k.layers.Input((4,), name="b")
    shared = k.layers.Dense(5, activation="relu", name="shared")
    ha, hb = shared(a), shared(b)
    merged = k.layers.concatenate([ha, hb])
    o1 = k.layers.Dense(1, activation="sigmoid", name="o1")(merged)
    o2 = k.layers.Dense(3, activation="softmax", name="o2")(k.layers.subtract([ha, hb]))
    o3 = k.layers.maximum([k.layers.PReLU()(ha), k.layers.ELU()(hb)], name="o3")
    return k.models.Model([a, b], [o1, o2, o3])


def shared_depths(k):
    """One layer used at two depths (A(A(x))) and a merge of both uses."""
    inp = k.layers.Input((3,))
    square = k.layers.Dense(3, activation="tanh", name="square")
    h1 = square(inp)
    h2 = square(h1)
    return k.models.Model(inp, k.layers.average([h1, h2]))


def text_two_inputs(k):
    q = k.layers.Input((5,), dtype="int32", name="question")
    d = k.layers.Input((5,), dtype="int32", name="document")
    emb = k.layers.Embedding(12, 4, name="emb")
    eq, ed = k.layers.Flatten()(emb(q)), k.layers.Flatten()(emb(d))
    score = k.layers.Dot(axes=-1)([eq, ed])
    return k.models.Model([q, d], k.layers.Dense(1, activation="sigmoid")(score))


def nested_sequential(k):
    inner = k.models.Sequential(
        [k.layers.Dense(5, activation="relu", input_shape=(4,)), k.layers.Dense(3)],
        name="inner",
    )
    inp = k.layers.Input((4,))
    return k.models.Model(inp, k.layers.Dense(2)(inner(inp)))


def nested_functional_shared(k):
    e_in = k.layers.Input((4,))
    encoder = k.models.Model(e_in, k.layers.Dense(3, activation="relu")(e_in), name="encoder")
    i1, i2 = k.layers.Input((4,)), k.layers.Input((4,))
    out = k.layers.multiply([encoder(i1), encoder(i2)])
    return k.models.Model([i1, i2], k.layers.Dense(1)(out))


def nested_deep(k):
    a = k.models.Sequential([k.layers.Dense(3, input_shape=(4,)), k.layers.Dense(3)], name="a")
    b_in = k.layers.Input((4,))
    b = k.models.Model(b_in, k.layers.Dense(2)(a(b_in)), name="b")
    inp = k.layers.Input((4,))
    return k.models.Model(inp, k.layers.add([b(inp), k.layers.Dense(2)(inp)]))


def sequential_of_models(k):
    inner = k.models.Sequential([k.layers.Dense(5, input_shape=(4,))], name="block")
    return k.models.Sequential([inner, k.layers.Dense(2, activation="softmax")])


MODELS = {
    "sequential": (sequential, (4,), "float32"),
    "sequential_add": (sequential_add, (6,), "float32"),
    "sequential_deferred": (sequential_deferred, (4,), "float32"),
    "sequential_text": (sequential_text, (6,), "int32"),
    "sequential_masked": (sequential_masked, (5, 3), "float32"),
    "chain": (chain, (4,), "float32"),
    "branching": (branching, (4,), "float32"),
    "multi_io": (multi_io, [(4,), (4,)], "float32"),
    "shared_depths": (shared_depths, (3,), "float32"),
    "text_two_inputs": (text_two_inputs, [(5,), (5,)], "int32"),
    "nested_sequential": (nested_sequential, (4,), "float32"),
    "nested_functional_shared": (nested_functional_shared, [(4,), (4,)], "float32"),
    "nested_deep": (nested_deep, (4,), "float32"),
    "sequential_of_models": (sequential_of_models, (4,), "float32"),
}
NAMES = list(MODELS)


def _data(name):
    _, shapes, dtype = MODELS[name]
    return random_input(shapes, batch=5, dtype=dtype, high=10)


@pytest.fixture(params=NAMES)
def pair(request, tk):
    build, _, _ = MODELS[request.param]
    km, tm = build_pair(build)
    return request.param, km, tm


# -------------------------------------------------------------------------------- checks
def test_predictions(pair):
    name, km, tm = pair
    assert_same_predictions(km, tm, _data(name))


def test_layer_names_from_clean_sessions(pair):
    _, km, tm = pair
    assert [lyr.name for lyr in km.layers] == [lyr.name for lyr in tm.layers]
    assert km.name == tm.name
    if hasattr(tm, "input_names"):
        assert list(km.input_names) == list(tm.input_names)
        assert list(km.output_names) == list(tm.output_names)


def test_parameter_counts_and_configs(pair):
    _, km, tm = pair
    assert_same_counts(km, tm)
    assert len(km.weights) == len(tm.weights)
    assert len(km.trainable_weights) == len(tm.trainable_weights)
    assert [w.name for w in km.weights] == [w.name for w in tm.weights]
    assert_same_layer_configs(km, tm)
    assert_same_model_config(km, tm)
    assert km.output_shape == tm.output_shape


@pytest.mark.parametrize(
    "kwargs", [{}, {"expand_nested": True, "show_trainable": True}, {"line_length": 110}]
)
def test_summary_text(pair, kwargs):
    _, km, tm = pair
    assert_same_summary(km, tm, **kwargs)


def test_summary_text_sequential_chain_branching(tk):
    """The three reference shapes of summary(), checked explicitly (not only via `pair`)."""
    for build in (sequential, chain, branching):
        km, tm = build_pair(build)
        lines = summary_lines(km)
        assert lines == summary_lines(tm)
        assert lines[0] == f'Model: "{tm.name}"'
    assert "Connected to" in "\n".join(lines)  # branching: the functional layout


def test_trainable_false_counts(tk):
    def build(k):
        model = sequential(k)
        model.layers[0].trainable = False
        return model

    km, tm = build_pair(build)
    assert_same_counts(km, tm)
    assert_same_summary(km, tm, show_trainable=True)


def test_gradients_multi_io(tk):
    km, tm = build_pair(multi_io)
    assert_same_gradients(km, tm, _data("multi_io"))


def test_gradients_nested_shared(tk):
    km, tm = build_pair(nested_functional_shared)
    assert_same_gradients(km, tm, _data("nested_functional_shared"))


# ------------------------------------------------------------------------------------ JSON
@pytest.mark.parametrize("name", NAMES)
def test_kviz_json_loads_in_tf_keras(tk, name):
    build, _, _ = MODELS[name]
    km, tm = build_pair(build)
    tk.backend.clear_session()
    loaded = tf_model_from_json(km.to_json())
    assert type(loaded).__name__ == type(tm).__name__
    copy_weights(km, loaded)
    assert_same_predictions(km, loaded, _data(name))
    assert_same_summary(km, loaded)
    assert_same_layer_configs(km, loaded)


@pytest.mark.parametrize("name", NAMES)
def test_tf_keras_json_loads_in_kviz(tk, name):
    import kviz

    build, _, _ = MODELS[name]
    km, tm = build_pair(build)
    kviz.backend.clear_session()
    loaded = kviz_model_from_json(tm.to_json())
    assert type(loaded).__name__ in (type(km).__name__, "Model", "Functional")
    copy_weights_to_kviz(tm, loaded)
    assert_same_predictions(loaded, tm, _data(name))
    assert_same_summary(loaded, tm)
    assert_same_layer_configs(loaded, tm)


def test_json_with_lambda_both_ways(tk):
    def build(k):
        inp = k.layers.Input((3,))
        h = k.layers.Lambda(lambda x: x * 2.0 - 1.0, name="affine")(inp)
        return k.models.Model(inp, k.layers.Dense(2)(h))

    import kviz

    km, tm = build_pair(build)
    x = random_input((3,))
    tk.backend.clear_session()
    t_loaded = tf_model_from_json(km.to_json())
    copy_weights(km, t_loaded)
    assert_same_predictions(km, t_loaded, x)
    kviz.backend.clear_session()
    k_loaded = kviz_model_from_json(tm.to_json())
    copy_weights_to_kviz(tm, k_loaded)
    assert_same_predictions(k_loaded, tm, x)


def test_json_round_trip_keeps_layer_options(tk):
    """Options that only show in configs survive kviz -> tf-keras -> kviz."""

    def build(k):
        inp = k.layers.Input((4,))
        h = k.layers.Dense(
            3,
            activation="selu",
            use_bias=False,
            kernel_regularizer=k.regularizers.l1_l2(l1=0.01, l2=0.001),
            kernel_constraint=k.constraints.max_norm(3.0),
        )(inp)
        h = k.layers.ReLU(max_value=2.0, negative_slope=0.1, threshold=0.5)(h)
        h = k.layers.Dropout(0.3, noise_shape=(None, 1), seed=4)(h)
        return k.models.Model(inp, k.layers.Softmax(axis=-1)(h))

    import kviz

    km, tm = build_pair(build)
    tk.backend.clear_session()
    t_loaded = tf_model_from_json(km.to_json())
    kviz.backend.clear_session()
    k_back = kviz_model_from_json(t_loaded.to_json())
    assert_same_layer_configs(k_back, tm)
    copy_weights_to_kviz(tm, k_back)
    assert_same_predictions(k_back, tm, random_input((4,)))
    np.testing.assert_array_equal(k_back.layers[1].get_weights()[0], km.layers[1].get_weights()[0])
