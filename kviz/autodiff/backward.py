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

import numpy as np

from kviz.autodiff.tensor import Tensor
from kviz.kernels import device as _device


def _topo_order(root: Tensor) -> list:
    """Post-order DFS: every tensor comes after all the tensors it was computed from."""
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node._inputs:
            if isinstance(parent, Tensor) and id(parent) not in visited:
                stack.append((parent, False))
    return order


def gradients(target, sources, output_gradient=None):
    """Gradients of ``target`` (summed if not scalar) with respect to each of ``sources``.

    A source the target does not depend on gets ``None``, as in TensorFlow.
    """
    if not isinstance(target, Tensor):
        return [None] * len(sources)
    if type(target.data) is _device.DeviceArray:
        seed = _device.ones_like(target.data, output_gradient)
    elif output_gradient is None:
        seed = np.ones_like(target.data)
    else:
        seed = np.asarray(output_gradient, dtype=target.data.dtype)
    grads = {id(target): seed}
    wanted = {id(s) for s in sources if isinstance(s, Tensor)}
    found = {}
    for node in reversed(_topo_order(target)):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if id(node) in wanted:
            found[id(node)] = g
        op = node._op
        if op is None:
            continue
        in_grads = op.vjp(g, node)
        for parent, pg in zip(node._inputs, in_grads, strict=False):
            if pg is None or not isinstance(parent, Tensor):
                continue
            key = id(parent)
            prev = grads.get(key)
            grads[key] = pg if prev is None else prev + pg
    out = []
    for s in sources:
        g = found.get(id(s)) if isinstance(s, Tensor) else None
        if g is not None:
            # a fresh, writable array per source: backward passes share arrays (the gradient of
            # ``a + b`` is the same array for both) and return read-only broadcast views
            g = _device.fresh_like(g, s.data) if _device.in_use else np.array(g, s.data.dtype)
        out.append(g)
    return out
