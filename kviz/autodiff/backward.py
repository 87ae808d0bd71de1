"""Reverse-mode differentiation over the record that :class:`Tensor` keeps.

The walk is iterative (no recursion limit for long RNN unrolls): a depth-first
topological order from the target, then vector-Jacobian products in reverse.

>>> import numpy as np
>>> from kviz.autodiff import Variable, GradientTape, gradients
>>> from kviz import ops
>>> x = Variable(np.array(3.0))
>>> with GradientTape():
...     y = ops.multiply(x, x)
>>> float(gradients(y, [x])[0])
6.0
"""

from __future__ import annotations

import sys

import numpy as np

from kviz.autodiff.tensor import Tensor
from kviz.kernels import device as _device


def _topo_order(root: Tensor) -> list:
    """Post-order DFS: every tensor comes after all the tensors it was computed from.

    (Tensors hash by identity, so they are their own keys: no ``id()`` calls.)"""
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for parent in node._inputs:
            if isinstance(parent, Tensor) and parent not in visited:
                stack.append((parent, False))
    return order


def _sole_reference(holder, key) -> bool:
    """True when ``holder[key]`` is referenced by ``holder`` and by one local variable of the
    caller only: not by another gradient, a residual, a forward value, a view or a caller's
    array. Then it may be handed out (or updated in place) instead of copied. Counted with
    :func:`sys.getrefcount`; the count this means is measured once on this interpreter, in the
    same situation (:data:`_SOLE`)."""
    return sys.getrefcount(holder[key]) <= _SOLE


def _calibrate() -> int:
    holder = {0: np.empty(1)}
    local = holder[0]  # noqa: F841  (the caller's one local reference)
    return sys.getrefcount(holder[0])


_SOLE = _calibrate()


def _owned(a, dtype) -> bool:
    """A plain, writable host array of ``dtype`` that owns its memory (not a view)."""
    return (
        type(a) is np.ndarray
        and a.base is None
        and a.dtype == dtype
        and a.flags.writeable
        and a.flags.c_contiguous
    )


def _walk(target, seed, wanted):
    """The backward pass: the gradients reaching the tensors in the set ``wanted`` (keyed by
    tensor). A gradient reaching a tensor from several consumers is summed, in place when the
    running sum is an array this walk made and holds alone."""
    grads = {target: seed}
    found = {}
    for node in reversed(_topo_order(target)):
        g = grads.pop(node, None)
        if g is None:
            continue
        if node in wanted:
            found[node] = g
        op = node._op
        if op is None:
            continue
        in_grads = op.vjp(g, node)
        for parent, pg in zip(node._inputs, in_grads, strict=False):
            if pg is None or not isinstance(parent, Tensor):
                continue
            prev = grads.get(parent)
            if prev is None:
                grads[parent] = pg
            elif (
                type(pg) is np.ndarray
                and pg.shape == prev.shape
                and _owned(prev, np.result_type(prev, pg))
                and _sole_reference(grads, parent)
            ):
                np.add(prev, pg, out=prev)
            else:
                grads[parent] = prev + pg
    return found


def gradients(target, sources, output_gradient=None):
    """Gradients of ``target`` (summed if not scalar) with respect to each of ``sources``.

    A source the target does not depend on gets ``None``, as in TensorFlow. Each gradient is
    a writable array of the source's dtype that nothing else refers to: backward passes share
    arrays (the gradient of ``a + b`` is the same array for both) and return read-only
    broadcast views, which are copied; a gradient the walk made and holds alone (e.g. a dense
    layer's weight gradient) is returned as it is.
    """
    if not isinstance(target, Tensor):
        return [None] * len(sources)
    if type(target.data) is _device.DeviceArray:
        seed = _device.ones_like(target.data, output_gradient)
    elif output_gradient is None:
        seed = np.ones_like(target.data)
    else:
        seed = np.asarray(output_gradient, dtype=target.data.dtype)
    found = _walk(target, seed, {s for s in sources if isinstance(s, Tensor)})
    del seed
    out = []
    handed = set()
    for s in sources:
        g = found.get(s) if isinstance(s, Tensor) else None
        if g is not None:
            if _device.in_use:
                g = _device.fresh_like(g, s.data)
            elif s in handed or not (_owned(g, s.data.dtype) and _sole_reference(found, s)):
                g = np.array(g, s.data.dtype)
            handed.add(s)
        out.append(g)
    return out
