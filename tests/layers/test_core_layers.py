"""Core layers: Dense, Lambda, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector,
Masking, ActivityRegularization (checked with ``layer_harness.check_layer`` plus behaviour)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from layer_harness import check_layer

from kviz import backend as K
from kviz import config, ops
from kviz.layers import Input, Layer
from kviz.layers.core import (
    Activation,
    ActivityRegularization,
    Dense,
    Dropout,
    Flatten,
    Lambda,
    Masking,
    Permute,
    RepeatVector,
    Reshape,
)
from kviz.models import Model, Sequential

BASE_KEYS = {"name", "trainable", "dtype"}


class MaskEcho(Layer):
    """Test helper: outputs the mask it receives (as float32), so a model can show it."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.multiply(ops.sum(inputs, axis=-1), 0.0) - 1.0
        return ops.cast(mask, "float32")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1])


def double(x):
    return ops.multiply(x, 2.0)


def double_shape(input_shape):
    return input_shape


# ------------------------------------------------------------------------------- Dense
@pytest.mark.parametrize(
    "kwargs, input_shape, out_shape, n_weights",
    [
        ({"units": 4}, (2, 3), (None, 4), 2),
        ({"units": 2, "activation": "tanh"}, (3, 5), (None, 2), 2),
        ({"units": 3, "activation": "softmax"}, (2, 4), (None, 3), 2),
        ({"units": 3, "use_bias": False}, (2, 4), (None, 3), 1),
        ({"units": 2, "activation": "sigmoid"}, (2, 3, 4), (None, 3, 2), 2),
        (
            {"units": 2, "kernel_regularizer": "l2", "bias_initializer": "ones"},
            (2, 3),
            (None, 2),
            2,
        ),
        ({"units": 2, "input_shape": (3,)}, (2, 3), (None, 2), 2),
    ],
)
def test_dense_check_layer(kwargs, input_shape, out_shape, n_weights):
    check_layer(
        Dense,
        kwargs,
        input_shape=input_shape,
        expected_output_shape=out_shape,
        expected_num_weights=n_weights,
        expected_num_trainable=n_weights,
    )


def test_dense_keras1_kwargs():
    with pytest.warns(UserWarning, match="Keras 2 API"):
        layer = Dense(output_dim=3, init="zeros", bias=False)
    out = layer(np.ones((2, 4), "float32"))
    assert out.shape == (2, 3) and not out.any() and len(layer.weights) == 1


def test_dense_errors():
    layer = Dense(2)
    layer(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(np.ones((2, 5), "float32"))
    with pytest.raises(ValueError, match="expected min_ndim=2, found ndim=1"):
        Dense(2)(np.ones((3,), "float32"))


# ------------------------------------------------------------------------------ Lambda
@pytest.mark.parametrize(
    "kwargs, input_shape, out_shape",
    [
        ({"function": lambda x: K.square(x)}, (2, 3), (None, 3)),
        ({"function": lambda x: x * 2.0 + 1.0, "output_shape": (3,)}, (2, 3), (None, 3)),
        (
            {"function": lambda x: K.sum(x, axis=-1, keepdims=True), "output_shape": (1,)},
            (2, 3),
            (None, 1),
        ),
        (
            {"function": lambda x: K.mean(x, axis=1), "output_shape": lambda s: (s[0], s[2])},
            (2, 3, 4),
            (None, 4),
        ),
        (
            {"function": lambda x, a, b: x * a + b, "arguments": {"a": 3.0, "b": -1.0}},
            (2, 3),
            (None, 3),
        ),
        ({"function": double, "output_shape": double_shape}, (2, 3), (None, 3)),
        ({"function": double}, (2, 5), (None, 5)),
    ],
)
def test_lambda_check_layer(kwargs, input_shape, out_shape):
    check_layer(
        Lambda,
        kwargs,
        input_shape=input_shape,
        expected_output_shape=out_shape,
        expected_num_weights=0,
    )


def test_lambda_values_and_arguments():
    x = np.arange(6, dtype="float32").reshape(2, 3)
    out = Lambda(lambda t, a: t * a, arguments={"a": 0.5})(x)
    np.testing.assert_allclose(out, x * 0.5)


def test_lambda_multi_input():
    out = check_layer(
        Lambda,
        {"function": lambda xs: xs[0] * xs[1] - xs[1]},
        multi_input_shapes=[(2, 3), (2, 3)],
        expected_output_shape=(None, 3),
    )
    assert out.shape == (2, 3)


# -------------------------------------------------------------------------- Activation
@pytest.mark.parametrize(
    "activation",
    [
        "relu",
        "tanh",
        "sigmoid",
        "softmax",
        "linear",
        "elu",
        "selu",
        "softplus",
        "softsign",
        "hard_sigmoid",
        "exponential",
        "swish",
        None,
    ],
)
def test_activation_check_layer(activation):
    x = np.random.default_rng(3).uniform(-2.0, 2.0, (3, 4)).astype("float32")
    out = check_layer(
        Activation,
        {"activation": activation},
        input_data=x,
        expected_output_shape=(None, 4),
        expected_num_weights=0,
    )
    from kviz import activations

    np.testing.assert_allclose(out, activations.get(activation)(x), rtol=1e-6)


def test_activation_values_and_config():
    x = np.array([[-1.0, 0.5, 2.0]], "float32")
    np.testing.assert_allclose(Activation("relu")(x), [[0.0, 0.5, 2.0]])
    cfg = Activation("tanh", name="act").get_config()
    assert cfg == {"name": "act", "trainable": True, "dtype": "float32", "activation": "tanh"}
    with pytest.raises(ValueError, match="Unknown activation function"):
        Activation("no_such_activation")


# ----------------------------------------------------------------------------- Dropout
@pytest.mark.parametrize(
    "kwargs, input_shape",
    [
        ({"rate": 0.5}, (2, 3)),
        ({"rate": 0.2, "seed": 3}, (4, 3, 2)),
        ({"rate": 0.3, "noise_shape": (None, 1, 2)}, (2, 3, 2)),
        ({"rate": 0.0}, (2, 3)),
    ],
)
def test_dropout_check_layer(kwargs, input_shape):
    x = np.random.default_rng(0).standard_normal(input_shape).astype("float32")
    out = check_layer(
        Dropout,
        kwargs,
        input_data=x,
        expected_output_shape=(None,) + input_shape[1:],
        expected_num_weights=0,
    )
    np.testing.assert_array_equal(out, x)  # identity with training=False


def test_dropout_training_statistics():
    x = np.ones((200, 100), "float32")
    out = Dropout(0.3)(x, training=True)
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(out[kept], 1.0 / 0.7, rtol=1e-6)
    assert abs(out.mean() - 1.0) < 0.03
    np.testing.assert_array_equal(Dropout(0.3)(x, training=False), x)
    np.testing.assert_array_equal(Dropout(0.3)(x), x)  # learning phase 0 by default


def test_dropout_learning_phase_and_model_training_flag():
    x = np.ones((50, 40), "float32")
    config.set_learning_phase(1)
    try:
        assert (Dropout(0.5)(x) == 0).any()
    finally:
        config.set_learning_phase(0)
    inp = Input(shape=(40,))
    model = Model(inp, Dropout(0.5)(inp))
    np.testing.assert_array_equal(model.predict(x), x)
    trained = model(x, training=True)
    assert (trained == 0).any() and set(np.unique(trained)) <= {0.0, 2.0}


def test_dropout_noise_shape_broadcasts():
    x = np.ones((4, 10, 3), "float32")
    out = Dropout(0.5, noise_shape=(None, 1, 3))(x, training=True)
    # the same features are dropped at every timestep of a sample
    assert (out == out[:, :1, :]).all()


def test_dropout_seed_reproducible_and_varying():
    x = np.ones((8, 16), "float32")
    a, b = Dropout(0.5, seed=7), Dropout(0.5, seed=7)
    first_a, first_b = a(x, training=True), b(x, training=True)
    np.testing.assert_array_equal(first_a, first_b)
    assert not np.array_equal(first_a, a(x, training=True))


def test_dropout_gradient_uses_the_mask():
    from kviz.autodiff import GradientTape, Variable

    x = Variable(np.ones((6, 5), "float32"))
    layer = Dropout(0.5, seed=1)
    with GradientTape() as tape:
        out = layer(x, training=True)
        loss = ops.sum(out)
    g = tape.gradient(loss, x)
    np.testing.assert_allclose(g, np.asarray(out.data))


def test_dropout_config_and_keras1():
    cfg = Dropout(0.25, name="d").get_config()
    assert cfg == {
        "name": "d",
        "trainable": True,
        "dtype": "float32",
        "rate": 0.25,
        "noise_shape": None,
        "seed": None,
    }
    with pytest.warns(UserWarning, match=r"Dropout\(rate=0.4\)"):
        layer = Dropout(p=0.4)
    assert layer.rate == 0.4
    with pytest.raises(ValueError, match="Invalid value 1.5 received for `rate`"):
        Dropout(1.5)
    out = Dropout(1.0)(np.ones((2, 3), "float32"), training=True)
    assert not out.any()


# ----------------------------------------------------------------------------- Flatten
@pytest.mark.parametrize(
    "kwargs, input_shape, out_shape",
    [
        ({}, (2, 3, 4), (None, 12)),
        ({}, (2, 2, 3, 4), (None, 24)),
        ({}, (2, 5), (None, 5)),
        ({}, (3,), (None, 1)),
        ({"data_format": "channels_first"}, (2, 3, 4, 5), (None, 60)),
        ({"data_format": "channels_last"}, (2, 3, 4, 5), (None, 60)),
    ],
)
def test_flatten_check_layer(kwargs, input_shape, out_shape):
    check_layer(
        Flatten,
        kwargs,
        input_shape=input_shape,
        expected_output_shape=out_shape,
        expected_num_weights=0,
    )


def test_flatten_channels_first_order():
    x = np.arange(2 * 3 * 4 * 5, dtype="float32").reshape(2, 3, 4, 5)  # (N, C, H, W)
    out = Flatten(data_format="channels_first")(x)
    np.testing.assert_array_equal(out, x.transpose(0, 2, 3, 1).reshape(2, -1))
    np.testing.assert_array_equal(Flatten()(x), x.reshape(2, -1))
    assert Flatten().get_config()["data_format"] == "channels_last"
    assert set(Flatten().get_config()) == BASE_KEYS | {"data_format"}


def test_flatten_symbolic_unknown_dims_and_drops_mask():
    inp = Input(shape=(None, 3))
    assert Flatten()(inp).shape == (None, None)
    masked = Masking()(inp)
    flat = Flatten()(masked)
    model = Model(inp, flat)
    x = np.zeros((2, 4, 3), "float32")
    model.predict(x)
    assert model.compute_mask(x) is None


# ----------------------------------------------------------------------------- Reshape
@pytest.mark.parametrize(
    "target, input_shape, out_shape",
    [
        ((3, 4), (2, 12), (None, 3, 4)),
        ((-1,), (2, 3, 4), (None, 12)),
        ((2, -1), (2, 3, 4), (None, 2, 6)),
        ((-1, 2, 2), (2, 12), (None, 3, 2, 2)),
        ((6,), (2, 2, 3), (None, 6)),
    ],
)
def test_reshape_check_layer(target, input_shape, out_shape):
    out = check_layer(
        Reshape,
        {"target_shape": target},
        input_shape=input_shape,
        expected_output_shape=out_shape,
        expected_num_weights=0,
    )
    assert out.shape[1:] == out_shape[1:]


def test_reshape_values_config_and_symbolic():
    x = np.arange(24, dtype="float32").reshape(2, 12)
    np.testing.assert_array_equal(Reshape((3, 4))(x), x.reshape(2, 3, 4))
    assert Reshape([3, 4]).get_config()["target_shape"] == (3, 4)
    assert set(Reshape((3, 4)).get_config()) == BASE_KEYS | {"target_shape"}
    assert Reshape((-1, 2))(Input(shape=(None, 4))).shape == (None, None, 2)
    model = Sequential([Reshape((3, 4), input_shape=(12,))])
    assert model.output_shape == (None, 3, 4)


def test_reshape_errors():
    with pytest.raises(
        ValueError,
        match=r"total size of new array must be unchanged, "
        r"input_shape = \[2, 3\], output_shape = \[4, 2\]",
    ):
        Reshape((4, 2))(np.zeros((5, 2, 3), "float32"))
    with pytest.raises(ValueError, match="total size of new array must be unchanged"):
        Reshape((5, -1))(Input(shape=(12,)))
    with pytest.raises(ValueError, match="at most one unknown dimension"):
        Reshape((-1, -1))


# ----------------------------------------------------------------------------- Permute
@pytest.mark.parametrize(
    "dims, input_shape, out_shape",
    [
        ((2, 1), (2, 3, 4), (None, 4, 3)),
        ((1, 2), (2, 3, 4), (None, 3, 4)),
        ((3, 1, 2), (2, 3, 4, 5), (None, 5, 3, 4)),
    ],
)
def test_permute_check_layer(dims, input_shape, out_shape):
    check_layer(
        Permute,
        {"dims": dims},
        input_shape=input_shape,
        expected_output_shape=out_shape,
        expected_num_weights=0,
    )


def test_permute_values_and_errors():
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    np.testing.assert_array_equal(Permute((2, 1))(x), x.transpose(0, 2, 1))
    assert Permute([2, 1]).get_config()["dims"] == (2, 1)
    with pytest.raises(ValueError, match="Invalid permutation argument `dims` for Permute"):
        Permute((0, 1))
    with pytest.raises(ValueError, match="Invalid permutation argument"):
        Permute((1, 3))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=4"):
        Permute((2, 1))(np.zeros((2, 3, 4, 5), "float32"))


# ------------------------------------------------------------------------ RepeatVector
def test_repeat_vector_check_layer():
    out = check_layer(
        RepeatVector,
        {"n": 3},
        input_shape=(2, 4),
        expected_output_shape=(None, 3, 4),
        expected_num_weights=0,
    )
    assert (out == out[:, :1, :]).all()


def test_repeat_vector_errors_and_config():
    assert RepeatVector(2).get_config()["n"] == 2
    assert set(RepeatVector(2).get_config()) == BASE_KEYS | {"n"}
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        RepeatVector(2)(np.zeros((2, 3, 4), "float32"))
    with pytest.raises(TypeError, match="Expected an integer value for `n`"):
        RepeatVector(2.5)


# ----------------------------------------------------------------------------- Masking
def _masked_sequence():
    x = np.random.default_rng(5).standard_normal((3, 4, 2)).astype("float32")
    x[0, 1] = 0.0
    x[2, 3] = 0.0
    x[1, 0, 0] = 0.0  # only one feature equals the mask value: not masked
    return x


def test_masking_check_layer():
    # random data (nothing masked): full gradient check
    check_layer(Masking, {}, input_shape=(2, 3, 4), expected_output_shape=(None, 3, 4))
    # masked steps: the output is not differentiable there (one changed feature unmasks the
    # step), so the input gradient is not compared with finite differences
    x = _masked_sequence()
    out = check_layer(
        Masking,
        {"mask_value": 0.0},
        input_data=x,
        expected_output_shape=(None, 4, 2),
        expected_num_weights=0,
        input_grad=False,
    )
    np.testing.assert_array_equal(out, x)
    x2 = x.copy()
    x2[1, 2] = -1.0
    out2 = check_layer(Masking, {"mask_value": -1.0}, input_data=x2, input_grad=False)
    expected = x2.copy()
    expected[1, 2] = 0.0
    np.testing.assert_array_equal(out2, expected)


def test_masking_mask_values():
    x = _masked_sequence()
    mask = Masking()(Input(shape=(4, 2)))
    assert mask.shape == (None, 4, 2)
    expected = np.ones((3, 4), bool)
    expected[0, 1] = expected[2, 3] = False
    np.testing.assert_array_equal(Masking().compute_mask(x), expected)


def test_masking_feeds_downstream_layers():
    x = _masked_sequence()
    expected = np.ones((3, 4), "float32")
    expected[0, 1] = expected[2, 3] = 0.0
    inp = Input(shape=(4, 2))
    masked = Masking(0.0)(inp)
    # the mask flows through mask-supporting layers (Dense, Activation, Dropout) to MaskEcho
    h = Dropout(0.5)(Activation("tanh")(Dense(3)(masked)))
    model = Model(inp, [MaskEcho()(h), MaskEcho()(inp)])
    echoed, unmasked = model.predict(x)
    np.testing.assert_array_equal(echoed, expected)
    np.testing.assert_array_equal(unmasked, -np.ones((3, 4)))  # no mask on the raw input
    assert set(Masking().get_config()) == BASE_KEYS | {"mask_value"}


# -------------------------------------------------------------- ActivityRegularization
@pytest.mark.parametrize("kwargs", [{}, {"l1": 0.1}, {"l2": 0.2}, {"l1": 0.01, "l2": 0.3}])
def test_activity_regularization_check_layer(kwargs):
    x = np.random.default_rng(2).standard_normal((2, 3)).astype("float32")
    out = check_layer(
        ActivityRegularization,
        kwargs,
        input_data=x,
        expected_output_shape=(None, 3),
        expected_num_weights=0,
    )
    np.testing.assert_array_equal(out, x)


def test_activity_regularization_loss():
    x = np.array([[1.0, -2.0], [3.0, 0.0]], "float32")
    layer = ActivityRegularization(l1=0.1, l2=0.5)
    layer(x)
    (loss,) = layer.losses
    expected = (0.1 * np.abs(x).sum() + 0.5 * np.square(x).sum()) / 2  # divided by batch size
    np.testing.assert_allclose(float(np.asarray(loss)), expected, rtol=1e-6)
    assert layer.get_config() == {
        "name": layer.name,
        "trainable": True,
        "dtype": "float32",
        "l1": 0.1,
        "l2": 0.5,
    }
    assert layer.supports_masking


# ------------------------------------------------------------------------ common checks
ALL_LAYERS = [
    (Dense, {"units": 2}),
    (Lambda, {"function": double}),
    (Activation, {"activation": "relu"}),
    (Dropout, {"rate": 0.5}),
    (Flatten, {}),
    (Reshape, {"target_shape": (3,)}),
    (Permute, {"dims": (1,)}),
    (RepeatVector, {"n": 2}),
    (Masking, {}),
    (ActivityRegularization, {}),
]


@pytest.mark.parametrize("cls, kwargs", ALL_LAYERS, ids=lambda v: getattr(v, "__name__", ""))
def test_bad_keyword_argument(cls, kwargs):
    with pytest.raises(TypeError) as info:
        cls(foo=1, **kwargs)
    assert info.value.args == ("Keyword argument not understood:", "foo")


EXPECTED_KEYS = {
    Dense: {
        "units",
        "activation",
        "use_bias",
        "kernel_initializer",
        "bias_initializer",
        "kernel_regularizer",
        "bias_regularizer",
        "activity_regularizer",
        "kernel_constraint",
        "bias_constraint",
    },
    Activation: {"activation"},
    Dropout: {"rate", "noise_shape", "seed"},
    Flatten: {"data_format"},
    Reshape: {"target_shape"},
    Permute: {"dims"},
    RepeatVector: {"n"},
    Masking: {"mask_value"},
    ActivityRegularization: {"l1", "l2"},
}


@pytest.mark.parametrize(
    "cls, kwargs",
    [p for p in ALL_LAYERS if p[0] in EXPECTED_KEYS],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_config_keys_as_tf_keras(cls, kwargs):
    assert set(cls(**kwargs).get_config()) == BASE_KEYS | EXPECTED_KEYS[cls]
    cfg = cls(input_shape=(3,), **kwargs).get_config()
    assert cfg["batch_input_shape"] == (None, 3)


def test_legacy_module_paths():
    from kviz.layers import core
    from kviz.layers.core import Dense as D2
    from kviz.layers.embeddings import Embedding

    assert D2 is Dense and Embedding.__name__ == "Embedding"
    for name in [
        "Dense",
        "Dropout",
        "Activation",
        "Flatten",
        "Reshape",
        "Permute",
        "RepeatVector",
        "Lambda",
        "Masking",
        "ActivityRegularization",
    ]:
        assert hasattr(core, name)


def test_sequential_stack_of_core_layers():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = Sequential(
            [
                Reshape((4, 3), input_shape=(12,)),
                Permute((2, 1)),
                Flatten(),
                Dense(5, activation="relu"),
                Dropout(0.5),
                RepeatVector(2),
                Masking(),
                Activation("tanh"),
                ActivityRegularization(l2=0.01),
            ]
        )
    assert model.output_shape == (None, 2, 5)
    out = model.predict(np.ones((3, 12), "float32"))
    assert out.shape == (3, 2, 5)


def test_dropout_training_true_in_functional_graph():
    """``Dropout(rate)(x, training=True)`` keeps dropping at predict (Monte Carlo dropout)."""
    inp = Input(shape=(30,))
    model = Model(inp, Dropout(0.5)(inp, training=True))
    out = model.predict(np.ones((20, 30), "float32"))
    assert (out == 0).any() and set(np.unique(out)) <= {0.0, 2.0}
