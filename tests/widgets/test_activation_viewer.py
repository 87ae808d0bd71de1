"""ActivationViewer: state after construction and after changing controls, PNG payloads."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from kviz import layers, models
from kviz.viz import activations, hidden_states
from kviz.widgets import ActivationViewer


def decode(png_bytes):
    img = Image.open(io.BytesIO(bytes(png_bytes)))
    img.load()
    return np.asarray(img.convert("RGB"))


def rand(*shape, seed=0):
    return np.random.default_rng(seed).random(shape).astype("float32")


def conv_model():
    return models.Sequential(
        [
            layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1), name="conv"),
            layers.Flatten(name="flat"),
            layers.Dense(5, activation="softmax", name="probs"),
        ]
    )


def test_initial_state_and_pictures():
    model, x = conv_model(), rand(3, 8, 8, 1)
    v = ActivationViewer(model, x)
    assert v.layer.options == ("conv", "flat", "probs") and v.layer.value == "conv"
    assert (v.sample.min, v.sample.max, v.sample.value) == (0, 2, 0)
    assert v.view_kind == "maps"
    np.testing.assert_allclose(v.values, activations(model, x[:1], "conv")["conv"][0], atol=1e-6)
    pic = decode(v.image.value)
    # 4 maps of 6x6 upscaled x10 in a 2x2 grid with 2px gutters
    assert pic.shape == (2 * 60 + 2, 2 * 60 + 2, 3)
    assert decode(v.input_image.value).shape == (128, 128, 3)
    assert "conv" in v.info.value and "4 feature maps of 6x6" in v.info.value


def test_controls_update_the_picture_in_place():
    model, x = conv_model(), rand(3, 8, 8, 1)
    v = ActivationViewer(model, x)
    image_widget, before = v.image, bytes(v.image.value)
    v.sample.value = 2
    assert v.image is image_widget and bytes(v.image.value) != before
    np.testing.assert_allclose(v.values, activations(model, x[2:3], "conv")["conv"][0], atol=1e-6)
    assert "sample 2 of 3" in v.info.value
    v.layer.value = "probs"
    assert v.view_kind == "bars" and v.values.shape == (5,)
    np.testing.assert_allclose(v.values, model.predict(x[2:3], verbose=0)[0], atol=1e-6)
    decode(v.image.value)
    v.layer.value = "flat"  # 144 units: a heatmap grid instead of bars
    assert v.view_kind == "bars" and decode(v.image.value).ndim == 3


def test_recurrent_layers_show_the_hidden_state_over_time():
    model = models.Sequential(
        [layers.LSTM(3, input_shape=(6, 2), name="lstm"), layers.Dense(2, name="out")]
    )
    x = rand(2, 6, 2)
    v = ActivationViewer(model, x, layer="lstm", sample=1)
    assert v.view_kind == "sequence" and v.values.shape == (6, 3)
    np.testing.assert_allclose(v.values, hidden_states(model, x, "lstm")[1], atol=1e-6)
    assert "6 time steps x 3 units" in v.info.value
    assert v.input_image.layout.display == "none"  # a sequence is not drawn as an image
    decode(v.image.value)


def test_nested_models_are_listed_layer_by_layer():
    inner = models.Sequential(
        [layers.Conv2D(2, 3, input_shape=(8, 8, 3), name="c")], name="features"
    )
    model = models.Sequential([inner, layers.GlobalAveragePooling2D(name="gap")])
    x = rand(2, 8, 8, 3)
    v = ActivationViewer(model, x, layer="features/c")
    assert v.layer.options == ("features", "features/c", "gap")
    assert v.view_kind == "maps" and v.values.shape == (6, 6, 2)
    v.layer.value = "gap"
    np.testing.assert_allclose(v.values, model.predict(x[:1], verbose=0)[0], atol=1e-6)


def test_static_outputs_for_saved_notebooks_and_plain_python(tmp_path):
    model, x = conv_model(), rand(2, 8, 8, 1)
    v = ActivationViewer(model, x)
    data, _ = v._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    png = base64.b64decode(data["image/png"])
    assert decode(png).shape[0] >= 122
    assert "layer 'conv' (Conv2D)" in data["text/plain"] == str(v)
    v.save(tmp_path / "view.png")
    assert decode((tmp_path / "view.png").read_bytes()).shape == decode(v.png()).shape


def test_errors_are_raised_before_any_widget_exists():
    model = conv_model()
    with pytest.raises(ValueError, match="expects arrays of shape"):
        ActivationViewer(model, rand(2, 7, 7, 1))
    with pytest.raises(ValueError, match=r"sample must be in \[0, 2\)"):
        ActivationViewer(model, rand(2, 8, 8, 1), sample=2)
    with pytest.raises(ValueError, match="No layer named 'nope'"):
        ActivationViewer(model, rand(2, 8, 8, 1), layer="nope")


@pytest.mark.parametrize(
    "module",
    ["kviz.widgets.activation_viewer", "kviz.widgets.filter_viewer", "kviz.widgets.layer_pictures"],
)
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
