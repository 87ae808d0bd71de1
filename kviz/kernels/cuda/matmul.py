"""A tiled matrix product on shared memory, batched, with a fused bias + ReLU epilogue.

``C[z] = op(A[z]) @ op(B[z]) (+ bias) (ReLU)`` for ``z`` in the batch (grid z axis). Operands
are flat buffers addressed by element strides, so ``A.T`` or ``B.T`` cost nothing: a transposed
operand is the same buffer with its two strides swapped. Each block computes a TILE x TILE tile
of C, staging TILE x TILE tiles of A and B in shared memory. One kernel is compiled per dtype
(float32, float64); other dtypes are not handled here.
"""

from __future__ import annotations

import numpy as np
from numba import cuda, float32, float64

from kviz.kernels.cuda.launch import SIMULATED

#: Tile edge: 16 on a GPU (256 threads a block); 8 in the simulator (64 Python threads).
TILE = 8 if SIMULATED else 16


def _make(nbtype):
    @cuda.jit
    def gemm(a, b, c, m, n, k, sa0, sa1, sb0, sb1, batch_a, batch_b, bias, use_bias, relu):
        tx = cuda.threadIdx.x
        ty = cuda.threadIdx.y
        row = cuda.blockIdx.y * TILE + ty
        col = cuda.blockIdx.x * TILE + tx
        z = cuda.blockIdx.z
        ta = cuda.shared.array((TILE, TILE), nbtype)
        tb = cuda.shared.array((TILE, TILE), nbtype)
        acc = nbtype(0)
        a0 = z * batch_a
        b0 = z * batch_b
        for t in range((k + TILE - 1) // TILE):
            ka = t * TILE + tx
            if row < m and ka < k:
                ta[ty, tx] = a[a0 + row * sa0 + ka * sa1]
            else:
                ta[ty, tx] = 0
            kb = t * TILE + ty
            if kb < k and col < n:
                tb[ty, tx] = b[b0 + kb * sb0 + col * sb1]
            else:
                tb[ty, tx] = 0
            cuda.syncthreads()
            for q in range(TILE):
                acc += ta[ty, q] * tb[q, tx]
            cuda.syncthreads()
        if row < m and col < n:
            if use_bias:
                acc += bias[col]
            if relu and acc < 0:
                acc = nbtype(0)
            c[z * m * n + row * n + col] = acc

    return gemm


KERNELS = {np.dtype(np.float32): _make(float32), np.dtype(np.float64): _make(float64)}
