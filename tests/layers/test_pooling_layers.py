"""Pooling layers: Max/AveragePooling1D/2D/3D, GlobalMax/GlobalAveragePooling1D/2D/3D, their
aliases and Keras 1 spellings (``check_layer`` plus the loop oracle of ``conv_oracles``)."""

from __future__ import annotations

import numpy as np
import pytest
from conv_oracles import pool_loop
from layer_harness import check_layer, make_input

from kviz import config, layers
from kviz.layers import Embedding, Input
from kviz.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from kviz.models import Model, Sequential

POOL_CASES = [
    ("max", MaxPooling1D, {}, (2, 7, 3), (None, 3, 3)),
    (
        "max",
        MaxPooling1D,
        {"pool_size": 3, "strides": 2, "padding": "same"},
        (2, 7, 2),
        (None, 4, 2),
    ),
    ("avg", AveragePooling1D, {"pool_size": 3, "strides": 1}, (2, 6, 2), (None, 4, 2)),
    ("avg", AveragePooling1D, {"pool_size": 2, "padding": "same"}, (2, 5, 2), (None, 3, 2)),
    ("max", MaxPooling2D, {}, (2, 5, 4, 2), (None, 2, 2, 2)),
    (
        "max",
        MaxPooling2D,
        {"pool_size": (3, 2), "strides": (2, 1), "padding": "same"},
        (2, 5, 4, 2),
        (None, 3, 4, 2),
    ),
    ("avg", AveragePooling2D, {"pool_size": 2, "strides": 1}, (2, 4, 4, 2), (None, 3, 3, 2)),
    (
        "avg",
        AveragePooling2D,
        {"pool_size": 3, "strides": 2, "padding": "same"},
        (2, 5, 6, 1),
        (None, 3, 3, 1),
    ),
    ("max", MaxPooling3D, {}, (1, 4, 4, 5, 2), (None, 2, 2, 2, 2)),
    (
        "max",
        MaxPooling3D,
        {"pool_size": (2, 3, 2), "padding": "same"},
        (1, 3, 4, 3, 1),
        (None, 2, 2, 2, 1),
    ),
    ("avg", AveragePooling3D, {"pool_size": 2, "strides": 1}, (1, 3, 3, 3, 2), (None, 2, 2, 2, 2)),
    (
        "avg",
        AveragePooling3D,
        {"pool_size": 2, "padding": "same"},
        (1, 3, 3, 3, 1),
        (None, 2, 2, 2, 1),
    ),
]


@pytest.mark.parametrize("mode,cls,kw,shape,out", POOL_CASES)
def test_pooling(mode, cls, kw, shape, out):
    y = check_layer(cls, kw, input_shape=shape, expected_output_shape=out, expected_num_weights=0)
    x = make_input(shape, seed=0).astype("float64")
    ref = pool_loop(x, kw.get("pool_size", 2), kw.get("strides"), kw.get("padding", "valid"), mode)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode,cls", [("max", MaxPooling2D), ("avg", AveragePooling2D)])
def test_pooling_channels_first(mode, cls):
    kw = {
        "pool_size": (2, 3),
        "strides": (1, 2),
        "padding": "same",
        "data_format": "channels_first",
    }
    y = check_layer(cls, kw, input_shape=(2, 3, 4, 5), expected_output_shape=(None, 3, 4, 3))
    x = make_input((2, 3, 4, 5), seed=0).astype("float64")
    ref = pool_loop(x, (2, 3), (1, 2), "same", mode, channels_first=True)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "mode,cls,kw,shape,out",
    [
        ("max", MaxPooling1D, {"pool_size": 2, "strides": 1}, (2, 3, 5), (None, 3, 4)),
        ("avg", AveragePooling1D, {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 2, 7),
         (None, 2, 4)),
        ("max", MaxPooling3D, {"pool_size": (1, 2, 2), "padding": "same"}, (1, 2, 2, 3, 3),
         (None, 2, 2, 2, 2)),
        ("avg", AveragePooling3D, {"pool_size": 2, "strides": 1}, (1, 2, 3, 3, 3),
         (None, 2, 2, 2, 2)),
    ],
)  # fmt: skip
def test_pooling_1d_3d_channels_first(mode, cls, kw, shape, out):
    kw = dict(kw, data_format="channels_first")
    y = check_layer(cls, kw, input_shape=shape, expected_output_shape=out)
    x = make_input(shape, seed=0).astype("float64")
    ref = pool_loop(x, kw["pool_size"], kw.get("strides"), kw.get("padding", "valid"), mode,
                    channels_first=True)  # fmt: skip
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)


def test_pooling_config_defaults_and_aliases():
    cfg = MaxPooling2D().get_config()
    assert set(cfg) == {
        "name",
        "trainable",
        "dtype",
        "pool_size",
        "padding",
        "strides",
        "data_format",
    }
    assert cfg["pool_size"] == (2, 2) and cfg["strides"] == (2, 2) and cfg["padding"] == "valid"
    assert MaxPooling1D().get_config()["strides"] == (2,)
    assert AveragePooling2D((3, 3), strides=1).get_config()["strides"] == (1, 1)
    assert layers.MaxPool1D is MaxPooling1D and layers.MaxPool2D is MaxPooling2D
    assert layers.MaxPool3D is MaxPooling3D and layers.AvgPool1D is AveragePooling1D
    assert layers.AvgPool2D is AveragePooling2D and layers.AvgPool3D is AveragePooling3D
    assert layers.GlobalMaxPool2D is GlobalMaxPooling2D
    assert layers.GlobalAvgPool1D is GlobalAveragePooling1D
    from kviz.layers import pooling

    assert pooling.MaxPooling2D is MaxPooling2D


def test_pooling1d_defaults_to_channels_last():
    config.set_image_data_format("channels_first")
    try:
        assert MaxPooling1D().data_format == "channels_last"
        assert GlobalAveragePooling1D().data_format == "channels_last"
        assert MaxPooling2D().data_format == "channels_first"
    finally:
        config.set_image_data_format("channels_last")


def test_keras1_pooling_arguments():
    with pytest.warns(UserWarning, match="Keras 2 API"):
        layer = MaxPooling1D(pool_length=3, stride=1, border_mode="same")
    assert layer.pool_size == (3,) and layer.strides == (1,) and layer.padding == "same"
    with pytest.warns(UserWarning, match="Keras 2 API"):
        layer = AveragePooling2D((2, 2), dim_ordering="th")
    assert layer.data_format == "channels_first"
    with pytest.warns(UserWarning, match="Keras 2 API"):
        layer = GlobalMaxPooling2D(dim_ordering="tf")
    assert layer.data_format == "channels_last"
    # Keras 2 positional order: pool_size, strides, padding
    layer = MaxPooling2D((3, 3), (1, 1), "same")
    assert layer.strides == (1, 1) and layer.padding == "same"


def test_pooling_errors():
    with pytest.raises(ValueError) as err:
        MaxPooling2D((3, 3), name="pool_a")(Input(shape=(2, 2, 1)))
    for part in ("pool_a", "(None, 2, 2, 1)", "(3, 3)", "strides (3, 3)"):
        assert part in str(err.value)
    with pytest.raises(ValueError, match="pool_size"):
        MaxPooling2D((2, 2, 2))
    with pytest.raises(ValueError, match="padding"):
        MaxPooling2D(padding="causal")
    with pytest.raises(ValueError, match="expected ndim=4"):
        MaxPooling2D()(np.ones((1, 4, 4), "float32"))


# --------------------------------------------------------------------------------- global
GLOBAL_CASES = [
    (GlobalMaxPooling1D, np.max, (2, 5, 3)),
    (GlobalAveragePooling1D, np.mean, (2, 5, 3)),
    (GlobalMaxPooling2D, np.max, (2, 4, 3, 2)),
    (GlobalAveragePooling2D, np.mean, (2, 4, 3, 2)),
    (GlobalMaxPooling3D, np.max, (1, 2, 3, 4, 2)),
    (GlobalAveragePooling3D, np.mean, (1, 2, 3, 4, 2)),
]


@pytest.mark.parametrize("cls,reduce,shape", GLOBAL_CASES)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_pooling(cls, reduce, shape, keepdims, data_format):
    nd = len(shape) - 2
    axes = tuple(range(2, nd + 2)) if data_format == "channels_first" else tuple(range(1, nd + 1))
    channels = shape[1] if data_format == "channels_first" else shape[-1]
    if keepdims:
        out = tuple(1 if i in axes else (None if i == 0 else d) for i, d in enumerate(shape))
    else:
        out = (None, channels)
    kw = {"keepdims": keepdims, "data_format": data_format}
    y = check_layer(cls, kw, input_shape=shape, expected_output_shape=out)
    x = make_input(shape, seed=0)
    np.testing.assert_allclose(y, reduce(x, axis=axes, keepdims=keepdims), rtol=1e-6)
    assert set(cls().get_config()) == {"name", "trainable", "dtype", "data_format", "keepdims"}


def test_global_average_pooling1d_with_mask():
    inp = Input(shape=(4,), dtype="int32")
    emb = Embedding(6, 3, mask_zero=True)
    out = GlobalAveragePooling1D()(emb(inp))
    model = Model(inp, out)
    ids = np.array([[1, 2, 0, 0], [3, 4, 5, 1]])
    table = emb.get_weights()[0]
    expected = np.stack([table[[1, 2]].mean(0), table[[3, 4, 5, 1]].mean(0)])
    np.testing.assert_allclose(model.predict(ids), expected, rtol=1e-6)
    # the mask stops at the pooling layer
    assert GlobalAveragePooling1D().compute_mask(None, np.ones((1, 2), bool)) is None


def test_pooling_in_a_cnn():
    model = Sequential(
        [
            layers.Conv2D(4, 3, input_shape=(8, 8, 1)),
            MaxPooling2D(),
            AveragePooling2D(padding="same"),
            GlobalMaxPooling2D(),
        ]
    )
    assert model.output_shape == (None, 4)
    x = np.random.default_rng(0).random((3, 8, 8, 1)).astype("float32")
    assert model.predict(x).shape == (3, 4)
