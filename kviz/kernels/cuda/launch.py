"""Launch geometry, allocation and upload shared by the CUDA kernels.

Kernels use grid-stride loops, so any grid covers any size. On a real GPU a launch has enough
blocks to fill the device; under the simulator (one Python thread per CUDA thread) it has very
few threads, which is what keeps the simulated tests fast.
"""

from __future__ import annotations

import math

import numpy as np
from numba import cuda

from kviz.kernels.device import DeviceArray, _simulated

SIMULATED = _simulated()
#: Threads per block of the 1-D kernels, and the most blocks a launch uses.
THREADS = 32 if SIMULATED else 256
MAX_BLOCKS = 2 if SIMULATED else 8192
#: Most dimensions an array may have in the broadcasting/reduction/transpose kernels.
MAXDIM = 6


def grid(n: int) -> tuple:
    """``(blocks, threads)`` for ``n`` work items of a grid-stride kernel."""
    blocks = min(max(1, math.ceil(n / THREADS)), MAX_BLOCKS)
    return blocks, THREADS


def empty(shape, dtype) -> DeviceArray:
    return DeviceArray(cuda.device_array(tuple(int(d) for d in shape), np.dtype(dtype)))


def upload(a: np.ndarray) -> DeviceArray:
    return DeviceArray(cuda.to_device(np.ascontiguousarray(a)))


def flat(x: DeviceArray):
    """The 1-D view of a DeviceArray's buffer (a 0-d array becomes length 1)."""
    return x.dev.reshape(max(x.size, 1)) if x.ndim != 1 else x.dev


def padded(shape, fill=1) -> tuple:
    """``shape`` left-padded to :data:`MAXDIM` entries."""
    shape = tuple(int(d) for d in shape)
    if len(shape) > MAXDIM:
        raise ValueError(f"CUDA kernels take arrays of at most {MAXDIM} dimensions; got {shape}")
    return (fill,) * (MAXDIM - len(shape)) + shape


def c_strides(shape) -> tuple:
    """C-order strides of ``shape`` in elements."""
    strides, acc = [], 1
    for d in reversed(tuple(shape)):
        strides.append(acc)
        acc *= int(d)
    return tuple(reversed(strides))
