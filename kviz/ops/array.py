"""Shape and indexing ops: reshape, transpose, slicing, concatenation, gather, padding.

>>> import numpy as np
>>> from kviz import ops
>>> ops.concatenate([np.zeros((2, 1)), np.ones((2, 2))], axis=-1).shape
(2, 3)
"""

from __future__ import annotations

import builtins

import numpy as np

from kviz.graph.keras_tensor import KerasTensor
from kviz.kernels.scatter import scatter_add_rows
from kviz.ops.core import Primitive, apply, op, unbroadcast

__all__ = [
    "reshape", "transpose", "permute_dimensions", "expand_dims", "squeeze", "flatten",
    "batch_flatten", "getitem", "slice", "split", "concatenate", "stack", "tile",
    "repeat_elements", "repeat", "broadcast_to", "gather", "take_along_axis", "pad", "flip",
    "reverse", "cumsum", "cumprod", "one_hot", "shape",
]  # fmt: skip


def _v(x):
    return x.data if hasattr(x, "_op") else x


_reshape = Primitive(
    "reshape",
    lambda x, shape=None: (np.reshape(x, shape), None),
    lambda g, o, xs, r, p: (np.reshape(g, np.shape(xs[0])),),
)


@op
def reshape(x, shape):
    shape = tuple(-1 if d is None else int(d) for d in shape)
    return apply(_reshape, (x,), {"shape": shape})


_transpose = Primitive(
    "transpose",
    lambda x, axes=None: (np.transpose(x, axes), None),
    lambda g, o, xs, r, p: (np.transpose(g, None if p["axes"] is None else np.argsort(p["axes"])),),
)


@op
def transpose(x, axes=None):
    if axes is not None:
        ndim = np.ndim(_v(x))
        axes = tuple(int(a) % ndim for a in axes)  # negative axes: the inverse needs them >= 0
    return apply(_transpose, (x,), {"axes": axes})


@op
def expand_dims(x, axis=-1):
    shape = list(np.shape(_v(x)))
    axis = axis if axis >= 0 else len(shape) + axis + 1
    shape.insert(axis, 1)
    return reshape(x, shape)


@op
def squeeze(x, axis=None):
    shape = np.shape(_v(x))
    if axis is None:
        new = [d for d in shape if d != 1]
    else:
        axes = {a % len(shape) for a in (axis if isinstance(axis, (list, tuple)) else [axis])}
        for a in axes:
            if shape[a] != 1:
                raise ValueError(
                    f"Can not squeeze dim[{a}], expected a dimension of 1, got {shape[a]} "
                    f"(input shape {shape})"
                )
        new = [d for i, d in enumerate(shape) if i not in axes]
    return reshape(x, new)


def _getitem_bwd(g, o, xs, r, p):
    x, index = xs[0], p["index"]
    out = np.zeros(np.shape(x), dtype=g.dtype)
    if _no_repeats(index):
        out[index] = g  # each element selected at most once: plain assignment
    else:
        np.add.at(out, index, g)  # integer arrays may pick an element twice: accumulate
    return (out,)


def _no_repeats(index) -> bool:
    """True when ``x[index]`` cannot select an element twice (basic indexing, bool masks)."""
    items = index if isinstance(index, tuple) else (index,)
    n_int_arrays = 0
    for i in items:
        if i is None or i is Ellipsis or isinstance(i, (int, np.integer, builtins.slice)):
            continue
        a = np.asarray(i)
        if a.dtype == bool:
            continue
        n_int_arrays += 1
    return n_int_arrays == 0


def _getitem_fwd(x, index=None):
    return np.asarray(x)[index], None


_getitem = Primitive("getitem", _getitem_fwd, _getitem_bwd)


def _fix_index(index):
    if isinstance(index, tuple):
        return tuple(_fix_index(i) for i in index)
    if hasattr(index, "_op"):
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    return index


@op
def getitem(x, index):
    """``x[index]`` with NumPy indexing; the gradient scatters back (``np.add.at``)."""
    return apply(_getitem, (x,), {"index": _fix_index(index)})


@op
def slice(x, start, size):  # noqa: A001 - Keras name
    """Keras ``K.slice`` (``tf.slice``): ``size[i]`` elements from ``start[i]`` on each axis.

    A size of -1 takes everything to the end of that axis.
    """
    shape = np.shape(_v(x))
    if len(start) != len(shape) or len(size) != len(shape):
        raise ValueError(
            f"slice: start {tuple(start)} and size {tuple(size)} need one entry per axis of "
            f"the input (shape {shape})"
        )
    index = []
    for d, b, n in zip(shape, start, size, strict=True):
        b, n = int(b), int(n)
        stop = d if n == -1 else b + n
        if b < 0 or n < -1 or stop > d:
            raise ValueError(
                f"slice: start {tuple(start)} with size {tuple(size)} is out of bounds for an "
                f"input of shape {shape}"
            )
        index.append(builtins.slice(b, stop))
    return getitem(x, tuple(index))


def _split_sizes(n, num_or_size_splits, axis):
    if isinstance(num_or_size_splits, (int, np.integer)):
        k = int(num_or_size_splits)
        if k <= 0 or n % k:
            raise ValueError(f"split: cannot split axis {axis} of size {n} into {k} equal pieces")
        return [n // k] * k
    sizes = [int(s) for s in num_or_size_splits]
    if sizes.count(-1) == 1:
        sizes[sizes.index(-1)] = n - (builtins.sum(sizes) + 1)
    if builtins.any(s < 0 for s in sizes) or builtins.sum(sizes) != n:
        raise ValueError(
            f"split: sizes {list(num_or_size_splits)} do not add up to the size {n} of axis {axis}"
        )
    return sizes


def _split(x, num_or_size_splits, axis=0):
    shape = np.shape(_v(x))
    axis = int(axis) % len(shape)
    pieces, begin = [], 0
    for n in _split_sizes(shape[axis], num_or_size_splits, axis):
        index = (builtins.slice(None),) * axis + (builtins.slice(begin, begin + n),)
        pieces.append(getitem(x, index))
        begin += n
    return pieces


_split.__name__ = _split.__qualname__ = "split"
_split_op = op(_split)


def split(x, num_or_size_splits, axis=0):
    """``tf.split``: a list of pieces of ``x`` along ``axis``.

    An int splits into that many equal pieces; a sequence gives the sizes (one may be -1 for
    "the rest"). Each piece is a ``getitem``, so gradients need no multi-output primitive; on
    KerasTensors it is one graph node with several outputs.
    """
    if isinstance(x, KerasTensor) and x.shape[int(axis) % x.ndim] is None:
        raise ValueError(
            f"split: axis {axis} of the symbolic input (shape {x.shape}) has an unknown size"
        )
    return _split_op(x, num_or_size_splits, axis)


split.__wrapped_op__ = _split


def _concat_bwd(g, o, xs, r, p):
    axis = p["axis"]
    sizes = [np.shape(x)[axis] for x in xs]
    splits = np.cumsum(sizes)[:-1]
    return tuple(np.split(g, splits, axis=axis))


_concat = Primitive(
    "concatenate",
    lambda *xs, axis=-1: (np.concatenate(xs, axis=axis), None),
    _concat_bwd,
)


@op(operand_list="tensors")
def concatenate(tensors, axis=-1):
    tensors = list(tensors)
    ndim = np.ndim(_v(tensors[0]))
    axis = axis % ndim if ndim else 0
    return apply(_concat, tuple(tensors), {"axis": axis})


_stack = Primitive(
    "stack",
    lambda *xs, axis=0: (np.stack(xs, axis=axis), None),
    lambda g, o, xs, r, p: tuple(np.take(g, i, axis=p["axis"]) for i in range(len(xs))),
)


@op(operand_list="tensors")
def stack(tensors, axis=0):
    tensors = list(tensors)
    ndim = np.ndim(_v(tensors[0])) + 1
    return apply(_stack, tuple(tensors), {"axis": axis % ndim})


def _tile_bwd(g, o, xs, r, p):
    shape = np.shape(xs[0])
    reps = p["reps"]
    reps = (1,) * (len(shape) - len(reps)) + tuple(reps)
    shape = (1,) * (len(reps) - len(shape)) + tuple(shape)
    split = []
    for rep, d in zip(reps, shape, strict=True):
        split += [rep, d]
    gg = g.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
    return (gg.reshape(np.shape(xs[0])),)


_tile = Primitive("tile", lambda x, reps=None: (np.tile(x, reps), None), _tile_bwd)


@op
def tile(x, n):
    reps = tuple(int(i) for i in (n if isinstance(n, (list, tuple)) else [n]))
    return apply(_tile, (x,), {"reps": reps})


def _repeat_bwd(g, o, xs, r, p):
    axis, rep = p["axis"], p["repeats"]
    shape = list(np.shape(xs[0]))
    new = shape[:axis] + [shape[axis], rep] + shape[axis + 1 :]
    return (g.reshape(new).sum(axis=axis + 1),)


_repeat = Primitive(
    "repeat",
    lambda x, repeats=1, axis=0: (np.repeat(x, repeats, axis=axis), None),
    _repeat_bwd,
)


@op
def repeat_elements(x, rep, axis):
    ndim = np.ndim(_v(x))
    return apply(_repeat, (x,), {"repeats": int(rep), "axis": axis % ndim})


@op
def repeat(x, n):
    """Keras ``K.repeat``: (batch, dim) -> (batch, n, dim)."""
    return tile(expand_dims(x, 1), (1, int(n), 1))


_broadcast_to = Primitive(
    "broadcast_to",
    lambda x, shape=None: (np.broadcast_to(x, shape), None),
    lambda g, o, xs, r, p: (unbroadcast(g, np.shape(xs[0])),),
)


@op
def broadcast_to(x, shape):
    return apply(_broadcast_to, (x,), {"shape": tuple(shape)})


def _gather_bwd(g, o, xs, r, p):
    x, idx = xs[0], p["indices"]
    axis = p["axis"]
    out = np.zeros(np.shape(x), dtype=g.dtype)
    if axis == 0:
        scatter_add_rows(out, idx, g)  # np.add.at, in a Numba loop for float arrays
    else:
        moved = np.moveaxis(out, axis, 0)
        gm = np.moveaxis(g, list(range(axis, axis + np.ndim(idx))), list(range(np.ndim(idx))))
        np.add.at(moved, idx, gm)
    return (out,)


_gather = Primitive(
    "gather",
    lambda x, indices=None, axis=0: (np.take(x, indices, axis=axis), None),
    _gather_bwd,
)


@op
def gather(reference, indices, axis=0):
    """Rows of ``reference`` at integer ``indices`` (``K.gather``)."""
    idx = np.asarray(_v(indices)).astype("int64")
    ref = _v(reference)
    n = np.shape(ref)[axis]
    if idx.size and (idx.max() >= n or idx.min() < -n):
        raise ValueError(
            f"gather: indices must be in [0, {n}) for an axis of size {n}; received indices "
            f"from {idx.min()} to {idx.max()}"
        )
    return apply(_gather, (reference,), {"indices": idx, "axis": axis % np.ndim(ref)})


def _along_axis_index(indices, shape, axis):
    """The integer-array index that makes ``x[index] == np.take_along_axis(x, indices, axis)``."""
    index = []
    for d, n in enumerate(shape):
        if d == axis:
            index.append(indices)
        else:
            grid = [1] * len(shape)
            grid[d] = n
            index.append(np.arange(n).reshape(grid))
    return tuple(index)


def _take_along_bwd(g, o, xs, r, p):
    out = np.zeros(np.shape(xs[0]), dtype=g.dtype)
    np.add.at(out, p["index"], g)
    return (out,)


_take_along = Primitive(
    "take_along_axis", lambda x, index=None: (np.asarray(x)[index], None), _take_along_bwd
)


@op
def take_along_axis(x, indices, axis=-1):
    """``np.take_along_axis``: pick ``indices`` along ``axis`` (e.g. each row's label score).

    ``indices`` has the rank of ``x``; its other dims broadcast against those of ``x``.
    """
    shape = np.shape(_v(x))
    idx = np.asarray(_v(indices))
    if idx.dtype.kind not in "iu":
        idx = idx.astype("int64")
    axis = int(axis) % len(shape)
    if idx.ndim != len(shape):
        raise ValueError(
            f"take_along_axis: indices (shape {idx.shape}) must have the rank of the input "
            f"(shape {shape})"
        )
    n = shape[axis]
    if idx.size and (idx.max() >= n or idx.min() < -n):
        raise ValueError(
            f"take_along_axis: indices must be in [-{n}, {n}) for an axis of size {n}; "
            f"received indices from {idx.min()} to {idx.max()}"
        )
    return apply(_take_along, (x,), {"index": _along_axis_index(idx, shape, axis)})


_pad = Primitive(
    "pad",
    lambda x, pad_width=None, value=0: (np.pad(x, pad_width, constant_values=value), None),
    lambda g, o, xs, r, p: (
        g[tuple(builtins.slice(a, g.shape[i] - b) for i, (a, b) in enumerate(p["pad_width"]))],
    ),
)


@op
def pad(x, pad_width, constant_values=0):
    pw = tuple((int(a), int(b)) for a, b in pad_width)
    return apply(_pad, (x,), {"pad_width": pw, "value": constant_values})


def _axes(axis, ndim):
    """``axis`` (int, sequence or None) as a tuple of non-negative axes (None: all)."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) % ndim for a in axis)
    return (int(axis) % ndim,)


_flip = Primitive(
    "flip",
    lambda x, axis=None: (np.flip(x, axis), None),
    lambda g, o, xs, r, p: (np.flip(g, p["axis"]),),
)


@op
def flip(x, axis=None):
    """Reverse the order of elements along ``axis`` (an int, a sequence, or None for all)."""
    return apply(_flip, (x,), {"axis": _axes(axis, np.ndim(_v(x)))})


@op
def reverse(x, axes):
    """Keras ``K.reverse``: :func:`flip` along ``axes`` (an int or a sequence)."""
    return flip(x, axes)


def _rev_cumsum(g, axis):
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


_cumsum = Primitive(
    "cumsum",
    lambda x, axis=0: (np.cumsum(x, axis=axis), None),
    lambda g, o, xs, r, p: (_rev_cumsum(g, p["axis"]),),
)


def _cumprod_bwd(g, y, xs, r, p):
    x, axis = np.asarray(xs[0]), p["axis"]
    if np.all(x != 0):
        return (_rev_cumsum(g * y, axis) / x,)
    # With zeros, dx_j = E_j * S_j: E_j the product of the x before j, and
    # S_j = g_j + x_{j+1} * S_{j+1} (a reverse scan along the axis).
    xm, gm = np.moveaxis(x, axis, 0), np.moveaxis(g, axis, 0)
    excl = np.concatenate([np.ones_like(xm[:1]), np.cumprod(xm[:-1], axis=0)], axis=0)
    s = np.empty_like(gm)
    s[-1] = gm[-1]
    for j in range(len(xm) - 2, -1, -1):
        s[j] = gm[j] + xm[j + 1] * s[j + 1]
    return (np.moveaxis(excl * s, 0, axis),)


_cumprod = Primitive("cumprod", lambda x, axis=0: (np.cumprod(x, axis=axis), None), _cumprod_bwd)


@op
def cumsum(x, axis=0):
    """Cumulative sum along ``axis`` (Keras ``K.cumsum``)."""
    return apply(_cumsum, (x,), {"axis": int(axis) % builtins.max(np.ndim(_v(x)), 1)})


@op
def cumprod(x, axis=0):
    """Cumulative product along ``axis`` (Keras ``K.cumprod``); the gradient handles zeros."""
    return apply(_cumprod, (x,), {"axis": int(axis) % builtins.max(np.ndim(_v(x)), 1)})


@op
def one_hot(indices, num_classes):
    """Float32 one-hot vectors on a new last axis; out-of-range indices give all zeros (as TF)."""
    idx = np.asarray(_v(indices)).astype("int64")
    return (idx[..., None] == np.arange(int(num_classes))).astype("float32")


@op
def shape(x):
    return np.asarray(np.shape(_v(x)), dtype="int32")


@op
def flatten(x):
    return reshape(x, (-1,))


@op
def batch_flatten(x):
    """(batch, d1, d2, ...) -> (batch, d1 * d2 * ...)."""
    s = np.shape(_v(x))
    return reshape(x, (s[0], int(np.prod(s[1:]))))


@op
def permute_dimensions(x, pattern):
    return transpose(x, tuple(pattern))
