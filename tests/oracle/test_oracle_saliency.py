"""Saliency maps and Grad-CAM against the same computation in tf-keras 2.21 (tf.GradientTape).

One small conv net is built in both libraries with the same weights (``oracle_utils.build_pair``).
The tf side follows the Keras Grad-CAM example: a model from the input to (conv output, class
scores), the gradient of the class score with respect to the conv output, channel weights from
its spatial mean, ReLU, division by the maximum, and ``tf.image.resize`` (bilinear) to the
input size. Saliency is ``|d score / d input|`` with the maximum over channels.
"""

from __future__ import annotations

import numpy as np
import oracle_utils as ou
import pytest

from kviz.viz import grad_cam, saliency

pytestmark = pytest.mark.keras_oracle


def build(keras):
    L = keras.layers
    return keras.models.Sequential(
        [
            L.Conv2D(4, 3, activation="relu", input_shape=(9, 9, 3), name="c1"),
            L.Conv2D(5, 3, activation="relu", name="c2"),
            L.Flatten(name="flat"),
            L.Dense(3, activation="softmax", name="probs"),
        ]
    )


def tf_saliency(tf, tm, x, c):
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        score = tm(xt, training=False)[:, c]
    return np.abs(tape.gradient(score, xt).numpy()).max(axis=-1)


def tf_grad_cam(tf, tk, tm, x, c, layer):
    probe = tk.models.Model(tm.inputs, [tm.get_layer(layer).output, tm.output])
    with tf.GradientTape() as tape:
        conv, preds = probe(tf.constant(x), training=False)
        score = preds[:, c]
    grads = tape.gradient(score, conv)
    weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
    cam = tf.nn.relu(tf.reduce_sum(conv * weights, axis=-1))
    cam = tf.image.resize(cam[..., None], x.shape[1:3], method="bilinear")[..., 0].numpy()
    top = cam.reshape(len(cam), -1).max(axis=1)[:, None, None]
    return np.where(top > 0, cam / np.where(top > 0, top, 1), 0)


def test_saliency_and_grad_cam_match_tf_keras(tk, tf):
    km, tm = ou.build_pair(build, seed=3)
    x = np.random.default_rng(0).random((4, 9, 9, 3)).astype("float32")
    for c in (0, 2):
        want = tf_saliency(tf, tm, x, c)
        np.testing.assert_allclose(saliency(km, x, c, normalize=False), want, rtol=1e-4, atol=1e-6)
        for layer in ("c2", "c1"):
            want = tf_grad_cam(tf, tk, tm, x, c, layer)
            assert want.max() == pytest.approx(1.0)  # a map, not all zeros
            np.testing.assert_allclose(grad_cam(km, x, c, layer_name=layer), want, atol=1e-4)
