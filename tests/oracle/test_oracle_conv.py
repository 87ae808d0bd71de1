"""Convolution, pooling, resizing and spatial-dropout layers against tf-keras 2.21.

For every layer and option, ``Model(Input, Layer(...)(Input))`` is built in both libraries with
the same (random) weights (``oracle_utils.build_pair``) and must give the same outputs (1e-5),
parameter counts, configs, and gradients of ``sum(output * R)`` with respect to the input and
every weight (1e-4, ``tf.GradientTape`` on the tf side).

TensorFlow's CPU kernels refuse ``channels_first`` for most convolutions and poolings, so those
cases compare kviz's channels-first layer with tf-keras's channels-last layer wrapped in two
``Permute`` layers (the same weights: kernel layouts do not depend on ``data_format``); configs
of channels-first layers are compared on unbuilt layers.

Last, the W2 ``mnist_cnn`` architecture is trained with ``compile``/``fit`` in both libraries
from the same initial weights with SGD: the losses of every epoch and the final predictions
agree (1e-4). Its Dropout layers have rate 0 there, since the two libraries draw different
random masks.

Documented difference: ``SpatialDropout2D/3D.get_config`` also writes ``data_format`` (tf-keras
forgets it); tf-keras reads kviz's config, checked below.
"""

from __future__ import annotations

import numpy as np
import oracle_utils as ou
import pytest

import kviz

pytestmark = pytest.mark.keras_oracle


def pair(make, shape, gradients=True):
    return ou.check_layer_pair(make, shape, gradients=gradients)


# -------------------------------------------------------------------------------- conv
CONV = [
    ("Conv1D", {"filters": 3, "kernel_size": 3}, (7, 2)),
    ("Conv1D", {"filters": 2, "kernel_size": 2, "strides": 2, "padding": "same"}, (7, 3)),
    ("Conv1D", {"filters": 2, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (8, 2)),
    ("Conv1D", {"filters": 4, "kernel_size": 2, "groups": 2, "activation": "relu"}, (6, 4)),
    ("Conv2D", {"filters": 3, "kernel_size": (3, 2)}, (6, 5, 2)),
    ("Conv2D", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (7, 6, 3)),
    (
        "Conv2D",
        {"filters": 2, "kernel_size": (2, 3), "strides": (1, 2), "padding": "same"},
        (5, 6, 2),
    ),
    (
        "Conv2D",
        {"filters": 3, "kernel_size": 3, "dilation_rate": 2, "activation": "tanh"},
        (7, 7, 2),
    ),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "groups": 2, "use_bias": False}, (5, 5, 4)),
    # 16+ channels and filters, 3x3, stride 1: kviz's Winograd F(2x2, 3x3) path
    ("Conv2D", {"filters": 16, "kernel_size": 3, "activation": "relu"}, (7, 6, 16)),
    ("Conv2D", {"filters": 20, "kernel_size": 3, "padding": "same"}, (6, 5, 16)),
    ("Conv3D", {"filters": 2, "kernel_size": 2}, (3, 4, 3, 2)),
    (
        "Conv3D",
        {"filters": 2, "kernel_size": (3, 2, 2), "strides": 2, "padding": "same"},
        (4, 3, 5, 1),
    ),
    ("SeparableConv1D", {"filters": 3, "kernel_size": 3, "depth_multiplier": 2}, (7, 2)),
    ("SeparableConv1D", {"filters": 2, "kernel_size": 2, "padding": "causal"}, (6, 3)),
    (
        "SeparableConv2D",
        {"filters": 3, "kernel_size": 3, "padding": "same", "strides": 2},
        (6, 5, 2),
    ),
    (
        "SeparableConv2D",
        {"filters": 2, "kernel_size": 2, "depth_multiplier": 2, "dilation_rate": 2},
        (6, 6, 2),
    ),
    ("DepthwiseConv1D", {"kernel_size": 3, "depth_multiplier": 2}, (6, 2)),
    ("DepthwiseConv2D", {"kernel_size": 3}, (5, 5, 3)),
    (
        "DepthwiseConv2D",
        {"kernel_size": (2, 3), "depth_multiplier": 2, "strides": 2, "padding": "same"},
        (5, 6, 2),
    ),
    ("DepthwiseConv2D", {"kernel_size": 2, "dilation_rate": 2, "activation": "relu"}, (5, 5, 2)),
    ("Conv1DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2}, (4, 3)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 3}, (3, 4, 2)),
    (
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
        (3, 3, 2),
    ),
    (
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": (3, 2), "strides": (2, 3), "output_padding": (1, 2)},
        (3, 2, 2),
    ),
    (
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 1},
        (3, 3, 1),
    ),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 2, "dilation_rate": 2}, (3, 3, 2)),
    ("Conv3DTranspose", {"filters": 2, "kernel_size": 2, "strides": 2}, (2, 2, 3, 1)),
    # the Keras 2 aliases
    ("Convolution1D", {"filters": 2, "kernel_size": 3, "strides": 2}, (7, 2)),
    ("Convolution2D", {"filters": 2, "kernel_size": 3, "padding": "same"}, (5, 5, 2)),
    ("Convolution3D", {"filters": 2, "kernel_size": 2}, (3, 3, 3, 2)),
    ("Convolution2DTranspose", {"filters": 2, "kernel_size": 2, "strides": 2}, (2, 3, 1)),
    ("SeparableConvolution2D", {"filters": 2, "kernel_size": 2}, (4, 4, 2)),
    # more options
    ("Conv1D", {"filters": 2, "kernel_size": 3, "padding": "causal", "strides": 2}, (7, 2)),
    (
        "Conv1D",
        {"filters": 4, "kernel_size": 3, "groups": 2, "padding": "same", "dilation_rate": 2},
        (7, 4),
    ),
    (
        "Conv2D",
        {"filters": 6, "kernel_size": 2, "groups": 3, "strides": 2, "padding": "same"},
        (5, 5, 3),
    ),
    ("Conv3D", {"filters": 2, "kernel_size": 2, "dilation_rate": 2}, (4, 4, 4, 1)),
    ("Conv3D", {"filters": 4, "kernel_size": 2, "groups": 2, "use_bias": False}, (3, 3, 3, 4)),
    (
        "SeparableConv1D",
        {"filters": 2, "kernel_size": 2, "strides": 2, "padding": "same", "use_bias": False},
        (7, 3),
    ),
    (
        "SeparableConv1D",
        {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "activation": "relu"},
        (7, 3),
    ),
    ("SeparableConv2D", {"filters": 2, "kernel_size": (2, 3), "use_bias": False}, (5, 5, 2)),
    ("DepthwiseConv2D", {"kernel_size": 2, "use_bias": False, "depth_multiplier": 3}, (4, 4, 2)),
    ("DepthwiseConv2D", {"kernel_size": 3, "padding": "same"}, (4, 5, 2)),
    (
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": 4, "strides": 3, "padding": "same", "output_padding": 2},
        (2, 3, 1),
    ),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "padding": "same"}, (3, 3, 2)),
    (
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": 3, "strides": 2, "use_bias": False, "activation": "relu"},
        (3, 3, 2),
    ),
    (
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": 3, "padding": "same", "dilation_rate": 2},
        (3, 3, 2),
    ),
    (
        "Conv1DTranspose",
        {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 1},
        (4, 3),
    ),
    ("Conv1DTranspose", {"filters": 2, "kernel_size": 3, "padding": "same", "strides": 2}, (4, 3)),
    (
        "Conv3DTranspose",
        {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 1},
        (2, 2, 2, 1),
    ),
]


@pytest.mark.parametrize("name,kw,shape", CONV, ids=[f"{c[0]}-{i}" for i, c in enumerate(CONV)])
def test_conv_layers(tk, name, kw, shape):
    pair(lambda k: getattr(k.layers, name)(**kw), shape)


def _channels_first_pair(name, kw, shape_last):
    """kviz layer with channels_first vs tf-keras channels_last between two Permutes."""
    nd = len(shape_last) - 1
    shape_first = (shape_last[-1],) + tuple(shape_last[:-1])

    def build_kviz(keras):
        inp = keras.layers.Input(shape_first)
        out = getattr(keras.layers, name)(**kw, data_format="channels_first")(inp)
        return keras.models.Model(inp, out)

    def build_tf(keras):
        inp = keras.layers.Input(shape_first)
        h = keras.layers.Permute(tuple(range(2, nd + 2)) + (1,))(inp)
        h = getattr(keras.layers, name)(**kw, data_format="channels_last")(h)
        out = keras.layers.Permute((nd + 1,) + tuple(range(1, nd + 1)))(h)
        return keras.models.Model(inp, out)

    kviz.backend.clear_session()
    km = build_kviz(kviz)
    tm = build_tf(ou.import_tf_keras())
    ou.randomize_weights(km)
    if km.layers[1].get_weights():
        tm.layers[2].set_weights(km.layers[1].get_weights())
    x = ou.random_input(shape_first)
    ou.assert_same_predictions(km, tm, x)
    ou.assert_same_gradients(km, tm, x)
    # configs: channels_first layers of both libraries, unbuilt
    tk_layer = getattr(ou.import_tf_keras().layers, name)(**kw, data_format="channels_first")
    assert not ou.config_differences(
        km.layers[1].get_config() | {"name": tk_layer.name},
        tk_layer.get_config(),
        name,
    )


@pytest.mark.parametrize(
    "name,kw,shape",
    [
        ("Conv1D", {"filters": 2, "kernel_size": 3, "padding": "same"}, (6, 3)),
        ("Conv2D", {"filters": 3, "kernel_size": 3, "strides": 2}, (7, 6, 2)),
        ("Conv3D", {"filters": 2, "kernel_size": 2, "padding": "same"}, (3, 3, 4, 2)),
        ("SeparableConv2D", {"filters": 2, "kernel_size": 3, "depth_multiplier": 2}, (5, 5, 2)),
        ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2}, (5, 4, 3)),
        ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2}, (3, 3, 2)),
        ("MaxPooling2D", {"pool_size": 2}, (5, 6, 2)),
        ("AveragePooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (5, 6, 2)),
        ("MaxPooling3D", {"pool_size": 2, "padding": "same"}, (3, 3, 4, 2)),
        ("AveragePooling1D", {"pool_size": 2}, (6, 3)),
        (
            "Conv1D",
            {"filters": 2, "kernel_size": 3, "padding": "causal", "dilation_rate": 2},
            (7, 3),
        ),
        ("Conv1D", {"filters": 4, "kernel_size": 2, "groups": 2, "strides": 2}, (7, 4)),
        ("Conv2D", {"filters": 4, "kernel_size": 2, "groups": 2, "dilation_rate": 2}, (5, 5, 2)),
        ("Conv3D", {"filters": 2, "kernel_size": 2, "strides": 2}, (4, 3, 4, 2)),
        (
            "SeparableConv1D",
            {"filters": 2, "kernel_size": 3, "padding": "same", "depth_multiplier": 2},
            (6, 3),
        ),
        ("SeparableConv1D", {"filters": 2, "kernel_size": 2, "padding": "causal"}, (6, 3)),
        (
            "SeparableConv2D",
            {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
            (5, 6, 2),
        ),
        ("DepthwiseConv1D", {"kernel_size": 3, "depth_multiplier": 2}, (6, 2)),
        ("DepthwiseConv2D", {"kernel_size": 2, "strides": 2, "padding": "same"}, (5, 5, 2)),
        ("DepthwiseConv2D", {"kernel_size": 2, "dilation_rate": 2}, (5, 5, 2)),
        (
            "Conv2DTranspose",
            {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 1},
            (3, 3, 2),
        ),
        (
            "Conv2DTranspose",
            {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 1},
            (3, 2, 2),
        ),
        ("Conv1DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2}, (3, 2)),
        ("Conv3DTranspose", {"filters": 2, "kernel_size": 2, "strides": 2}, (2, 2, 2, 1)),
        ("MaxPooling1D", {"pool_size": 2, "strides": 1}, (5, 2)),
        ("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, (8, 2)),
        ("AveragePooling1D", {"pool_size": 3, "padding": "same", "strides": 2}, (7, 2)),
        ("AveragePooling3D", {"pool_size": 2}, (3, 4, 4, 2)),
        ("AveragePooling3D", {"pool_size": 2, "strides": 1, "padding": "same"}, (3, 3, 3, 1)),
        ("MaxPooling3D", {"pool_size": (1, 2, 2), "strides": 1}, (2, 3, 3, 2)),
        ("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (5, 6, 2)),
    ],  # fmt: skip
)
def test_channels_first(tk, name, kw, shape):
    _channels_first_pair(name, kw, shape)


# ------------------------------------------------------------------------------ pooling
POOL = [
    ("MaxPooling1D", {}, (7, 3)),
    ("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, (8, 2)),
    ("AveragePooling1D", {"pool_size": 3, "strides": 1}, (6, 2)),
    ("AveragePooling1D", {"pool_size": 2, "padding": "same"}, (5, 2)),
    ("MaxPooling2D", {}, (5, 4, 2)),
    ("MaxPooling2D", {"pool_size": (3, 2), "strides": (2, 1), "padding": "same"}, (5, 4, 2)),
    ("AveragePooling2D", {"pool_size": 2, "strides": 1}, (4, 4, 2)),
    ("AveragePooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (5, 6, 3)),
    ("MaxPooling3D", {}, (4, 4, 5, 2)),
    ("MaxPooling3D", {"pool_size": (2, 3, 2), "padding": "same"}, (3, 4, 3, 1)),
    ("AveragePooling3D", {"pool_size": 2, "strides": 1}, (3, 3, 3, 2)),
    ("AveragePooling3D", {"pool_size": 2, "padding": "same"}, (3, 3, 3, 1)),
    ("MaxPooling1D", {"pool_size": 2, "strides": 1}, (5, 2)),
    ("AveragePooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, (8, 2)),
    ("MaxPooling2D", {"pool_size": 3, "strides": 1, "padding": "same"}, (4, 4, 2)),
    ("AveragePooling3D", {"pool_size": (1, 2, 2), "strides": (1, 1, 2)}, (2, 3, 4, 2)),
    ("MaxPooling3D", {"pool_size": 2, "strides": 1}, (3, 3, 3, 1)),
    # the Keras 2 aliases
    ("MaxPool1D", {}, (4, 2)),
    ("MaxPool2D", {}, (4, 4, 1)),
    ("MaxPool3D", {}, (2, 2, 2, 1)),
    ("AvgPool1D", {}, (4, 1)),
    ("AvgPool2D", {"strides": 1}, (3, 3, 1)),
    ("AvgPool3D", {}, (2, 2, 2, 1)),
    ("GlobalMaxPool1D", {}, (3, 2)),
    ("GlobalMaxPool2D", {}, (3, 3, 2)),
    ("GlobalMaxPool3D", {}, (2, 2, 2, 2)),
    ("GlobalAvgPool1D", {}, (3, 2)),
    ("GlobalAvgPool2D", {"keepdims": True}, (3, 3, 2)),
    ("GlobalAvgPool3D", {"keepdims": True}, (2, 2, 2, 2)),
]


@pytest.mark.parametrize("name,kw,shape", POOL, ids=[f"{c[0]}-{i}" for i, c in enumerate(POOL)])
def test_pooling_layers(tk, name, kw, shape):
    pair(lambda k: getattr(k.layers, name)(**kw), shape)


@pytest.mark.parametrize("kind", ["Max", "Average"])
@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2), (2, 3, 4, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_pooling_layers(tk, kind, shape, keepdims, data_format):
    name = f"Global{kind}Pooling{len(shape) - 1}D"
    pair(lambda k: getattr(k.layers, name)(data_format=data_format, keepdims=keepdims), shape)


def test_global_average_pooling1d_with_mask(tk):
    def build(keras):
        inp = keras.layers.Input((5,), dtype="int32")
        h = keras.layers.Embedding(7, 3, mask_zero=True)(inp)
        out = keras.layers.GlobalAveragePooling1D()(h)
        return keras.models.Model(inp, out)

    km, tm = ou.build_pair(build)
    x = np.array([[1, 2, 0, 0, 0], [3, 4, 5, 6, 1], [2, 0, 0, 0, 0]], "int32")
    ou.assert_same_predictions(km, tm, x)
    ou.assert_same_gradients(km, tm, x, wrt_input=False)


# --------------------------------------------------------------------------- reshaping
RESHAPING = [
    ("UpSampling1D", {}, (3, 2)),
    ("UpSampling1D", {"size": 3}, (2, 2)),
    ("UpSampling2D", {}, (2, 3, 2)),
    ("UpSampling2D", {"size": (1, 3), "data_format": "channels_first"}, (2, 2, 3)),
    ("UpSampling2D", {"size": (2, 3), "interpolation": "bilinear"}, (3, 2, 2)),
    ("UpSampling2D", {"size": 2, "interpolation": "nearest"}, (2, 3, 2)),
    ("UpSampling2D", {"size": (3, 1), "interpolation": "bilinear"}, (2, 4, 1)),
    ("UpSampling1D", {"size": 1}, (3, 2)),
    (
        "UpSampling2D",
        {"size": 3, "interpolation": "bilinear", "data_format": "channels_first"},
        (2, 3, 2),
    ),
    ("UpSampling3D", {}, (2, 1, 2, 2)),
    ("UpSampling3D", {"size": (1, 2, 3), "data_format": "channels_first"}, (2, 2, 2, 1)),
    ("ZeroPadding1D", {}, (3, 2)),
    ("ZeroPadding1D", {"padding": (2, 0)}, (3, 2)),
    ("ZeroPadding1D", {"padding": 3}, (2, 2)),
    ("ZeroPadding2D", {}, (3, 3, 1)),
    ("ZeroPadding2D", {"padding": (2, 1)}, (2, 3, 1)),
    ("ZeroPadding2D", {"padding": ((0, 2), (3, 1))}, (2, 2, 1)),
    ("ZeroPadding2D", {"padding": ((1, 0), (0, 2)), "data_format": "channels_first"}, (2, 2, 3)),
    ("ZeroPadding3D", {}, (2, 2, 2, 1)),
    ("ZeroPadding3D", {"padding": ((0, 1), (2, 2), (1, 0))}, (2, 2, 2, 1)),
    ("Cropping1D", {}, (5, 2)),
    ("Cropping1D", {"cropping": (2, 0)}, (5, 2)),
    ("Cropping1D", {"cropping": 1}, (4, 2)),
    ("Cropping2D", {"cropping": (1, 2)}, (4, 5, 2)),
    ("Cropping2D", {"cropping": ((1, 0), (1, 2))}, (3, 5, 1)),
    ("Cropping2D", {"cropping": 1, "data_format": "channels_first"}, (2, 4, 3)),
    ("Cropping3D", {}, (3, 4, 5, 1)),
    ("Cropping3D", {"cropping": ((0, 1), (0, 0), (2, 0))}, (3, 2, 4, 2)),
]


@pytest.mark.parametrize(
    "name,kw,shape", RESHAPING, ids=[f"{c[0]}-{i}" for i, c in enumerate(RESHAPING)]
)
def test_reshaping_layers(tk, name, kw, shape):
    pair(lambda k: getattr(k.layers, name)(**kw), shape)


# ---------------------------------------------------------------------- SpatialDropout
@pytest.mark.parametrize(
    "name,shape,kw",
    [
        ("SpatialDropout1D", (5, 3), {}),
        ("SpatialDropout2D", (3, 4, 3), {}),
        ("SpatialDropout2D", (3, 4, 3), {"data_format": "channels_first"}),
        ("SpatialDropout3D", (2, 3, 2, 3), {}),
    ],
)
def test_spatial_dropout(tk, name, shape, kw):
    km, tm = ou.build_pair(
        ou.single_layer_model(lambda k: getattr(k.layers, name)(0.4, **kw), shape)
    )
    x = ou.random_input(shape)
    ou.assert_same_predictions(km, tm, x)  # inference: the identity in both
    ou.assert_same_gradients(km, tm, x)
    k_cfg, t_cfg = km.layers[1].get_config(), tm.layers[1].get_config()
    extra = {"data_format"} if name != "SpatialDropout1D" else set()
    assert not ou.config_differences(
        {k: v for k, v in k_cfg.items() if k not in extra}, t_cfg, name
    )
    # tf-keras reads kviz's config, data_format included
    clone = getattr(tk.layers, name).from_config(k_cfg)
    assert clone.get_config()["rate"] == 0.4
    if extra:
        assert clone.data_format == k_cfg["data_format"]
    # training: one draw per (sample, channel) in both libraries
    mask_axes = tuple(range(1, len(shape))) if kw.get("data_format") != "channels_first" else None
    y = km.layers[1](np.ones((8, *shape), "float32"), training=True)
    if mask_axes is not None:
        spatial = mask_axes[:-1]
        assert np.all(np.ptp(y, axis=spatial) == 0)


# ----------------------------------------------------------------- W2 mnist_cnn training
def _mnist_cnn(keras):
    L = keras.layers
    return keras.models.Sequential(
        [
            L.Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=(28, 28, 1)),
            L.Conv2D(64, (3, 3), activation="relu"),
            L.MaxPooling2D(pool_size=(2, 2)),
            L.Dropout(0.0),
            L.Flatten(),
            L.Dense(128, activation="relu"),
            L.Dropout(0.0),
            L.Dense(10, activation="softmax"),
        ]
    )


def test_mnist_cnn_trains_the_same(tk):
    kviz.backend.clear_session()
    km = _mnist_cnn(kviz)
    tk.backend.clear_session()
    tm = _mnist_cnn(tk)
    ou.copy_weights(km, tm)  # kviz's own Glorot initialisation in both
    ou.assert_same_counts(km, tm)
    ou.assert_same_layer_configs(km, tm)
    rng = np.random.default_rng(0)
    x = rng.random((48, 28, 28, 1)).astype("float32")
    y = np.eye(10, dtype="float32")[rng.integers(0, 10, 48)]
    km.compile(kviz.optimizers.SGD(lr=0.05), "categorical_crossentropy", metrics=["accuracy"])
    tm.compile(tk.optimizers.legacy.SGD(learning_rate=0.05), "categorical_crossentropy",
               metrics=["accuracy"])  # fmt: skip
    hk = km.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    ht = tm.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(hk.history["loss"], ht.history["loss"], rtol=1e-4, atol=1e-5)
    assert hk.history["loss"][-1] < hk.history["loss"][0]
    # The runs drift apart a little after some steps: the two libraries' convolutions differ
    # by float32 rounding (~1e-7), so a ReLU pre-activation that close to 0 (about one of the
    # ~1 million per batch here) can fall on different sides, and that unit's gradient then
    # differs (measured: weights equal to 1e-8 for 3 steps, then a 1.6e-5 step). The losses
    # stay equal to 1e-4; predictions and weights are compared more loosely.
    pk, pt = km.predict(x[:8]), tm.predict(x[:8], verbose=0)
    np.testing.assert_allclose(pk, pt, rtol=1e-2, atol=1e-4)
    for a, b in zip(km.get_weights(), tm.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-2, atol=1e-3)
