"""Gather by flat index and its adjoint, a scatter-add (atomic: an index may repeat).

Any NumPy index ``x[index]`` (slices, integer arrays, masks, ``take_along_axis``) becomes a
flat index array computed on the host from the shape alone (``arange(x.size).reshape(shape)
[index]``): only that index array goes up, the data stays on the device.
"""

from __future__ import annotations

from numba import cuda


@cuda.jit
def gather_kernel(x, idx, out, n):
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < n:
        out[i] = x[idx[i]]
        i += step


@cuda.jit
def scatter_add_kernel(g, idx, dx, n):
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < n:
        cuda.atomic.add(dx, idx[i], g[i])
        i += step
