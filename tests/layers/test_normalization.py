"""BatchNormalization and LayerNormalization: contract, train vs inference, moving statistics."""

import numpy as np
import pytest
from layer_harness import check_layer

from kviz import ops
from kviz.autodiff import GradientTape, Variable
from kviz.layers import BatchNormalization, Dense, Input, LayerNormalization
from kviz.models import Sequential


@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({}, (4, 3)),
        ({"axis": 1}, (4, 3, 5)),
        ({"center": False}, (4, 3)),
        ({"scale": False}, (4, 3)),
        ({"momentum": 0.9, "epsilon": 1e-2}, (3, 2, 2, 4)),
        ({"axis": 1}, (3, 4, 2, 2)),
        ({"axis": [1, 3]}, (3, 2, 4, 3)),
        ({"axis": [2, 1], "center": False}, (4, 2, 3)),
    ],
)
def test_batchnorm_contract(kwargs, shape):
    n_weights = 2 + int(kwargs.get("center", True)) + int(kwargs.get("scale", True))
    check_layer(
        BatchNormalization,
        kwargs,
        input_shape=shape,
        expected_output_shape=(None,) + shape[1:],
        expected_num_weights=n_weights,
        expected_num_trainable=n_weights - 2,
    )


@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({}, (4, 5)),
        ({"axis": [1, 2]}, (2, 3, 4)),
        ({"center": False, "scale": False}, (3, 4)),
        ({"axis": [-1, -3]}, (2, 3, 2, 4)),
        ({"axis": 1, "scale": False}, (2, 3, 4)),
    ],
)
def test_layernorm_contract(kwargs, shape):
    n = int(kwargs.get("center", True)) + int(kwargs.get("scale", True))
    check_layer(LayerNormalization, kwargs, input_shape=shape, expected_num_weights=n)


def test_batchnorm_training_uses_batch_statistics_and_updates_moving():
    bn = BatchNormalization(momentum=0.5)
    x = np.random.rand(16, 3).astype("float32") * 4 + 2
    y = bn(x, training=True)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=0), x.var(axis=0) / (x.var(axis=0) + 1e-3), rtol=1e-4)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.5 + 0.5 * x.var(axis=0), rtol=1e-5)
    inference = bn(x, training=False)
    mm, mv = bn.moving_mean.numpy(), bn.moving_variance.numpy()
    np.testing.assert_allclose(inference, (x - mm) / np.sqrt(mv + 1e-3), rtol=1e-5)


def test_batchnorm_4d_moving_variance_is_unbiased_like_tf_fused():
    bn = BatchNormalization(momentum=0.0)
    x = np.random.rand(2, 3, 3, 4).astype("float32")
    bn(x, training=True)
    v = x.reshape(-1, 4).var(axis=0)
    np.testing.assert_allclose(bn.moving_variance.numpy(), v * 18 / 17, rtol=1e-5)


def test_batchnorm_frozen_layer_runs_in_inference_mode():
    bn = BatchNormalization()
    x = np.random.rand(8, 3).astype("float32") + 5
    bn.build((None, 3))
    bn.trainable = False
    y = bn(x, training=True)
    np.testing.assert_allclose(y, x / np.sqrt(1 + 1e-3), rtol=1e-5)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), 0)


def test_batchnorm_training_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    x = rng.random((6, 3))
    gamma, beta = rng.random(3) + 0.5, rng.random(3)
    r = rng.random((6, 3))

    def loss(xv):
        m, v = ops.moments(xv, (0,))
        return float(np.sum(ops.batch_norm(xv, gamma, beta, m, v, (0,), 1e-3) * r))

    xv = Variable(x)
    with GradientTape() as tape:
        m, v = ops.moments(xv.data, (0,))
        out = ops.sum(ops.multiply(ops.batch_norm(xv, gamma, beta, m, v, (0,), 1e-3), r))
    g = tape.gradient(out, xv)
    fd = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += 1e-6
        xm[idx] -= 1e-6
        fd[idx] = (loss(xp) - loss(xm)) / 2e-6
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-7)


def test_batchnorm_in_fit_and_predict_modes():
    model = Sequential([Dense(8, input_shape=(4,)), BatchNormalization(), Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.random.rand(64, 4), np.random.rand(64, 1)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    bn = model.layers[1]
    assert not np.allclose(bn.moving_mean.numpy(), 0)
    assert len(model.non_trainable_weights) == 2
    a = model.predict(x[:5])
    b = model.predict(x[:5])
    np.testing.assert_array_equal(a, b)
    lines = []
    model.summary(print_fn=lines.append)
    assert any("Non-trainable params: 16" in ln for ln in lines)


def test_several_axes_weight_shapes_and_order_like_tf_keras():
    """BN: full-rank weights with 1 on the other axes; LN: the axes' sizes in the order given
    (both keep the resolved axes in that order in their configs)."""
    bn = BatchNormalization(axis=[3, 1])
    x = np.random.default_rng(0).random((5, 2, 3, 4)).astype("float32") * 3 + 1
    bn(x, training=True)
    assert [tuple(w.shape) for w in bn.weights] == [(1, 2, 1, 4)] * 4
    assert bn.get_config()["axis"] == [3, 1]
    mean = x.mean(axis=(0, 2), keepdims=True)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.01 * mean, rtol=1e-5)
    ln = LayerNormalization(axis=[-1, -3])
    ln(x)
    assert [tuple(w.shape) for w in ln.weights] == [(4, 2), (4, 2)]
    assert ln.get_config()["axis"] == [3, 1]


def test_batchnorm_training_gradients_of_every_weight_several_axes():
    """Training mode (batch statistics) with full-rank weights: tape vs finite differences."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 2, 3))
    r = rng.standard_normal((4, 2, 3))
    bn = BatchNormalization(axis=[1, 2], dtype="float64", momentum=0.0)
    bn(x, training=True)
    bn.set_weights([rng.random(w.shape) + 0.5 for w in bn.get_weights()])

    def loss():
        return float(np.sum(bn(x, training=True) * r))

    xv = Variable(x)
    with GradientTape() as tape:
        out = ops.sum(ops.multiply(bn(xv, training=True), r))
    grads = tape.gradient(out, [xv, bn.gamma, bn.beta])
    for arr, g in zip([x, bn.gamma.data, bn.beta.data], grads, strict=True):
        assert g.shape == arr.shape
        flat = arr.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + 1e-6
            up = loss()
            flat[i] = old - 1e-6
            down = loss()
            flat[i] = old
            assert abs(np.asarray(g).reshape(-1)[i] - (up - down) / 2e-6) < 1e-6


def test_batchnorm_mode_and_axis_errors():
    with pytest.raises(ValueError, match="mode"):
        BatchNormalization(mode=2)
    with pytest.raises(ValueError, match="Invalid axis"):
        BatchNormalization(axis=3)(Input(shape=(4,)))
    with pytest.raises(ValueError, match="defined dimension"):
        BatchNormalization()(Input(shape=(None,)))
    with pytest.raises(ValueError, match="Duplicate axis"):
        BatchNormalization(axis=[2, -1])(Input(shape=(2, 3)))
    with pytest.raises(ValueError, match="Duplicate axis"):
        LayerNormalization(axis=[2, -1])(Input(shape=(2, 3)))
