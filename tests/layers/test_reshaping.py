"""Spatial reshaping layers: UpSampling1D/2D/3D (nearest, bilinear), ZeroPadding1D/2D/3D,
Cropping1D/2D/3D; and SpatialDropout1D/2D/3D (``kviz.layers.regularization``)."""

from __future__ import annotations

import numpy as np
import pytest
from conv_oracles import bilinear_loop
from layer_harness import check_layer, make_input

from kviz import layers
from kviz.layers import Input
from kviz.layers.regularization import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D
from kviz.layers.reshaping import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from kviz.models import Sequential

BASE = {"name", "trainable", "dtype"}


# ----------------------------------------------------------------------------- UpSampling
@pytest.mark.parametrize(
    "cls,kw,shape,out,ref",
    [
        (UpSampling1D, {}, (2, 3, 2), (None, 6, 2), lambda x: np.repeat(x, 2, 1)),
        (UpSampling1D, {"size": 3}, (2, 2, 2), (None, 6, 2), lambda x: np.repeat(x, 3, 1)),
        (
            UpSampling2D,
            {},
            (2, 2, 3, 2),
            (None, 4, 6, 2),
            lambda x: np.repeat(np.repeat(x, 2, 1), 2, 2),
        ),
        (
            UpSampling2D,
            {"size": (1, 3), "data_format": "channels_first"},
            (2, 2, 2, 3),
            (None, 2, 2, 9),
            lambda x: np.repeat(x, 3, 3),
        ),
        (
            UpSampling2D,
            {"size": (2, 3), "interpolation": "bilinear"},
            (2, 3, 2, 2),
            (None, 6, 6, 2),
            lambda x: bilinear_loop(x, (2, 3)),
        ),
        (
            UpSampling3D,
            {},
            (1, 2, 1, 2, 2),
            (None, 4, 2, 4, 2),
            lambda x: np.repeat(np.repeat(np.repeat(x, 2, 1), 2, 2), 2, 3),
        ),
        (
            UpSampling3D,
            {"size": (1, 2, 1), "data_format": "channels_first"},
            (1, 2, 2, 2, 1),
            (None, 2, 2, 4, 1),
            lambda x: np.repeat(x, 2, 3),
        ),
    ],
)
def test_upsampling(cls, kw, shape, out, ref):
    y = check_layer(cls, kw, input_shape=shape, expected_output_shape=out, expected_num_weights=0)
    np.testing.assert_allclose(
        y, ref(make_input(shape, seed=0).astype("float64")), rtol=1e-5, atol=1e-6
    )


def test_upsampling_bilinear_channels_first():
    kw = {"interpolation": "bilinear", "data_format": "channels_first"}
    y = check_layer(
        UpSampling2D, kw, input_shape=(1, 2, 3, 2), expected_output_shape=(None, 2, 6, 4)
    )
    x = make_input((1, 2, 3, 2), seed=0).astype("float64")
    ref = np.moveaxis(bilinear_loop(np.moveaxis(x, 1, -1), (2, 2)), -1, 1)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)


def test_upsampling_config_and_keras1():
    assert UpSampling1D().get_config()["size"] == 2
    assert set(UpSampling1D().get_config()) == BASE | {"size"}
    assert set(UpSampling2D().get_config()) == BASE | {"size", "data_format", "interpolation"}
    assert set(UpSampling3D().get_config()) == BASE | {"size", "data_format"}
    assert UpSampling2D().get_config()["size"] == (2, 2)
    with pytest.warns(UserWarning, match="Keras 2 API"):
        assert UpSampling1D(length=3).size == 3
    with pytest.warns(UserWarning, match="Keras 2 API"):
        assert UpSampling2D(dim_ordering="th").data_format == "channels_first"


def test_upsampling_errors():
    with pytest.raises(ValueError, match="not implemented in kviz"):
        UpSampling2D(interpolation="bicubic")
    with pytest.raises(ValueError, match="interpolation"):
        UpSampling2D(interpolation="linear")
    with pytest.raises(ValueError, match="size"):
        UpSampling2D(size=(2, 2, 2))


# ---------------------------------------------------------------------------- ZeroPadding
@pytest.mark.parametrize(
    "cls,kw,shape,widths",
    [
        (ZeroPadding1D, {}, (2, 3, 2), [(0, 0), (1, 1), (0, 0)]),
        (ZeroPadding1D, {"padding": (2, 0)}, (2, 3, 2), [(0, 0), (2, 0), (0, 0)]),
        (ZeroPadding2D, {}, (2, 3, 3, 1), [(0, 0), (1, 1), (1, 1), (0, 0)]),
        (ZeroPadding2D, {"padding": (2, 1)}, (2, 2, 3, 1), [(0, 0), (2, 2), (1, 1), (0, 0)]),
        (
            ZeroPadding2D,
            {"padding": ((1, 0), (0, 2)), "data_format": "channels_first"},
            (2, 2, 2, 3),
            [(0, 0), (0, 0), (1, 0), (0, 2)],
        ),
        (ZeroPadding3D, {}, (1, 2, 2, 2, 1), [(0, 0), (1, 1), (1, 1), (1, 1), (0, 0)]),
        (
            ZeroPadding3D,
            {"padding": ((0, 1), 2, (1, 0))},
            (1, 2, 2, 2, 1),
            [(0, 0), (0, 1), (2, 2), (1, 0), (0, 0)],
        ),
    ],
)
def test_zero_padding(cls, kw, shape, widths):
    out = tuple(None if i == 0 else d + a + b for i, (d, (a, b)) in enumerate(zip(shape, widths)))
    y = check_layer(cls, kw, input_shape=shape, expected_output_shape=out, expected_num_weights=0)
    np.testing.assert_array_equal(y, np.pad(make_input(shape, seed=0), widths))


def test_zero_padding_config_and_keras1():
    assert ZeroPadding1D().get_config()["padding"] == (1, 1)
    assert ZeroPadding2D().get_config()["padding"] == ((1, 1), (1, 1))
    assert set(ZeroPadding2D().get_config()) == BASE | {"padding", "data_format"}
    assert set(ZeroPadding1D().get_config()) == BASE | {"padding"}
    assert ZeroPadding3D(2).get_config()["padding"] == ((2, 2), (2, 2), (2, 2))
    layer = ZeroPadding2D(padding={"top_pad": 1, "right_pad": 2})
    assert layer.padding == ((1, 0), (0, 2))
    with pytest.warns(UserWarning, match="Keras 2 API"):
        assert ZeroPadding2D(dim_ordering="th").data_format == "channels_first"
    with pytest.raises(ValueError, match="padding"):
        ZeroPadding2D(((1, 1), (1, 1), (1, 1)))
    with pytest.raises(ValueError, match="padding"):
        ZeroPadding1D(-1)


# ------------------------------------------------------------------------------- Cropping
@pytest.mark.parametrize(
    "cls,kw,shape,index,out",
    [
        (Cropping1D, {}, (2, 5, 2), np.s_[:, 1:4], (None, 3, 2)),
        (Cropping1D, {"cropping": (2, 0)}, (2, 5, 2), np.s_[:, 2:], (None, 3, 2)),
        (Cropping2D, {}, (2, 3, 3, 1), np.s_[:], (None, 3, 3, 1)),
        (
            Cropping2D,
            {"cropping": ((1, 0), (1, 2))},
            (2, 3, 5, 1),
            np.s_[:, 1:, 1:3],
            (None, 2, 2, 1),
        ),
        (
            Cropping2D,
            {"cropping": 1, "data_format": "channels_first"},
            (2, 2, 4, 3),
            np.s_[:, :, 1:3, 1:2],
            (None, 2, 2, 1),
        ),
        (Cropping3D, {}, (1, 3, 4, 5, 1), np.s_[:, 1:2, 1:3, 1:4], (None, 1, 2, 3, 1)),
        (
            Cropping3D,
            {"cropping": ((0, 1), 0, (2, 0))},
            (1, 3, 2, 4, 2),
            np.s_[:, :2, :, 2:],
            (None, 2, 2, 2, 2),
        ),
    ],
)
def test_cropping(cls, kw, shape, index, out):
    y = check_layer(cls, kw, input_shape=shape, expected_output_shape=out, expected_num_weights=0)
    np.testing.assert_array_equal(y, make_input(shape, seed=0)[index])


def test_cropping_config_and_errors():
    assert Cropping1D().get_config()["cropping"] == (1, 1)
    assert Cropping2D().get_config()["cropping"] == ((0, 0), (0, 0))
    assert Cropping3D().get_config()["cropping"] == ((1, 1), (1, 1), (1, 1))
    assert set(Cropping2D().get_config()) == BASE | {"cropping", "data_format"}
    with pytest.raises(ValueError, match="removes all 4 cells"):
        Cropping2D(((2, 2), (0, 0)), name="crop")(Input(shape=(4, 4, 1)))
    with pytest.raises(ValueError, match="removes all"):
        Cropping1D((3, 3))(np.ones((1, 5, 1), "float32"))
    with pytest.warns(UserWarning, match="Keras 2 API"):
        assert Cropping3D(dim_ordering="th").data_format == "channels_first"


def test_legacy_paths_and_sequential():
    from kviz.layers import convolutional

    assert convolutional.Cropping2D is layers.Cropping2D is Cropping2D
    model = Sequential(
        [
            ZeroPadding2D(2, input_shape=(4, 4, 1)),
            Cropping2D(1),
            UpSampling2D(),
            layers.Conv2D(2, 3),
        ]
    )
    assert model.output_shape == (None, 10, 10, 2)


# ------------------------------------------------------------------------ SpatialDropout
@pytest.mark.parametrize(
    "cls,kw,shape,map_axes",
    [
        (SpatialDropout1D, {"rate": 0.5}, (4, 6, 5), (1,)),
        (SpatialDropout2D, {"rate": 0.5}, (4, 3, 4, 5), (1, 2)),
        (SpatialDropout2D, {"rate": 0.5, "data_format": "channels_first"}, (4, 5, 3, 4), (2, 3)),
        (SpatialDropout3D, {"rate": 0.5}, (4, 2, 3, 2, 5), (1, 2, 3)),
        (
            SpatialDropout3D,
            {"rate": 0.4, "data_format": "channels_first"},
            (4, 5, 2, 3, 2),
            (2, 3, 4),
        ),
    ],
)
def test_spatial_dropout(cls, kw, shape, map_axes):
    y = check_layer(cls, kw, input_shape=shape, expected_output_shape=(None,) + shape[1:])
    np.testing.assert_array_equal(y, make_input(shape, seed=0))  # identity at inference
    layer = cls(**kw, seed=3)
    x = np.ones(shape, "float32")
    y = layer(x, training=True)
    keep = 1 - kw["rate"]
    # whole feature maps are kept (scaled by 1/keep) or dropped
    assert np.all(np.ptp(y, axis=map_axes) == 0)
    np.testing.assert_allclose(np.unique(y)[np.unique(y) > 0], 1 / keep, rtol=1e-6)
    assert 0 < np.count_nonzero(y) < y.size


def test_spatial_dropout_config_and_keras1():
    assert set(SpatialDropout1D(0.3).get_config()) == BASE | {"rate", "noise_shape", "seed"}
    cfg = SpatialDropout2D(0.3, data_format="channels_first").get_config()
    assert set(cfg) == BASE | {"rate", "noise_shape", "seed", "data_format"}
    assert SpatialDropout2D.from_config(cfg).data_format == "channels_first"
    with pytest.warns(UserWarning, match="Keras 2 API"):
        assert SpatialDropout1D(p=0.2).rate == 0.2
    with pytest.warns(UserWarning, match="Keras 2 API"):
        assert SpatialDropout3D(0.2, dim_ordering="th").data_format == "channels_first"
    with pytest.raises(ValueError, match="expected ndim=4"):
        SpatialDropout2D(0.5)(np.ones((2, 3, 4), "float32"))
    assert layers.SpatialDropout1D is SpatialDropout1D
