"""Max and average pooling, forward and backward, on ``(N, D, H, W, C)`` arrays.

Windows never count padding (as Keras and the CPU kernels, :mod:`kviz.kernels.pooling`): max
pooling skips padded cells, average pooling divides by the number of real cells. Max pooling
records the flat input index of each window's maximum (the first one, in window order, on
ties), and its backward pass gathers: one thread per input cell adds the gradients of the
windows whose recorded maximum it is (no atomics).
"""

from __future__ import annotations

from numba import cuda


@cuda.jit(device=True)
def _decode_out(i, c_in, od):
    c = i % c_in
    ow = (i // c_in) % od[2]
    oh = (i // (c_in * od[2])) % od[1]
    o_d = (i // (c_in * od[2] * od[1])) % od[0]
    n = i // (c_in * od[2] * od[1] * od[0])
    return n, o_d, oh, ow, c


@cuda.jit
def max_forward_kernel(x, out, arg, total, dims, ks, st, pd, od):
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    c_in = dims[4]
    while i < total:
        n, o_d, oh, ow, c = _decode_out(i, c_in, od)
        best = -1
        hi = x[0]
        for kd in range(ks[0]):
            d = o_d * st[0] - pd[0] + kd
            if d < 0 or d >= dims[1]:
                continue
            for kh in range(ks[1]):
                h = oh * st[1] - pd[1] + kh
                if h < 0 or h >= dims[2]:
                    continue
                for kw in range(ks[2]):
                    w = ow * st[2] - pd[2] + kw
                    if w < 0 or w >= dims[3]:
                        continue
                    j = (((n * dims[1] + d) * dims[2] + h) * dims[3] + w) * c_in + c
                    if best < 0 or x[j] > hi:
                        best = j
                        hi = x[j]
        out[i] = hi
        arg[i] = best
        i += step


@cuda.jit
def max_backward_kernel(g, arg, dx, total, dims, ks, st, pd, od):
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    c_in = dims[4]
    while i < total:
        c = i % c_in
        w = (i // c_in) % dims[3]
        h = (i // (c_in * dims[3])) % dims[2]
        d = (i // (c_in * dims[3] * dims[2])) % dims[1]
        n = i // (c_in * dims[3] * dims[2] * dims[1])
        acc = g[0] - g[0]
        for kd in range(ks[0]):
            td = d + pd[0] - kd
            if td < 0 or td % st[0] != 0 or td // st[0] >= od[0]:
                continue
            for kh in range(ks[1]):
                th = h + pd[1] - kh
                if th < 0 or th % st[1] != 0 or th // st[1] >= od[1]:
                    continue
                for kw in range(ks[2]):
                    tw = w + pd[2] - kw
                    if tw < 0 or tw % st[2] != 0 or tw // st[2] >= od[2]:
                        continue
                    o = ((n * od[0] + td // st[0]) * od[1] + th // st[1]) * od[2] + tw // st[2]
                    o = o * c_in + c
                    if arg[o] == i:
                        acc += g[o]
        dx[i] = acc
        i += step


@cuda.jit
def avg_forward_kernel(x, out, total, dims, ks, st, pd, od):
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    c_in = dims[4]
    while i < total:
        n, o_d, oh, ow, c = _decode_out(i, c_in, od)
        acc = x[0] - x[0]
        count = 0
        for kd in range(ks[0]):
            d = o_d * st[0] - pd[0] + kd
            if d < 0 or d >= dims[1]:
                continue
            for kh in range(ks[1]):
                h = oh * st[1] - pd[1] + kh
                if h < 0 or h >= dims[2]:
                    continue
                for kw in range(ks[2]):
                    w = ow * st[2] - pd[2] + kw
                    if w < 0 or w >= dims[3]:
                        continue
                    acc += x[(((n * dims[1] + d) * dims[2] + h) * dims[3] + w) * c_in + c]
                    count += 1
        out[i] = acc / count
        i += step


@cuda.jit(device=True)
def _window_count(o_d, oh, ow, dims, ks, st, pd):
    count = 0
    for kd in range(ks[0]):
        d = o_d * st[0] - pd[0] + kd
        if d < 0 or d >= dims[1]:
            continue
        for kh in range(ks[1]):
            h = oh * st[1] - pd[1] + kh
            if h < 0 or h >= dims[2]:
                continue
            for kw in range(ks[2]):
                w = ow * st[2] - pd[2] + kw
                if 0 <= w < dims[3]:
                    count += 1
    return count


@cuda.jit
def avg_backward_kernel(g, dx, total, dims, ks, st, pd, od):
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    c_in = dims[4]
    while i < total:
        c = i % c_in
        w = (i // c_in) % dims[3]
        h = (i // (c_in * dims[3])) % dims[2]
        d = (i // (c_in * dims[3] * dims[2])) % dims[1]
        n = i // (c_in * dims[3] * dims[2] * dims[1])
        acc = g[0] - g[0]
        for kd in range(ks[0]):
            td = d + pd[0] - kd
            if td < 0 or td % st[0] != 0 or td // st[0] >= od[0]:
                continue
            for kh in range(ks[1]):
                th = h + pd[1] - kh
                if th < 0 or th % st[1] != 0 or th // st[1] >= od[1]:
                    continue
                for kw in range(ks[2]):
                    tw = w + pd[2] - kw
                    if tw < 0 or tw % st[2] != 0 or tw // st[2] >= od[2]:
                        continue
                    qd, qh, qw = td // st[0], th // st[1], tw // st[2]
                    o = (((n * od[0] + qd) * od[1] + qh) * od[2] + qw) * c_in + c
                    acc += g[o] / _window_count(qd, qh, qw, dims, ks, st, pd)
        dx[i] = acc
        i += step
