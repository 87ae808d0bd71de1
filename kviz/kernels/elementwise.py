"""Fused elementwise passes of the backward pass.

* :func:`relu_grad_bias`: the gradient through a ReLU fused into a primitive (``g`` where the
  output is positive, else 0) and, in the same pass, its column sums (the bias gradient). NumPy
  needs three passes and two temporaries for that (``g * (out > 0)``, then ``.sum(axis=0)``).
  The sums run row after row in the array's dtype, exactly as NumPy's ``sum(axis=0)`` of a
  C-contiguous 2-D array does, so the results are the same bits.

Serial Numba kernel for float32/float64 2-D C-contiguous arrays; NumPy otherwise.

>>> import numpy as np
>>> g = np.ones((2, 3), "float32"); out = np.array([[1, 0, 2], [0, 0, 3]], "float32")
>>> gm, db = relu_grad_bias(g, out)
>>> gm
array([[1., 0., 1.],
       [0., 0., 1.]], dtype=float32)
>>> db
array([1., 0., 2.], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from kviz.kernels.jit import available, jit

__all__ = ["relu_grad_bias"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


@jit()
def _relu_grad_bias_kernel(g, out, gm, db, with_bias):
    rows, cols = g.shape
    for j in range(cols):
        db[j] = 0
    for i in range(rows):
        gi, oi, mi = g[i], out[i], gm[i]
        for j in range(cols):
            v = gi[j] if oi[j] > 0 else gi.dtype.type(0)
            mi[j] = v
        if with_bias:
            for j in range(cols):
                db[j] += mi[j]


def relu_grad_bias(g, out, with_bias=True):
    """``(g * (out > 0), that.sum(axis=0))`` for 2-D ``g`` and ``out`` of one shape (the sum
    is None when ``with_bias`` is False)."""
    if (
        g.dtype in _FLOATS
        and out.dtype == g.dtype
        and g.ndim == 2
        and g.flags.c_contiguous
        and out.flags.c_contiguous
        and available()
    ):
        gm = np.empty_like(g)
        db = np.empty(g.shape[1], g.dtype)
        _relu_grad_bias_kernel(g, out, gm, db, bool(with_bias))
        return gm, (db if with_bias else None)
    gm = g * (out > 0)
    return gm, (gm.sum(axis=0) if with_bias else None)
