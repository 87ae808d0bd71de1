"""kviz.viz.saliency: saliency maps, Grad-CAM and overlays against hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from kviz import layers, models
from kviz.viz import activations, grad_cam, overlay, saliency
from kviz.viz.images import colorize, resize
from kviz.viz.saliency import last_conv_layer


def rand(*shape, seed=0):
    return np.random.default_rng(seed).random(shape).astype("float32")


def smooth_conv_model():
    return models.Sequential(
        [
            layers.Conv2D(3, 2, activation="tanh", input_shape=(4, 4, 2), name="conv"),
            layers.Flatten(),
            layers.Dense(3, activation="softmax", name="probs"),
        ]
    )


def finite_differences(model, x, c, eps=1e-2):
    x = x.astype("float64")
    grads = np.zeros_like(x)
    for idx in np.ndindex(x.shape[1:]):
        hi, lo = x.copy(), x.copy()
        hi[(0,) + idx] += eps
        lo[(0,) + idx] -= eps
        f_hi = model.predict(hi.astype("float32"), verbose=0)[0, c].astype("float64")
        f_lo = model.predict(lo.astype("float32"), verbose=0)[0, c].astype("float64")
        grads[(0,) + idx] = (f_hi - f_lo) / (2 * eps)
    return grads


def test_saliency_equals_finite_differences():
    model = smooth_conv_model()
    x = rand(1, 4, 4, 2)
    fd = finite_differences(model, x, 2)
    want = np.abs(fd).max(axis=-1)
    got = saliency(model, x, 2, normalize=False)
    assert got.shape == (1, 4, 4)
    np.testing.assert_allclose(got, want, rtol=2e-2, atol=2e-4)
    norm = saliency(model, x, 2)
    np.testing.assert_allclose(norm, want / want.max(), rtol=2e-2, atol=2e-3)
    assert norm.max() == pytest.approx(1.0)


def test_saliency_per_sample_classes_and_single_samples():
    model = smooth_conv_model()
    x = rand(3, 4, 4, 2)
    both = saliency(model, x, [0, 1, 2], normalize=False)
    for i, c in enumerate([0, 1, 2]):
        np.testing.assert_allclose(both[i], saliency(model, x[i], c, normalize=False), atol=1e-7)
    assert saliency(model, x[0], 1).shape == (4, 4)


def test_saliency_on_flat_inputs_keeps_every_feature():
    model = models.Sequential([layers.Dense(2, input_shape=(3,), use_bias=False, name="d")])
    w = np.array([[1, -2], [0.5, 0], [-3, 1]], "float32")
    model.set_weights([w])
    np.testing.assert_allclose(
        saliency(model, rand(2, 3), 0, normalize=False), np.abs([w[:, 0]] * 2)
    )
    np.testing.assert_allclose(saliency(model, rand(1, 3), 0)[0], [1 / 3, 1 / 6, 1])


def gap_model(channels=1):
    return models.Sequential(
        [
            layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, channels), name="conv"),
            layers.GlobalAveragePooling2D(name="gap"),
            layers.Dense(2, name="logits"),
        ]
    )


def numpy_grad_cam(a, dense_w, c):
    """Grad-CAM for conv -> global average pooling -> Dense: d score / d A_k = w[k, c] / (h*w)."""
    n, h, w, k = a.shape
    alpha = dense_w[:, c] / (h * w)
    cam = np.maximum((a * alpha).sum(axis=-1), 0)
    return cam


def test_grad_cam_equals_the_formula_on_a_tiny_conv_net():
    model = gap_model()
    x = rand(2, 8, 8, 1)
    a = activations(model, x, "conv")["conv"]
    w = model.get_layer("logits").get_weights()[0]
    for c in (0, 1):
        cam = numpy_grad_cam(a, w, c)
        small = grad_cam(model, x, c, resize_to_input=False)
        top = cam.reshape(2, -1).max(axis=1)[:, None, None]
        want = np.where(top > 0, cam / np.where(top > 0, top, 1), 0)
        np.testing.assert_allclose(small, want, rtol=1e-5, atol=1e-6)
        big = grad_cam(model, x, c)
        assert big.shape == (2, 8, 8)
        up = resize(cam, (8, 8))
        top = up.reshape(2, -1).max(axis=1)[:, None, None]
        np.testing.assert_allclose(
            big, np.where(top > 0, up / np.where(top > 0, top, 1), 0), atol=1e-5
        )
        assert big.min() >= 0 and big.max() <= 1


def test_grad_cam_in_a_nested_model_matches_the_flat_model():
    flat = gap_model()
    inner = models.Sequential(
        [
            layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1), name="conv"),
            layers.GlobalAveragePooling2D(name="gap"),
        ],
        name="base",
    )
    nested = models.Sequential([inner, layers.Dense(2, name="logits")])
    inner.get_layer("conv").set_weights(flat.get_layer("conv").get_weights())
    nested.get_layer("logits").set_weights(flat.get_layer("logits").get_weights())
    x = rand(3, 8, 8, 1)
    assert last_conv_layer(nested) == "base/conv"
    np.testing.assert_allclose(grad_cam(nested, x, 1), grad_cam(flat, x, 1), atol=1e-6)
    np.testing.assert_allclose(
        grad_cam(nested, x, 0, layer_name="base/conv"), grad_cam(flat, x, 0, "conv"), atol=1e-6
    )


def test_grad_cam_picks_the_last_conv_layer_and_explains_errors():
    model = models.Sequential(
        [
            layers.Conv2D(2, 3, input_shape=(8, 8, 3), name="c1"),
            layers.Conv2D(3, 3, activation="relu", name="c2"),
            layers.Flatten(name="flat"),
            layers.Dense(2, activation="softmax", name="out"),
        ]
    )
    x = rand(1, 8, 8, 3)
    assert last_conv_layer(model) == "c2"
    np.testing.assert_allclose(grad_cam(model, x, 0), grad_cam(model, x, 0, layer_name="c2"))
    assert grad_cam(model, x, 0, layer_name="c1").shape == (1, 8, 8)
    with pytest.raises(ValueError, match="spatial feature maps"):
        grad_cam(model, x, 0, layer_name="flat")
    with pytest.raises(ValueError, match=r"class_index must be in \[0, 2\)"):
        grad_cam(model, x, 2)
    with pytest.raises(ValueError, match=r"expects inputs of shape \(None, 8, 8, 3\)"):
        saliency(model, rand(1, 8, 8, 1), 0)
    dense = models.Sequential([layers.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match="no convolution layer"):
        grad_cam(dense, rand(1, 3), 0)
    inp = layers.Input(shape=(3,))
    two = models.Model(inp, [layers.Dense(2)(inp), layers.Dense(2)(inp)])
    with pytest.raises(ValueError, match="one output"):
        saliency(two, rand(1, 3), 0)


def test_overlay():
    img = rand(6, 6)
    heat = rand(3, 3, seed=1)
    out = overlay(img, heat, alpha=0.3)
    assert out.shape == (6, 6, 3) and out.dtype == np.float32
    want = 0.7 * np.repeat(img[..., None], 3, -1) + 0.3 * colorize(resize(heat, (6, 6)), "jet")
    np.testing.assert_allclose(out, want, atol=1e-6)
    np.testing.assert_allclose(overlay(img, heat, alpha=0.0), np.repeat(img[..., None], 3, -1))
    rgb = rand(6, 6, 3) * 255
    assert overlay(rgb, heat).max() <= 1
    with pytest.raises(ValueError, match="alpha must be in"):
        overlay(img, heat, alpha=2)
    with pytest.raises(ValueError, match="2-D heatmap"):
        overlay(img, rand(1, 3, 3))
