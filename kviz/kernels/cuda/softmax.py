"""Softmax and log-softmax over the last axis (one thread per row), and their gradients."""

from __future__ import annotations

import math

from numba import cuda

SOFTMAX, LOG_SOFTMAX = 0, 1


@cuda.jit
def forward_kernel(x, out, rows, cols, op):
    r = cuda.grid(1)
    step = cuda.gridsize(1)
    while r < rows:
        o = r * cols
        hi = x[o]
        for j in range(1, cols):
            if x[o + j] > hi:
                hi = x[o + j]
        s = x[o] - x[o]
        for j in range(cols):
            s += math.exp(x[o + j] - hi)
        if op == SOFTMAX:
            for j in range(cols):
                out[o + j] = math.exp(x[o + j] - hi) / s
        else:
            ls = math.log(s)
            for j in range(cols):
                out[o + j] = (x[o + j] - hi) - ls
        r += step


@cuda.jit
def backward_kernel(g, y, out, rows, cols, op):
    """softmax: ``y * (g - sum(g * y))``; log-softmax: ``g - exp(y) * sum(g)`` (per row)."""
    r = cuda.grid(1)
    step = cuda.gridsize(1)
    while r < rows:
        o = r * cols
        s = g[o] - g[o]
        if op == SOFTMAX:
            for j in range(cols):
                s += g[o + j] * y[o + j]
            for j in range(cols):
                out[o + j] = y[o + j] * (g[o + j] - s)
        else:
            for j in range(cols):
                s += g[o + j]
            for j in range(cols):
                out[o + j] = g[o + j] - math.exp(y[o + j]) * s
        r += step
