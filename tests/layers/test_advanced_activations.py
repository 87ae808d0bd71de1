"""Advanced activation layers: LeakyReLU, PReLU, ELU, ReLU, ThresholdedReLU, Softmax."""

from __future__ import annotations

import numpy as np
import pytest
from layer_harness import check_layer, make_input

from kviz import initializers, ops
from kviz.autodiff import GradientTape
from kviz.layers import (
    ELU,
    Dense,
    Input,
    LeakyReLU,
    Masking,
    PReLU,
    ReLU,
    Softmax,
    ThresholdedReLU,
)
from kviz.models import Model, Sequential


def _np_softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _tf_relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """tf.keras ``backend.relu`` written out in NumPy."""
    negative_part = np.maximum(threshold - x, 0) if threshold != 0 else np.maximum(-x, 0)
    y = x * (x > threshold) if threshold != 0 else np.maximum(x, 0)
    if max_value is not None:
        y = np.clip(y, 0, max_value)
    return y - alpha * negative_part


# ------------------------------------------------------------------------ LeakyReLU


@pytest.mark.parametrize("alpha", [0.3, 0.01, 1.5])
def test_leaky_relu(alpha):
    x = make_input((3, 4))
    out = check_layer(
        LeakyReLU,
        {"alpha": alpha},
        input_data=x,
        expected_output_shape=(None, 4),
        expected_num_weights=0,
    )
    np.testing.assert_allclose(out, np.where(x >= 0, x, alpha * x), rtol=1e-6)


def test_leaky_relu_defaults_and_errors():
    layer = LeakyReLU()
    assert layer.alpha == pytest.approx(0.3)
    assert layer.get_config()["alpha"] == pytest.approx(0.3)
    assert isinstance(layer.get_config()["alpha"], float)
    with pytest.raises(ValueError, match="alpha value of a Leaky ReLU layer cannot be None"):
        LeakyReLU(alpha=None)


# ---------------------------------------------------------------------------- PReLU


def test_prelu_default_is_relu_at_init():
    x = make_input((2, 3, 4))
    out = check_layer(
        PReLU,
        input_data=x,
        expected_output_shape=(None, 3, 4),
        expected_num_weights=1,
        expected_num_trainable=1,
    )
    np.testing.assert_allclose(out, np.maximum(x, 0))


@pytest.mark.parametrize(
    ("shared_axes", "input_shape", "alpha_shape"),
    [
        (None, (2, 3, 4), (3, 4)),
        ([1], (2, 3, 4), (1, 4)),
        (1, (2, 3, 4), (1, 4)),
        ([1, 2], (2, 4, 4, 3), (1, 1, 3)),
        ((2,), (2, 4, 5, 3), (4, 1, 3)),
    ],
)
def test_prelu_shared_axes(shared_axes, input_shape, alpha_shape):
    kwargs = {"shared_axes": shared_axes, "alpha_initializer": initializers.Constant(0.25)}
    out = check_layer(PReLU, kwargs, input_shape=input_shape, expected_num_weights=1)
    layer = PReLU(**kwargs)
    layer.build((None,) + input_shape[1:])
    assert layer.alpha.shape == alpha_shape
    assert layer.weights[0].name.endswith("/alpha:0")
    x = make_input(input_shape)
    np.testing.assert_allclose(out, np.where(x >= 0, x, 0.25 * x), rtol=1e-6)


def test_prelu_per_unit_slopes_and_gradient():
    layer = PReLU()
    x = np.array([[-1.0, -2.0, 3.0]], "float32")
    layer(x)
    layer.set_weights([np.array([0.1, 0.2, 0.3], "float32")])
    np.testing.assert_allclose(layer(x), [[-0.1, -0.4, 3.0]], rtol=1e-6)
    with GradientTape() as tape:
        y = ops.sum(layer(x))
    (g,) = tape.gradient(y, layer.trainable_weights)
    np.testing.assert_allclose(g, [-1.0, -2.0, 0.0])


def test_prelu_none_dim_needs_sharing():
    with pytest.raises(ValueError, match="shared_axes"):
        PReLU()(Input(shape=(None, 3)))
    out = PReLU(shared_axes=[1])(Input(shape=(None, 3)))
    assert out.shape == (None, None, 3)


def test_prelu_input_spec_and_errors():
    layer = PReLU(shared_axes=[1])
    layer(np.ones((2, 5, 3), "float32"))
    layer(np.ones((2, 7, 3), "float32"))  # shared axis may change size
    with pytest.raises(ValueError, match="expected axis 2 of input shape to have value 3"):
        layer(np.ones((2, 5, 4), "float32"))
    with pytest.raises(ValueError, match="shared_axes"):
        PReLU(shared_axes=[3])(np.ones((2, 3), "float32"))


def test_prelu_config_regularizer_constraint():
    layer = PReLU(alpha_regularizer="l2", alpha_constraint="non_neg", shared_axes=[1])
    cfg = layer.get_config()
    assert cfg["shared_axes"] == [1]
    assert cfg["alpha_initializer"]["class_name"] == "Zeros"
    assert cfg["alpha_regularizer"] is not None and cfg["alpha_constraint"] is not None
    layer(np.ones((2, 3, 4), "float32"))
    assert len(layer.losses) == 1


def test_prelu_keras1_init_alias():
    with pytest.warns(UserWarning, match="Update your `PReLU` call to the Keras 2 API"):
        layer = PReLU(init="ones")
    layer(np.ones((1, 2), "float32"))
    np.testing.assert_array_equal(layer.get_weights()[0], [1.0, 1.0])


def test_prelu_learns_its_slope():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 1)).astype("float32")
    y = np.where(x >= 0, x, 0.2 * x)
    model = Sequential([PReLU(input_shape=(1,))])
    for _ in range(200):
        with GradientTape() as tape:
            loss = ops.mean(ops.square(ops.subtract(model(x), y)))
        (g,) = tape.gradient(loss, model.trainable_weights)
        w = model.trainable_weights[0]
        w.assign(w.data - 0.5 * g)
    assert float(model.get_weights()[0][0]) == pytest.approx(0.2, abs=1e-3)


# ------------------------------------------------------------------------------ ELU


@pytest.mark.parametrize("alpha", [1.0, 0.5, 2.0])
def test_elu(alpha):
    x = make_input((3, 4))
    out = check_layer(ELU, {"alpha": alpha}, input_data=x, expected_output_shape=(None, 4))
    np.testing.assert_allclose(out, np.where(x > 0, x, alpha * np.expm1(x)), rtol=1e-5, atol=1e-7)


def test_elu_errors_and_config():
    with pytest.raises(ValueError, match="Alpha of an ELU layer cannot be None"):
        ELU(alpha=None)
    assert ELU().get_config()["alpha"] == 1.0


# ----------------------------------------------------------------------------- ReLU


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"max_value": 6.0},
        {"max_value": 1.0},
        {"negative_slope": 0.1},
        {"threshold": 0.5},
        {"negative_slope": 0.2, "threshold": 0.5},
        {"max_value": 1.0, "negative_slope": 0.1, "threshold": 0.2},
    ],
)
def test_relu(kwargs):
    # values well away from the kinks, so finite differences are meaningful
    x = np.array([[-2.1, -0.7, 0.3, 0.8], [1.6, 7.3, -0.05, 0.45]], "float32")
    out = check_layer(ReLU, kwargs, input_data=x, expected_output_shape=(None, 4))
    ref = _tf_relu(
        x,
        alpha=kwargs.get("negative_slope", 0.0),
        max_value=kwargs.get("max_value"),
        threshold=kwargs.get("threshold", 0.0),
    )
    np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-7)


def test_relu_validation_errors():
    with pytest.raises(ValueError, match="max_value of a ReLU layer cannot be a negative value"):
        ReLU(max_value=-1)
    with pytest.raises(ValueError, match="negative_slope of a ReLU layer cannot be a negative"):
        ReLU(negative_slope=-0.1)
    with pytest.raises(ValueError, match="negative_slope of a ReLU layer cannot be a negative"):
        ReLU(negative_slope=None)
    with pytest.raises(ValueError, match="threshold of a ReLU layer cannot be a negative value"):
        ReLU(threshold=-0.5)


def test_relu_config():
    assert {
        k: v
        for k, v in ReLU().get_config().items()
        if k in {"max_value", "negative_slope", "threshold"}
    } == {"max_value": None, "negative_slope": 0.0, "threshold": 0.0}
    cfg = ReLU(max_value=6, negative_slope=0.1, threshold=1).get_config()
    assert (cfg["max_value"], cfg["negative_slope"], cfg["threshold"]) == (6.0, 0.1, 1.0)


# ------------------------------------------------------------------ ThresholdedReLU


@pytest.mark.parametrize("theta", [1.0, 0.3, 0.0])
def test_thresholded_relu(theta):
    x = np.array([[-1.3, 0.2, 0.7, 1.6], [2.5, -0.4, 0.45, 1.2]], "float32")
    out = check_layer(ThresholdedReLU, {"theta": theta}, input_data=x)
    np.testing.assert_allclose(out, x * (x > theta))


def test_thresholded_relu_errors_and_config():
    with pytest.raises(ValueError, match="Theta of a Thresholded ReLU layer cannot be None"):
        ThresholdedReLU(theta=None)
    with pytest.raises(ValueError, match="theta value of a Thresholded ReLU layer should be >=0"):
        ThresholdedReLU(theta=-1)
    assert ThresholdedReLU().get_config()["theta"] == 1.0


# -------------------------------------------------------------------------- Softmax


@pytest.mark.parametrize(
    ("axis", "shape"),
    [(-1, (2, 5)), (1, (2, 3, 4)), (-2, (2, 3, 4)), ([1, 2], (2, 3, 4)), ([2], (2, 3, 4))],
)
def test_softmax(axis, shape):
    x = make_input(shape)
    out = check_layer(Softmax, {"axis": axis}, input_data=x, expected_num_weights=0)
    ax = tuple(axis) if isinstance(axis, list) else axis
    np.testing.assert_allclose(out, _np_softmax(x, axis=ax), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(np.sum(out, axis=ax), 1.0, rtol=1e-5)


def test_softmax_mask_same_shape():
    x = make_input((2, 3, 4))
    mask = np.random.default_rng(1).random((2, 3, 4)) < 0.6
    mask[..., 0] = True
    out = Softmax()(x, mask=mask)
    ref = _np_softmax(np.where(mask, x, x - 1e9))
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-7)
    assert np.all(out[~mask] < 1e-30)
    np.testing.assert_allclose(out.sum(-1), 1.0, rtol=1e-5)


def test_softmax_mask_gradient():
    x = make_input((2, 4)).astype("float64")
    mask = np.array([[1, 1, 0, 1], [0, 1, 1, 1]], bool)
    from kviz.autodiff import Variable

    v = Variable(x)
    with GradientTape() as tape:
        y = ops.sum(ops.multiply(Softmax(dtype="float64")(v, mask=mask), np.arange(4.0)))
    (g,) = tape.gradient(y, [v])
    assert np.all(np.abs(g[~mask]) < 1e-12)
    assert np.any(np.abs(g[mask]) > 1e-6)


def test_softmax_mask_in_functional_model():
    """Masking -> Dense -> Softmax(axis=1) over time: masked steps get no weight."""
    inp = Input(shape=(4, 1))
    scores = Dense(1, use_bias=False, kernel_initializer="ones")(Masking(0.0)(inp))
    weights = Softmax(axis=1)(scores)
    model = Model(inp, weights)
    x = np.array([[[1.0], [2.0], [0.0], [3.0]]], "float32")
    out = model.predict(x)
    ref = _np_softmax(np.array([1.0, 2.0, -1e9, 3.0]))
    np.testing.assert_allclose(out[0, :, 0], ref, rtol=1e-5, atol=1e-7)
    # the mask passes through the Softmax layer
    np.testing.assert_array_equal(model.compute_mask(None), [[True, True, False, True]])


def test_softmax_config():
    assert Softmax().get_config()["axis"] == -1
    assert Softmax(axis=[1, 2]).get_config()["axis"] == [1, 2]


# --------------------------------------------------------------- symbolic / models


@pytest.mark.parametrize(
    "layer_fn",
    [LeakyReLU, PReLU, ELU, ReLU, ThresholdedReLU, Softmax],
    ids=lambda c: c.__name__,
)
def test_in_sequential_after_dense(layer_fn):
    model = Sequential([Dense(4, input_shape=(3,)), layer_fn()])
    assert model.output_shape == (None, 4)
    x = make_input((5, 3))
    assert model.predict(x).shape == (5, 4)


def test_masks_pass_through():
    x = np.ones((2, 3, 4), "float32")
    mask = np.array([[1, 0, 1], [1, 1, 0]], bool)
    for layer in (LeakyReLU(), PReLU(), ELU(), ReLU(), ThresholdedReLU(), Softmax()):
        assert layer.supports_masking
        np.testing.assert_array_equal(layer.compute_mask(x, mask), mask)
