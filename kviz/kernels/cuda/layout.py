"""Transposes: ``out = x.transpose(perm)`` into a new C-contiguous array."""

from __future__ import annotations

from numba import cuda


@cuda.jit
def transpose_kernel(x, out, n, oshape, istr):
    """``oshape``: the output shape; ``istr``: the input strides (elements) of each output axis,
    both padded to the same length."""
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    nd = len(oshape)
    while i < n:
        rem = i
        off = 0
        for d in range(nd - 1, -1, -1):
            off += (rem % oshape[d]) * istr[d]
            rem //= oshape[d]
        out[i] = x[off]
        i += step
