"""Shape and indexing ops: reshape, transpose, slicing, concatenation, gather, padding.

>>> import numpy as np
>>> from kviz import ops
>>> ops.concatenate([np.zeros((2, 1)), np.ones((2, 2))], axis=-1).shape
(2, 3)
"""

from __future__ import annotations

import builtins

import numpy as np

from kviz.ops.core import Primitive, apply, op


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
    lambda g, o, xs, r, p: (
        np.transpose(g, None if p["axes"] is None else np.argsort(p["axes"])),
    ),
)


@op
def transpose(x, axes=None):
    return apply(_transpose, (x,), {"axes": None if axes is None else tuple(axes)})


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
    x = xs[0]
    out = np.zeros(np.shape(x), dtype=g.dtype)
    np.add.at(out, p["index"], g)
    return (out,)


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


@op
def concatenate(tensors, axis=-1):
    tensors = list(tensors)
    ndim = np.ndim(_v(tensors[0]))
    axis = axis % ndim if ndim else 0
    return apply(_concat, tuple(tensors), {"axis": axis})


_stack = Primitive(
    "stack",
    lambda *xs, axis=0: (np.stack(xs, axis=axis), None),
    lambda g, o, xs, r, p: tuple(
        np.take(g, i, axis=p["axis"]) for i in range(len(xs))
    ),
)


@op
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
    lambda g, o, xs, r, p: (_unbroadcast(g, np.shape(xs[0])),),
)


def _unbroadcast(g, shape):
    from kviz.ops.core import unbroadcast

    return unbroadcast(g, tuple(shape))


@op
def broadcast_to(x, shape):
    return apply(_broadcast_to, (x,), {"shape": tuple(shape)})


def _gather_bwd(g, o, xs, r, p):
    x, idx = xs[0], p["indices"]
    axis = p["axis"]
    out = np.zeros(np.shape(x), dtype=g.dtype)
    if axis == 0:
        np.add.at(out, idx, g)
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


_flip = Primitive(
    "flip",
    lambda x, axis=None: (np.flip(x, axis), None),
    lambda g, o, xs, r, p: (np.flip(g, p["axis"]),),
)


@op
def flip(x, axis):
    return apply(_flip, (x,), {"axis": axis})


_cumsum = Primitive(
    "cumsum",
    lambda x, axis=0: (np.cumsum(x, axis=axis), None),
    lambda g, o, xs, r, p: (np.flip(np.cumsum(np.flip(g, p["axis"]), axis=p["axis"]), p["axis"]),),
)


@op
def cumsum(x, axis=0):
    return apply(_cumsum, (x,), {"axis": axis})


@op
def one_hot(indices, num_classes):
    idx = np.asarray(_v(indices)).astype("int64")
    return np.eye(num_classes, dtype="float32")[idx]


@op
def shape(x):
    return np.asarray(np.shape(_v(x)), dtype="int32")


@op
def flatten(x):
    return reshape(x, (-1,))


@op
def batch_flatten(x):
    s = np.shape(_v(x))
    return reshape(x, (s[0], int(np.prod(s[1:]))))


@op
def permute_dimensions(x, pattern):
    return transpose(x, tuple(pattern))
