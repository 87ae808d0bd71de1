"""Batch normalization as one primitive (training mode), with its analytic gradient.

``batch_norm(x, gamma, beta, mean, var, axes, epsilon)`` normalizes with the given batch
statistics ``mean``/``var`` (computed from ``x`` by the caller, see :func:`moments`) and
differentiates as if they were functions of ``x``, which is what training-mode batch norm is.

>>> import numpy as np
>>> x = np.array([[1., 2.], [3., 6.]], 'float32')
>>> m, v = moments(x, (0,))
>>> batch_norm(x, np.ones(2, 'float32'), np.zeros(2, 'float32'), m, v, axes=(0,), epsilon=0.0)
array([[-1., -1.],
       [ 1.,  1.]], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from kviz.ops.core import Primitive, apply, op

__all__ = ["batch_norm", "moments"]


def _v(x):
    return x.data if hasattr(x, "_op") else x


def moments(x, axes):
    """Mean and biased variance of ``x`` over ``axes`` (kept as broadcastable shapes removed)."""
    x = np.asarray(_v(x))
    mean = x.mean(axis=axes, dtype=x.dtype)
    var = x.var(axis=axes, dtype=x.dtype)
    return mean, var


def _bn_forward(x, gamma, beta, mean=None, var=None, axes=None, epsilon=1e-3, shape=None):
    inv_std = (1.0 / np.sqrt(var + x.dtype.type(epsilon))).astype(x.dtype, copy=False)
    xhat = (x - mean.reshape(shape)) * inv_std.reshape(shape)
    out = xhat * gamma.reshape(shape) + beta.reshape(shape)
    return out, (xhat, inv_std)


def _bn_backward(g, out, xs, res, p):
    x, gamma = xs[0], xs[1]
    xhat, inv_std = res
    axes, shape = p["axes"], p["shape"]
    n = x.size // inv_std.size
    g_beta = g.sum(axis=axes)
    g_gamma = (g * xhat).sum(axis=axes)
    gx = (gamma * inv_std / n).reshape(shape) * (
        n * g - g_beta.reshape(shape) - xhat * g_gamma.reshape(shape)
    )
    return gx.astype(x.dtype, copy=False), g_gamma, g_beta


_batch_norm = Primitive("batch_norm", _bn_forward, _bn_backward)


@op
def batch_norm(x, gamma, beta, mean, var, axes, epsilon=1e-3):
    """Training-mode batch normalization over ``axes`` (gamma/beta/mean/var shaped like the
    kept axes, e.g. ``(channels,)``)."""
    xv = _v(x)
    ndim = np.ndim(xv)
    axes = tuple(a % ndim for a in axes)
    shape = tuple(1 if i in axes else d for i, d in enumerate(np.shape(xv)))
    dtype = np.asarray(xv).dtype
    params = {
        "mean": np.asarray(mean, dtype=dtype),
        "var": np.asarray(var, dtype=dtype),
        "axes": axes,
        "epsilon": float(epsilon),
        "shape": shape,
    }
    return apply(_batch_norm, (x, gamma, beta), params)
