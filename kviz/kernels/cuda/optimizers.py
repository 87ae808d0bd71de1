"""Fused optimizer steps on the GPU, the same formulas and order of operations as the CPU
kernels in :mod:`kviz.kernels.optimizer_updates` (state values below ``tiny`` flushed to 0).

Each thread updates elements of the weight ``p`` and its state in place; ``g`` is the gradient.
"""

from __future__ import annotations

import math

from numba import cuda


@cuda.jit
def sgd_kernel(p, g, n, lr):
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < n:
        p[i] -= lr * g[i]
        i += step


@cuda.jit
def momentum_kernel(p, g, v, n, lr, momentum, nesterov, tiny):
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < n:
        gi = g[i]
        vi = momentum * v[i] - lr * gi
        if abs(vi) < tiny:
            vi = vi - vi
        v[i] = vi
        if nesterov:
            p[i] = p[i] + momentum * vi - lr * gi
        else:
            p[i] = p[i] + vi
        i += step


@cuda.jit
def rmsprop_kernel(
    p, g, a, mom, mg, n, lr, rho, one_minus_rho, momentum, epsilon, use_momentum, centered, tiny
):
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < n:
        gi = g[i]
        ai = rho * a[i] + one_minus_rho * (gi * gi)
        if abs(ai) < tiny:
            ai = ai - ai
        a[i] = ai
        denom = ai
        if centered:
            mgi = rho * mg[i] + one_minus_rho * gi
            if abs(mgi) < tiny:
                mgi = mgi - mgi
            mg[i] = mgi
            denom = ai - mgi * mgi
        root = math.sqrt(denom) if denom >= 0 else math.nan  # NaN, as on the CPU
        upd = lr * gi / (root + epsilon)
        if use_momentum:
            mi = momentum * mom[i] + upd
            if abs(mi) < tiny:
                mi = mi - mi
            mom[i] = mi
            p[i] -= mi
        else:
            p[i] -= upd
        i += step


@cuda.jit
def adam_kernel(p, g, m, v, vhat, n, lr_t, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2,
                epsilon, amsgrad, tiny):  # fmt: skip
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < n:
        gi = g[i]
        mi = beta_1 * m[i] + one_minus_beta_1 * gi
        vi = beta_2 * v[i] + one_minus_beta_2 * (gi * gi)
        if abs(mi) < tiny:
            mi = mi - mi
        if abs(vi) < tiny:
            vi = vi - vi
        m[i] = mi
        v[i] = vi
        if amsgrad:
            hi = max(vhat[i], vi)
            if abs(hi) < tiny:
                hi = hi - hi
            vhat[i] = hi
            p[i] -= lr_t * mi / (math.sqrt(hi) + epsilon)
        else:
            p[i] -= lr_t * mi / (math.sqrt(vi) + epsilon)
        i += step


# ----------------------------------------------------------------------- launchers
# Same signatures as kviz.kernels.optimizer_updates (which dispatches here for GPU weights).
def _prep(p, *arrays):
    from kviz.kernels.cuda.array_ops import cast
    from kviz.kernels.device import to_device

    out = []
    for a in arrays:
        if a is None:
            out.append(None)
            continue
        a = to_device(a)
        if a.dtype != p.dtype:
            a = cast(a, p.dtype)
        out.append(a)
    return out


def _launch(kernel, p, *args):
    from kviz.kernels.cuda.launch import flat, grid

    n = p.size
    if n:
        blocks, threads = grid(n)
        kernel[blocks, threads](*(flat(a) if hasattr(a, "dev") else a for a in args))


def sgd(p, g, lr):
    (g,) = _prep(p, g)
    t = p.dtype.type
    _launch(sgd_kernel, p, p, g, p.size, t(lr))


def momentum(p, g, v, lr, momentum, nesterov=False, tiny=1e-30):
    (g,) = _prep(p, g)
    t = p.dtype.type
    _launch(momentum_kernel, p, p, g, v, p.size, t(lr), t(momentum), bool(nesterov), t(tiny))


def rmsprop(p, g, a, lr, rho, epsilon, mom=None, mg=None, momentum=0.0, tiny=1e-30):
    (g,) = _prep(p, g)
    t = p.dtype.type
    _launch(
        rmsprop_kernel, p, p, g, a, mom if mom is not None else a, mg if mg is not None else a,
        p.size, t(lr), t(rho), t(1.0 - rho), t(momentum), t(epsilon), mom is not None,
        mg is not None, t(tiny),
    )  # fmt: skip


def adam(p, g, m, v, lr_t, beta_1, beta_2, epsilon, vhat=None, tiny=1e-30):
    (g,) = _prep(p, g)
    t = p.dtype.type
    _launch(
        adam_kernel, p, p, g, m, v, vhat if vhat is not None else v, p.size, t(lr_t), t(beta_1),
        t(1.0 - beta_1), t(beta_2), t(1.0 - beta_2), t(epsilon), vhat is not None, t(tiny),
    )  # fmt: skip
