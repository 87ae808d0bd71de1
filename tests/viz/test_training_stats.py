"""kviz.viz.training_stats: confusion matrix, histograms, gradients, dead ReLUs, warnings."""

from __future__ import annotations

import numpy as np
import pytest

import kviz as keras
from kviz.viz import training_stats as ts


def _mlp(bias=0.0, scale=None, activation="relu", seed=0, depth=2, width=8):
    keras.utils.set_random_seed(seed)
    layers = [keras.layers.Input(shape=(4,))]
    for i in range(depth):
        layers.append(
            keras.layers.Dense(
                width,
                activation=activation,
                bias_initializer=keras.initializers.Constant(bias),
                name=f"hidden{i}",
            )
        )
    layers.append(keras.layers.Dense(3, activation="softmax", name="out"))
    m = keras.Sequential(layers)
    m.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    if scale is not None:
        m.set_weights([w * scale for w in m.get_weights()])
    return m


def _data(n=16, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, n)]
    return x, y


# ---------------------------------------------------------------- confusion matrix
def test_confusion_matrix_matches_hand_count():
    y_true = [0, 0, 1, 1, 1, 2, 2, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 2, 2, 0, 2]
    expected = np.array([[1, 1, 0], [0, 2, 1], [1, 0, 3]])
    np.testing.assert_array_equal(ts.confusion_matrix(y_true, y_pred), expected)
    # one-hot truth and softmax scores give the same counts
    onehot = np.eye(3)[y_true]
    scores = np.eye(3)[y_pred] * 0.7 + 0.1
    np.testing.assert_array_equal(ts.confusion_matrix(onehot, scores), expected)
    # num_classes pads unseen classes
    assert ts.confusion_matrix([0, 1], [1, 1], num_classes=4).shape == (4, 4)
    assert ts.confusion_matrix([0, 1], [1, 1]).sum() == 2


def test_confusion_matrix_binary_sigmoid_scores():
    cm = ts.confusion_matrix(np.array([[0], [1], [1], [0]]), np.array([[0.2], [0.9], [0.4], [0.6]]))
    np.testing.assert_array_equal(cm, [[1, 1], [1, 1]])


def test_confusion_matrix_errors():
    with pytest.raises(ValueError, match="same number of samples"):
        ts.confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="outside"):
        ts.confusion_matrix([0, 3], [0, 1], num_classes=3)
    with pytest.raises(ValueError, match="outside"):
        ts.confusion_matrix([0, -1], [0, 1])
    with pytest.raises(ValueError, match="whole class ids"):
        ts.confusion_matrix([0.5, 1], [0, 1])
    with pytest.raises(ValueError, match="positive integer"):
        ts.confusion_matrix([0], [0], num_classes=0)
    with pytest.raises(TypeError, match="numbers"):
        ts.confusion_matrix(["a"], ["b"])
    with pytest.raises(ValueError, match="shape"):
        ts.confusion_matrix(np.zeros((2, 2, 2)), [0, 1])


# ---------------------------------------------------------------- histograms
def test_histogram_counts_and_stats():
    h = ts.histogram(np.array([-1.0, 0.0, 0.0, 1.0, 3.0]), bins=4)
    assert h["counts"] == [1, 2, 1, 1]
    assert h["edges"] == [-1.0, 0.0, 1.0, 2.0, 3.0]
    assert h["min"] == -1.0 and h["max"] == 3.0 and h["size"] == 5
    assert h["norm"] == pytest.approx(np.sqrt(11))
    const = ts.histogram(np.full(6, 2.0), bins=3)
    assert sum(const["counts"]) == 6
    inf = ts.histogram([1.0, np.inf], bins=2)
    assert inf["nonfinite"] == 1 and inf["norm"] == float("inf")
    with pytest.raises(ValueError, match="bins"):
        ts.histogram([1.0], bins=0)


def test_weight_histograms_cover_every_trainable_weight():
    m = _mlp()
    h = ts.weight_histograms(m, bins=10)
    assert list(h) == ["hidden0", "hidden1", "out"]
    assert sum(h["hidden0"]["kernel"]["counts"]) == 4 * 8
    assert sum(h["out"]["bias"]["counts"]) == 3
    kernel = m.get_layer("hidden1").get_weights()[0]
    assert h["hidden1"]["kernel"]["max"] == pytest.approx(float(kernel.max()))


def test_nested_models_are_entered():
    inner = keras.Sequential(
        [keras.layers.Dense(5, activation="relu", input_shape=(4,), name="d_in")], name="inner"
    )
    outer = keras.Sequential([inner, keras.layers.Dense(3, activation="softmax", name="head")])
    outer.compile("sgd", "categorical_crossentropy")
    x, y = _data()
    assert [p for p, _ in ts.layers_with_weights(outer)] == ["inner/d_in", "head"]
    grads = ts.layer_gradients(outer, x, y)
    assert grads["inner/d_in"]["kernel"].shape == (4, 5)
    assert set(ts.dead_relu_fraction(outer, x)) == {"inner/d_in"}


def test_layer_gradients_match_finite_differences():
    m = keras.Sequential([keras.layers.Dense(2, input_shape=(3,), name="d")])
    m.compile("sgd", "mse")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    y = rng.standard_normal((5, 2)).astype(np.float32)
    kernel, bias = m.get_weights()
    pred = x @ kernel + bias
    # mse = mean over samples of mean over units of (pred - y)^2
    expected = 2.0 * x.T @ (pred - y) / (5 * 2)
    g = ts.layer_gradients(m, x, y)
    np.testing.assert_allclose(g["d"]["kernel"], expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(g["d"]["bias"], 2.0 * (pred - y).sum(0) / 10, rtol=1e-4, atol=1e-6)
    hist = ts.gradient_histograms(m, x, y, bins=4)
    assert sum(hist["d"]["kernel"]["counts"]) == 6
    norms = ts.gradient_norms(g)
    assert norms["d"] == pytest.approx(
        np.sqrt((g["d"]["kernel"] ** 2).sum() + (g["d"]["bias"] ** 2).sum()), rel=1e-5
    )
    assert ts.gradient_norms(hist)["d"] == pytest.approx(norms["d"], rel=1e-5)


def test_layer_gradients_need_a_loss():
    m = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match="loss"):
        ts.layer_gradients(m, np.ones((2, 3)), np.ones((2, 2)))
    g = ts.layer_gradients(m, np.ones((2, 3)), np.ones((2, 2)), loss="mae")
    assert len(g) == 1
    with pytest.raises(TypeError, match="kviz Model"):
        ts.weight_histograms("model")


# ---------------------------------------------------------------- diagnostics
def test_dead_relu_detected_with_all_negative_biases():
    x, y = _data()
    x = np.abs(x) * 0.1  # small positive inputs: the biases dominate
    dead = _mlp(bias=-50.0)
    fractions = ts.dead_relu_fraction(dead, x)
    assert fractions == {"hidden0": 1.0, "hidden1": 1.0}
    warns = ts.dead_relu_warnings(fractions)
    assert [w["layer"] for w in warns] == ["hidden0", "hidden1"]
    assert "100%" in warns[0]["message"]
    healthy = _mlp(bias=0.5)
    assert all(f < 0.5 for f in ts.dead_relu_fraction(healthy, x).values())
    assert ts.dead_relu_warnings(ts.dead_relu_fraction(healthy, x)) == []


def test_dead_relu_counts_units_and_relu_layers_of_every_kind():
    inp = keras.layers.Input(shape=(3,))
    d = keras.layers.Dense(4, name="lin", kernel_initializer="zeros",
                           bias_initializer=keras.initializers.Constant([1.0, -1.0, 1.0, -1.0]))(inp)  # fmt: skip
    r = keras.layers.ReLU(name="relu_layer")(d)
    a = keras.layers.Activation("relu", name="act")(d)
    leaky = keras.layers.LeakyReLU(name="leaky")(d)
    m = keras.models.Model(inp, [r, a, leaky])
    fr = ts.dead_relu_fraction(m, np.ones((3, 3), dtype=np.float32))
    assert fr == {"relu_layer": 0.5, "act": 0.5}


def test_dead_relu_conv_units_are_channels():
    m = keras.Sequential(
        [
            keras.layers.Conv2D(
                2, 3, activation="relu", input_shape=(5, 5, 1), kernel_initializer="zeros",
                bias_initializer=keras.initializers.Constant([0.1, -0.1]), name="conv",
            )
        ]
    )  # fmt: skip
    assert ts.dead_relu_fraction(m, np.ones((2, 5, 5, 1), dtype=np.float32)) == {"conv": 0.5}


def test_exploding_gradient_warning_on_a_scaled_up_model():
    x, y = _data()
    normal = ts.diagnose(_mlp(), x, y, bins=8)
    assert [w for w in normal["warnings"] if w["kind"] == "exploding"] == []
    keras.utils.set_random_seed(0)
    big_model = keras.Sequential(
        [keras.layers.Input(shape=(4,))]
        + [keras.layers.Dense(16, activation="relu", name=f"h{i}") for i in range(3)]
        + [keras.layers.Dense(3, name="out")]
    )
    big_model.compile("sgd", "mse")
    big_model.set_weights([w * 10.0 for w in big_model.get_weights()])  # scaled up 10x
    big = ts.diagnose(big_model, x, y, bins=8)
    exploding = [w for w in big["warnings"] if w["kind"] == "exploding"]
    assert exploding, big["gradient_norms"]
    assert all(big["gradient_norms"][w["layer"]] > ts.EXPLODING_NORM for w in exploding)
    assert "exploding gradients" in exploding[0]["message"]
    assert set(big) == {"weights", "gradients", "gradient_norms", "dead_relu", "warnings"}


def test_vanishing_gradient_warning_on_a_deep_sigmoid_stack_with_tiny_weights():
    x, y = _data()
    m = _mlp(activation="sigmoid", depth=5, scale=0.02)
    d = ts.diagnose(m, x, y)
    vanishing = {w["layer"] for w in d["warnings"] if w["kind"] == "vanishing"}
    assert "hidden0" in vanishing and "out" not in vanishing


def test_gradient_warning_rules():
    w = ts.gradient_warnings({"a": 2e3, "b": 1.0, "c": 1e-5, "d": 1e-8, "e": float("inf")})
    kinds = {x["layer"]: x["kind"] for x in w}
    # c: 1e-5 < 1e-4 x largest finite norm (2e3) -> vanishing by ratio
    assert kinds == {"a": "exploding", "c": "vanishing", "d": "vanishing", "e": "exploding"}
    assert ts.gradient_warnings({"a": 2e3}, exploding=1e4) == []
    assert ts.gradient_warnings({}) == []
    with pytest.raises(TypeError, match="threshold"):
        ts.diagnose(_mlp(), *_data(), explode=1.0)
