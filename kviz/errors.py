"""Error helpers shared by every module: formatting of shapes and names for messages.

A leaf module.

>>> from kviz.errors import format_shape
>>> format_shape((None, 3))
'(None, 3)'
"""

from __future__ import annotations


def format_shape(shape) -> str:
    """Render a shape the way Keras prints it: ``(None, 3)``."""
    if shape is None:
        return "None"
    shape = tuple(shape)
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join("None" if d is None else str(int(d)) for d in shape) + ")"


def check_kwargs(kwargs: dict, allowed) -> None:
    """Raise Keras's ``TypeError`` for a keyword argument a layer does not understand."""
    for key in kwargs:
        if key not in allowed:
            raise TypeError("Keyword argument not understood:", key)
