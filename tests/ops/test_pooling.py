"""kviz.ops.pooling, kviz.ops.spatial and kviz.kernels.pooling against slow loop oracles.

Pooling windows skip padding cells: max pooling ignores them, average pooling divides by the
number of real cells (``shared/KERAS-REFERENCE.md`` §2.6). Bilinear upsampling follows
TensorFlow 2's half-pixel rule, written out again below as a per-pixel loop.
"""

from __future__ import annotations

import numpy as np
import pytest
from conv_oracles import bilinear_loop, pool_loop
from harness import check_op

from kviz import ops
from kviz.autodiff import GradientTape, Variable, gradients
from kviz.kernels import jit as kjit
from kviz.kernels import pooling as kpool
from kviz.ops import pooling as P
from kviz.ops import spatial as S

RNG = np.random.default_rng(5)
COVERED: set[str] = set()


def covers(*names):
    COVERED.update(names)


def rand(*shape):
    return RNG.standard_normal(shape)


# ------------------------------------------------------------------------------- pooling
POOL_CASES = [
    ((2, 7, 3), 2, None, "valid"),
    ((2, 7, 3), 3, 2, "same"),
    ((2, 8, 2), 2, 1, "same"),
    ((2, 5, 4, 2), (2, 2), None, "valid"),
    ((2, 5, 5, 2), (3, 3), (2, 2), "same"),
    ((2, 6, 5, 1), (2, 3), (1, 2), "same"),
    ((1, 7, 6, 2), (3, 2), (2, 1), "valid"),
    ((1, 4, 5, 3, 2), (2, 2, 2), None, "valid"),
    ((1, 5, 4, 3, 1), (3, 2, 2), (2, 1, 2), "same"),
]


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("xs,pool,strides,padding", POOL_CASES)
def test_pool_against_loop(mode, xs, pool, strides, padding):
    fn = ops.max_pool if mode == "max" else ops.average_pool
    covers("max_pool" if mode == "max" else "average_pool")
    check_op(
        lambda x: fn(x, pool, strides, padding),
        [rand(*xs)],
        reference=lambda x: pool_loop(x, pool, strides, padding, mode),
        none_batch=True,
    )


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool_channels_first(mode):
    covers("pool")
    check_op(
        lambda x: ops.pool(x, (2, 3), (2, 1), "same", "channels_first", pool_mode=mode),
        [rand(2, 3, 5, 4)],
        reference=lambda x: pool_loop(x, (2, 3), (2, 1), "same", mode, channels_first=True),
        none_batch=True,
    )


@pytest.mark.parametrize(
    "name,xs", [("pool1d", (2, 6, 2)), ("pool2d", (2, 4, 5, 2)), ("pool3d", (1, 3, 4, 3, 2))]
)
def test_keras_backend_pools_default_to_stride_one(name, xs):
    covers(name)
    nd = len(xs) - 2
    for mode in ("max", "avg"):
        check_op(
            lambda x, mode=mode: getattr(ops, name)(x, (2,) * nd, pool_mode=mode),
            [rand(*xs)],
            reference=lambda x, mode=mode: pool_loop(x, (2,) * nd, 1, "valid", mode),
            none_batch=True,
        )


def test_avg_pool_alias_and_int_inputs():
    covers("avg_pool")
    assert ops.avg_pool is ops.average_pool
    y = ops.avg_pool(np.arange(8).reshape(1, 8, 1), 2)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.ravel(), [0.5, 2.5, 4.5, 6.5])


def test_max_pool_gradient_goes_to_the_first_maximum_on_ties():
    x = Variable(np.array([[[1.0], [3.0], [3.0], [2.0]]]))
    with GradientTape():
        y = ops.max_pool(x, 2, 1)  # windows [1,3] [3,3] [3,2]
    (g,) = gradients(y, [x])
    np.testing.assert_array_equal(g.ravel(), [0, 2, 1, 0])


@pytest.mark.parametrize("channels", [3, 8])
def test_pool_kernels_match_numpy(channels):
    x = rand(2, 3, 5, 4, channels).astype("float32")
    for geo in [
        ((2, 2, 2), (1, 2, 2), (0, 0, 1), (2, 2, 2)),
        ((3, 1, 3), (2, 1, 1), (1, 0, 1), (2, 5, 4)),
    ]:
        out = kpool.max_pool(x, *geo)
        out2, arg = kpool.max_pool_numpy(x, *geo)
        np.testing.assert_array_equal(out, out2)
        g = rand(*out.shape).astype("float32")
        np.testing.assert_allclose(
            kpool.max_pool_backward(g, x, out, *geo),
            np.bincount(arg.ravel(), g.ravel(), x.size).reshape(x.shape),
            rtol=1e-6,
        )
        avg = kpool.avg_pool(x, *geo)
        np.testing.assert_allclose(avg, kpool.avg_pool_numpy(x, *geo), rtol=1e-6, atol=1e-6)
        back = kpool.avg_pool_backward(g, x.shape, *geo)
        np.testing.assert_allclose(
            back, kpool.avg_pool_backward_numpy(g, x.shape, *geo), rtol=1e-6, atol=1e-6
        )
        # backward is the adjoint of forward
        np.testing.assert_allclose(
            np.sum(avg * g, dtype="float64"), np.sum(x * back, dtype="float64"), rtol=1e-4
        )


def test_pooling_without_numba():
    kjit.set_available(False)
    try:
        for mode in ("max", "avg"):
            check_op(
                lambda x, mode=mode: ops.pool(x, (2, 2), (1, 2), "same", pool_mode=mode),
                [rand(2, 5, 4, 2)],
                reference=lambda x, mode=mode: pool_loop(x, (2, 2), (1, 2), "same", mode),
                symbolic=False,
            )
    finally:
        kjit.set_available(None)


@pytest.mark.parametrize("channels_first", [False, True])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("xs", [(2, 5, 3), (2, 3, 4, 2), (1, 2, 3, 4, 2)])
def test_global_pools(xs, keepdims, channels_first):
    covers("global_max_pool", "global_average_pool")
    fmt = "channels_first" if channels_first else "channels_last"
    axes = tuple(range(2, len(xs))) if channels_first else tuple(range(1, len(xs) - 1))
    check_op(
        lambda x: ops.global_max_pool(x, fmt, keepdims),
        [rand(*xs)],
        reference=lambda x: np.max(x, axis=axes, keepdims=keepdims),
        none_batch=True,
    )
    check_op(
        lambda x: ops.global_average_pool(x, fmt, keepdims),
        [rand(*xs)],
        reference=lambda x: np.mean(x, axis=axes, keepdims=keepdims),
        none_batch=True,
    )


def test_pool_errors():
    with pytest.raises(
        ValueError, match=r"input spatial shape \(3, 3\), kernel/pool size \(4, 4\)"
    ):
        ops.max_pool(np.ones((1, 3, 3, 1)), (4, 4))
    with pytest.raises(ValueError, match="rank 3, 4 or 5"):
        ops.max_pool(np.ones((3, 3)), 2)
    with pytest.raises(ValueError, match="pool_mode"):
        ops.pool(np.ones((1, 4, 1)), 2, pool_mode="median")
    with pytest.raises(ValueError, match="pool_size"):
        ops.max_pool(np.ones((1, 4, 4, 1)), (2, 2, 2))
    with pytest.raises(ValueError, match="rank >= 3"):
        ops.global_max_pool(np.ones((3, 3)))


# ---------------------------------------------------------------------------- upsampling
@pytest.mark.parametrize(
    "xs,size,fmt",
    [
        ((2, 3, 2), 2, None),
        ((2, 3, 4, 2), (2, 3), None),
        ((2, 2, 3, 2), (1, 2), "channels_first"),
        ((1, 2, 2, 3, 2), (2, 1, 2), None),
    ],
)
def test_upsample_nearest(xs, size, fmt):
    covers("upsample")
    nd = len(xs) - 2
    sizes = (size,) * nd if isinstance(size, int) else size
    first = fmt == "channels_first"

    def ref(x):
        for i, f in enumerate(sizes):
            x = np.repeat(x, f, axis=i + (2 if first else 1))
        return x

    check_op(lambda x: ops.upsample(x, size, fmt), [rand(*xs)], reference=ref, none_batch=True)


@pytest.mark.parametrize(
    "xs,size", [((2, 3, 4, 2), (2, 2)), ((1, 2, 3, 1), (3, 2)), ((1, 1, 2, 2), (2, 1))]
)
def test_upsample_bilinear(xs, size):
    covers("resize_images")
    check_op(
        lambda x: ops.resize_images(x, size[0], size[1], "channels_last", "bilinear"),
        [rand(*xs)],
        reference=lambda x: bilinear_loop(x, size),
        none_batch=True,
    )
    check_op(
        lambda x: ops.resize_images(x, size[0], size[1], "channels_first", "bilinear"),
        [np.moveaxis(rand(*xs), -1, 1)],
        reference=lambda x: np.moveaxis(bilinear_loop(np.moveaxis(x, 1, -1), size), -1, 1),
        none_batch=True,
    )


def test_resize_volumes():
    covers("resize_volumes")
    check_op(
        lambda x: ops.resize_volumes(x, 2, 1, 3, "channels_last"),
        [rand(1, 2, 2, 2, 1)],
        reference=lambda x: np.repeat(np.repeat(x, 2, 1), 3, 3),
        none_batch=True,
    )


def test_upsample_errors():
    with pytest.raises(ValueError, match="interpolation"):
        ops.upsample(np.ones((1, 2, 2, 1)), 2, interpolation="bicubic")
    with pytest.raises(ValueError, match="rank 4"):
        ops.resize_images(np.ones((1, 2, 1)), 2, 2, "channels_last")


# ---------------------------------------------------------------------- padding, cropping
@pytest.mark.parametrize(
    "xs,padding,fmt,widths",
    [
        ((2, 3, 2), 1, None, [(0, 0), (1, 1), (0, 0)]),
        ((2, 3, 2), (2, 0), None, [(0, 0), (2, 0), (0, 0)]),
        ((2, 3, 4, 2), ((1, 2), (0, 3)), None, [(0, 0), (1, 2), (0, 3), (0, 0)]),
        ((2, 2, 3, 4), (1, 2), "channels_first", [(0, 0), (0, 0), (1, 1), (2, 2)]),
        ((1, 2, 2, 2, 1), ((1, 0), (0, 1), (2, 2)), None, [(0, 0), (1, 0), (0, 1), (2, 2), (0, 0)]),
    ],
)
def test_spatial_padding(xs, padding, fmt, widths):
    covers("spatial_padding")
    check_op(
        lambda x: ops.spatial_padding(x, padding, fmt),
        [rand(*xs)],
        reference=lambda x: np.pad(x, widths),
        none_batch=True,
    )


def test_keras_backend_paddings():
    covers("temporal_padding", "spatial_2d_padding", "spatial_3d_padding")
    check_op(
        lambda x: ops.temporal_padding(x, (1, 2)),
        [rand(2, 3, 2)],
        reference=lambda x: np.pad(x, [(0, 0), (1, 2), (0, 0)]),
    )
    check_op(
        lambda x: ops.spatial_2d_padding(x, ((1, 0), (2, 1)), "channels_first"),
        [rand(1, 2, 3, 3)],
        reference=lambda x: np.pad(x, [(0, 0), (0, 0), (1, 0), (2, 1)]),
    )
    check_op(
        lambda x: ops.spatial_3d_padding(x),
        [rand(1, 2, 2, 2, 1)],
        reference=lambda x: np.pad(x, [(0, 0), (1, 1), (1, 1), (1, 1), (0, 0)]),
    )


@pytest.mark.parametrize(
    "xs,cropping,fmt,index",
    [
        ((2, 5, 2), (1, 2), None, np.s_[:, 1:3]),
        ((2, 5, 2), 1, None, np.s_[:, 1:4]),
        ((2, 5, 6, 2), ((1, 0), (2, 1)), None, np.s_[:, 1:, 2:5]),
        ((2, 2, 5, 6), (1, 2), "channels_first", np.s_[:, :, 1:4, 2:4]),
        ((1, 4, 3, 5, 1), ((1, 1), (0, 1), (2, 0)), None, np.s_[:, 1:3, :2, 2:]),
    ],
)
def test_crop(xs, cropping, fmt, index):
    covers("crop")
    check_op(
        lambda x: ops.crop(x, cropping, fmt),
        [rand(*xs)],
        reference=lambda x: x[index],
        none_batch=True,
    )


def test_padding_and_cropping_errors():
    with pytest.raises(ValueError, match="removes all 3 cells"):
        ops.crop(np.ones((1, 3, 1)), (2, 1))
    with pytest.raises(ValueError, match="2 elements"):
        ops.spatial_padding(np.ones((1, 3, 3, 1)), ((1, 1), (1, 1), (1, 1)))
    with pytest.raises(ValueError, match="non-negative"):
        ops.spatial_padding(np.ones((1, 3, 1)), (-1, 1))


# -------------------------------------------------------------------------------- exports
def test_every_pooling_and_spatial_op_is_covered():
    assert set(P.__all__) | set(S.__all__) == COVERED


def test_package_namespace_has_every_op():
    for mod in (P, S):
        for name in mod.__all__:
            assert getattr(ops, name) is getattr(mod, name), name
