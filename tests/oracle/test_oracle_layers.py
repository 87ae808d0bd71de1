"""Every engine-core layer, built alone in kviz and in tf-keras 2.21 with the same weights.

Each test builds ``Model(Input, Layer(...)(Input))`` in both libraries from one description
(see ``oracle_utils``), then asserts equal predictions (1e-5), equal parameter counts (and
summary parameter lines) and equal layer configs; for layers with a gradient worth checking,
also the gradient of ``sum(output * R)`` with respect to the inputs and the weights (1e-4).
"""

from __future__ import annotations

import numpy as np
import pytest
from oracle_utils import (
    assert_same_config,
    assert_same_counts,
    assert_same_gradients,
    assert_same_layer_configs,
    assert_same_predictions,
    build_pair,
    check_layer_pair,
    random_input,
    single_layer_model,
)

pytestmark = pytest.mark.keras_oracle

ACTIVATIONS = [
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
    "relu6",
    "silu",
    "log_softmax",
    "leaky_relu",
]


# ------------------------------------------------------------------------ InputLayer / Input
@pytest.mark.parametrize(
    "input_kwargs",
    [
        {"shape": (3,)},
        {"shape": (2, 3), "name": "pixels"},
        {"shape": (3,), "batch_size": 4},
        {"batch_shape": (4, 3), "dtype": "float64"},
        {"shape": (5,), "dtype": "int32"},
    ],
)
def test_input_layer_config(tk, input_kwargs):
    def build(keras):
        inp = keras.layers.Input(**input_kwargs)
        return keras.models.Model(inp, keras.layers.Activation("linear")(inp))

    km, tm = build_pair(build)
    assert_same_layer_configs(km, tm)
    assert km.layers[0].name == tm.layers[0].name
    assert tuple(km.input_shape) == tuple(tm.input_shape)
    assert km.inputs[0].dtype == tm.inputs[0].dtype.name


def test_input_layer_in_sequential(tk):
    def build(keras):
        return keras.models.Sequential(
            [keras.layers.InputLayer(input_shape=(3,), name="inp"), keras.layers.Dense(2)]
        )

    km, tm = build_pair(build)
    assert_same_layer_configs(km, tm)
    k_cfg, t_cfg = km.get_config()["layers"][0], tm.get_config()["layers"][0]
    assert k_cfg["class_name"] == t_cfg["class_name"] == "InputLayer"
    assert_same_predictions(km, tm, random_input((3,)))


# ------------------------------------------------------------------------------------- Dense
@pytest.mark.parametrize("activation", [None, "relu", "tanh", "sigmoid", "softmax", "elu", "selu"])
def test_dense_activations(tk, activation):
    check_layer_pair(lambda k: k.layers.Dense(5, activation=activation), (4,), gradients=True)


def test_dense_no_bias(tk):
    km, _ = check_layer_pair(lambda k: k.layers.Dense(3, use_bias=False), (4,), gradients=True)
    assert len(km.layers[1].weights) == 1


def test_dense_on_3d_input(tk):
    check_layer_pair(lambda k: k.layers.Dense(3, activation="relu"), (2, 4), gradients=True)


def test_dense_regularizers_constraints_initializers(tk):
    def make(k):
        return k.layers.Dense(
            3,
            kernel_initializer="he_normal",
            bias_initializer=k.initializers.Constant(0.3),
            kernel_regularizer=k.regularizers.l2(0.01),
            bias_regularizer="l1",
            activity_regularizer=k.regularizers.l1_l2(l1=0.01, l2=0.02),
            kernel_constraint=k.constraints.max_norm(2.0),
            bias_constraint=k.constraints.non_neg(),
        )

    km, tm = check_layer_pair(make, (4,), gradients=True)
    x = random_input((4,))
    _assert_same_losses(km, tm, x)


@pytest.mark.parametrize(
    "constraints",
    [
        ("unit_norm", "min_max_norm"),
        ("non_neg", "max_norm"),
    ],
)
def test_dense_constraint_configs(tk, constraints):
    def make(k):
        return k.layers.Dense(2, kernel_constraint=constraints[0], bias_constraint=constraints[1])

    check_layer_pair(make, (3,))


def _assert_same_losses(km, tm, x):
    """Regularization losses after a forward pass (activity terms divided by batch size)."""
    import oracle_utils

    tf = oracle_utils.tf()
    km(x)
    tm(tf.constant(x))
    k_loss = float(sum(float(np.asarray(v)) for v in km.losses))
    t_loss = float(sum(float(v.numpy()) for v in tm.losses))
    assert len(km.losses) == len(tm.losses)
    np.testing.assert_allclose(k_loss, t_loss, rtol=1e-5)


# -------------------------------------------------------------------------------- Activation
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_layer(tk, name):
    check_layer_pair(lambda k: k.layers.Activation(name), (3, 4), gradients=True)


# ----------------------------------------------------------------------------------- Dropout
@pytest.mark.parametrize(
    "kwargs", [{"rate": 0.5}, {"rate": 0.2, "noise_shape": (None, 1, 4), "seed": 7}]
)
def test_dropout_inference(tk, kwargs):
    km, _ = check_layer_pair(lambda k: k.layers.Dropout(**kwargs), (3, 4))
    x = random_input((3, 4))
    np.testing.assert_array_equal(km.predict(x), x)


# ---------------------------------------------------------- Flatten, Reshape, Permute, Repeat
@pytest.mark.parametrize("shape", [(6,), (2, 3), (2, 3, 4)])
def test_flatten(tk, shape):
    check_layer_pair(lambda k: k.layers.Flatten(), shape, gradients=True)


@pytest.mark.parametrize("shape", [(2, 3, 4), (2, 3, 4, 5)])
def test_flatten_channels_first(tk, shape):
    check_layer_pair(
        lambda k: k.layers.Flatten(data_format="channels_first"), shape, gradients=True
    )


@pytest.mark.parametrize(
    "shape,target", [((12,), (3, 4)), ((2, 6), (3, -1)), ((2, 6), (-1,)), ((12,), (2, 3, 2))]
)
def test_reshape(tk, shape, target):
    check_layer_pair(lambda k: k.layers.Reshape(target), shape, gradients=True)


@pytest.mark.parametrize("shape,dims", [((2, 3), (2, 1)), ((2, 3, 4), (3, 1, 2))])
def test_permute(tk, shape, dims):
    check_layer_pair(lambda k: k.layers.Permute(dims), shape, gradients=True)


def test_repeat_vector(tk):
    check_layer_pair(lambda k: k.layers.RepeatVector(3), (4,), gradients=True)


# ------------------------------------------------------------------------------------ Lambda
@pytest.mark.parametrize(
    "make",
    [
        lambda k: k.layers.Lambda(lambda x: x * 2.0 + 1.0),
        lambda k: k.layers.Lambda(lambda x: x * x, output_shape=(3, 4)),
        lambda k: k.layers.Lambda(lambda x, scale: x * scale, arguments={"scale": 3.0}),
        lambda k: k.layers.Lambda(
            lambda x: x[:, 1:], output_shape=lambda s: (s[0], s[1] - 1, s[2])
        ),
    ],
    ids=["plain", "output_shape", "arguments", "output_shape_fn"],
)
def test_lambda(tk, make):
    km, tm = build_pair(single_layer_model(make, (3, 4)))
    x = random_input((3, 4))
    assert_same_predictions(km, tm, x)
    assert km.output_shape == tm.output_shape
    assert_same_config(km.layers[1], tm.layers[1])
    assert_same_gradients(km, tm, x)


def test_lambda_with_backend_function(tk):
    """A Lambda calling ``K`` functions (the teaching-code idiom); output_shape given."""

    def make(k):
        K = k.backend
        return k.layers.Lambda(
            lambda x: K.sum(K.square(x), axis=-1, keepdims=True), output_shape=(3, 1)
        )

    km, tm = build_pair(single_layer_model(make, (3, 4)))
    x = random_input((3, 4))
    assert_same_predictions(km, tm, x)
    assert km.output_shape == tm.output_shape == (None, 3, 1)
    assert_same_gradients(km, tm, x)


# ----------------------------------------------------------------------------------- Masking
def _masked_input(mask_value=0.0):
    x = random_input((5, 3))
    x[0, 1] = mask_value
    x[1, 3:] = mask_value
    x[2, 0, 0] = mask_value  # one feature only: not masked
    return x


@pytest.mark.parametrize("mask_value", [0.0, -1.0])
def test_masking(tk, tf, mask_value):
    x = _masked_input(mask_value)
    km, tm = check_layer_pair(lambda k: k.layers.Masking(mask_value), (5, 3), x=x, gradients=True)
    k_mask = np.asarray(km.layers[1].compute_mask(x))
    t_mask = tm.layers[1].compute_mask(tf.constant(x)).numpy()
    np.testing.assert_array_equal(k_mask, t_mask)
    assert not k_mask[0, 1] and k_mask[2, 0] and not k_mask[1, 4]


def _masked_mean(k):
    """A Lambda that consumes the mask: the mean over the unmasked timesteps."""
    K = k.backend

    def mean(x, mask=None):
        m = K.expand_dims(K.cast(mask, "float32"), -1)
        return K.sum(x * m, axis=1) / K.maximum(K.sum(m, axis=1), 1.0)

    return k.layers.Lambda(mean, output_shape=lambda s: (s[0], s[2]))


def test_masking_effect_downstream(tk):
    def build(k):
        inp = k.layers.Input((5, 3))
        h = k.layers.Masking(0.0)(inp)
        h = k.layers.Dense(4, activation="tanh")(h)  # Dense passes the mask on
        return k.models.Model(inp, _masked_mean(k)(h))

    km, tm = build_pair(build)
    x = _masked_input()
    out = assert_same_predictions(km, tm, x)[0]
    unmasked = np.asarray(km.layers[2](km.layers[1](x)))  # mean over all steps differs
    assert not np.allclose(out[1], unmasked[1].mean(axis=0))
    assert_same_gradients(km, tm, x)


def test_softmax_with_mask(tk, tf):
    km, tm = build_pair(single_layer_model(lambda k: k.layers.Softmax(), (6,)))
    x = random_input((6,))
    mask = np.random.default_rng(3).random((4, 6)) < 0.6
    mask[:, 0] = True
    k_out = np.asarray(km.layers[1](x, mask=mask))
    t_out = tm.layers[1](tf.constant(x), mask=tf.constant(mask)).numpy()
    np.testing.assert_allclose(k_out, t_out, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------- ActivityRegularization
@pytest.mark.parametrize("l1,l2", [(0.0, 0.0), (0.1, 0.0), (0.0, 0.3), (0.01, 0.02)])
def test_activity_regularization(tk, l1, l2):
    km, tm = check_layer_pair(lambda k: k.layers.ActivityRegularization(l1=l1, l2=l2), (4,))
    _assert_same_losses(km, tm, random_input((4,)))


# --------------------------------------------------------------------------------- Embedding
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"mask_zero": True},
        {"input_length": 5},
        {"mask_zero": True, "input_length": 5},
        {"embeddings_regularizer": "l2", "embeddings_constraint": "unit_norm"},
    ],
)
def test_embedding(tk, tf, kwargs):
    km, tm = check_layer_pair(
        lambda k: k.layers.Embedding(10, 3, **kwargs),
        (5,),
        x=random_input((5,), dtype="int32", high=10),
        input_dtype="int32",
        gradients=True,
        wrt_input=False,
    )
    ids = np.array([[0, 1, 2, 0, 9], [3, 0, 0, 4, 5]], "int32")
    k_mask = km.layers[1].compute_mask(ids)
    t_mask = tm.layers[1].compute_mask(tf.constant(ids))
    if kwargs.get("mask_zero"):
        np.testing.assert_array_equal(np.asarray(k_mask), t_mask.numpy())
    else:
        assert k_mask is None and t_mask is None


def test_embedding_weights_argument(tk):
    table = np.arange(30, dtype="float32").reshape(10, 3) / 10.0

    def build(k):
        return k.models.Sequential([k.layers.Embedding(10, 3, input_length=4, weights=[table])])

    import oracle_utils

    import kviz

    kviz.backend.clear_session()
    km = build(kviz)
    tk.backend.clear_session()
    tm = build(tk)
    x = np.array([[1, 2, 3, 9], [0, 0, 5, 5]], "int32")
    assert_same_predictions(km, tm, x)
    np.testing.assert_array_equal(km.layers[0].get_weights()[0], table)
    assert_same_counts(km, tm)
    assert_same_layer_configs(km, tm)
    assert oracle_utils.kviz_predict(km, x)[0][0, 0, 1] == pytest.approx(0.4)


def test_embedding_mask_downstream(tk):
    def build(k):
        inp = k.layers.Input((6,), dtype="int32")
        h = k.layers.Embedding(8, 4, mask_zero=True)(inp)
        return k.models.Model(inp, _masked_mean(k)(h))

    km, tm = build_pair(build)
    x = np.array([[1, 2, 0, 0, 0, 0], [3, 4, 5, 6, 7, 1], [0, 0, 0, 0, 0, 2]], "int32")
    assert_same_predictions(km, tm, x)
    assert_same_gradients(km, tm, x, wrt_input=False)


# ------------------------------------------------------------------------------------- merge
ELEMENTWISE = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]


@pytest.mark.parametrize("cls", ELEMENTWISE)
def test_elementwise_merge(tk, cls):
    check_layer_pair(lambda k: getattr(k.layers, cls)(), [(3, 4), (3, 4)], gradients=True)


@pytest.mark.parametrize("cls", ["Add", "Multiply", "Average", "Maximum", "Minimum"])
def test_elementwise_merge_three_inputs(tk, cls):
    check_layer_pair(lambda k: getattr(k.layers, cls)(), [(4,), (4,), (4,)], gradients=True)


@pytest.mark.parametrize("cls", ["Add", "Multiply", "Maximum"])
def test_elementwise_merge_broadcast(tk, cls):
    check_layer_pair(lambda k: getattr(k.layers, cls)(), [(3, 4), (1, 4)], gradients=True)


@pytest.mark.parametrize(
    "axis,shapes",
    [
        (-1, [(3, 2), (3, 5)]),
        (1, [(2, 4), (3, 4)]),
        (2, [(2, 1, 3), (2, 2, 3)]),
        (-1, [(2,), (3,), (1,)]),
    ],
)
def test_concatenate(tk, axis, shapes):
    check_layer_pair(lambda k: k.layers.Concatenate(axis=axis), shapes, gradients=True)


@pytest.mark.parametrize(
    "axes,normalize,shapes",
    [
        (1, False, [(4,), (4,)]),
        (1, True, [(4,), (4,)]),
        (-1, False, [(3, 4), (3, 4)]),
        ((1, 2), False, [(4, 3), (2, 4)]),
        ((2, 2), True, [(3, 4), (2, 4)]),
        ([1, 1], True, [(3, 4), (3, 2)]),
    ],
)
def test_dot(tk, axes, normalize, shapes):
    check_layer_pair(lambda k: k.layers.Dot(axes=axes, normalize=normalize), shapes, gradients=True)


FUNCTION_FORMS = [
    ("add", {}),
    ("subtract", {}),
    ("multiply", {}),
    ("average", {}),
    ("maximum", {}),
    ("minimum", {}),
    ("concatenate", {"axis": 1}),
    ("dot", {"axes": 2, "normalize": False}),
]


@pytest.mark.parametrize("fn,kwargs", FUNCTION_FORMS, ids=[f for f, _ in FUNCTION_FORMS])
def test_merge_function_forms(tk, fn, kwargs):
    def build(k):
        a, b = k.layers.Input((2, 3)), k.layers.Input((2, 3))
        out = getattr(k.layers, fn)([a, b], name="merged", **kwargs)
        return k.models.Model([a, b], out)

    km, tm = build_pair(build)
    x = random_input([(2, 3), (2, 3)])
    assert_same_predictions(km, tm, x)
    assert_same_counts(km, tm)
    assert_same_layer_configs(km, tm)
    assert km.layers[-1].name == "merged"
    assert_same_gradients(km, tm, x)


# ---------------------------------------------------------------------- advanced activations
@pytest.mark.parametrize(
    "make",
    [
        lambda k: k.layers.LeakyReLU(),
        lambda k: k.layers.LeakyReLU(alpha=0.1),
        lambda k: k.layers.ELU(),
        lambda k: k.layers.ELU(alpha=0.5),
        lambda k: k.layers.ReLU(),
        lambda k: k.layers.ReLU(max_value=1.0),
        lambda k: k.layers.ReLU(negative_slope=0.2),
        lambda k: k.layers.ReLU(threshold=0.3),
        lambda k: k.layers.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2),
        lambda k: k.layers.ThresholdedReLU(),
        lambda k: k.layers.ThresholdedReLU(theta=0.4),
        lambda k: k.layers.Softmax(),
        lambda k: k.layers.Softmax(axis=1),
        lambda k: k.layers.Softmax(axis=[1, 2]),
    ],
    ids=[
        "leaky",
        "leaky_0.1",
        "elu",
        "elu_0.5",
        "relu",
        "relu_max",
        "relu_slope",
        "relu_threshold",
        "relu_all",
        "thresholded",
        "thresholded_0.4",
        "softmax",
        "softmax_axis1",
        "softmax_axes",
    ],
)
def test_advanced_activation(tk, make):
    check_layer_pair(make, (3, 4), gradients=True)


@pytest.mark.parametrize("shared_axes", [None, [1], [1, 2], 2])
def test_prelu(tk, shared_axes):
    check_layer_pair(lambda k: k.layers.PReLU(shared_axes=shared_axes), (3, 4), gradients=True)


def test_prelu_options(tk):
    def make(k):
        return k.layers.PReLU(
            alpha_initializer=k.initializers.Constant(0.25),
            alpha_regularizer=k.regularizers.l2(0.01),
            alpha_constraint="non_neg",
        )

    km, tm = check_layer_pair(make, (4,), gradients=True)
    _assert_same_losses(km, tm, random_input((4,)))


# ------------------------------------------------------------------------------------- noise
@pytest.mark.parametrize(
    "make",
    [
        lambda k: k.layers.GaussianNoise(0.5),
        lambda k: k.layers.GaussianNoise(0.1, seed=3),
        lambda k: k.layers.GaussianDropout(0.3),
        lambda k: k.layers.GaussianDropout(0.5, seed=3),
        lambda k: k.layers.AlphaDropout(0.2),
    ],
    ids=["gn", "gn_seed", "gd", "gd_seed", "alpha"],
)
def test_noise_inference_is_identity(tk, make):
    km, _ = check_layer_pair(make, (3, 4), gradients=True)
    x = random_input((3, 4))
    np.testing.assert_array_equal(km.predict(x), x)
