"""kviz's activations, initializers, regularizers and constraints against real tf-keras 2.

Skipped unless ``tf_keras`` is importable (the ``oracle`` extra in .venv).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

tf_keras = pytest.importorskip("tf_keras")
tf = pytest.importorskip("tensorflow")

from kviz import activations, constraints, initializers, regularizers  # noqa: E402

pytestmark = pytest.mark.keras_oracle


def _x(shape=(4, 6), seed=0, scale=3.0, dtype="float32"):
    return (np.random.default_rng(seed).normal(size=shape) * scale).astype(dtype)


def _tf(fn, *args, **kwargs):
    return np.asarray(fn(*[tf.constant(a) for a in args], **kwargs))


# ------------------------------------------------------------------ activations

ACTIVATION_NAMES = [
    "relu",
    "elu",
    "selu",
    "softmax",
    "softplus",
    "softsign",
    "sigmoid",
    "hard_sigmoid",
    "tanh",
    "linear",
    "exponential",
    "swish",
    "gelu",
    "mish",
    "leaky_relu",
    "relu6",
    "silu",
    "log_softmax",
]


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_activation_outputs(name):
    x = _x()
    want = _tf(tf_keras.activations.get(name), x)
    got = np.asarray(activations.get(name)(x))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert activations.serialize(activations.get(name)) == tf_keras.activations.serialize(
        tf_keras.activations.get(name)
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"alpha": 0.1},
        {"max_value": 2.0},
        {"alpha": 0.2, "max_value": 4.0},
        {"threshold": 0.7},
        {"alpha": 0.3, "max_value": 3.0, "threshold": 1.1},
    ],
)
def test_relu_arguments(kwargs):
    x = _x(shape=(8, 8))  # continuous draws: no value equals a threshold exactly
    want = _tf(tf_keras.activations.relu, x, **kwargs)
    np.testing.assert_allclose(activations.relu(x, **kwargs), want, rtol=1e-6, atol=1e-6)


def test_other_activation_arguments():
    x = _x(shape=(2, 3, 4))
    np.testing.assert_allclose(
        activations.elu(x, alpha=0.4), _tf(tf_keras.activations.elu, x, alpha=0.4), atol=1e-6
    )
    np.testing.assert_allclose(
        activations.gelu(x, approximate=True),
        _tf(tf_keras.activations.gelu, x, approximate=True),
        rtol=1e-5,
        atol=1e-5,
    )
    for axis in (0, 1, -1):
        np.testing.assert_allclose(
            activations.softmax(x, axis=axis),
            _tf(tf_keras.activations.softmax, x, axis=axis),
            rtol=1e-5,
            atol=1e-6,
        )


def test_softmax_1d_error_matches():
    with pytest.raises(ValueError) as theirs:
        tf_keras.activations.softmax(tf.constant([1.0, 2.0]))
    with pytest.raises(ValueError) as ours:
        activations.softmax(np.array([1.0, 2.0], "float32"))
    assert str(ours.value) == str(theirs.value)


def test_unknown_activation_message_starts_like_keras():
    with pytest.raises(ValueError) as theirs:
        tf_keras.activations.get("foo")
    with pytest.raises(ValueError) as ours:
        activations.get("foo")
    assert str(ours.value).startswith(str(theirs.value))


# ---------------------------------------------------------------- initializers

INITIALIZER_CASES = [
    ("Zeros", {}),
    ("Ones", {}),
    ("Constant", {}),
    ("Constant", {"value": 2.5}),
    ("RandomNormal", {}),
    ("RandomNormal", {"mean": 1.0, "stddev": 2.0, "seed": 3}),
    ("RandomUniform", {}),
    ("RandomUniform", {"minval": -1.0, "maxval": 2.0, "seed": 1}),
    ("TruncatedNormal", {}),
    ("TruncatedNormal", {"stddev": 0.5}),
    ("VarianceScaling", {}),
    ("VarianceScaling", {"scale": 2.0, "mode": "fan_avg", "distribution": "uniform", "seed": 4}),
    ("VarianceScaling", {"distribution": "normal"}),
    ("VarianceScaling", {"mode": "fan_out", "distribution": "untruncated_normal"}),
    ("Orthogonal", {}),
    ("Orthogonal", {"gain": 0.5, "seed": 2}),
    ("Identity", {}),
    ("Identity", {"gain": 3.0}),
    ("GlorotNormal", {}),
    ("GlorotUniform", {}),
    ("GlorotUniform", {"seed": 42}),
    ("HeNormal", {}),
    ("HeUniform", {}),
    ("LecunNormal", {}),
    ("LecunUniform", {}),
]


@pytest.mark.parametrize("name, kwargs", INITIALIZER_CASES)
def test_initializer_configs(name, kwargs):
    ours = getattr(initializers, name)(**kwargs)
    theirs = getattr(tf_keras.initializers, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    ser_ours, ser_theirs = initializers.serialize(ours), tf_keras.initializers.serialize(theirs)
    assert ser_ours["class_name"] == ser_theirs["class_name"]
    assert ser_ours["config"] == ser_theirs["config"]


@pytest.mark.parametrize(
    "name",
    [
        "zeros",
        "ones",
        "constant",
        "random_normal",
        "random_uniform",
        "truncated_normal",
        "variance_scaling",
        "orthogonal",
        "identity",
        "glorot_normal",
        "glorot_uniform",
        "he_normal",
        "he_uniform",
        "lecun_normal",
        "lecun_uniform",
        "normal",
        "uniform",
        "one",
        "zero",
    ],
)
def test_initializer_string_lookup(name):
    ours, theirs = initializers.get(name), tf_keras.initializers.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.get_config() == theirs.get_config()


@pytest.mark.parametrize(
    "shape", [(), (5,), (4, 6), (3, 8, 16), (3, 3, 16, 32), (2, 3, 3, 4, 5), (1, 1, 7, 9)]
)
def test_compute_fans(shape):
    from tf_keras.src.initializers.initializers import _compute_fans as tf_fans

    assert initializers._compute_fans(shape) == tf_fans(shape)


@pytest.mark.parametrize(
    "init, shape",
    [
        ("Zeros", (2, 3)),
        ("Ones", (4,)),
        ("Constant", (2, 2)),
        ("Identity", (3, 5)),
        ("Identity", (4, 4)),
    ],
)
def test_deterministic_initializer_values(init, shape):
    kwargs = {"value": 1.5} if init == "Constant" else {}
    want = np.asarray(getattr(tf_keras.initializers, init)(**kwargs)(shape))
    got = getattr(initializers, init)(**kwargs)(shape)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    "name, shape",
    [
        ("GlorotUniform", (3, 3, 32, 64)),
        ("GlorotNormal", (256, 128)),
        ("HeNormal", (5, 5, 8, 16)),
        ("HeUniform", (300, 200)),
        ("LecunNormal", (400, 100)),
        ("TruncatedNormal", (300, 300)),
    ],
)
def test_initializer_statistics_match(name, shape):
    want = np.asarray(getattr(tf_keras.initializers, name)(seed=0)(shape)).astype("float64")
    got = getattr(initializers, name)(seed=0)(shape).astype("float64")
    assert abs(got.std() - want.std()) < 0.03 * want.std()
    assert abs(abs(got).max() - abs(want).max()) < 0.05 * abs(want).max()


# ---------------------------------------------------------------- regularizers

REGULARIZER_CASES = [
    ("l1", None),
    ("l2", None),
    ("l1_l2", None),
    ("L1L2", None),
    ("L1", {"l1": 0.3}),
    ("L2", {"l2": 0.25}),
    ("L1L2", {"l1": 0.1, "l2": 0.7}),
    ("l1_l2", {"l1": 0.05, "l2": 0.2}),
]


@pytest.mark.parametrize("name, kwargs", REGULARIZER_CASES)
def test_regularizers(name, kwargs):
    if kwargs is None:
        ours, theirs = regularizers.get(name), tf_keras.regularizers.get(name)
    else:
        ours = getattr(regularizers, name)(**kwargs)
        theirs = getattr(tf_keras.regularizers, name)(**kwargs)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.get_config() == theirs.get_config()
    ser_theirs = tf_keras.regularizers.serialize(theirs)
    assert regularizers.serialize(ours)["class_name"] == ser_theirs["class_name"]
    w = _x(shape=(5, 7), scale=1.0)
    np.testing.assert_allclose(float(ours(w)), float(theirs(tf.constant(w))), rtol=1e-5)


# ----------------------------------------------------------------- constraints

CONSTRAINT_CASES = [
    ("max_norm", {}),
    ("non_neg", {}),
    ("unit_norm", {}),
    ("min_max_norm", {}),
    ("MaxNorm", {"max_value": 1.5, "axis": 1}),
    ("MaxNorm", {"max_value": 3, "axis": [0, 1, 2]}),
    ("UnitNorm", {"axis": -1}),
    ("MinMaxNorm", {"min_value": 0.5, "max_value": 2.0, "rate": 0.3, "axis": 1}),
    ("MinMaxNorm", {"min_value": 1.0, "max_value": 1.5, "rate": 1.0, "axis": [0, 1]}),
]


@pytest.mark.parametrize("name, kwargs", CONSTRAINT_CASES)
def test_constraints(name, kwargs):
    if not kwargs:
        ours, theirs = constraints.get(name), tf_keras.constraints.get(name)
    else:
        ours = getattr(constraints, name)(**kwargs)
        theirs = getattr(tf_keras.constraints, name)(**kwargs)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.get_config() == theirs.get_config()
    ser_theirs = tf_keras.constraints.serialize(theirs)
    assert constraints.serialize(ours)["class_name"] == ser_theirs["class_name"]
    w = np.concatenate([_x((3, 3, 4, 2), scale=0.05), _x((3, 3, 4, 3), seed=1)], axis=-1)
    np.testing.assert_allclose(ours(w), np.asarray(theirs(tf.constant(w))), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("k", [2, 3, 4, 5, 7])
def test_radial_constraint(k):
    w = _x((k, k, 2, 3))
    want = np.asarray(tf_keras.constraints.RadialConstraint()(tf.constant(w)))
    np.testing.assert_array_equal(constraints.RadialConstraint()(w), want)
