"""Flatten and rebuild nested lists/tuples/dicts of tensors (a tiny ``tf.nest``).

>>> flatten([1, (2, {'a': 3})])
[1, 2, 3]
>>> pack_like([1, (2, {'a': 3})], [10, 20, 30])
[10, (20, {'a': 30})]
"""

from __future__ import annotations


def flatten(structure) -> list:
    out = []
    stack = [structure]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(item[k] for k in reversed(sorted(item)))
        else:
            out.append(item)
    return out


def pack_like(structure, flat):
    it = iter(flat)

    def build(s):
        if isinstance(s, list):
            return [build(x) for x in s]
        if isinstance(s, tuple):
            return tuple(build(x) for x in s)
        if isinstance(s, dict):
            built = {k: build(s[k]) for k in sorted(s)}
            return {k: built[k] for k in s}
        return next(it)

    return build(structure)


def map_structure(fn, structure):
    return pack_like(structure, [fn(x) for x in flatten(structure)])


def is_nested(x) -> bool:
    return isinstance(x, (list, tuple, dict))


def is_shape(x) -> bool:
    """True for a shape tuple such as ``(None, 3)`` (ints and Nones, not nested)."""
    return isinstance(x, (tuple, list)) and all(d is None or isinstance(d, int) for d in x)


def flatten_shapes(shapes) -> list:
    """A shape, or a nested structure of shapes, as a flat list of shape tuples."""
    if shapes is None:
        return [None]
    if is_shape(shapes):
        return [tuple(shapes)]
    if isinstance(shapes, dict):
        return [s for k in sorted(shapes) for s in flatten_shapes(shapes[k])]
    out = []
    for s in shapes:
        out += flatten_shapes(s)
    return out
