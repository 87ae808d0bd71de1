"""kviz.ops.conv and kviz.kernels.conv: every convolution against a slow, obvious loop.

The loop oracles below compute padding and output sizes on their own (TensorFlow's rules, see
``shared/KERAS-REFERENCE.md`` §2.6), so they check ``kviz.ops.conv_utils`` too. ``check_op``
adds float32 runs, finite-difference gradients and symbolic shapes.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from conv_oracles import conv_loop, conv_transpose_loop, depthwise_loop, to_first, to_last
from harness import check_op

from kviz import ops
from kviz.autodiff import GradientTape, Variable, gradients
from kviz.graph import KerasTensor
from kviz.kernels import conv as kconv
from kviz.kernels import jit as kjit
from kviz.kernels import threads

C = importlib.import_module("kviz.ops.conv")  # ``kviz.ops.conv`` is also the function ``conv``
RNG = np.random.default_rng(3)
COVERED: set[str] = set()


def covers(*names):
    COVERED.update(names)


def rand(*shape):
    return RNG.standard_normal(shape)


# -------------------------------------------------------------------------------- conv
CONV_CASES = [
    # (input shape channels-last, kernel shape, kwargs)
    ((2, 7, 3), (3, 3, 4), {}),
    ((2, 7, 3), (3, 3, 4), {"padding": "same", "strides": 2}),
    ((2, 8, 3), (2, 3, 2), {"padding": "same"}),
    ((2, 7, 2), (3, 2, 3), {"padding": "causal", "dilation_rate": 2}),
    ((2, 9, 2), (3, 2, 2), {"padding": "causal", "strides": 2}),
    ((2, 9, 4), (2, 2, 4), {"groups": 2, "padding": "same"}),
    ((2, 5, 4, 3), (3, 2, 3, 4), {}),
    ((2, 6, 5, 2), (3, 3, 2, 3), {"padding": "same", "strides": (2, 1)}),
    ((2, 7, 6, 2), (2, 3, 2, 2), {"padding": "same", "dilation_rate": (2, 2)}),
    ((1, 5, 5, 4), (3, 3, 2, 4), {"groups": 2, "strides": 2}),
    ((1, 4, 4, 3, 2), (2, 2, 2, 2, 3), {}),
    ((1, 5, 4, 3, 2), (3, 2, 2, 2, 2), {"padding": "same", "strides": (2, 1, 2)}),
]


@pytest.mark.parametrize("xs,ks,kwargs", CONV_CASES)
def test_conv_against_loop(xs, ks, kwargs):
    covers("conv")
    loop_kw = {
        "strides": kwargs.get("strides", 1),
        "padding": kwargs.get("padding", "valid"),
        "dilation": kwargs.get("dilation_rate", 1),
        "groups": kwargs.get("groups", 1),
    }
    check_op(
        lambda x, w: ops.conv(x, w, **kwargs),
        [rand(*xs), rand(*ks)],
        reference=lambda x, w: conv_loop(x, w, **loop_kw),
        none_batch=[True, False],
        atol=1e-12,
        rtol=1e-10,
    )


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_conv_channels_first_and_bias(nd):
    covers("conv")
    xs = (2, 3) + (5, 4, 3)[:nd]
    ks = (3, 2, 2)[:nd] + (3, 2)
    check_op(
        lambda x, w, b: ops.conv(x, w, padding="same", data_format="channels_first", bias=b),
        [rand(*xs), rand(*ks), rand(2)],
        reference=lambda x, w, b: (
            conv_loop(x, w, padding="same", channels_first=True) + b.reshape((1, 2) + (1,) * nd)
        ),
        none_batch=[True, False, False],
    )


def test_conv_with_fused_relu():
    covers("conv")
    check_op(
        lambda x, w, b: ops.conv(x, w, padding="same", bias=b, activation="relu"),
        [rand(2, 5, 4, 3), rand(3, 3, 3, 4), rand(4)],
        reference=lambda x, w, b: np.maximum(conv_loop(x, w, padding="same") + b, 0),
        none_batch=[True, False, False],
    )
    with pytest.raises(ValueError, match="activation"):
        ops.conv(rand(1, 4, 4, 1), rand(3, 3, 1, 1), activation="tanh")


@pytest.mark.parametrize(
    "name,xs,ks,kwargs",
    [
        ("conv1d", (2, 6, 2), (3, 2, 3), {"strides": 2, "padding": "same"}),
        ("conv2d", (2, 5, 5, 2), (3, 3, 2, 2), {"dilation_rate": (2, 1)}),
        ("conv3d", (1, 4, 4, 4, 1), (2, 2, 2, 1, 2), {"padding": "same"}),
    ],
)
def test_keras_backend_convs(name, xs, ks, kwargs):
    covers(name)
    loop_kw = {
        "strides": kwargs.get("strides", 1),
        "padding": kwargs.get("padding", "valid"),
        "dilation": kwargs.get("dilation_rate", 1),
    }
    check_op(
        lambda x, w: getattr(ops, name)(x, w, **kwargs),
        [rand(*xs), rand(*ks)],
        reference=lambda x, w: conv_loop(x, w, **loop_kw),
        none_batch=[True, False],
    )


@pytest.mark.parametrize(
    "name,xs,ks,kwargs",
    [
        ("depthwise_conv", (2, 6, 3), (3, 3, 2), {"padding": "same"}),
        ("depthwise_conv1d", (2, 7, 2), (2, 2, 1), {"strides": 2}),
        ("depthwise_conv2d", (2, 5, 4, 3), (3, 2, 3, 2), {}),
        ("depthwise_conv2d", (2, 6, 5, 2), (3, 3, 2, 1), {"padding": "same", "strides": 2}),
        ("depthwise_conv2d", (1, 7, 6, 2), (2, 2, 2, 2), {"dilation_rate": 2}),
    ],
)
def test_depthwise_against_loop(name, xs, ks, kwargs):
    covers(name)
    loop_kw = {
        "strides": kwargs.get("strides", 1),
        "padding": kwargs.get("padding", "valid"),
        "dilation": kwargs.get("dilation_rate", 1),
    }
    check_op(
        lambda x, w: getattr(ops, name)(x, w, **kwargs),
        [rand(*xs), rand(*ks)],
        reference=lambda x, w: depthwise_loop(x, w, **loop_kw),
        none_batch=[True, False],
    )


def test_depthwise_channels_first():
    covers("depthwise_conv")
    check_op(
        lambda x, w: ops.depthwise_conv(x, w, data_format="channels_first"),
        [rand(2, 2, 5, 4), rand(2, 2, 2, 2)],
        reference=lambda x, w: depthwise_loop(x, w, channels_first=True),
        none_batch=[True, False],
    )


@pytest.mark.parametrize(
    "name,xs,dks,pks,kwargs",
    [
        ("separable_conv", (2, 5, 4, 2), (3, 3, 2, 2), (1, 1, 4, 3), {"padding": "same"}),
        ("separable_conv1d", (2, 7, 2), (3, 2, 1), (1, 2, 3), {"strides": 2}),
        ("separable_conv2d", (2, 6, 5, 2), (2, 2, 2, 1), (1, 1, 2, 2), {"dilation_rate": 2}),
    ],
)
def test_separable_against_loop(name, xs, dks, pks, kwargs):
    covers(name)
    loop_kw = {
        "strides": kwargs.get("strides", 1),
        "padding": kwargs.get("padding", "valid"),
        "dilation": kwargs.get("dilation_rate", 1),
    }
    check_op(
        lambda x, d, p: getattr(ops, name)(x, d, p, **kwargs),
        [rand(*xs), rand(*dks), rand(*pks)],
        reference=lambda x, d, p: conv_loop(depthwise_loop(x, d, **loop_kw), p),
        none_batch=[True, False, False],
    )


# ----------------------------------------------------------------------------- transpose
TRANSPOSE_CASES = [
    ((2, 4, 3), (3, 2, 3), {}),
    ((2, 4, 3), (3, 2, 3), {"strides": 2, "padding": "same"}),
    ((2, 3, 2), (3, 2, 2), {"strides": 2, "output_padding": 1}),
    ((2, 3, 2), (4, 2, 2), {"strides": 3, "padding": "same", "output_padding": 2}),
    ((2, 3, 2), (2, 2, 2), {"dilation_rate": 2}),
    ((2, 3, 4, 2), (3, 3, 2, 2), {}),
    ((1, 3, 3, 2), (3, 2, 3, 2), {"strides": (2, 1), "padding": "same"}),
    ((1, 3, 2, 2), (3, 3, 2, 2), {"strides": 2, "padding": "same", "output_padding": (1, 0)}),
    ((1, 2, 3, 2, 2), (2, 2, 2, 2, 2), {"strides": 2}),
    ((1, 2, 2, 3, 1), (3, 2, 2, 2, 1), {"padding": "same", "strides": (1, 2, 1)}),
]


@pytest.mark.parametrize("xs,ks,kwargs", TRANSPOSE_CASES)
def test_conv_transpose_against_loop(xs, ks, kwargs):
    covers("conv_transpose")
    loop_kw = {
        "strides": kwargs.get("strides", 1),
        "padding": kwargs.get("padding", "valid"),
        "dilation": kwargs.get("dilation_rate", 1),
        "output_padding": kwargs.get("output_padding"),
    }
    check_op(
        lambda x, w: ops.conv_transpose(x, w, **kwargs),
        [rand(*xs), rand(*ks)],
        reference=lambda x, w: conv_transpose_loop(x, w, **loop_kw),
        none_batch=[True, False],
    )


def test_conv_transpose_is_the_adjoint_of_conv():
    """<conv(x, w), r> == <x, conv_transpose(r, w)>: Keras's transposed-kernel layout
    (k, filters, in) is the convolution kernel (k, in, filters) of the adjoint."""
    covers("conv_transpose")
    x, w = rand(2, 7, 6, 3), rand(3, 3, 3, 4)
    for kw in ({"strides": 2, "padding": "same"}, {"strides": (2, 3)}, {"dilation_rate": 2}):
        y = ops.conv(x, w, **kw)
        r = rand(*y.shape)
        xt = ops.conv_transpose(r, w, output_shape=x.shape, **kw)
        np.testing.assert_allclose(np.sum(y * r), np.sum(x * xt), rtol=1e-10)


@pytest.mark.parametrize(
    "name,xs,ks,out_shape,kwargs",
    [
        ("conv1d_transpose", (2, 3, 2), (3, 1, 2), (2, 7, 1), {"strides": 2, "padding": "valid"}),
        (
            "conv2d_transpose",
            (2, 3, 3, 2),
            (3, 3, 2, 2),
            (2, 6, 5, 2),
            {"strides": 2, "padding": "same"},
        ),
        ("conv3d_transpose", (1, 2, 2, 2, 1), (2, 2, 2, 2, 1), (1, 4, 4, 4, 2), {"strides": 2}),
    ],
)
def test_keras_backend_conv_transpose(name, xs, ks, out_shape, kwargs):
    covers(name)
    check_op(
        lambda x, w: getattr(ops, name)(x, w, out_shape, **kwargs),
        [rand(*xs), rand(*ks)],
        reference=lambda x, w: conv_transpose_loop(
            x, w, kwargs["strides"], kwargs.get("padding", "valid"), out_size=out_shape[1:-1]
        ),
        symbolic=False,  # an explicit output_shape fixes the batch size
    )


def test_conv_transpose_channels_first():
    covers("conv_transpose")
    check_op(
        lambda x, w, b: ops.conv_transpose(
            x, w, strides=2, padding="same", data_format="channels_first", bias=b
        ),
        [rand(2, 3, 4, 3), rand(3, 3, 2, 3), rand(2)],
        reference=lambda x, w, b: to_first(conv_transpose_loop(to_last(x), w, 2, "same") + b),
        none_batch=[True, False, False],
    )


# -------------------------------------------------------------- kernels, paths, threading
def test_im2col_kernel_matches_numpy_and_col2im_is_its_adjoint():
    for x in (rand(3, 4, 5, 6, 9).astype("float32"), rand(2, 3, 4, 5, 2).astype("float32")):
        _im2col_roundtrip(x)


def _im2col_roundtrip(x):
    for geo in [
        ((2, 3, 2), (1, 2, 1), (1, 1, 2), (0, 1, 1), (3, 3, 5)),
        ((1, 3, 3), (1, 1, 1), (1, 2, 1), (0, 2, 1), (4, 5, 6)),
        ((3, 1, 2), (2, 1, 3), (1, 1, 1), (1, 0, 0), (2, 5, 2)),
    ]:
        cols = kconv.im2col(x, *geo)
        np.testing.assert_array_equal(cols, kconv.im2col_numpy(x, *geo))
        r = rand(*cols.shape).astype("float32")
        back = kconv.col2im(r, x.shape, *geo)
        np.testing.assert_allclose(back, kconv.col2im_numpy(r, x.shape, *geo), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(
            np.sum(cols * r, dtype="float64"), np.sum(x * back, dtype="float64"), rtol=1e-4
        )
        n = x.shape[0]
        part = kconv.im2col(x, *geo, n0=1, n1=n)
        np.testing.assert_array_equal(part, cols[cols.shape[0] // n :])
        acc = kconv.col2im(r[cols.shape[0] // n :], x.shape, *geo, n0=1, n1=n)
        np.testing.assert_allclose(acc[1:], back[1:], rtol=1e-5, atol=1e-5)
        assert not acc[0].any()


def test_numpy_fallback_gives_the_same_results():
    x, w = rand(2, 6, 5, 3).astype("float32"), rand(3, 3, 3, 4).astype("float32")
    kw = {"strides": 2, "padding": "same"}
    with_numba = ops.conv(x, w, **kw), ops.conv_transpose(x, np.swapaxes(w, -1, -2), **kw)
    kjit.set_available(False)
    try:
        without = ops.conv(x, w, **kw), ops.conv_transpose(x, np.swapaxes(w, -1, -2), **kw)
        check_op(
            lambda x, w: ops.conv(x, w, **kw),
            [rand(1, 4, 4, 2), rand(3, 3, 2, 2)],
            reference=lambda x, w: conv_loop(x, w, 2, "same"),
            symbolic=False,
        )
    finally:
        kjit.set_available(None)
    for a, b in zip(with_numba, without):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("workers", [1, 3])
def test_chunks_and_workers_do_not_change_results(monkeypatch, workers):
    x, w, b = rand(5, 6, 6, 3), rand(3, 3, 3, 4), rand(4)
    ref = conv_loop(x, w, padding="same") + b
    xv, wv, bv = Variable(x), Variable(w), Variable(b)
    with GradientTape():
        y = ops.conv(xv, wv, padding="same", bias=bv)
    full = gradients(y, [xv, wv, bv], output_gradient=ref)
    monkeypatch.setattr(C, "CHUNK_BYTES", 1)  # one sample per chunk
    threads.set_num_workers(workers)
    try:
        np.testing.assert_allclose(
            ops.conv(x, w, padding="same", bias=b), ref, rtol=1e-10, atol=1e-12
        )
        with GradientTape():
            y = ops.conv(xv, wv, padding="same", bias=bv)
        for g1, g2 in zip(gradients(y, [xv, wv, bv], output_gradient=ref), full):
            np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-12)
        t = ops.conv_transpose(x, np.swapaxes(w, -1, -2), strides=2)
        np.testing.assert_allclose(
            t, conv_transpose_loop(x, np.swapaxes(w, -1, -2), 2), rtol=1e-10, atol=1e-12
        )
    finally:
        threads.set_num_workers(None)


def test_input_gradient_only_for_tape_inputs():
    """A plain-array input (a first layer's data) gets no input-gradient work."""
    x, w = rand(2, 5, 5, 2), Variable(rand(3, 3, 2, 3))
    with GradientTape():
        y = ops.conv(x, w)
    assert y._params["need_dx"] is False
    (gw,) = gradients(y, [w])
    assert gw.shape == (3, 3, 2, 3)
    np.testing.assert_allclose(gw[0, 0], x[:, :3, :3].sum(axis=(0, 1, 2))[:, None].repeat(3, 1))


def test_float32_stays_float32_and_symbolic_shapes():
    x = np.ones((2, 9, 9, 1), "float32")
    assert ops.conv2d(x, np.ones((3, 3, 1, 2), "float32")).dtype == np.float32
    kt = ops.conv2d(KerasTensor((None, 28, 28, 1)), np.ones((3, 3, 1, 4), "float32"), strides=2)
    assert kt.shape == (None, 13, 13, 4)


# --------------------------------------------------------------------------------- errors
def test_negative_output_size_names_the_shapes():
    with pytest.raises(
        ValueError,
        match=r"input spatial shape \(2, 2\), kernel/pool size \(3, 3\), strides \(1, 1\)",
    ):
        ops.conv2d(np.ones((1, 2, 2, 1)), np.ones((3, 3, 1, 1)))


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: ops.conv2d(np.ones((1, 5, 5, 2)), np.ones((3, 3, 3, 1))), "2 channels"),
        (lambda: ops.conv2d(np.ones((1, 5, 5)), np.ones((3, 3, 1, 1))), "rank 4"),
        (lambda: ops.conv(np.ones((1, 5, 5, 1)), np.ones((3, 1))), "rank 3, 4 or 5"),
        (lambda: ops.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), padding="full"), "full"),
        (
            lambda: ops.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), padding="causal"),
            "padding",
        ),
        (
            lambda: ops.conv2d(
                np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), (2, 2), dilation_rate=2
            ),
            "dilation",
        ),
        (lambda: ops.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), (0, 1)), "strides"),
        (
            lambda: ops.conv_transpose(
                np.ones((1, 5, 1)), np.ones((3, 1, 1)), strides=2, output_padding=2
            ),
            "output padding",
        ),
        (lambda: ops.conv_transpose(np.ones((1, 5, 2)), np.ones((3, 1, 1))), "input channels"),
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# -------------------------------------------------------------------------------- exports
def test_every_conv_op_is_covered():
    assert set(C.__all__) == COVERED


def test_package_namespace_has_every_conv_op():
    for name in C.__all__:
        assert getattr(ops, name) is getattr(C, name), name


@pytest.mark.parametrize(
    "module",
    [
        "kviz.kernels.conv",
        "kviz.kernels.pooling",
        "kviz.kernels.threads",
        "kviz.ops.conv",
        "kviz.ops.conv_utils",
        "kviz.ops.pooling",
        "kviz.ops.spatial",
    ],
)
def test_docstring_examples(module):
    import doctest

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
