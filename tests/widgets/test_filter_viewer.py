"""FilterViewer: kernels, filter chooser, maximize button, saliency / Grad-CAM panel."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from kviz import layers, models
from kviz.viz import grad_cam, kernel_images, maximize_activation, saliency
from kviz.widgets import FilterViewer


def decode(png_bytes):
    img = Image.open(io.BytesIO(bytes(png_bytes)))
    img.load()
    return np.asarray(img.convert("RGB"))


def rand(*shape, seed=0):
    return np.random.default_rng(seed).random(shape).astype("float32")


def model_rgb():
    return models.Sequential(
        [
            layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 3), name="c1"),
            layers.Conv2D(3, 3, activation="relu", name="c2"),
            layers.GlobalAveragePooling2D(name="gap"),
            layers.Dense(2, activation="softmax", name="probs"),
        ]
    )


def test_kernels_and_the_filter_chooser():
    model = model_rgb()
    v = FilterViewer(model)
    assert v.layer.options == ("c1", "c2", "probs") and v.layer.value == "c1"
    assert (v.filter.min, v.filter.max, v.filter.value) == (0, 3, 0)
    np.testing.assert_array_equal(v.kernels, kernel_images(model, "c1"))
    first = decode(v.kernel_image.value)
    orange = np.all(first == (255, 140, 0), axis=-1)
    assert orange.any()
    v.filter.value = 2
    second = decode(v.kernel_image.value)
    assert first.shape == second.shape and not np.array_equal(first, second)
    assert "filter <b>2</b> framed" in v.kernel_info.value
    v.layer.value = "c2"  # gray, one picture per input channel; filter index clamped
    assert v.kernels.shape == (3, 4, 3, 3, 1) and v.filter.max == 2 and v.filter.value == 2
    assert "4 gray picture(s) per filter" in v.kernel_info.value


def test_maximize_button_runs_the_ascent_with_the_controls():
    model = model_rgb()
    v = FilterViewer(model, layer="c2")
    v.filter.value = 1
    v.steps.value, v.step_size.value, v.jitter.value, v.blur.value, v.l2.value = 4, 0.2, 0, 0, 0
    assert v.maximized is None and v.maximized_image.layout.display == "none"
    v.maximize_button.click()  # the button's callback
    want = maximize_activation(model, "c2", 1, steps=4, step_size=0.2, seed=0, deprocess=False)
    np.testing.assert_allclose(v.maximized, want, atol=1e-6)
    assert v.maximized_image.layout.display is None
    assert decode(v.maximized_image.value).shape == (128, 128, 3)
    assert "filter <b>1</b> of <b>c2</b> after 4 steps" in v.maximize_info.value
    assert "(start seed 0)" in v.maximize_info.value
    v.maximize_button.click()  # pressing again starts from other noise
    assert "(start seed 1)" in v.maximize_info.value
    assert not np.allclose(v.maximized, want)


def test_saliency_and_grad_cam_panel():
    model = model_rgb()
    x = rand(3, 8, 8, 3)
    v = FilterViewer(model, x=x, class_index=1)
    assert v.method.options == ("saliency", "Grad-CAM") and v.class_index.value == 1
    np.testing.assert_allclose(v.heatmap, saliency(model, x[0], 1), atol=1e-6)
    before = bytes(v.attribution_image.value)
    pic = decode(before)
    assert pic.shape == (128, 128 * 2 + 8, 3)  # the image and the overlay side by side
    v.method.value = "Grad-CAM"
    np.testing.assert_allclose(v.heatmap, grad_cam(model, x[0], 1), atol=1e-6)
    assert bytes(v.attribution_image.value) != before
    assert "Grad-CAM on layer c2 for class <b>1</b>" in v.attribution_info.value
    v.sample.value = 2
    v.class_index.value = 0
    np.testing.assert_allclose(v.heatmap, grad_cam(model, x[2], 0), atol=1e-6)


def test_default_class_is_the_prediction_and_bad_x_is_refused():
    model = model_rgb()
    x = rand(2, 8, 8, 3)
    v = FilterViewer(model, x=x)
    assert v.class_index.value == int(np.argmax(model.predict(x[:1], verbose=0)[0]))
    with pytest.raises(ValueError, match="x must be a batch"):
        FilterViewer(model, x=rand(8, 8, 3))
    with pytest.raises(ValueError, match=r"class_index must be in \[0, 2\)"):
        FilterViewer(model, x=x, class_index=5)
    with pytest.raises(ValueError, match="has no kernel to show"):
        FilterViewer(model, layer="gap")


def test_static_outputs(tmp_path):
    model = model_rgb()
    v = FilterViewer(model, x=rand(2, 8, 8, 3))
    height_before = decode(v.png()).shape[0]
    v.steps.value = 2
    v.maximize()
    data, _ = v._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert decode(base64.b64decode(data["image/png"])).shape[0] > height_before
    assert "maximized input: shape (8, 8, 3)" in data["text/plain"]
    v.save(tmp_path / "filters.png")
    assert decode((tmp_path / "filters.png").read_bytes()).shape == decode(v.png()).shape
