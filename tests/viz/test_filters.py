"""kviz.viz.filters: kernel_images, maximize_activation, deprocess_image."""

from __future__ import annotations

import numpy as np
import pytest

from kviz import layers, models
from kviz.viz import activations, deprocess_image, kernel_images, maximize_activation
from kviz.viz.images import gaussian_blur


def norm01(a):
    a = np.asarray(a, "float64")
    return (a - a.min()) / (a.max() - a.min())


def rgb_model():
    return models.Sequential(
        [
            layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 3), name="c1"),
            layers.Conv2D(2, 3, name="c2"),
            layers.Flatten(name="flat"),
            layers.Dense(3, name="d"),
        ]
    )


def test_first_conv_layer_with_three_channels_is_rgb():
    model = rgb_model()
    imgs = kernel_images(model, "c1")
    assert imgs.shape == (4, 1, 3, 3, 3) and imgs.dtype == np.float32
    kernel = model.get_layer("c1").get_weights()[0]  # (3, 3, 3, 4)
    for f in range(4):
        np.testing.assert_allclose(imgs[f, 0], norm01(kernel[..., f]), atol=1e-6)
        assert imgs[f].min() == 0 and imgs[f].max() == 1


def test_other_conv_layers_are_gray_per_input_channel():
    model = rgb_model()
    imgs = kernel_images(model, "c2")
    assert imgs.shape == (2, 4, 3, 3, 1)
    kernel = model.get_layer("c2").get_weights()[0]  # (3, 3, 4, 2)
    for f in range(2):
        want = norm01(np.moveaxis(kernel[..., f], -1, 0))
        np.testing.assert_allclose(imgs[f, ..., 0], want, atol=1e-6)
    gray = kernel_images(model, "c1", rgb=False)
    assert gray.shape == (4, 3, 3, 3, 1)
    with pytest.raises(ValueError, match="rgb=True needs filters with 3 input channels"):
        kernel_images(model, "c2", rgb=True)


def test_dense_after_flatten_takes_the_flattened_shape():
    model = rgb_model()
    imgs = kernel_images(model, "d")  # Flatten of (4, 4, 2)
    assert imgs.shape == (3, 2, 4, 4, 1)
    kernel = model.get_layer("d").get_weights()[0]  # (32, 3)
    unit = kernel[:, 1].reshape(4, 4, 2)
    np.testing.assert_allclose(imgs[1, :, :, :, 0], norm01(np.moveaxis(unit, -1, 0)), atol=1e-6)
    strip = kernel_images(model, "d", image_shape=(1, 32))
    assert strip.shape == (3, 1, 1, 32, 1)
    with pytest.raises(ValueError, match="holds 30 values"):
        kernel_images(model, "d", image_shape=(5, 6))


def test_dense_on_square_inputs_and_mnist_like_rgb():
    model = models.Sequential([layers.Dense(2, input_shape=(16,), name="d")])
    assert kernel_images(model, "d").shape == (2, 1, 4, 4, 1)
    model = models.Sequential([layers.Dense(2, input_shape=(7,), name="d")])
    assert kernel_images(model, "d").shape == (2, 1, 1, 7, 1)
    model = models.Sequential(
        [layers.Flatten(input_shape=(2, 2, 3), name="f"), layers.Dense(5, name="d")]
    )
    assert kernel_images(model, "d").shape == (5, 1, 2, 2, 3)  # first kernel, RGB input


def test_conv1d_depthwise_transpose_and_3d():
    m1 = models.Sequential([layers.Conv1D(3, 4, input_shape=(10, 2), name="c")])
    imgs = kernel_images(m1, "c")
    assert imgs.shape == (3, 1, 2, 4, 1)
    k = m1.layers[0].get_weights()[0]  # (4, 2, 3)
    np.testing.assert_allclose(imgs[2, 0, :, :, 0], norm01(k[:, :, 2].T), atol=1e-6)

    md = models.Sequential(
        [layers.DepthwiseConv2D(3, depth_multiplier=2, input_shape=(6, 6, 2), name="dw")]
    )
    imgs = kernel_images(md, "dw")
    assert imgs.shape == (4, 1, 3, 3, 1)
    k = md.layers[0].get_weights()[0]  # (3, 3, 2, 2)
    np.testing.assert_allclose(imgs[1 * 2 + 1, 0, :, :, 0], norm01(k[:, :, 1, 1]), atol=1e-6)

    mt = models.Sequential([layers.Conv2DTranspose(5, 2, input_shape=(4, 4, 2), name="t")])
    imgs = kernel_images(mt, "t")
    assert imgs.shape == (5, 2, 2, 2, 1)
    k = mt.layers[0].get_weights()[0]  # (2, 2, 5, 2): filters before inputs
    np.testing.assert_allclose(
        imgs[3, :, :, :, 0], norm01(np.moveaxis(k[:, :, 3, :], -1, 0)), atol=1e-6
    )

    m3 = models.Sequential([layers.Conv3D(2, (2, 3, 3), input_shape=(4, 5, 5, 3), name="c3")])
    assert kernel_images(m3, "c3").shape == (2, 6, 3, 3, 1)


def test_layers_without_kernels_are_refused():
    model = rgb_model()
    with pytest.raises(ValueError, match=r"no convolution or Dense kernel.*\['c1', 'c2', 'd'\]"):
        kernel_images(model, "flat")


def test_constant_filters_are_mid_gray():
    model = models.Sequential([layers.Conv2D(1, 2, input_shape=(4, 4, 1), name="c")])
    model.layers[0].set_weights([np.full((2, 2, 1, 1), 0.3, "float32"), np.zeros(1, "float32")])
    np.testing.assert_array_equal(kernel_images(model, "c"), np.full((1, 1, 2, 2, 1), 0.5))


def test_deprocess_image_is_the_examples_rescaling():
    x = np.random.default_rng(0).normal(3, 2, (5, 5, 3))
    want = np.clip((x - x.mean()) / (x.std() + 1e-5) * 0.1 + 0.5, 0, 1)
    np.testing.assert_allclose(deprocess_image(x), want)


def linear_model():
    model = models.Sequential([layers.Dense(3, input_shape=(4,), name="d")])
    w = np.array([[1, 0, 2], [-1, 0, 0], [2, 1, 0], [0, 3, -1]], "float32")
    model.set_weights([w, np.zeros(3, "float32")])
    return model, w


def test_one_step_is_the_normalized_gradient():
    model, w = linear_model()
    start = np.array([0.1, 0.2, 0.3, 0.4])
    got = maximize_activation(model, "d", 2, steps=1, step_size=0.5, start=start, deprocess=False)
    g = w[:, 2] / 1.0  # d mean(y[:, 2]) / dx for one sample
    want = start + 0.5 * g / (np.sqrt(np.mean(g**2)) + 1e-5)
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_regularizers_one_at_a_time():
    model = models.Sequential([layers.Conv2D(2, 3, input_shape=(6, 6, 1), name="c")])
    start = np.random.default_rng(1).random((6, 6, 1))
    keep = dict(steps=1, step_size=0.0, start=start, deprocess=False)
    np.testing.assert_allclose(maximize_activation(model, "c", 0, jitter=2, seed=3, **keep), start)
    center = start.mean()
    np.testing.assert_allclose(
        maximize_activation(model, "c", 0, l2=0.25, **keep),
        center + 0.75 * (start - center),
        rtol=1e-6,
    )
    blurred = gaussian_blur(start[None], 1.0, (1, 2))[0]
    np.testing.assert_allclose(
        maximize_activation(model, "c", 0, blur=1.0, blur_every=1, **keep), blurred, rtol=1e-6
    )


def test_ascent_increases_the_filters_mean_activation():
    model = models.Sequential(
        [
            layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1), name="c1"),
            layers.Conv2D(3, 3, name="c2"),
        ]
    )
    rng_start = 0.5 + 0.08 * (np.random.default_rng(0).random((8, 8, 1)) - 0.5)
    before = activations(model, rng_start[None], "c2")["c2"][..., 1].mean()
    raw = maximize_activation(
        model, "c2", 1, steps=15, seed=0, jitter=1, blur=0.5, l2=0.01, deprocess=False
    )
    after = activations(model, raw[None], "c2")["c2"][..., 1].mean()
    assert after > before + 0.5
    img = maximize_activation(model, "c2", 1, steps=3, seed=0)
    assert img.shape == (8, 8, 1) and img.min() >= 0 and img.max() <= 1
    np.testing.assert_array_equal(img, maximize_activation(model, "c2", 1, steps=3, seed=0))


def test_bad_arguments():
    model = rgb_model()
    with pytest.raises(ValueError, match=r"filter_index must be in \[0, 4\)"):
        maximize_activation(model, "c1", 4)
    with pytest.raises(TypeError, match="filter_index must be an integer"):
        maximize_activation(model, "c1", 1.0)
    with pytest.raises(ValueError, match="l2 in"):
        maximize_activation(model, "c1", 0, l2=1.5)
    inp = layers.Input(shape=(None, None, 1))
    fcn = models.Model(inp, layers.Conv2D(2, 3, name="c")(inp))
    with pytest.raises(ValueError, match="needs a full input shape"):
        maximize_activation(fcn, "c", 0)
    assert maximize_activation(fcn, "c", 0, steps=2, input_shape=(5, 6, 1)).shape == (5, 6, 1)
