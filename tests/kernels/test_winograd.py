"""The Winograd F(2x2, 3x3) tile transforms (``kviz.kernels.winograd``) against slow loops.

Each transform is checked three ways: the Numba kernel and the NumPy fallback against a loop
that applies the textbook matrices tile by tile (float64 to 1e-12, float32 to rounding); each
gradient transform against the adjoint identity ``<T(a), b> == <a, T^T(b)>``; and the whole
chain (input tiles, 16 products with the transformed kernel, output tiles) against a direct
3x3 convolution loop.
"""

from __future__ import annotations

import numpy as np
import pytest
from conv_oracles import conv_loop

from kviz.kernels import jit as kjit
from kviz.kernels import winograd as kw

RNG = np.random.default_rng(11)
# (N, H, W, C, pad): odd sizes leave a half tile at the bottom / right edge
CASES = [(2, 6, 6, 3, 0), (1, 7, 5, 4, 1), (2, 5, 8, 2, 1), (1, 4, 4, 1, 0), (3, 9, 7, 5, 2)]


@pytest.fixture(params=["numba", "numpy"])
def path(request):
    kjit.set_available(request.param == "numba")
    yield request.param
    kjit.set_available(None)


def geometry(h, w, pad):
    oh, ow = h + 2 * pad - 2, w + 2 * pad - 2
    return oh, ow, *kw.tile_counts(oh, ow)


def tile_input_loop(x, pad, th, tw):
    n, h, w, c = x.shape
    v = np.zeros((16, n * th * tw, c))
    t = 0
    for s in range(n):
        for a in range(th):
            for b in range(tw):
                d = np.zeros((4, 4, c))
                for i in range(4):
                    for j in range(4):
                        r, q = 2 * a - pad + i, 2 * b - pad + j
                        if 0 <= r < h and 0 <= q < w:
                            d[i, j] = x[s, r, q]
                for ch in range(c):
                    v[:, t, ch] = (kw.BT @ d[:, :, ch] @ kw.BT.T).reshape(16)
                t += 1
    return v


def tile_output_loop(m, shape, th, tw):
    n, oh, ow, f = shape
    y = np.zeros(shape)
    t = 0
    for s in range(n):
        for a in range(th):
            for b in range(tw):
                for k in range(f):
                    blk = kw.AT @ m[:, t, k].reshape(4, 4) @ kw.AT.T
                    for u in range(2):
                        for w in range(2):
                            if 2 * a + u < oh and 2 * b + w < ow:
                                y[s, 2 * a + u, 2 * b + w, k] = blk[u, w]
                t += 1
    return y


@pytest.mark.parametrize("n,h,w,c,pad", CASES)
def test_input_tiles_against_loop(path, n, h, w, c, pad):
    x = RNG.standard_normal((n, h, w, c))
    _, _, th, tw = geometry(h, w, pad)
    ref = tile_input_loop(x, pad, th, tw)
    np.testing.assert_allclose(kw.input_tiles(x, pad, pad, th, tw), ref, rtol=1e-12, atol=1e-12)
    v32 = kw.input_tiles(x.astype("float32"), pad, pad, th, tw)
    assert v32.dtype == np.float32
    np.testing.assert_allclose(v32, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("n,h,w,c,pad", CASES)
@pytest.mark.parametrize("relu", [False, True])
def test_output_tiles_against_loop(path, n, h, w, c, pad, relu):
    oh, ow, th, tw = geometry(h, w, pad)
    f = c + 1
    m = RNG.standard_normal((16, n * th * tw, f))
    bias = RNG.standard_normal(f)
    ref = tile_output_loop(m, (n, oh, ow, f), th, tw) + bias
    if relu:
        ref = np.maximum(ref, 0)
    out = np.full((n, oh, ow, f), np.nan)
    got = kw.output_tiles(m, (n, oh, ow, f), th, tw, bias, relu, out=out)
    assert got is out
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        kw.output_tiles(m.astype("float32"), (n, oh, ow, f), th, tw, bias.astype("float32"), relu),
        ref,
        rtol=1e-5,
        atol=1e-5,
    )


@pytest.mark.parametrize("n,h,w,c,pad", CASES)
def test_gradient_transforms_are_adjoints(path, n, h, w, c, pad):
    oh, ow, th, tw = geometry(h, w, pad)
    x = RNG.standard_normal((n, h, w, c))
    dv = RNG.standard_normal((16, n * th * tw, c))
    lhs = np.vdot(kw.input_tiles(x, pad, pad, th, tw), dv)
    rhs = np.vdot(x, kw.input_tiles_grad(dv, x.shape, pad, pad, th, tw))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)
    m = RNG.standard_normal((16, n * th * tw, 3))
    g = RNG.standard_normal((n, oh, ow, 3))
    lhs = np.vdot(kw.output_tiles(m, g.shape, th, tw), g)
    rhs = np.vdot(m, kw.output_tiles_grad(g, th, tw)[0])
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)
    k = RNG.standard_normal((3, 3, c, 2))
    du = RNG.standard_normal((16, c, 2))
    np.testing.assert_allclose(
        np.vdot(kw.kernel_transform(k), du), np.vdot(k, kw.kernel_transform_grad(du)), rtol=1e-12
    )


@pytest.mark.parametrize("n,h,w,c,pad", CASES[:3])
def test_output_tiles_grad_through_a_fused_relu_with_the_bias_gradient(path, n, h, w, c, pad):
    oh, ow, th, tw = geometry(h, w, pad)
    g = RNG.standard_normal((n, oh, ow, 3))
    out = np.maximum(RNG.standard_normal((n, oh, ow, 3)), 0)
    dm, db = kw.output_tiles_grad(g, th, tw, relu_out=out, with_bias=True)
    ref, _ = kw.output_tiles_grad(g * (out > 0), th, tw)
    np.testing.assert_allclose(dm, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(db, (g * (out > 0)).sum(axis=(0, 1, 2)), rtol=1e-12)
    assert kw.output_tiles_grad(g, th, tw)[1] is None


def test_input_tiles_grad_adds_into_the_given_array(path):
    x_shape = (1, 6, 6, 2)
    dv = RNG.standard_normal((16, 4, 2))
    base = RNG.standard_normal(x_shape)
    into = base.copy()
    got = kw.input_tiles_grad(dv, x_shape, 0, 0, 2, 2, into=into)
    assert got is into
    np.testing.assert_allclose(got - base, kw.input_tiles_grad(dv, x_shape, 0, 0, 2, 2), atol=1e-12)


@pytest.mark.parametrize("n,h,w,c,pad", CASES)
def test_tiles_compute_a_3x3_convolution(path, n, h, w, c, pad):
    x = RNG.standard_normal((n, h, w, c))
    k = RNG.standard_normal((3, 3, c, 4))
    oh, ow, th, tw = geometry(h, w, pad)
    m = np.matmul(kw.input_tiles(x, pad, pad, th, tw), kw.kernel_transform(k))
    y = kw.output_tiles(m, (n, oh, ow, 4), th, tw)
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    np.testing.assert_allclose(y, conv_loop(xp, k), rtol=1e-10, atol=1e-10)


def test_uses_numba_only_for_one_float_dtype():
    a32, a64 = np.zeros(2, "float32"), np.zeros(2)
    assert not kw.uses_numba(a32, a64)
    assert not kw.uses_numba(np.zeros(2, "float16"))
    kjit.set_available(False)
    try:
        assert not kw.uses_numba(a32)
    finally:
        kjit.set_available(None)
