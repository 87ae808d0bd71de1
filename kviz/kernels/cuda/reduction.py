"""Reductions over any set of axes: sum, max, min (mean is a sum then a division).

One thread per (output element, chunk of the reduced elements) walks its chunk with the
reduced axes' strides; a second pass combines the chunks when there are several. Tall
reductions (a bias gradient: a few outputs, many rows) are split into chunks so that a real GPU
gets enough threads; under the simulator there is always one chunk.
"""

from __future__ import annotations

from numba import cuda

SUM, MAX, MIN = 0, 1, 2
CODES = {"sum": SUM, "max": MAX, "min": MIN}


@cuda.jit
def reduce_kernel(x, out, m, r, chunk, nchunks, kshape, kstr, rshape, rstr, op):
    """``out[c * m + j]``: the reduction of output ``j`` over reduced elements
    ``[c * chunk, (c + 1) * chunk)``. ``kshape``/``kstr`` are the kept axes (output order),
    ``rshape``/``rstr`` the reduced ones, all padded with 1/0 to the same length."""
    t = cuda.grid(1)
    step = cuda.gridsize(1)
    nd = len(kshape)
    total = m * nchunks
    while t < total:
        j = t % m
        c = t // m
        base = 0
        rem = j
        for d in range(nd - 1, -1, -1):
            base += (rem % kshape[d]) * kstr[d]
            rem //= kshape[d]
        lo = c * chunk
        hi = min(r, lo + chunk)
        first = base
        rem = lo
        for d in range(nd - 1, -1, -1):
            first += (rem % rshape[d]) * rstr[d]
            rem //= rshape[d]
        acc = x[first]
        if op == SUM:
            acc = acc - acc
        for q in range(lo, hi):
            off = base
            rem = q
            for d in range(nd - 1, -1, -1):
                off += (rem % rshape[d]) * rstr[d]
                rem //= rshape[d]
            v = x[off]
            if op == SUM:
                acc += v
            elif op == MAX:
                if v > acc or v != v:
                    acc = v
            else:
                if v < acc or v != v:
                    acc = v
        out[t] = acc
        t += step
