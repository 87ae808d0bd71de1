"""Fused optimizer steps: one pass over a weight, its gradient and its optimizer state.

Each public function (:func:`sgd`, :func:`momentum`, :func:`rmsprop`, :func:`adagrad`,
:func:`adadelta`, :func:`adam`, :func:`adamax`, :func:`nadam`) updates the weight ``p`` and its
state arrays **in place** with the Keras 2.2 formula (see ``kviz.optimizers`` for the maths and
the references). Scalars are plain floats; the functions round them to the weight's dtype.

* When every array is ``float32``, C-contiguous, writable and of the same shape, and numba is
  available, a Numba kernel does the whole step in one loop (no temporaries). NumPy with
  temporaries reads and writes each array several times; the kernel is ~3x faster on a 784x512
  weight (``tests/kernels/test_optimizer_kernels.py`` prints the figures with ``-s``).
* Otherwise (float64/float16 weights, strided views, no numba) the ``*_numpy`` fallback runs the
  same operations in the same order with NumPy, so both paths give the same bits for float32.
* **A short first fit stays in NumPy**: importing numba and loading a kernel from its cache
  costs ~0.5 s, more than a student's first small ``fit`` (8 steps of the MNIST MLP) takes in
  all. So the first :data:`NUMPY_FIRST` updates of a process take the NumPy path (the same
  bits) unless numba is already imported (e.g. by a convolution or an LSTM kernel); later
  updates use the kernels.
* **Subnormal flush**: every state value with ``|x| < 1e-30`` is stored as 0, in the kernels
  and the fallbacks alike. A dead unit's RMSprop/Adam state otherwise decays into subnormal
  floats, which are 10-40x slower to compute with (see ``shared/PERFORMANCE-NOTES.md``).
  Weights themselves are never flushed.

The kernels are serial on purpose: ``parallel=True`` halves the time of one call on 2 cores,
but right after a BLAS matrix product (the normal situation in training) the two thread pools
fight and the pair gets ~8x slower (0.24 ms -> 8 ms measured here). Large weights (RMSprop,
Adadelta, Adam; at least :data:`MIN_SPLIT` values, e.g. an Embedding(20000, 128)) are instead
split into contiguous chunks that kviz's own workers (:mod:`kviz.kernels.threads`, one BLAS
thread meanwhile) update side by side when cores are idle.

>>> import numpy as np
>>> from kviz.kernels import optimizer_updates as ou
>>> p = np.ones(3, 'float32'); g = np.full(3, 2.0, 'float32'); a = np.zeros(3, 'float32')
>>> ou.rmsprop(p, g, a, lr=0.001, rho=0.9, epsilon=1e-7)
>>> a.astype(float).round(6).tolist(), p.astype(float).round(6).tolist()
([0.4, 0.4, 0.4], [0.996838, 0.996838, 0.996838])
"""

from __future__ import annotations

import functools
import math
import sys

import numpy as np

from kviz.kernels import device as _device
from kviz.kernels.jit import _state as _jit_state
from kviz.kernels.jit import available, jit
from kviz.kernels.threads import active_workers, run_chunks

#: State values smaller than this in magnitude are flushed to zero.
TINY = 1e-30

_KERNEL_DTYPE = np.dtype(np.float32)


#: Updates done with NumPy before the optimizer alone makes kviz import numba (see above).
NUMPY_FIRST = 64
_warmup = [0]


def _fusable(p, *arrays) -> bool:
    """True when the Numba kernel can take these arrays (float32, C-contiguous, same shape)."""
    if p.dtype != _KERNEL_DTYPE or not (p.flags.c_contiguous and p.flags.writeable):
        return False
    shape = p.shape
    for a in arrays:
        if a.dtype != _KERNEL_DTYPE or a.shape != shape or not a.flags.c_contiguous:
            return False
    if _warmup[0] < NUMPY_FIRST and "available" not in _jit_state and "numba" not in sys.modules:
        _warmup[0] += 1  # a first short fit: not worth importing numba for (same bits)
        return False
    return available()


def _flat(a):
    return a.reshape(-1)


#: Weights with at least this many values are updated in chunks on the worker pool (smaller
#: ones gain less than it costs to wake the workers after multi-threaded BLAS products).
MIN_SPLIT = 1 << 20


def _run(kernel, arrays, *scalars):
    """``kernel(*arrays, *scalars)``; for a large weight, as contiguous chunks side by side on
    :mod:`kviz.kernels.threads`'s workers when cores are idle (the update is elementwise, so
    the values are the same)."""
    n = arrays[0].size
    workers = active_workers() if n >= MIN_SPLIT else 1
    if workers < 2:
        kernel(*arrays, *scalars)
        return
    edges = [n * i // workers for i in range(workers + 1)]

    def chunk(a, b):
        kernel(*[x[a:b] if x.size == n else x for x in arrays], *scalars)

    run_chunks(chunk, [(edges[i], edges[i + 1]) for i in range(workers)])


_SCALARS: dict = {}


def _scalars(t, *values):
    """``tuple(t(v) for v in values)``, remembered: one update passes the same coefficients
    for every weight, and usually the same ones at every step (making the NumPy scalars costs
    more than looking them up)."""
    key = (t, values)
    found = _SCALARS.get(key)
    if found is None:
        if len(_SCALARS) >= 64:  # a decaying learning rate: a new key at every update
            _SCALARS.clear()
        found = _SCALARS[key] = tuple(t(v) for v in values)
    return found


def _flush(x):
    """NumPy flush-to-zero of tiny values, in place."""
    x[np.abs(x) < TINY] = 0


_NO_STATE = np.zeros(0, np.float32)  # placeholder for absent state arrays in kernels


# ================================================================================ kernels
@jit()
def _sgd_kernel(p, g, lr):
    for i in range(p.shape[0]):
        p[i] -= lr * g[i]


@jit()
def _momentum_kernel(p, g, v, lr, momentum, nesterov, tiny):
    for i in range(p.shape[0]):
        gi = g[i]
        vi = momentum * v[i] - lr * gi
        if abs(vi) < tiny:
            vi = vi - vi
        v[i] = vi
        if nesterov:
            p[i] = p[i] + momentum * vi - lr * gi
        else:
            p[i] = p[i] + vi


@jit()
def _rmsprop_kernel(p, g, a, lr, rho, one_minus_rho, epsilon, tiny):
    for i in range(p.shape[0]):
        gi = g[i]
        ai = rho * a[i] + one_minus_rho * (gi * gi)
        if abs(ai) < tiny:
            ai = ai - ai
        a[i] = ai
        p[i] -= lr * gi / (math.sqrt(ai) + epsilon)


@jit()
def _rmsprop_general_kernel(
    p, g, a, mom, mg, lr, rho, one_minus_rho, momentum, epsilon, use_momentum, centered, tiny
):
    for i in range(p.shape[0]):
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
        step = lr * gi / (math.sqrt(denom) + epsilon)
        if use_momentum:
            mi = momentum * mom[i] + step
            if abs(mi) < tiny:
                mi = mi - mi
            mom[i] = mi
            p[i] -= mi
        else:
            p[i] -= step


@jit()
def _adagrad_kernel(p, g, a, lr, epsilon, tiny):
    for i in range(p.shape[0]):
        gi = g[i]
        ai = a[i] + gi * gi
        if abs(ai) < tiny:
            ai = ai - ai
        a[i] = ai
        p[i] -= lr * gi / (math.sqrt(ai) + epsilon)


@jit()
def _adadelta_kernel(p, g, a, d, lr, rho, one_minus_rho, epsilon, tiny):
    for i in range(p.shape[0]):
        gi = g[i]
        ai = rho * a[i] + one_minus_rho * (gi * gi)
        if abs(ai) < tiny:
            ai = ai - ai
        a[i] = ai
        update = gi * math.sqrt(d[i] + epsilon) / math.sqrt(ai + epsilon)
        p[i] -= lr * update
        di = rho * d[i] + one_minus_rho * (update * update)
        if abs(di) < tiny:
            di = di - di
        d[i] = di


@jit()
def _adam_kernel(p, g, m, v, vhat, lr_t, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2,
                 epsilon, amsgrad, tiny):  # fmt: skip
    for i in range(p.shape[0]):
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


@jit()
def _adamax_kernel(p, g, m, u, lr_t, beta_1, one_minus_beta_1, beta_2, epsilon, tiny):
    for i in range(p.shape[0]):
        gi = g[i]
        mi = beta_1 * m[i] + one_minus_beta_1 * gi
        ui = max(beta_2 * u[i], abs(gi))
        if abs(mi) < tiny:
            mi = mi - mi
        if abs(ui) < tiny:
            ui = ui - ui
        m[i] = mi
        u[i] = ui
        p[i] -= lr_t * mi / (ui + epsilon)


@jit()
def _nadam_kernel(p, g, m, v, lr, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2,
                  one_minus_m_schedule_new, one_minus_m_schedule_next, one_minus_m_t, m_t_1,
                  v_t_prime_denominator, epsilon, tiny):  # fmt: skip
    for i in range(p.shape[0]):
        gi = g[i]
        g_prime = gi / one_minus_m_schedule_new
        mi = beta_1 * m[i] + one_minus_beta_1 * gi
        vi = beta_2 * v[i] + one_minus_beta_2 * (gi * gi)
        if abs(mi) < tiny:
            mi = mi - mi
        if abs(vi) < tiny:
            vi = vi - vi
        m[i] = mi
        v[i] = vi
        m_t_prime = mi / one_minus_m_schedule_next
        v_t_prime = vi / v_t_prime_denominator
        m_t_bar = one_minus_m_t * g_prime + m_t_1 * m_t_prime
        p[i] -= lr * m_t_bar / (math.sqrt(v_t_prime) + epsilon)


KERNELS = {
    "sgd": _sgd_kernel,
    "momentum": _momentum_kernel,
    "rmsprop": _rmsprop_kernel,
    "rmsprop_general": _rmsprop_general_kernel,
    "adagrad": _adagrad_kernel,
    "adadelta": _adadelta_kernel,
    "adam": _adam_kernel,
    "adamax": _adamax_kernel,
    "nadam": _nadam_kernel,
}


# ====================================================================== NumPy fallbacks
# Same operations in the same order as the kernels; scalars already rounded to p.dtype.
def sgd_numpy(p, g, lr):
    p -= lr * g


def momentum_numpy(p, g, v, lr, momentum, nesterov):
    lr_g = lr * g
    v[...] = momentum * v - lr_g
    _flush(v)
    if nesterov:
        p[...] = p + momentum * v - lr_g
    else:
        p += v


def rmsprop_numpy(p, g, a, lr, rho, one_minus_rho, epsilon):
    # ``a = rho*a + (1-rho)*g*g``; ``p -= lr*g / (sqrt(a) + eps)``, in place with two
    # temporaries (the same operations on the same operands: the same bits as the formula)
    t = np.multiply(g, g)
    t *= one_minus_rho
    a *= rho
    a += t
    np.abs(a, out=t)
    np.copyto(a, 0, where=t < TINY)  # the flush (_flush), without a second abs
    np.sqrt(a, out=t)
    t += epsilon
    step = np.multiply(g, lr)
    step /= t
    p -= step


def rmsprop_general_numpy(
    p, g, a, mom, mg, lr, rho, one_minus_rho, momentum, epsilon, use_momentum, centered
):
    a[...] = rho * a + one_minus_rho * (g * g)
    _flush(a)
    denom = a
    if centered:
        mg[...] = rho * mg + one_minus_rho * g
        _flush(mg)
        denom = a - mg * mg
    step = lr * g / (np.sqrt(denom) + epsilon)
    if use_momentum:
        mom[...] = momentum * mom + step
        _flush(mom)
        p -= mom
    else:
        p -= step


def adagrad_numpy(p, g, a, lr, epsilon):
    a += g * g
    _flush(a)
    p -= lr * g / (np.sqrt(a) + epsilon)


def adadelta_numpy(p, g, a, d, lr, rho, one_minus_rho, epsilon):
    a[...] = rho * a + one_minus_rho * (g * g)
    _flush(a)
    update = g * np.sqrt(d + epsilon) / np.sqrt(a + epsilon)
    p -= lr * update
    d[...] = rho * d + one_minus_rho * (update * update)
    _flush(d)


def adam_numpy(p, g, m, v, vhat, lr_t, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2,
               epsilon, amsgrad):  # fmt: skip
    m[...] = beta_1 * m + one_minus_beta_1 * g
    v[...] = beta_2 * v + one_minus_beta_2 * (g * g)
    _flush(m)
    _flush(v)
    if amsgrad:
        np.maximum(vhat, v, out=vhat)
        _flush(vhat)
        p -= lr_t * m / (np.sqrt(vhat) + epsilon)
    else:
        p -= lr_t * m / (np.sqrt(v) + epsilon)


def adamax_numpy(p, g, m, u, lr_t, beta_1, one_minus_beta_1, beta_2, epsilon):
    m[...] = beta_1 * m + one_minus_beta_1 * g
    u[...] = np.maximum(beta_2 * u, np.abs(g))
    _flush(m)
    _flush(u)
    p -= lr_t * m / (u + epsilon)


def nadam_numpy(p, g, m, v, lr, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2,
                one_minus_m_schedule_new, one_minus_m_schedule_next, one_minus_m_t, m_t_1,
                v_t_prime_denominator, epsilon):  # fmt: skip
    g_prime = g / one_minus_m_schedule_new
    m[...] = beta_1 * m + one_minus_beta_1 * g
    v[...] = beta_2 * v + one_minus_beta_2 * (g * g)
    _flush(m)
    _flush(v)
    m_t_prime = m / one_minus_m_schedule_next
    v_t_prime = v / v_t_prime_denominator
    m_t_bar = one_minus_m_t * g_prime + m_t_1 * m_t_prime
    p -= lr * m_t_bar / (np.sqrt(v_t_prime) + epsilon)


# ============================================================================ dispatch
def sgd(p, g, lr):
    """``p -= lr * g``."""
    t = p.dtype.type
    if _fusable(p, g):
        _sgd_kernel(_flat(p), _flat(g), t(lr))
    else:
        sgd_numpy(p, g, t(lr))


def momentum(p, g, v, lr, momentum, nesterov=False):
    """``v = momentum * v - lr * g``; ``p += v`` (or ``p += momentum * v - lr * g``)."""
    t = p.dtype.type
    if _fusable(p, g, v):
        _momentum_kernel(_flat(p), _flat(g), _flat(v), t(lr), t(momentum), bool(nesterov), t(TINY))
    else:
        momentum_numpy(p, g, v, t(lr), t(momentum), bool(nesterov))


def rmsprop(p, g, a, lr, rho, epsilon, mom=None, mg=None, momentum=0.0):
    """``a = rho*a + (1-rho)*g^2``; ``p -= lr*g / (sqrt(a) + eps)``.

    With ``mg`` (centered) the denominator is ``sqrt(a - mg^2) + eps`` where
    ``mg = rho*mg + (1-rho)*g``; with ``mom`` (momentum) ``mom = momentum*mom + step`` and
    ``p -= mom``.
    """
    t = p.dtype.type
    if mom is None and mg is None:
        if _fusable(p, g, a):
            _run(
                _rmsprop_kernel, (_flat(p), _flat(g), _flat(a)),
                *_scalars(t, lr, rho, 1.0 - rho, epsilon, TINY),
            )  # fmt: skip
        else:
            rmsprop_numpy(p, g, a, t(lr), t(rho), t(1.0 - rho), t(epsilon))
        return
    use_momentum, centered = mom is not None, mg is not None
    state = [x for x in (a, mom, mg) if x is not None]
    if _fusable(p, g, *state):
        _rmsprop_general_kernel(
            _flat(p),
            _flat(g),
            _flat(a),
            _flat(mom) if use_momentum else _NO_STATE,
            _flat(mg) if centered else _NO_STATE,
            t(lr),
            t(rho),
            t(1.0 - rho),
            t(momentum),
            t(epsilon),
            use_momentum,
            centered,
            t(TINY),
        )
    else:
        rmsprop_general_numpy(
            p, g, a, mom, mg, t(lr), t(rho), t(1.0 - rho), t(momentum), t(epsilon),
            use_momentum, centered,
        )  # fmt: skip


def adagrad(p, g, a, lr, epsilon):
    """``a += g^2``; ``p -= lr*g / (sqrt(a) + eps)``."""
    t = p.dtype.type
    if _fusable(p, g, a):
        _adagrad_kernel(_flat(p), _flat(g), _flat(a), t(lr), t(epsilon), t(TINY))
    else:
        adagrad_numpy(p, g, a, t(lr), t(epsilon))


def adadelta(p, g, a, d, lr, rho, epsilon):
    """Adadelta: ``a`` averages g^2, ``d`` averages the squared updates."""
    t = p.dtype.type
    if _fusable(p, g, a, d):
        _run(
            _adadelta_kernel, (_flat(p), _flat(g), _flat(a), _flat(d)),
            *_scalars(t, lr, rho, 1.0 - rho, epsilon, TINY),
        )  # fmt: skip
    else:
        adadelta_numpy(p, g, a, d, t(lr), t(rho), t(1.0 - rho), t(epsilon))


def adam(p, g, m, v, lr_t, beta_1, beta_2, epsilon, vhat=None):
    """Adam with the bias correction folded into ``lr_t``; AMSGrad when ``vhat`` is given."""
    t = p.dtype.type
    amsgrad = vhat is not None
    state = (m, v, vhat) if amsgrad else (m, v)
    if _fusable(p, g, *state):
        _run(
            _adam_kernel,
            (_flat(p), _flat(g), _flat(m), _flat(v), _flat(vhat) if amsgrad else _NO_STATE),
            t(lr_t), t(beta_1), t(1.0 - beta_1), t(beta_2), t(1.0 - beta_2), t(epsilon),
            amsgrad, t(TINY),
        )  # fmt: skip
    else:
        adam_numpy(
            p, g, m, v, vhat, t(lr_t), t(beta_1), t(1.0 - beta_1), t(beta_2), t(1.0 - beta_2),
            t(epsilon), amsgrad,
        )  # fmt: skip


def adamax(p, g, m, u, lr_t, beta_1, beta_2, epsilon):
    """Adamax: ``u = max(beta_2*u, |g|)``; ``p -= lr_t*m / (u + eps)``."""
    t = p.dtype.type
    if _fusable(p, g, m, u):
        _adamax_kernel(
            _flat(p), _flat(g), _flat(m), _flat(u), t(lr_t), t(beta_1), t(1.0 - beta_1),
            t(beta_2), t(epsilon), t(TINY),
        )  # fmt: skip
    else:
        adamax_numpy(p, g, m, u, t(lr_t), t(beta_1), t(1.0 - beta_1), t(beta_2), t(epsilon))


def nadam(p, g, m, v, lr, beta_1, beta_2, epsilon, m_schedule_new, m_schedule_next,
          momentum_cache_t, momentum_cache_t_1, v_t_prime_denominator):  # fmt: skip
    """Nadam (Keras 2.2): Nesterov momentum with the warming schedule of ``m_schedule``."""
    t = p.dtype.type
    scalars = (
        t(lr), t(beta_1), t(1.0 - beta_1), t(beta_2), t(1.0 - beta_2), t(1.0 - m_schedule_new),
        t(1.0 - m_schedule_next), t(1.0 - momentum_cache_t), t(momentum_cache_t_1),
        t(v_t_prime_denominator), t(epsilon),
    )  # fmt: skip
    if _fusable(p, g, m, v):
        _nadam_kernel(_flat(p), _flat(g), _flat(m), _flat(v), *scalars, t(TINY))
    else:
        nadam_numpy(p, g, m, v, *scalars)


# ============================================================================= on the GPU
_CUDA_UPDATES = ("sgd", "momentum", "rmsprop", "adam")


def _gpu_aware(fn):
    """Weights on the GPU (:class:`~kviz.kernels.device.DeviceArray`): the CUDA kernel of
    :mod:`kviz.kernels.cuda.optimizers` for SGD/momentum/RMSprop/Adam; for the other
    optimizers the host function runs on copies, which are then written back (a warning once)."""
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(p, *args, **kwargs):
        if type(p) is not _device.DeviceArray:
            return fn(p, *args, **kwargs)
        if name in _CUDA_UPDATES:
            from kviz.kernels.cuda import optimizers as cuda_updates

            return getattr(cuda_updates, name)(p, *args, **kwargs)
        _device.note_fallback(f"optimizer update '{name}'")
        on_gpu = [p, *args, *kwargs.values()]
        host = {id(a): np.array(_device.to_host(a)) for a in on_gpu if _device.is_device(a)}
        swap = lambda a: host.get(id(a), a)  # noqa: E731
        fn(swap(p), *map(swap, args), **{k: swap(v) for k, v in kwargs.items()})
        for a in on_gpu:
            if _device.is_device(a):
                a.copy_from(host[id(a)])

    return wrapper


for _name in ("sgd", "momentum", "rmsprop", "adagrad", "adadelta", "adam", "adamax", "nadam"):
    globals()[_name] = _gpu_aware(globals()[_name])
