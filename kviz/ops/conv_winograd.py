"""3x3 convolutions by Winograd's F(2x2, 3x3): the forward pass and both gradients.

Used by :func:`kviz.ops.conv` (the ``conv`` primitive) for 2-D, stride-1, undilated,
ungrouped 3x3 convolutions with ``'valid'`` or ``'same'`` padding and enough channels
(:data:`MIN_CHANNELS` in, :data:`MIN_FILTERS` out) when Numba is available; every other
convolution takes the im2col + GEMM path. Per chunk of samples (on
:func:`kviz.kernels.threads.run_chunks`' workers, like the im2col path):

* forward: ``V = input_tiles(x)``; 16 products ``M[xi] = V[xi] @ U[xi]`` (``U``: the transformed
  kernel, computed once per call); ``y = output_tiles(M) (+ bias, ReLU)``;
* backward: ``dM = output_tiles_grad(dy)``; ``dU[xi] = V[xi]^T @ dM[xi]`` (summed over chunks,
  then ``dW = G^T dU G``); ``dV[xi] = dM[xi] @ U[xi]^T``; ``dx = input_tiles_grad(dV)``.

All three products need 16 * C * F multiplications per 2x2 block of outputs instead of
36 * C * F (W2's Conv2D(64) on 26x26x32 inputs: 1.2 GFLOP per product and batch of 128 instead of
2.7), and the tile transforms replace im2col / col2im. The transforms only add and subtract;
the results differ from the im2col path's by rounding (relative ~1e-6 in float32, see
``tests/ops/test_conv_winograd.py``; the Keras-oracle tests run through this path too).

``KVIZ_CONV_ALGORITHM=gemm`` in the environment (read at each call) turns the path off;
``=winograd`` uses it for every 3x3 convolution it can compute, whatever the channels.
"""

from __future__ import annotations

import os

import numpy as np

from kviz.kernels import winograd as kw
from kviz.kernels.threads import num_workers, run_chunks, workspace

__all__ = ["applies", "forward", "backward", "MIN_CHANNELS", "MIN_FILTERS", "CHUNK_BYTES"]

#: Fewest input channels / filters for the automatic choice: below them the 16 products are
#: too thin for BLAS to run well and im2col is cheap anyway.
MIN_CHANNELS = 16
MIN_FILTERS = 16
#: Target bytes of one chunk's transformed inputs and products (``V`` and ``M``), kept in the
#: core's cache between the transforms and the products.
CHUNK_BYTES = 2 << 20


def _mode():
    return os.environ.get("KVIZ_CONV_ALGORITHM", "auto").strip().lower() or "auto"


def applies(p, x, w) -> bool:
    """True when the ``conv`` primitive with parameters ``p`` on ``x`` (5-D channels-last) and
    ``w`` takes this path."""
    mode = _mode()
    if mode == "gemm":
        return False
    if (
        p["nd"] != 2
        or p["groups"] != 1
        or p["ksize"] != (1, 3, 3)
        or p["strides"] != (1, 1, 1)
        or p["dilation"] != (1, 1, 1)
        or not all(0 <= q <= 2 for q in p["pad"][1:])
        or w.dtype != x.dtype
        or min(p["out"]) < 1
    ):
        return False
    if mode != "winograd" and (x.shape[-1] < MIN_CHANNELS or w.shape[-1] < MIN_FILTERS):
        return False
    return kw.uses_numba(x, w)


def _setup(p, x5, w):
    n, h, wd, cin = x5.shape[0], x5.shape[2], x5.shape[3], x5.shape[4]
    oh, ow = p["out"][1], p["out"][2]
    th, tw = kw.tile_counts(oh, ow)
    f = w.shape[-1]
    per_sample = 16 * th * tw * (cin + f) * x5.dtype.itemsize
    per = max(1, CHUNK_BYTES // per_sample)
    count = max(-(-n // per), min(n, num_workers()))
    per = -(-n // max(1, count))
    chunks = [(n0, min(n, n0 + per)) for n0 in range(0, n, per)]
    u = kw.kernel_transform(w).astype(x5.dtype)
    return x5.reshape(n, h, wd, cin), (oh, ow, th, tw), u, chunks


def forward(x5, w, b, p):
    """Output ``(N, Ho, Wo, F)`` of the convolution (bias and ReLU as ``p['relu']`` asks)."""
    x4, (oh, ow, th, tw), u, chunks = _setup(p, x5, w)
    n, cin, f = x4.shape[0], x4.shape[-1], w.shape[-1]
    out = np.empty((n, oh, ow, f), x4.dtype)
    bias = None if b is None else np.asarray(b, x4.dtype)

    def chunk(n0, n1):
        nt = (n1 - n0) * th * tw
        v = kw.input_tiles(
            x4[n0:n1], p["pad"][1], p["pad"][2], th, tw, out=workspace((16, nt, cin), x4.dtype, 0)
        )
        m = np.matmul(v, u, out=workspace((16, nt, f), x4.dtype, 1))
        kw.output_tiles(m, (n1 - n0, oh, ow, f), th, tw, bias, p.get("relu"), out=out[n0:n1])

    run_chunks(chunk, chunks)
    return out


def backward(g, out, x5, w, p, need_dx, with_bias):
    """``(dx or None, dW, db or None)`` for the output gradient ``g`` (``out``: the forward
    output, for a fused ReLU's mask)."""
    x4, (oh, ow, th, tw), u, chunks = _setup(p, x5, w)
    n, cin, f = x4.shape[0], x4.shape[-1], w.shape[-1]
    g4 = np.ascontiguousarray(g, x4.dtype).reshape(n, oh, ow, f)
    out4 = np.ascontiguousarray(out).reshape(n, oh, ow, f) if p.get("relu") else None
    ut = u.transpose(0, 2, 1)
    dx = np.empty(x4.shape, x4.dtype) if need_dx else None
    ph, pw = p["pad"][1], p["pad"][2]

    def chunk(n0, n1):
        nt = (n1 - n0) * th * tw
        dm, dbc = kw.output_tiles_grad(
            g4[n0:n1],
            th,
            tw,
            out=workspace((16, nt, f), x4.dtype, 1),
            relu_out=None if out4 is None else out4[n0:n1],
            with_bias=with_bias,
        )
        v = kw.input_tiles(x4[n0:n1], ph, pw, th, tw, out=workspace((16, nt, cin), x4.dtype, 0))
        du = np.matmul(v.transpose(0, 2, 1), dm)
        if need_dx:
            dv = np.matmul(dm, ut, out=v)  # V is no longer needed
            dx[n0:n1] = 0
            kw.input_tiles_grad(dv, (n1 - n0,) + x4.shape[1:], ph, pw, th, tw, into=dx[n0:n1])
        return du, dbc

    parts = run_chunks(chunk, chunks)
    dus = [d for d, _ in parts]
    du = dus[0] if len(dus) == 1 else np.sum(dus, axis=0, dtype=x4.dtype)
    dw = kw.kernel_transform_grad(du).astype(x4.dtype).reshape(w.shape)
    db = None
    if with_bias:
        dbs = [d for _, d in parts]
        db = dbs[0] if len(dbs) == 1 else np.sum(dbs, axis=0, dtype=dbs[0].dtype)
    return dx, dw, db
