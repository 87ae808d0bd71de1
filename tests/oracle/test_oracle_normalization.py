"""BatchNormalization / LayerNormalization against tf-keras: inference and training outputs,
moving statistics, gradients, configs."""

import numpy as np
import oracle_utils as ou
import pytest

pytestmark = pytest.mark.keras_oracle

BN_CASES = [
    ({}, (3,)),
    ({"axis": 1}, (3, 5)),
    ({"center": False, "momentum": 0.9}, (3,)),
    ({"scale": False, "epsilon": 1e-2}, (2, 2, 4)),
    ({"axis": 1}, (4, 2, 2)),
    ({}, (2, 2, 2, 3)),
    ({"center": False, "scale": False}, (3,)),
    ({"axis": -2}, (3, 2)),
    ({"axis": 1, "momentum": 0.5, "epsilon": 1e-4}, (3, 2, 2, 2)),  # channels_first Conv3D
    ({"axis": 3}, (2, 2, 3)),
    # several axes: tf.keras's full-rank weights (1, 3, 1, 4); axes kept in the order given
    ({"axis": [1, 3]}, (3, 2, 4)),
    ({"axis": [3, 1]}, (3, 2, 4)),
]


def _pair(kwargs, shape):
    km, tm = ou.build_pair(
        ou.single_layer_model(lambda k: k.layers.BatchNormalization(**kwargs), shape)
    )
    rng = np.random.default_rng(3)
    for kl, tl in zip(km.layers[1:], tm.layers[1:]):
        weights = kl.get_weights()
        weights[-1] = rng.random(weights[-1].shape).astype("float32") + 0.5  # variance > 0
        kl.set_weights(weights)
        tl.set_weights(weights)
    return km, tm


@pytest.mark.parametrize("kwargs, shape", BN_CASES)
def test_batchnorm_inference_and_config(kwargs, shape):
    km, tm = _pair(kwargs, shape)
    x = ou.random_input(shape, batch=6)
    ou.assert_same_predictions(km, tm, x)
    ou.assert_same_counts(km, tm)
    ou.assert_same_layer_configs(km, tm)
    ou.assert_same_gradients(km, tm, x)  # inference: moving statistics are constants


@pytest.mark.parametrize("kwargs, shape", BN_CASES)
def test_batchnorm_training_outputs_moving_stats_and_gradients(kwargs, shape, tf):
    from kviz import ops
    from kviz.autodiff import GradientTape

    km, tm = _pair(kwargs, shape)
    x = ou.random_input(shape, batch=6)
    r = np.random.default_rng(1).standard_normal(x.shape).astype("float32")
    with GradientTape() as tape:
        xv = tape.watch(x)
        k_out = km(xv, training=True)
        k_loss = ops.sum(ops.multiply(k_out, r))
    k_grads = tape.gradient(k_loss, [xv] + km.trainable_weights)
    tx = tf.constant(x)
    with tf.GradientTape() as ttape:
        ttape.watch(tx)
        t_out = tm(tx, training=True)
        t_loss = tf.reduce_sum(t_out * r)
    t_grads = ttape.gradient(t_loss, [tx] + tm.trainable_weights)
    # the training-mode outputs themselves (batch statistics)
    np.testing.assert_allclose(ou._np(k_out), t_out.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(float(k_loss), float(t_loss), rtol=1e-4, atol=1e-4)
    for a, b in zip(k_grads, t_grads):
        np.testing.assert_allclose(np.asarray(a), b.numpy(), rtol=1e-4, atol=1e-4)
    for kw, tw in zip(km.layers[1].get_weights()[-2:], tm.layers[1].get_weights()[-2:]):
        np.testing.assert_allclose(kw, tw, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs, shape", [({}, (3,)), ({"axis": 1}, (4, 2, 2))])
def test_frozen_batchnorm_runs_in_inference_mode_when_training(kwargs, shape, tf):
    """tf.keras 2: a BatchNormalization with trainable=False uses its moving statistics even
    in training mode, and does not update them."""
    km, tm = _pair(kwargs, shape)
    km.layers[1].trainable = False
    tm.layers[1].trainable = False
    x = ou.random_input(shape, batch=6)
    before = km.layers[1].get_weights()
    k_out = ou._np(km(x, training=True))
    t_out = tm(tf.constant(x), training=True).numpy()
    np.testing.assert_allclose(k_out, t_out, rtol=1e-5, atol=1e-5)
    for a, b, c in zip(km.layers[1].get_weights(), tm.layers[1].get_weights(), before):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({}, (5,)),
        ({"axis": [1, 2]}, (3, 4)),
        ({"center": False}, (2, 6)),
        ({"epsilon": 1e-5}, (4,)),
        ({"scale": False}, (5,)),
        ({"center": False, "scale": False}, (4,)),
        ({"axis": 1}, (3, 4)),
        ({"axis": -2}, (3, 4)),
        ({}, (3, 2, 4)),
        ({"axis": [1, 2, 3]}, (2, 3, 2)),
        # axes in a non-sorted order: weights (4, 2), reshaped (not transposed) by tf.keras
        ({"axis": [-1, -3], "epsilon": 0.1}, (2, 3, 4)),
    ],
)
def test_layernorm_matches(kwargs, shape):
    ou.check_layer_pair(lambda k: k.layers.LayerNormalization(**kwargs), shape, gradients=True)


def test_small_cnn_free_bn_model_trains_identically(tk):
    def build(keras):
        inp = keras.layers.Input(shape=(6,))
        h = keras.layers.Dense(8)(inp)
        h = keras.layers.BatchNormalization()(h)
        out = keras.layers.Dense(1)(h)
        model = keras.models.Model(inp, out)
        return model

    km, tm = ou.build_pair(build)
    for kl, tl in zip(km.layers, tm.layers):
        if kl.get_weights():
            w = kl.get_weights()
            if "batch" in kl.name:
                w[-1] = np.abs(w[-1]) + 0.5
            kl.set_weights(w)
            tl.set_weights(w)
    import kviz

    km.compile(kviz.optimizers.SGD(0.01), "mse")
    tm.compile(tk.optimizers.legacy.SGD(0.01), "mse")
    rng = np.random.default_rng(0)
    x, y = (
        rng.standard_normal((32, 6)).astype("float32"),
        rng.standard_normal((32, 1)).astype("float32"),
    )
    for _ in range(3):
        a = km.train_on_batch(x, y)
        b = tm.train_on_batch(x, y)
        np.testing.assert_allclose(a, b, rtol=1e-4)
    ou.assert_same_predictions(km, tm, x, rtol=1e-4, atol=1e-4)
