"""The CUDA twins of kviz's op primitives (:class:`kviz.ops.core.Primitive`), by name.

A twin has the host primitive's signatures: ``forward(*arrays, **params) -> (out, residual)``
and ``backward(g, out, arrays, residual, params) -> input gradients`` (None where an input gets
none), on :class:`~kviz.kernels.device.DeviceArray` inputs (``kviz.ops.core.apply`` copies host
arrays up before calling it; Python numbers stay numbers). ``forward`` returns
``NotImplemented`` for arguments it does not take (integer softmax, grouped convolutions,
``relu`` with ``alpha``...): the op then runs on the host (``HostFallbackWarning``).

Primitives without a twin here (``concatenate``, ``cumsum``, recurrent sequences, batch norm,
...) always take that host path. The twins cover the common MLP/CNN training path: ``dense``,
``conv`` (+ bias, + fused ReLU), ``max_pool``/``average_pool``, ``reshape``/``transpose``,
``dropout``, the activations and their gradients, ``softmax``/``log_softmax``, the elementwise
arithmetic, the reductions used by the losses, and indexing (``getitem``, ``gather``:
Embedding, ``take_along_axis``: sparse categorical cross-entropy).
"""

from __future__ import annotations

import numpy as np

from kviz import config
from kviz.kernels.cuda import array_ops as A
from kviz.kernels.device import DeviceArray, is_device, to_device

TWINS: dict = {}


class Twin:
    __slots__ = ("name", "forward", "backward")

    def __init__(self, name, forward, backward):
        self.name, self.forward, self.backward = name, forward, backward


def _register(name, forward, backward):
    TWINS[name] = Twin(name, forward, backward)


def _floatx(x: DeviceArray) -> DeviceArray:
    return x if x.dtype.kind == "f" else x.astype(config.floatx())


def _shape(x) -> tuple:
    return tuple(np.shape(x))


def _const(x) -> bool:
    """A Python/NumPy scalar: never a tape Tensor, so it needs no gradient."""
    return not isinstance(x, (DeviceArray, np.ndarray))


# ------------------------------------------------------------------------------- unary
_FLOAT_UNARY = ("exp", "log", "sqrt", "tanh", "sigmoid", "softplus", "sin", "cos")
# name -> which value the gradient formula reads: 'x', 'y' or neither
_GRAD_INPUT = {
    "exp": "y", "log": "x", "sqrt": "y", "square": "x", "abs": "x", "tanh": "y",
    "sigmoid": "y", "softplus": "x", "sin": "x", "cos": "x",
}  # fmt: skip


def _unary_twin(name):
    def forward(x):
        if name in _FLOAT_UNARY:
            x = _floatx(x)
        return A.unary(x, name), None

    def backward(g, y, xs, r, p):
        if name == "neg":
            return (-g,)
        src = _GRAD_INPUT[name]
        return (
            A.unary_grad(name, g, x=xs[0] if src == "x" else None, y=y if src == "y" else None),
        )

    return forward, backward


for _name in ("neg", *_GRAD_INPUT):
    _register(_name, *_unary_twin(_name))

for _name in ("sign", "floor", "ceil"):
    _register(
        _name,
        (lambda n: lambda x: (A.unary(x, n), None))(_name),
        lambda g, y, xs, r, p: (None,),
    )


def _pow_fwd(x, a=1.0):
    x = _floatx(x)
    return A.binary(x, x.dtype.type(a), "power"), None


def _pow_bwd(g, y, xs, r, p):
    x = _floatx(xs[0])
    return (A.unary_grad("pow", g, x=x, a=p["a"]),)


_register("pow", _pow_fwd, _pow_bwd)


def _bound(v, dtype, default):
    if v is None:
        return dtype.type(default)
    if is_device(v) or np.ndim(v) != 0:
        return None
    return dtype.type(np.asarray(v).item())


def _clip_fwd(x, lo=None, hi=None):
    if x.dtype.kind != "f":
        return NotImplemented
    a, b = _bound(lo, x.dtype, -np.inf), _bound(hi, x.dtype, np.inf)
    if a is None or b is None:
        return NotImplemented
    return A.unary(x, "clip", a, b), None


def _clip_bwd(g, y, xs, r, p):
    dtype = xs[0].dtype
    a, b = _bound(p["lo"], dtype, -np.inf), _bound(p["hi"], dtype, np.inf)
    return (A.unary_grad("clip", g, x=xs[0], a=a, b=b),)


_register("clip", _clip_fwd, _clip_bwd)


# ------------------------------------------------------------------------------ binary
def _divide_fwd(a, b):
    out = A.binary(a, b, "divide")
    kinds = {np.result_type(v).kind if not is_device(v) else v.dtype.kind for v in (a, b)}
    if kinds <= set("biu"):
        out = out.astype(config.floatx())
    return out, None


def _grads(a, b, g, ga, gb):
    return (
        None if _const(a) else A.unbroadcast(ga(), _shape(a)),
        None if _const(b) else A.unbroadcast(gb(), _shape(b)),
    )


_register(
    "add",
    lambda a, b: (A.binary(a, b, "add"), None),
    lambda g, o, xs, r, p: _grads(*xs, g, lambda: g, lambda: g),
)
_register(
    "subtract",
    lambda a, b: (A.binary(a, b, "subtract"), None),
    lambda g, o, xs, r, p: _grads(*xs, g, lambda: g, lambda: -g),
)
_register(
    "multiply",
    lambda a, b: (A.binary(a, b, "multiply"), None),
    lambda g, o, xs, r, p: _grads(*xs, g, lambda: g * xs[1], lambda: g * xs[0]),
)
_register(
    "divide",
    _divide_fwd,
    lambda g, o, xs, r, p: _grads(*xs, g, lambda: g / xs[1], lambda: -g * o / xs[1]),
)
_register(
    "maximum",
    lambda a, b: (A.binary(a, b, "maximum"), None),
    lambda g, o, xs, r, p: _grads(
        *xs, g, lambda: g * A.binary(xs[0], xs[1], "greater_equal"),
        lambda: g * A.binary(xs[0], xs[1], "less"),
    ),
)  # fmt: skip
_register(
    "minimum",
    lambda a, b: (A.binary(a, b, "minimum"), None),
    lambda g, o, xs, r, p: _grads(
        *xs, g, lambda: g * A.binary(xs[0], xs[1], "less_equal"),
        lambda: g * A.binary(xs[0], xs[1], "greater"),
    ),
)  # fmt: skip


# -------------------------------------------------------------------------- reductions
def _expand_back(g: DeviceArray, shape, axis, keepdims) -> DeviceArray:
    """``g`` reshaped so that it lines up with the input ``shape`` (reduced axes of size 1)."""
    if keepdims:
        return g
    axes = range(len(shape)) if axis is None else axis
    return g.reshape(tuple(1 if i in axes else d for i, d in enumerate(shape)))


def _sum_bwd(g, out, xs, r, p):
    shape = xs[0].shape
    return (A.broadcast(_expand_back(g, shape, p["axis"], p["keepdims"]), shape),)


def _mean_fwd(x, axis=None, keepdims=False):
    return A.reduce(_floatx(x), "mean", axis, keepdims), None


def _mean_bwd(g, out, xs, r, p):
    shape, axis = xs[0].shape, p["axis"]
    n = int(np.prod(shape)) if axis is None else int(np.prod([shape[a] for a in axis]))
    g = _expand_back(g, shape, axis, p["keepdims"])
    return (A.broadcast(A.binary(g, g.dtype.type(max(n, 1)), "divide"), shape),)


def _extreme_bwd(g, out, xs, r, p):
    x = xs[0]
    axis, keepdims = p["axis"], p["keepdims"]
    o = _expand_back(out, x.shape, axis, keepdims)
    g = _expand_back(g, x.shape, axis, keepdims)
    hit = A.binary(x, o, "equal").astype(g.dtype, copy=False)
    count = A.reduce(hit, "sum", axis, keepdims=True)
    return (g * hit / count,)


_register(
    "sum",
    lambda x, axis=None, keepdims=False: (A.reduce(x, "sum", axis, keepdims), None),
    _sum_bwd,
)
_register("mean", _mean_fwd, _mean_bwd)
_register(
    "max",
    lambda x, axis=None, keepdims=False: (A.reduce(x, "max", axis, keepdims), None),
    _extreme_bwd,
)
_register(
    "min",
    lambda x, axis=None, keepdims=False: (A.reduce(x, "min", axis, keepdims), None),
    _extreme_bwd,
)


# ----------------------------------------------------------------------- type and layout
_register(
    "cast",
    lambda x, dtype=None: (x.astype(dtype), None),
    lambda g, o, xs, r, p: (g.astype(xs[0].dtype) if xs[0].dtype.kind == "f" else None,),
)
_register("stop_gradient", lambda x: (x, None), lambda g, o, xs, r, p: (None,))
_register(
    "reshape",
    lambda x, shape=None: (x.reshape(shape), None),
    lambda g, o, xs, r, p: (g.reshape(xs[0].shape),),
)


def _transpose_bwd(g, o, xs, r, p):
    axes = p["axes"]
    return (A.transpose(g, None if axes is None else tuple(np.argsort(axes))),)


_register("transpose", lambda x, axes=None: (A.transpose(x, axes), None), _transpose_bwd)


# -------------------------------------------------------------------------- activations
def _relu_fwd(x, **params):
    if params:  # alpha / max_value / threshold: the host version
        return NotImplemented
    return A.unary(x, "relu"), None


_register("relu", _relu_fwd, lambda g, o, xs, r, p: (A.unary_grad("relu", g, x=xs[0]),))


def _softmax_twin(log):
    def forward(x, axis=-1):
        if x.dtype.kind != "f" or x.ndim == 0 or axis not in (-1, x.ndim - 1):
            return NotImplemented
        return A.softmax(x, log=log), None

    def backward(g, y, xs, r, p):
        return (A.softmax_backward(g, y, log=log),)

    return forward, backward


_register("softmax", *_softmax_twin(False))
_register("log_softmax", *_softmax_twin(True))


def _dropout_fwd(x, mask=None):
    mask = to_device(mask)
    return x * mask, mask


_register("dropout", _dropout_fwd, lambda g, o, xs, r, p: (g * r,))


# --------------------------------------------------------------------- matrix products
_GEMM_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _gemm_ok(*arrays) -> bool:
    return all(a.dtype == arrays[0].dtype and a.dtype in _GEMM_DTYPES for a in arrays)


def _matmul_fwd(a, b):
    if (
        _const(a) or _const(b) or not _gemm_ok(a, b) or a.ndim != b.ndim or a.ndim not in (2, 3)
        or (a.ndim == 3 and a.shape[0] != b.shape[0])
    ):  # fmt: skip
        return NotImplemented
    return A.matmul(a, b), None


def _matmul_bwd(g, out, xs, r, p):
    a, b = xs
    return A.matmul(g, b, trans_b=True), A.matmul(a, g, trans_a=True)


_register("matmul", _matmul_fwd, _matmul_bwd)


def _dense_fwd(x, w, b=None, relu=False, need_dx=True):
    arrays = (x, w) if b is None else (x, w, b)
    if any(_const(a) for a in arrays) or not _gemm_ok(*arrays) or w.ndim != 2 or x.ndim < 1:
        return NotImplemented
    x2 = x.reshape(-1, x.shape[-1])
    out = A.matmul(x2, w, bias=b, relu=bool(relu))
    return out.reshape(x.shape[:-1] + (w.shape[1],)), None


def _dense_bwd(g, out, xs, r, p):
    x, w = xs[0], xs[1]
    g2 = g.reshape(-1, g.shape[-1])
    if p.get("relu"):  # the fused ReLU: no gradient where the output is 0
        g2 = g2 * A.binary(out.reshape(g2.shape), 0, "greater")
    x2 = x.reshape(-1, x.shape[-1])
    gx = A.matmul(g2, w, trans_b=True).reshape(x.shape) if p.get("need_dx", True) else None
    gw = A.matmul(x2, g2, trans_a=True)
    if len(xs) == 3:
        return gx, gw, A.reduce(g2, "sum", 0)
    return gx, gw


_register("dense", _dense_fwd, _dense_bwd)


# ------------------------------------------------------------------------------ indexing
def _has_device(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(is_device(i) for i in items)


def _index_fwd(x, index=None):
    """``x[index]`` for any NumPy index: a gather through host-computed flat positions."""
    if _has_device(index) or x.dtype.kind not in "fiu":
        return NotImplemented
    idx = to_device(A.flat_index(x.shape, index))
    return A.gather(x, idx), idx


def _index_bwd(g, out, xs, idx, p):
    if g.dtype not in _GEMM_DTYPES:
        g = g.astype(config.floatx())
    return (A.scatter_add(g, idx, xs[0].shape),)


_register("getitem", _index_fwd, _index_bwd)
_register("take_along_axis", _index_fwd, _index_bwd)
_register(
    "gather",  # np.take(x, indices, axis): Embedding lookups
    lambda x, indices=None, axis=0: _index_fwd(x, (slice(None),) * axis + (indices,)),
    _index_bwd,
)


# ------------------------------------------------------------------------- convolution
def _as5(x: DeviceArray, spatial3) -> DeviceArray:
    return x.reshape((x.shape[0], *spatial3, x.shape[-1]))


def _pointwise(p) -> bool:
    return (
        p["ksize"] == (1, 1, 1) and p["strides"] == (1, 1, 1) and p["pad"] == (0, 0, 0)
        and p["out"] == p["in"]
    )  # fmt: skip


def _cols(x5, p):
    if _pointwise(p):
        return x5.reshape(-1, x5.shape[-1])
    return A.im2col(x5, p["ksize"], p["strides"], p["dilation"], p["pad"], p["out"])


def _conv_fwd(x, w, b=None, **p):
    arrays = (x, w) if b is None else (x, w, b)
    if p["groups"] != 1 or any(_const(a) for a in arrays) or not _gemm_ok(*arrays):
        return NotImplemented
    x5 = _as5(x, p["in"])
    f = w.shape[-1]
    out = A.matmul(_cols(x5, p), w.reshape(-1, f), bias=b, relu=bool(p.get("relu")))
    return out.reshape((x.shape[0], *p["out"][3 - p["nd"] :], f)), None


def _conv_bwd(g, out, xs, r, p):
    x, w = xs[0], xs[1]
    x5 = _as5(x, p["in"])
    f = w.shape[-1]
    g2 = g.reshape(-1, f)
    if p.get("relu"):  # the fused ReLU: no gradient where the output is 0
        g2 = g2 * A.binary(out.reshape(g2.shape), 0, "greater")
    cols = _cols(x5, p)
    dw = A.matmul(cols, g2, trans_a=True).reshape(w.shape)
    dx = None
    if p["need_dx"]:
        dcols = A.matmul(g2, w.reshape(-1, f), trans_b=True)
        if _pointwise(p):
            dx = dcols.reshape(x.shape)
        else:
            dx = A.col2im(
                dcols, x5.shape, p["ksize"], p["strides"], p["dilation"], p["pad"], p["out"]
            ).reshape(x.shape)
    if len(xs) == 3:
        return dx, dw, A.reduce(g2, "sum", 0)
    return dx, dw


_register("conv", _conv_fwd, _conv_bwd)


# ----------------------------------------------------------------------------- pooling
def _pool_out_shape(x, p):
    return (x.shape[0], *p["out"][3 - p["nd"] :], x.shape[-1])


def _max_pool_fwd(x, **p):
    if x.dtype.kind != "f":
        return NotImplemented
    x5 = _as5(x, (1,) * (3 - p["nd"]) + x.shape[1:-1])
    res, arg = A.max_pool(x5, p["ksize"], p["strides"], p["pad"], p["out"])
    return res.reshape(_pool_out_shape(x, p)), arg


def _max_pool_bwd(g, out, xs, arg, p):
    x = xs[0]
    x5_shape = (x.shape[0], *((1,) * (3 - p["nd"]) + x.shape[1:-1]), x.shape[-1])
    g5 = g.reshape((x.shape[0], *p["out"], x.shape[-1]))
    dx = A.max_pool_backward(g5, arg, x5_shape, p["ksize"], p["strides"], p["pad"], p["out"])
    return (dx.reshape(x.shape),)


def _avg_pool_fwd(x, **p):
    if x.dtype.kind != "f":
        return NotImplemented
    x5 = _as5(x, (1,) * (3 - p["nd"]) + x.shape[1:-1])
    res = A.avg_pool(x5, p["ksize"], p["strides"], p["pad"], p["out"])
    return res.reshape(_pool_out_shape(x, p)), None


def _avg_pool_bwd(g, out, xs, r, p):
    x = xs[0]
    x5_shape = (x.shape[0], *((1,) * (3 - p["nd"]) + x.shape[1:-1]), x.shape[-1])
    g5 = g.reshape((x.shape[0], *p["out"], x.shape[-1]))
    dx = A.avg_pool_backward(g5, x5_shape, p["ksize"], p["strides"], p["pad"], p["out"])
    return (dx.reshape(x.shape),)


_register("max_pool", _max_pool_fwd, _max_pool_bwd)
_register("average_pool", _avg_pool_fwd, _avg_pool_bwd)
