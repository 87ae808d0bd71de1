"""Elementwise maths and reductions, each differentiable and usable on symbolic tensors.

>>> import numpy as np
>>> from kviz import ops
>>> ops.mean(np.array([[1., 2.], [3., 4.]], 'float32'), axis=0)
array([2., 3.], dtype=float32)
"""

from __future__ import annotations

import math

import numpy as np

from kviz import config
from kviz.autodiff.tensor import Tensor
from kviz.ops.core import Primitive, apply, dtype_of, op, unbroadcast

__all__ = [
    "negative", "exp", "log", "sqrt", "square", "abs", "tanh", "sigmoid", "softplus", "sin",
    "cos", "sign", "round", "floor", "ceil", "pow", "clip", "add", "subtract", "multiply",
    "divide", "maximum", "minimum", "equal", "not_equal", "greater", "greater_equal", "less",
    "less_equal", "logical_and", "logical_or", "logical_not", "where", "sum", "mean", "max",
    "min", "prod", "var", "std", "logsumexp", "argmax", "argmin", "all", "any", "cast",
    "stop_gradient",
]  # fmt: skip


def _unary(name, fwd, grad):
    """A primitive for ``y = fwd(x)`` with ``dx = grad(g, x, y)``."""
    return Primitive(name, lambda x: (fwd(x), None), lambda g, y, xs, r, p: (grad(g, xs[0], y),))


def _as_float(x):
    """``x`` as a float array: integer and boolean inputs become ``floatx``."""
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(config.floatx())


_neg = _unary("neg", np.negative, lambda g, x, y: -g)
_exp = _unary("exp", lambda x: np.exp(_as_float(x)), lambda g, x, y: g * y)
_log = _unary("log", lambda x: np.log(_as_float(x)), lambda g, x, y: g / x)
_sqrt = _unary("sqrt", lambda x: np.sqrt(_as_float(x)), lambda g, x, y: g * 0.5 / y)
_square = _unary("square", np.square, lambda g, x, y: g * 2 * x)
_abs = _unary("abs", np.abs, lambda g, x, y: g * np.sign(x))
_tanh = _unary("tanh", lambda x: np.tanh(_as_float(x)), lambda g, x, y: g * (1 - y * y))
_sin = _unary("sin", lambda x: np.sin(_as_float(x)), lambda g, x, y: g * np.cos(x))
_cos = _unary("cos", lambda x: np.cos(_as_float(x)), lambda g, x, y: -g * np.sin(x))


def _sigmoid_fwd(x):
    x = _as_float(x)
    # numerically stable in both tails
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


_sigmoid = _unary("sigmoid", _sigmoid_fwd, lambda g, x, y: g * y * (1 - y))


def _softplus_fwd(x):
    x = _as_float(x)
    return (np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)


_softplus = _unary("softplus", _softplus_fwd, lambda g, x, y: g * _sigmoid_fwd(x))


def _nograd(name, fwd):
    return Primitive(name, lambda x: (fwd(x), None), lambda g, y, xs, r, p: (None,))


_sign = _nograd("sign", np.sign)
_round = _nograd("round", np.round)
_floor = _nograd("floor", np.floor)
_ceil = _nograd("ceil", np.ceil)


@op
def negative(x):
    return apply(_neg, (x,))


@op
def exp(x):
    return apply(_exp, (x,))


@op
def log(x):
    return apply(_log, (x,))


@op
def sqrt(x):
    return apply(_sqrt, (x,))


@op
def square(x):
    return apply(_square, (x,))


@op
def abs(x):  # noqa: A001 - Keras name
    return apply(_abs, (x,))


@op
def tanh(x):
    return apply(_tanh, (x,))


@op
def sigmoid(x):
    return apply(_sigmoid, (x,))


@op
def softplus(x):
    return apply(_softplus, (x,))


@op
def sin(x):
    return apply(_sin, (x,))


@op
def cos(x):
    return apply(_cos, (x,))


@op
def sign(x):
    return apply(_sign, (x,))


@op
def round(x):  # noqa: A001 - Keras name (round half to even, as TensorFlow)
    return apply(_round, (x,))


@op
def floor(x):
    return apply(_floor, (x,))


@op
def ceil(x):
    return apply(_ceil, (x,))


# ------------------------------------------------------------------ powers and clipping


def _pow_scalar_fwd(x, a=1.0):
    x = _as_float(x)
    return np.power(x, x.dtype.type(a)), None


def _pow_scalar_bwd(g, y, xs, r, p):
    x = _as_float(xs[0])
    a = x.dtype.type(p["a"])
    return (g * a * np.power(x, a - 1),)


_pow_scalar = Primitive("pow", _pow_scalar_fwd, _pow_scalar_bwd)


def _power_fwd(x, y):
    return np.power(_as_float(x), y), None


def _power_bwd(g, out, xs, r, p):
    x, y = _as_float(xs[0]), xs[1]
    gx = unbroadcast(g * y * np.power(x, np.subtract(y, 1)), np.shape(xs[0]))
    with np.errstate(divide="ignore", invalid="ignore"):
        logx = np.where(x > 0, np.log(np.where(x > 0, x, 1)), 0)
    gy = unbroadcast(g * out * logx, np.shape(y))
    return gx, gy


_power = Primitive("power", _power_fwd, _power_bwd)


@op(operands=("x", "a"))
def pow(x, a):  # noqa: A001 - Keras name
    """``x ** a``; ``a`` a number or a tensor (then differentiable as well).

    Integer ``x`` is computed in ``floatx`` unless ``a`` is a non-negative Python int.
    """
    if isinstance(a, Tensor) or np.ndim(a) != 0:
        return apply(_power, (x, a))
    if isinstance(a, (int, np.integer)) and a >= 0 and dtype_of(_value(x)).kind in "iu":
        return np.power(_value(x), int(a))
    return apply(_pow_scalar, (x,), {"a": float(a) if not isinstance(a, int) else a})


def _clip_fwd(x, lo=None, hi=None):
    x = np.asarray(x)
    if x.dtype.kind == "f":  # NumPy scalar or float64 bounds must not upcast float32
        lo = None if lo is None else np.asarray(lo, dtype=x.dtype)
        hi = None if hi is None else np.asarray(hi, dtype=x.dtype)
    if lo is None and hi is None:
        return x.copy(), None
    return np.clip(x, lo, hi), None


def _clip_bwd(g, y, xs, r, p):
    x, lo, hi = xs[0], p["lo"], p["hi"]
    keep = np.ones(np.shape(x), dtype=bool)
    if lo is not None:
        keep &= x >= lo
    if hi is not None:
        keep &= x <= hi
    return (g * keep,)


_clip = Primitive("clip", _clip_fwd, _clip_bwd)


@op
def clip(x, min_value, max_value):
    """Clip values to ``[min_value, max_value]`` (None: no bound on that side).

    As in Keras, a ``max_value`` below ``min_value`` is raised to ``min_value``. The gradient
    is 0 where a value was clipped.
    """
    if min_value is not None and max_value is not None:
        max_value = np.maximum(_value(max_value), _value(min_value))
    return apply(_clip, (x,), {"lo": min_value, "hi": max_value})


# ------------------------------------------------------------------------------ binary


def _binary(name, fwd, gx, gy):
    def backward(g, out, xs, r, p):
        a, b = xs
        return (
            unbroadcast(gx(g, a, b, out), np.shape(a)),
            unbroadcast(gy(g, a, b, out), np.shape(b)),
        )

    return Primitive(name, lambda a, b: (fwd(a, b), None), backward)


_add = _binary("add", np.add, lambda g, a, b, o: g, lambda g, a, b, o: g)
_sub = _binary("subtract", np.subtract, lambda g, a, b, o: g, lambda g, a, b, o: -g)
_mul = _binary("multiply", np.multiply, lambda g, a, b, o: g * b, lambda g, a, b, o: g * a)


def _true_divide(a, b):
    out = np.true_divide(a, b)
    if np.result_type(a, b).kind in "biu":  # int / int: floatx, not float64
        out = out.astype(config.floatx())
    return out


_div = _binary("divide", _true_divide, lambda g, a, b, o: g / b, lambda g, a, b, o: -g * o / b)
_max = _binary(
    "maximum",
    np.maximum,
    lambda g, a, b, o: g * (np.asarray(a) >= b),
    lambda g, a, b, o: g * (np.asarray(a) < b),
)
_min = _binary(
    "minimum",
    np.minimum,
    lambda g, a, b, o: g * (np.asarray(a) <= b),
    lambda g, a, b, o: g * (np.asarray(a) > b),
)


@op(operands=("a", "b"))
def add(a, b):
    return apply(_add, (a, b))


@op(operands=("a", "b"))
def subtract(a, b):
    return apply(_sub, (a, b))


@op(operands=("a", "b"))
def multiply(a, b):
    return apply(_mul, (a, b))


@op(operands=("a", "b"))
def divide(a, b):
    return apply(_div, (a, b))


@op(operands=("a", "b"))
def maximum(a, b):
    return apply(_max, (a, b))


@op(operands=("a", "b"))
def minimum(a, b):
    return apply(_min, (a, b))


def _value(x):
    return x.data if hasattr(x, "_op") else x


@op
def equal(a, b):
    return np.equal(_value(a), _value(b))


@op
def not_equal(a, b):
    return np.not_equal(_value(a), _value(b))


@op
def greater(a, b):
    return np.greater(_value(a), _value(b))


@op
def greater_equal(a, b):
    return np.greater_equal(_value(a), _value(b))


@op
def less(a, b):
    return np.less(_value(a), _value(b))


@op
def less_equal(a, b):
    return np.less_equal(_value(a), _value(b))


@op
def logical_and(a, b):
    return np.logical_and(_value(a), _value(b))


@op
def logical_or(a, b):
    return np.logical_or(_value(a), _value(b))


@op
def logical_not(a):
    return np.logical_not(_value(a))


_where = Primitive(
    "where",
    lambda c, a, b: (np.where(c, a, b), None),
    lambda g, out, xs, r, p: (
        None,
        unbroadcast(np.where(xs[0], g, 0).astype(g.dtype), np.shape(xs[1])),
        unbroadcast(np.where(xs[0], 0, g).astype(g.dtype), np.shape(xs[2])),
    ),
)


@op(operands=("x", "y"))
def where(condition, x, y):
    """Elementwise ``x if condition else y`` (gradient flows to the chosen branch)."""
    return apply(_where, (np.asarray(_value(condition)).astype(bool), x, y))


# -------------------------------------------------------------------------- reductions


def _axis(axis, ndim):
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        return tuple(a % ndim for a in axis) if ndim else None
    return (axis % ndim,) if ndim else None


def _expand_back(g, shape, axis, keepdims):
    """Reshape a reduced gradient so it broadcasts back over the input ``shape``."""
    if keepdims or axis is None and g.ndim == len(shape):
        return g
    if axis is None:
        return np.reshape(g, (1,) * len(shape))
    return np.expand_dims(g, axis)


def _sum_fwd(x, axis=None, keepdims=False):
    if type(x) is np.ndarray:  # what np.sum runs for an ndarray, without its Python wrapper
        return np.add.reduce(x, axis=axis, keepdims=keepdims), None
    return np.sum(x, axis=axis, keepdims=keepdims), None


def _sum_bwd(g, out, xs, r, p):
    x = xs[0]
    g = _expand_back(g, np.shape(x), p["axis"], p["keepdims"])
    return (np.broadcast_to(g, np.shape(x)),)


_sum = Primitive("sum", _sum_fwd, _sum_bwd)


def _mean_fwd(x, axis=None, keepdims=False):
    x = _as_float(x)
    return np.mean(x, axis=axis, keepdims=keepdims, dtype=x.dtype), None


def _mean_bwd(g, out, xs, r, p):
    x = xs[0]
    shape = np.shape(x)
    axis = p["axis"]
    n = math.prod(shape) if axis is None else math.prod([shape[a] for a in axis])
    g = _expand_back(g, shape, axis, p["keepdims"])
    # (``max`` here is the op of this module: a Python int division is meant; float32 g / n
    # rounds exactly as the float64 quotient rounded to float32 did)
    return (np.broadcast_to(g / (n if n > 1 else 1), shape),)


_mean = Primitive("mean", _mean_fwd, _mean_bwd)


def _extreme_bwd(g, out, xs, r, p):
    x = xs[0]
    axis, keepdims = p["axis"], p["keepdims"]
    o = _expand_back(np.asarray(out), np.shape(x), axis, keepdims)
    g = _expand_back(g, np.shape(x), axis, keepdims)
    hit = x == o
    count = np.sum(hit, axis=axis, keepdims=True).astype(g.dtype)
    return (g * hit / count,)


_max_r = Primitive(
    "max",
    lambda x, axis=None, keepdims=False: (np.max(x, axis=axis, keepdims=keepdims), None),
    _extreme_bwd,
)
_min_r = Primitive(
    "min",
    lambda x, axis=None, keepdims=False: (np.min(x, axis=axis, keepdims=keepdims), None),
    _extreme_bwd,
)


def _prod_bwd(g, out, xs, r, p):
    x = xs[0]
    axis, keepdims = p["axis"], p["keepdims"]
    o = _expand_back(np.asarray(out), np.shape(x), axis, keepdims)
    g = _expand_back(g, np.shape(x), axis, keepdims)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(x != 0, o / np.where(x != 0, x, 1), 0)
    # exact handling of single zeros: product of the others
    zero = x == 0
    if np.any(zero):
        others = np.prod(np.where(zero, 1, x), axis=axis, keepdims=True)
        nz = np.sum(zero, axis=axis, keepdims=True)
        q = np.where(zero, np.where(nz == 1, others, 0), q)
    return (g * q,)


_prod = Primitive(
    "prod",
    lambda x, axis=None, keepdims=False: (np.prod(x, axis=axis, keepdims=keepdims), None),
    _prod_bwd,
)


def _reduce(prim, x, axis, keepdims):
    axis = _axis(axis, np.ndim(_value(x)))
    return apply(prim, (x,), {"axis": axis, "keepdims": bool(keepdims)})


@op
def sum(x, axis=None, keepdims=False):  # noqa: A001 - Keras name
    return _reduce(_sum, x, axis, keepdims)


@op
def mean(x, axis=None, keepdims=False):
    return _reduce(_mean, x, axis, keepdims)


@op
def max(x, axis=None, keepdims=False):  # noqa: A001 - Keras name
    return _reduce(_max_r, x, axis, keepdims)


@op
def min(x, axis=None, keepdims=False):  # noqa: A001 - Keras name
    return _reduce(_min_r, x, axis, keepdims)


@op
def prod(x, axis=None, keepdims=False):
    return _reduce(_prod, x, axis, keepdims)


@op
def var(x, axis=None, keepdims=False):
    m = mean(x, axis=axis, keepdims=True)
    return mean(square(subtract(x, m)), axis=axis, keepdims=keepdims)


@op
def std(x, axis=None, keepdims=False):
    return sqrt(var(x, axis=axis, keepdims=keepdims))


@op
def logsumexp(x, axis=None, keepdims=False):
    m = np.max(_value(x), axis=_axis(axis, np.ndim(_value(x))), keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):  # all -inf: log(0) = -inf, as intended
        s = log(sum(exp(subtract(x, m)), axis=axis, keepdims=True))
    out = add(s, m)
    if not keepdims:
        out = sum(out, axis=axis) if axis is not None else sum(out)
    return out


@op
def argmax(x, axis=-1):
    return np.argmax(_value(x), axis=axis)


@op
def argmin(x, axis=-1):
    return np.argmin(_value(x), axis=axis)


@op
def all(x, axis=None, keepdims=False):  # noqa: A001 - Keras name
    return np.all(_value(x), axis=_axis(axis, np.ndim(_value(x))), keepdims=keepdims)


@op
def any(x, axis=None, keepdims=False):  # noqa: A001 - Keras name
    return np.any(_value(x), axis=_axis(axis, np.ndim(_value(x))), keepdims=keepdims)


_cast = Primitive(
    "cast",
    lambda x, dtype=None: (np.asarray(x).astype(dtype), None),
    lambda g, out, xs, r, p: (
        g.astype(np.asarray(xs[0]).dtype) if np.asarray(xs[0]).dtype.kind == "f" else None,
    ),
)


@op
def cast(x, dtype):
    dtype = np.dtype(dtype).name
    if np.dtype(dtype).kind != "f":
        return np.asarray(_value(x)).astype(dtype)
    return apply(_cast, (x,), {"dtype": dtype})


_stop = Primitive("stop_gradient", lambda x: (np.asarray(x), None), lambda g, o, xs, r, p: (None,))


@op
def stop_gradient(x):
    return apply(_stop, (x,))
