"""Neural-network ops: activations, softmax, dropout, bias add, normalisation helpers.

>>> import numpy as np
>>> from kviz import ops
>>> ops.relu(np.array([-1., 2.], 'float32'))
array([0., 2.], dtype=float32)
"""

from __future__ import annotations

import math

import numpy as np

from kviz import config
from kviz.ops import math as m
from kviz.ops.array import reshape
from kviz.ops.core import Primitive, apply, dtype_of, op, unbroadcast

__all__ = [
    "relu", "elu", "selu", "softsign", "hard_sigmoid", "swish", "gelu", "erf", "softmax",
    "log_softmax", "dropout", "bias_add", "l2_normalize", "exponential", "linear",
]  # fmt: skip

_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_2_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _v(x):
    return x.data if hasattr(x, "_op") else x


def _float(x):
    """``x`` unchanged if it is a float tensor, else cast to ``floatx`` (ints to float ops)."""
    if dtype_of(_v(x)).kind == "f":
        return x
    return m.cast(x, config.floatx())


def _as_float(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(config.floatx())


def _relu_parts(x, alpha, max_value, threshold):
    """tf.keras's ``K.relu`` step by step: ``x`` above ``threshold`` (else 0), clipped to
    ``[0, max_value]``, minus ``alpha * relu(threshold - x)``. Returns the value and the mask
    where the clip let the value through."""
    kept = x > threshold
    y = np.where(kept, x, 0).astype(x.dtype, copy=False)
    through = np.ones(x.shape, dtype=bool)
    if max_value is not None:
        hi = x.dtype.type(max_value)
        through = (y >= 0) & (y <= hi)
        y = np.clip(y, x.dtype.type(0), hi)
    if alpha:
        y = y - x.dtype.type(alpha) * np.maximum(threshold - x, 0)
    return y, kept & through


def _relu_fwd(x, alpha=0.0, max_value=None, threshold=0.0):
    if alpha == 0.0 and max_value is None and threshold == 0.0:
        return np.maximum(x, 0), None
    return _relu_parts(_as_float(x), alpha, max_value, threshold)[0], None


def _relu_bwd(g, out, xs, r, p):
    x = xs[0]
    if not p:
        return (g * (x > 0),)
    alpha, threshold = p["alpha"], p["threshold"]
    x = _as_float(x)
    d = _relu_parts(x, alpha, p["max_value"], threshold)[1].astype(g.dtype)
    if alpha:
        d = d + (x < threshold) * g.dtype.type(alpha)
    return (g * d,)


_relu = Primitive("relu", _relu_fwd, _relu_bwd)


@op
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with Keras 2's ``alpha``, ``max_value`` and ``threshold``.

    As tf.keras computes it: ``x`` where ``x > threshold`` (else 0), clipped to
    ``[0, max_value]``, then ``alpha * (x - threshold)`` added where ``x < threshold``.
    Integer inputs stay integer for the plain ``max(x, 0)``.
    """
    if alpha == 0.0 and max_value is None and threshold == 0.0:
        return apply(_relu, (x,))
    params = {"alpha": float(alpha), "max_value": max_value, "threshold": float(threshold)}
    return apply(_relu, (x,), params)


def _elu_fwd(x, alpha=1.0):
    x = _as_float(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False), None


_elu = Primitive(
    "elu",
    _elu_fwd,
    lambda g, out, xs, r, p: (g * np.where(xs[0] > 0, 1, out + p["alpha"]).astype(g.dtype),),
)


@op
def elu(x, alpha=1.0):
    return apply(_elu, (x,), {"alpha": float(alpha)})


@op
def selu(x):
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return m.multiply(elu(x, alpha), scale)


@op
def softsign(x):
    x = _float(x)
    return m.divide(x, m.add(m.abs(x), 1.0))


@op
def hard_sigmoid(x):
    """``clip(0.2 * x + 0.5, 0, 1)`` as in Keras 2."""
    return m.clip(m.add(m.multiply(_float(x), 0.2), 0.5), 0.0, 1.0)


@op
def swish(x):
    x = _float(x)
    return m.multiply(x, m.sigmoid(x))


@op
def gelu(x, approximate=False):
    """Gaussian error linear unit; ``approximate=True`` uses the tanh formula."""
    x = _float(x)
    if approximate:
        inner = m.multiply(m.add(x, m.multiply(m.pow(x, 3), 0.044715)), _SQRT_2_OVER_PI)
        return m.multiply(m.multiply(x, 0.5), m.add(m.tanh(inner), 1.0))
    return m.multiply(m.multiply(x, 0.5), m.add(erf(m.multiply(x, math.sqrt(0.5))), 1.0))


_erf_vec = np.vectorize(math.erf, otypes=[np.float64])


def _erf_fwd(x):
    x = _as_float(x)
    return _erf_vec(x).astype(x.dtype, copy=False), None


_erf = Primitive(
    "erf",
    _erf_fwd,
    lambda g, out, xs, r, p: (g * _2_OVER_SQRT_PI * np.exp(-np.square(_as_float(xs[0]))),),
)


@op
def erf(x):
    return apply(_erf, (x,))


def _softmax_fwd(x, axis=-1):
    x = _as_float(x)
    # np.maximum.reduce / np.add.reduce: what np.max / np.sum run for an ndarray
    e = np.exp(x - np.maximum.reduce(x, axis=axis, keepdims=True))
    return e / np.add.reduce(e, axis=axis, keepdims=True), None


def _softmax_bwd(g, y, xs, r, p):
    axis = p["axis"]
    return (y * (g - np.add.reduce(g * y, axis=axis, keepdims=True)),)


_softmax = Primitive("softmax", _softmax_fwd, _softmax_bwd)


@op
def softmax(x, axis=-1):
    return apply(_softmax, (x,), {"axis": axis})


def _log_softmax_fwd(x, axis=-1):
    x = _as_float(x)
    s = x - np.max(x, axis=axis, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True)), None


_log_softmax = Primitive(
    "log_softmax",
    _log_softmax_fwd,
    lambda g, y, xs, r, p: (g - np.exp(y) * np.sum(g, axis=p["axis"], keepdims=True),),
)


@op
def log_softmax(x, axis=-1):
    return apply(_log_softmax, (x,), {"axis": axis})


# ------------------------------------------------------------- cross-entropy of probabilities
# ``K.categorical_crossentropy(target, output)`` on probabilities is a chain of seven
# primitives on (batch, classes) arrays: sum, divide, clip, log, multiply, sum, negative. On a
# small batch their Python dispatch (and the gradient of the constant target that the multiply
# computes and the walk drops) costs more than their arithmetic, so the training step runs the
# chain as one primitive whose forward and backward call the same functions, with the same
# arguments, in the same order: the values and gradients are the chain's, bit for bit
# (``tests/ops/test_train_step_fused_crossentropy.py``).
def _cce_fwd(output, target, axis=(1,), lo=None, hi=None):
    s = np.asarray(m._sum_fwd(output, axis=axis, keepdims=True)[0])
    q = np.asarray(m._div.forward(output, s)[0])
    c = np.asarray(m._clip_fwd(q, lo=lo, hi=hi)[0])
    logc = np.asarray(m._log.forward(c)[0])
    prod = np.asarray(m._mul.forward(target, logc)[0])
    r = np.asarray(m._sum_fwd(prod, axis=axis, keepdims=False)[0])
    return np.negative(r), (s, q, c, logc)


def _cce_bwd(g, out, xs, res, p):
    output, target = xs
    s, q, c, logc = res
    if g.dtype != out.dtype:  # the chain casts the first gradient to its operand's dtype
        g = g.astype(out.dtype)
    g = -g  # the negative's gradient
    # the sum's gradient is ``g`` with the summed (last) axis put back, broadcast over it; the
    # multiply's gradient for its second input is that times the target: broadcasting inside
    # the product gives the same values without the read-only broadcast array
    g = unbroadcast(g[..., None] * target, np.shape(logc))
    g = m._log.backward(g, logc, (c,), None, {})[0]
    g = m._clip_bwd(g, c, (q,), None, p)[0]
    g_direct, g_sum = m._div.backward(g, q, (output, s), None, {})
    # ``s`` (kept dims) reached ``output`` through a sum: its gradient broadcast back, here
    # inside the addition
    return g_direct + g_sum, None


_cce = Primitive("categorical_crossentropy", _cce_fwd, _cce_bwd)


def fused_categorical_crossentropy(target, output, epsilon):
    """Per-sample ``-sum(target * log(clip(output / sum(output), eps, 1 - eps)))`` over the last
    axis, as one primitive; the values and gradients of the chain of ops
    ``kviz.backend.categorical_crossentropy`` runs on probabilities, bit for bit.

    Returns None when the arguments are not the plain case it covers: ``target`` a NumPy
    array, ``output`` an array or Tensor of the same shape (rank >= 1) and the same float
    dtype. The caller then runs the chain.

    >>> import numpy as np
    >>> y = np.array([[0., 1.]], 'float32'); p = np.array([[0.2, 0.8]], 'float32')
    >>> np.round(fused_categorical_crossentropy(y, p, 1e-7), 4)
    array([0.2231], dtype=float32)
    """
    value = _v(output)
    if (
        type(target) is not np.ndarray
        or type(value) is not np.ndarray
        or target.dtype != value.dtype
        or value.dtype.kind != "f"
        or target.shape != value.shape
        or value.ndim < 1
    ):
        return None
    lo = epsilon
    hi = np.maximum(1.0 - epsilon, epsilon)  # as ops.clip computes its upper bound
    params = {"axis": (value.ndim - 1,), "lo": lo, "hi": hi}
    return apply(_cce, (output, target), params)


def _dropout_fwd(x, mask=None):
    return x * mask, mask


_dropout = Primitive("dropout", _dropout_fwd, lambda g, out, xs, r, p: (g * r,))


@op
def dropout(x, level, noise_shape=None, seed=None):
    """Inverted dropout: keep with probability ``1 - level``, scale kept values by its inverse."""
    if not 0 <= level < 1:
        raise ValueError(f"Dropout rate must be in [0, 1); received {level}")
    x = _float(x)
    xv = _v(x)
    shape = (
        np.shape(xv)
        if noise_shape is None
        else tuple(np.shape(xv)[i] if d is None else d for i, d in enumerate(noise_shape))
    )
    rng = np.random.default_rng(seed) if seed is not None else config.rng()
    dtype = dtype_of(xv)
    keep = 1.0 - level
    u = rng.random(shape, dtype=np.float32)
    if dtype == np.float32:  # the same values, written over the uniforms (one array fewer)
        mask = np.multiply(u < keep, dtype.type(1.0 / keep), out=u)
    else:
        mask = (u < keep).astype(dtype) * dtype.type(1.0 / keep)
    return apply(_dropout, (x,), {"mask": mask})


@op
def bias_add(x, bias, data_format=None):
    """Keras ``K.bias_add``: a bias of rank 1 (one value per channel) or of rank ``ndim(x) - 1``.

    With ``channels_first`` a rank-1 bias is added along axis 1; a higher-rank bias, given in
    channels-last layout ``(..., channels)``, is *reshaped* to ``(1, channels, ...)`` exactly as
    Keras 2 does (for LocallyConnected layers).
    """
    data_format = config.normalize_data_format(data_format)
    nd, bias_shape = np.ndim(_v(x)), np.shape(_v(bias))
    if len(bias_shape) not in (1, nd - 1):
        raise ValueError(
            f"Unexpected bias dimensions {len(bias_shape)}, expect to be 1 or {nd - 1} "
            f"dimensions (bias shape {bias_shape}, input shape {np.shape(_v(x))})"
        )
    if data_format == "channels_first" and nd > 2:
        if len(bias_shape) == 1:
            return m.add(x, reshape(bias, (1, bias_shape[0]) + (1,) * (nd - 2)))
        return m.add(x, reshape(bias, (1, bias_shape[-1]) + tuple(bias_shape[:-1])))
    if len(bias_shape) > 1:
        return m.add(x, reshape(bias, (1,) + tuple(bias_shape)))
    return m.add(x, bias)


@op
def l2_normalize(x, axis=-1):
    """``x / sqrt(max(sum(x**2, axis), 1e-12))`` (``tf.math.l2_normalize``)."""
    x = _float(x)
    sq = m.sum(m.square(x), axis=axis, keepdims=True)
    return m.multiply(x, m.divide(1.0, m.sqrt(m.maximum(sq, 1e-12))))


@op
def exponential(x):
    return m.exp(x)


@op
def linear(x):
    return x
