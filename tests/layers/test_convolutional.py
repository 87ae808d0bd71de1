"""Convolution layers: Conv1D/2D/3D, SeparableConv1D/2D, DepthwiseConv1D/2D,
Conv1D/2D/3DTranspose, their aliases and Keras 1 spellings.

Every option goes through ``layer_harness.check_layer`` (eager, symbolic, config and JSON round
trips, float64 gradient check, a training step) and its output is compared with the loop
oracles of ``tests/conv_oracles.py`` using the layer's own weights.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conv_oracles import (
    conv_loop,
    conv_transpose_loop,
    depthwise_loop,
    separable_loop,
    to_first,
    to_last,
)
from layer_harness import check_layer, make_input

from kviz import layers
from kviz.layers import Input
from kviz.layers.convolutional import (
    AtrousConvolution1D,
    AtrousConvolution2D,
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    Deconvolution2D,
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
)
from kviz.models import Sequential

ACT = {None: lambda v: v, "relu": lambda v: np.maximum(v, 0), "tanh": np.tanh}


def _loop_kw(kw):
    return {
        "strides": kw.get("strides", 1),
        "padding": kw.get("padding", "valid"),
        "dilation": kw.get("dilation_rate", 1),
    }


def _check_against_oracle(cls, kw, shape, oracle):
    """Fresh layer, random weights; its output equals ``oracle(x, *weights)``."""
    layer = cls(**kw)
    x = make_input(shape, seed=3).astype("float64")
    layer(x.astype("float32"))
    rng = np.random.default_rng(0)
    layer.set_weights([rng.standard_normal(w.shape).astype("float32") for w in layer.weights])
    y = layer(x.astype("float32"))
    w = [v.astype("float64") for v in layer.get_weights()]
    ref = ACT[kw.get("activation")](oracle(x, *w))
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)


# -------------------------------------------------------------------------------- Conv*D
CONV_CASES = [
    (Conv1D, {"filters": 3, "kernel_size": 3}, (2, 7, 2), (None, 5, 3)),
    (
        Conv1D,
        {"filters": 2, "kernel_size": 2, "strides": 2, "padding": "same"},
        (2, 7, 3),
        (None, 4, 2),
    ),
    (
        Conv1D,
        {"filters": 2, "kernel_size": 3, "padding": "causal", "dilation_rate": 2},
        (2, 6, 2),
        (None, 6, 2),
    ),
    (
        Conv1D,
        {"filters": 4, "kernel_size": 2, "groups": 2, "activation": "relu"},
        (2, 5, 4),
        (None, 4, 4),
    ),
    (Conv1D, {"filters": 2, "kernel_size": 3, "use_bias": False}, (2, 6, 2), (None, 4, 2)),
    (Conv2D, {"filters": 3, "kernel_size": (3, 2)}, (2, 5, 4, 2), (None, 3, 3, 3)),
    (
        Conv2D,
        {"filters": 2, "kernel_size": 3, "strides": (2, 1), "padding": "same"},
        (2, 5, 5, 2),
        (None, 3, 5, 2),
    ),
    (
        Conv2D,
        {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "activation": "tanh"},
        (2, 5, 6, 1),
        (None, 3, 4, 2),
    ),
    (
        Conv2D,
        {"filters": 4, "kernel_size": 3, "groups": 2, "padding": "same"},
        (1, 4, 4, 4),
        (None, 4, 4, 4),
    ),
    (Conv3D, {"filters": 2, "kernel_size": 2}, (1, 3, 4, 3, 2), (None, 2, 3, 2, 2)),
    (
        Conv3D,
        {"filters": 2, "kernel_size": (3, 2, 2), "strides": 2, "padding": "same"},
        (1, 4, 3, 5, 1),
        (None, 2, 2, 3, 2),
    ),
    (Conv3D, {"filters": 2, "kernel_size": 2, "dilation_rate": 2}, (1, 4, 4, 4, 1),
     (None, 2, 2, 2, 2)),
    (Conv3D, {"filters": 4, "kernel_size": 2, "groups": 2}, (1, 3, 3, 3, 4), (None, 2, 2, 2, 4)),
    (Conv1D, {"filters": 2, "kernel_size": 3, "padding": "causal", "strides": 2}, (2, 7, 2),
     (None, 4, 2)),
]  # fmt: skip


@pytest.mark.parametrize("cls,kw,shape,out", CONV_CASES)
def test_conv(cls, kw, shape, out):
    n = 2 if kw.get("use_bias", True) else 1
    check_layer(cls, kw, input_shape=shape, expected_output_shape=out, expected_num_weights=n)
    groups = kw.get("groups", 1)
    _check_against_oracle(
        cls, kw, shape, lambda x, w, b=0: conv_loop(x, w, groups=groups, **_loop_kw(kw)) + b
    )


@pytest.mark.parametrize(
    "cls,shape,out",
    [
        (Conv1D, (2, 3, 6), (None, 2, 6)),
        (Conv2D, (2, 3, 5, 4), (None, 2, 5, 4)),
        (Conv3D, (1, 2, 3, 4, 3), (None, 2, 3, 4, 3)),
    ],
)
def test_conv_channels_first(cls, shape, out):
    kw = {"filters": 2, "kernel_size": 3 if cls is not Conv3D else (1, 3, 3), "padding": "same",
          "data_format": "channels_first"}  # fmt: skip
    check_layer(cls, kw, input_shape=shape, expected_output_shape=out)
    _check_against_oracle(
        cls, kw, shape, lambda x, w, b: to_first(conv_loop(to_last(x), w, padding="same") + b)
    )


def test_conv_weight_shapes_and_names():
    layer = Conv2D(8, (3, 2), name="c")
    layer(np.zeros((1, 5, 5, 3), "float32"))
    assert [(w.name, tuple(w.shape)) for w in layer.weights] == [
        ("c/kernel:0", (3, 2, 3, 8)),
        ("c/bias:0", (8,)),
    ]
    grouped = Conv2D(6, 3, groups=3)
    grouped(np.zeros((1, 5, 5, 3), "float32"))
    assert tuple(grouped.kernel.shape) == (3, 3, 1, 6)


# ------------------------------------------------------------------- separable / depthwise
SEPARABLE_CASES = [
    (SeparableConv1D, {"filters": 3, "kernel_size": 3}, (2, 6, 2), (None, 4, 3)),
    (
        SeparableConv1D,
        {"filters": 2, "kernel_size": 2, "padding": "causal", "depth_multiplier": 2},
        (2, 5, 2),
        (None, 5, 2),
    ),
    (
        SeparableConv2D,
        {"filters": 3, "kernel_size": 3, "padding": "same", "strides": 2},
        (2, 5, 5, 2),
        (None, 3, 3, 3),
    ),
    (
        SeparableConv2D,
        {
            "filters": 2,
            "kernel_size": 2,
            "depth_multiplier": 2,
            "dilation_rate": 2,
            "activation": "relu",
        },
        (1, 5, 6, 2),
        (None, 3, 4, 2),
    ),
]


@pytest.mark.parametrize("cls,kw,shape,out", SEPARABLE_CASES)
def test_separable(cls, kw, shape, out):
    check_layer(cls, kw, input_shape=shape, expected_output_shape=out, expected_num_weights=3)
    _check_against_oracle(
        cls, kw, shape, lambda x, d, p, b: separable_loop(x, d, p, **_loop_kw(kw)) + b
    )


def test_separable_channels_first_and_weights():
    kw = {"filters": 4, "kernel_size": 3, "depth_multiplier": 2, "data_format": "channels_first"}
    check_layer(
        SeparableConv2D, kw, input_shape=(2, 3, 5, 5), expected_output_shape=(None, 4, 3, 3)
    )
    layer = SeparableConv2D(**kw)
    layer(np.zeros((1, 3, 5, 5), "float32"))
    assert [tuple(w.shape) for w in layer.weights] == [(3, 3, 3, 2), (1, 1, 6, 4), (4,)]
    assert [w.name.split("/")[-1] for w in layer.weights] == [
        "depthwise_kernel:0", "pointwise_kernel:0", "bias:0"
    ]  # fmt: skip
    _check_against_oracle(
        SeparableConv2D, kw, (2, 3, 5, 5),
        lambda x, d, p, b: to_first(separable_loop(to_last(x), d, p) + b),
    )  # fmt: skip


DEPTHWISE_CASES = [
    (DepthwiseConv1D, {"kernel_size": 3}, (2, 6, 2), (None, 4, 2)),
    (
        DepthwiseConv1D,
        {"kernel_size": 2, "depth_multiplier": 3, "strides": 2, "padding": "same"},
        (2, 5, 2),
        (None, 3, 6),
    ),
    (DepthwiseConv2D, {"kernel_size": 3, "depth_multiplier": 2}, (2, 5, 4, 2), (None, 3, 2, 4)),
    (
        DepthwiseConv2D,
        {"kernel_size": (2, 3), "padding": "same", "strides": 2, "use_bias": False},
        (1, 5, 5, 3),
        (None, 3, 3, 3),
    ),
    (
        DepthwiseConv2D,
        {"kernel_size": 2, "dilation_rate": 2, "activation": "relu"},
        (1, 5, 5, 2),
        (None, 3, 3, 2),
    ),
]


@pytest.mark.parametrize("cls,kw,shape,out", DEPTHWISE_CASES)
def test_depthwise(cls, kw, shape, out):
    n = 2 if kw.get("use_bias", True) else 1
    check_layer(cls, kw, input_shape=shape, expected_output_shape=out, expected_num_weights=n)
    _check_against_oracle(
        cls, kw, shape, lambda x, d, b=0: depthwise_loop(x, d, **_loop_kw(kw)) + b
    )


def test_depthwise_channels_first():
    kw = {"kernel_size": 2, "depth_multiplier": 2, "data_format": "channels_first"}
    check_layer(
        DepthwiseConv2D, kw, input_shape=(2, 3, 4, 4), expected_output_shape=(None, 6, 3, 3)
    )
    _check_against_oracle(
        DepthwiseConv2D, kw, (2, 3, 4, 4),
        lambda x, d, b: to_first(depthwise_loop(to_last(x), d) + b),
    )  # fmt: skip


# ------------------------------------------------------------------------------ transpose
TRANSPOSE_CASES = [
    (Conv1DTranspose, {"filters": 2, "kernel_size": 3}, (2, 4, 3), (None, 6, 2)),
    (
        Conv1DTranspose,
        {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
        (2, 4, 2),
        (None, 8, 2),
    ),
    (Conv2DTranspose, {"filters": 3, "kernel_size": 3}, (2, 3, 4, 2), (None, 5, 6, 3)),
    (
        Conv2DTranspose,
        {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
        (2, 3, 3, 2),
        (None, 6, 6, 2),
    ),
    (
        Conv2DTranspose,
        {"filters": 2, "kernel_size": (3, 2), "strides": (2, 3), "output_padding": (1, 2)},
        (1, 3, 2, 2),
        (None, 8, 7, 2),
    ),
    (
        Conv2DTranspose,
        {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "activation": "relu"},
        (1, 3, 3, 1),
        (None, 5, 5, 2),
    ),
    (
        Conv3DTranspose,
        {"filters": 2, "kernel_size": 2, "strides": 2},
        (1, 2, 2, 3, 1),
        (None, 4, 4, 6, 2),
    ),
    (Conv1DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 1},
     (2, 4, 3), (None, 10, 2)),
    (Conv3DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
                       "output_padding": 1}, (1, 2, 2, 2, 1), (None, 4, 4, 4, 2)),
]  # fmt: skip


@pytest.mark.parametrize("cls,kw,shape,out", TRANSPOSE_CASES)
def test_conv_transpose(cls, kw, shape, out):
    check_layer(cls, kw, input_shape=shape, expected_output_shape=out, expected_num_weights=2)
    loop_kw = dict(_loop_kw(kw), output_padding=kw.get("output_padding"))
    _check_against_oracle(cls, kw, shape, lambda x, w, b: conv_transpose_loop(x, w, **loop_kw) + b)


def test_conv_transpose_channels_first_and_kernel_layout():
    kw = {"filters": 4, "kernel_size": 3, "strides": 2, "data_format": "channels_first"}
    check_layer(
        Conv2DTranspose, kw, input_shape=(2, 3, 3, 2), expected_output_shape=(None, 4, 7, 5)
    )
    layer = Conv2DTranspose(**kw)
    layer(np.zeros((1, 3, 3, 2), "float32"))
    assert tuple(layer.kernel.shape) == (3, 3, 4, 3)  # (kh, kw, filters, in)
    _check_against_oracle(
        Conv2DTranspose, kw, (2, 3, 3, 2),
        lambda x, w, b: to_first(conv_transpose_loop(to_last(x), w, strides=2) + b),
    )  # fmt: skip


def test_conv3d_transpose_config_has_no_dilation_rate():
    cfg = Conv3DTranspose(2, 2).get_config()
    assert "dilation_rate" not in cfg and cfg["output_padding"] is None
    assert Conv2DTranspose(2, 2).get_config()["dilation_rate"] == (1, 1)


# ------------------------------------------------------------------------ config / aliases
BASE = {"name", "trainable", "dtype"}
CONV_KEYS = BASE | {
    "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
    "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
    "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
}  # fmt: skip
SEPARABLE_KEYS = CONV_KEYS | {
    "depth_multiplier", "depthwise_initializer", "pointwise_initializer",
    "depthwise_regularizer", "pointwise_regularizer", "depthwise_constraint",
    "pointwise_constraint",
}  # fmt: skip
DEPTHWISE_KEYS = (CONV_KEYS - {"filters", "kernel_initializer", "kernel_regularizer", "kernel_constraint"}) | {
    "depth_multiplier", "depthwise_initializer", "depthwise_regularizer", "depthwise_constraint"
}  # fmt: skip


@pytest.mark.parametrize(
    "layer,keys",
    [
        (Conv1D(2, 3), CONV_KEYS),
        (Conv2D(2, 3), CONV_KEYS),
        (Conv3D(2, 3), CONV_KEYS),
        (SeparableConv1D(2, 3), SEPARABLE_KEYS),
        (SeparableConv2D(2, 3), SEPARABLE_KEYS),
        (DepthwiseConv1D(3), DEPTHWISE_KEYS),
        (DepthwiseConv2D(3), DEPTHWISE_KEYS),
        (Conv1DTranspose(2, 3), CONV_KEYS | {"output_padding"}),
        (Conv2DTranspose(2, 3), CONV_KEYS | {"output_padding"}),
        (Conv3DTranspose(2, 3), (CONV_KEYS | {"output_padding"}) - {"dilation_rate"}),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, set) else "",
)
def test_config_keys_are_tf_keras_keys(layer, keys):
    cfg = layer.get_config()
    assert set(cfg) == keys
    assert isinstance(cfg["kernel_size"], tuple) and isinstance(cfg["strides"], tuple)


def test_defaults():
    cfg = Conv2D(2, 3).get_config()
    assert cfg["strides"] == (1, 1) and cfg["padding"] == "valid" and cfg["groups"] == 1
    assert cfg["data_format"] == "channels_last" and cfg["activation"] == "linear"
    assert cfg["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert Conv1D(2, 3).get_config()["data_format"] == "channels_last"


def test_conv1d_keeps_channels_last_when_image_data_format_is_channels_first():
    from kviz import config

    config.set_image_data_format("channels_first")
    try:
        assert Conv1D(2, 3).data_format == "channels_last"
        assert Conv2D(2, 3).data_format == "channels_first"
    finally:
        config.set_image_data_format("channels_last")


def test_aliases_and_legacy_module_paths():
    from kviz.layers import convolutional as conv_mod

    assert layers.Convolution1D is Conv1D and layers.Convolution2D is Conv2D
    assert layers.Convolution3D is Conv3D and layers.SeparableConvolution2D is SeparableConv2D
    assert layers.SeparableConvolution1D is SeparableConv1D
    assert layers.Convolution2DTranspose is Conv2DTranspose
    assert conv_mod.ZeroPadding2D is layers.ZeroPadding2D  # Keras 2.2 kept it there
    assert conv_mod.UpSampling2D is layers.UpSampling2D and conv_mod.Cropping1D is layers.Cropping1D


# -------------------------------------------------------------------------------- Keras 1
def _keras1(fn):
    with pytest.warns(UserWarning, match="Keras 2 API|deprecated"):
        return fn()


def test_keras1_convolution2d():
    layer = _keras1(
        lambda: layers.Convolution2D(
            8, 3, 3, subsample=(2, 2), border_mode="same", dim_ordering="th", init="he_normal",
            W_regularizer="l2", b_constraint="non_neg", bias=False, activation="relu",
        )
    )  # fmt: skip
    assert layer.filters == 8 and layer.kernel_size == (3, 3) and layer.strides == (2, 2)
    assert layer.padding == "same" and layer.data_format == "channels_first"
    assert not layer.use_bias and type(layer.kernel_initializer).__name__ == "HeNormal"
    assert layer.kernel_regularizer is not None and layer.bias_constraint is not None
    assert layer(np.ones((1, 3, 6, 6), "float32")).shape == (1, 8, 3, 3)


def test_keras1_positional_kernel_sizes():
    assert _keras1(lambda: Conv2D(32, 3, 3)).kernel_size == (3, 3)
    assert _keras1(lambda: Conv2D(32, 3, 5, activation="relu")).kernel_size == (3, 5)
    assert _keras1(lambda: Conv2D(4, nb_row=2, nb_col=3)).kernel_size == (2, 3)
    assert _keras1(lambda: Conv2D(nb_filter=4, nb_row=2, nb_col=3)).filters == 4
    assert _keras1(lambda: Conv3D(4, 2, 3, 1)).kernel_size == (2, 3, 1)
    assert _keras1(lambda: Conv3D(4, kernel_dim1=2, kernel_dim2=2, kernel_dim3=3)).kernel_size == (
        2,
        2,
        3,
    )
    with pytest.raises(ValueError, match="Pass `strides` as a keyword"):
        Conv2D(32, 3, 3, strides=2)
    # Keras 2 positional arguments that are not two ints keep their Keras 2 meaning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Conv2D(4, (3, 3), (2, 2), "same").strides == (2, 2)
        assert Conv2D(4, 3, strides=3).strides == (3, 3)
        assert Conv1D(4, 3, 2).strides == (2,)


def test_keras1_convolution1d_input_dim_and_length():
    layer = _keras1(
        lambda: layers.Convolution1D(
            nb_filter=4, filter_length=3, subsample_length=2, border_mode="same", input_dim=5,
            input_length=10,
        )
    )  # fmt: skip
    assert layer.kernel_size == (3,) and layer.strides == (2,) and layer.padding == "same"
    model = Sequential([layer])
    assert model.output_shape == (None, 5, 4)


def test_keras1_deconvolution_atrous_separable():
    deconv = _keras1(
        lambda: Deconvolution2D(4, 3, 3, (None, 8, 8, 4), subsample=(2, 2), border_mode="same")
    )
    assert type(deconv) is Conv2DTranspose and deconv.kernel_size == (3, 3)
    assert deconv(np.ones((1, 4, 4, 2), "float32")).shape == (1, 8, 8, 4)
    atrous = _keras1(lambda: AtrousConvolution2D(4, 3, 3, atrous_rate=(2, 2)))
    assert type(atrous) is Conv2D and atrous.dilation_rate == (2, 2)
    atrous1 = _keras1(lambda: AtrousConvolution1D(4, 3, atrous_rate=2))
    assert type(atrous1) is Conv1D and atrous1.dilation_rate == (2,)
    sep = _keras1(
        lambda: layers.SeparableConvolution2D(4, 3, 3, init="he_uniform", depth_multiplier=2)
    )
    assert sep.kernel_size == (3, 3)
    assert type(sep.depthwise_initializer).__name__ == "HeUniform"
    assert type(sep.pointwise_initializer).__name__ == "HeUniform"


def test_keras1_border_mode_full_is_refused():
    with pytest.raises(ValueError, match="border_mode='full'"):
        _keras1(lambda: layers.Convolution2D(4, 3, 3, border_mode="full"))


# --------------------------------------------------------------------------------- errors
def test_too_small_input_names_layer_input_kernel_and_strides():
    inp = Input(shape=(2, 2, 1))
    with pytest.raises(ValueError) as err:
        Conv2D(3, 3, strides=2, name="conv_a")(inp)
    msg = str(err.value)
    for part in ("conv_a", "(None, 2, 2, 1)", "(3, 3)", "strides (2, 2)"):
        assert part in msg, msg
    with pytest.raises(ValueError, match="kernel/pool size"):
        Conv1D(2, 5)(np.ones((1, 3, 2), "float32"))


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: Conv2D(0, 3), "filters"),
        (lambda: Conv2D(4, 0), "kernel_size"),
        (lambda: Conv2D(4, 3, padding="causal"), "Causal padding is only supported"),
        (lambda: Conv2D(4, 3, padding="middle"), "padding"),
        (lambda: Conv2D(3, 3, groups=2), "evenly divisible"),
        (lambda: Conv2D(4, 3, strides=2, dilation_rate=2), "dilation_rate"),
        (lambda: Conv2DTranspose(4, 3, strides=2, output_padding=2), "greater than output padding"),
        (lambda: Conv2D(4, (3, 3, 3)), "kernel_size"),
        (lambda: SeparableConv2D(4, 3, groups=2), "groups"),
    ],
)
def test_argument_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_build_errors():
    with pytest.raises(ValueError, match="evenly divisible by the number of groups"):
        Conv2D(4, 3, groups=2)(np.ones((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match="channel dimension of the inputs should be defined"):
        Conv2D(4, 3)(Input(batch_shape=(None, 5, 5, None)))
    with pytest.raises(TypeError, match="filters"):
        Conv2D()
    layer = Conv2D(2, 3)
    layer(np.ones((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match="axis -1 of input shape to have value 3"):
        layer(np.ones((1, 5, 5, 2), "float32"))


def test_mnist_cnn_shapes_and_params():
    model = Sequential(
        [
            Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
            Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    assert model.output_shape == (None, 10)
    assert [lyr.count_params() for lyr in model.layers] == [320, 18496, 0, 0, 0, 1179776, 1290]
    rng = np.random.default_rng(0)
    x = rng.random((16, 28, 28, 1)).astype("float32")
    y = np.eye(10, dtype="float32")[rng.integers(0, 10, 16)]
    model.compile("sgd", "categorical_crossentropy")
    hist = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()


def _layer_modules():
    import pkgutil

    import kviz.layers.convolutional as c
    import kviz.layers.pooling as p
    import kviz.layers.regularization as r
    import kviz.layers.reshaping as s

    return [
        f"{pkg.__name__}.{m.name}"
        for pkg in (c, p, r, s)
        for m in pkgutil.iter_modules(pkg.__path__)
        if not m.name.startswith("_") or m.name in ("_keras1", "_utils")
    ]


@pytest.mark.parametrize("module", _layer_modules())
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
