"""im2col and its adjoint for the CUDA convolution (the matrix product is :mod:`.matmul`).

The layout is the CPU one (:mod:`kviz.kernels.conv`): channels-last arrays seen as
``(N, D, H, W, C)``; the column matrix has a row per output position ``(n, od, oh, ow)`` and a
column per ``(kd, kh, kw, c)``. Geometry tuples (kernel size, strides, dilation, leading pad,
output size) have three entries.

:func:`col2im_kernel` is the *gather* form of the adjoint: one thread per input cell sums the
column entries that read it, so no two threads write the same cell (no atomics, deterministic).
"""

from __future__ import annotations

from numba import cuda


@cuda.jit
def im2col_kernel(x, cols, total, dims, ks, st, dl, pd, od):
    """``dims = (N, D, H, W, C)``; ``cols`` is ``(N*OD*OH*OW, KD*KH*KW*C)`` flattened."""
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    c_in = dims[4]
    width = ks[0] * ks[1] * ks[2] * c_in
    while i < total:
        col = i % width
        row = i // width
        c = col % c_in
        k = col // c_in
        kw = k % ks[2]
        kh = (k // ks[2]) % ks[1]
        kd = k // (ks[2] * ks[1])
        ow = row % od[2]
        oh = (row // od[2]) % od[1]
        o_d = (row // (od[2] * od[1])) % od[0]
        n = row // (od[2] * od[1] * od[0])
        d = o_d * st[0] - pd[0] + kd * dl[0]
        h = oh * st[1] - pd[1] + kh * dl[1]
        w = ow * st[2] - pd[2] + kw * dl[2]
        if 0 <= d < dims[1] and 0 <= h < dims[2] and 0 <= w < dims[3]:
            cols[i] = x[(((n * dims[1] + d) * dims[2] + h) * dims[3] + w) * c_in + c]
        else:
            cols[i] = 0
        i += step


@cuda.jit
def col2im_kernel(cols, x, total, dims, ks, st, dl, pd, od):
    """``x[cell] = sum of the column entries that im2col copied from that cell``."""
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    c_in = dims[4]
    width = ks[0] * ks[1] * ks[2] * c_in
    while i < total:
        c = i % c_in
        w = (i // c_in) % dims[3]
        h = (i // (c_in * dims[3])) % dims[2]
        d = (i // (c_in * dims[3] * dims[2])) % dims[1]
        n = i // (c_in * dims[3] * dims[2] * dims[1])
        acc = cols[0] - cols[0]
        for kd in range(ks[0]):
            td = d + pd[0] - kd * dl[0]
            if td < 0 or td % st[0] != 0 or td // st[0] >= od[0]:
                continue
            for kh in range(ks[1]):
                th = h + pd[1] - kh * dl[1]
                if th < 0 or th % st[1] != 0 or th // st[1] >= od[1]:
                    continue
                for kw in range(ks[2]):
                    tw = w + pd[2] - kw * dl[2]
                    if tw < 0 or tw % st[2] != 0 or tw // st[2] >= od[2]:
                        continue
                    row = ((n * od[0] + td // st[0]) * od[1] + th // st[1]) * od[2] + tw // st[2]
                    col = ((kd * ks[1] + kh) * ks[2] + kw) * c_in + c
                    acc += cols[row * width + col]
        x[i] = acc
        i += step
