"""Keras 1's ``merge([a, b], mode=...)`` function, mapped onto the Keras 2 merge layers.

Keras 2.2 still accepted it with a deprecation warning; kviz does the same so that old
tutorials run. The modes map as follows:

========== ==========================================
``'sum'``  ``Add``
``'mul'``  ``Multiply``
``'ave'``  ``Average``
``'max'``  ``Maximum``
``'concat'`` ``Concatenate(axis=concat_axis)``
``'dot'``  ``Dot(axes=dot_axes)``
``'cos'``  ``Dot(axes=dot_axes, normalize=True)`` (cosine similarity)
callable   ``Lambda(mode, output_shape, mask=output_mask, arguments=arguments)``
========== ==========================================

>>> import warnings
>>> import numpy as np
>>> with warnings.catch_warnings():
...     warnings.simplefilter('ignore')
...     merge([np.ones((1, 2), 'float32'), np.ones((1, 3), 'float32')], mode='concat').shape
(1, 5)
"""

from __future__ import annotations

import warnings

from kviz.layers.merge.add import Add
from kviz.layers.merge.average import Average
from kviz.layers.merge.concatenate import Concatenate
from kviz.layers.merge.dot import Dot
from kviz.layers.merge.maximum import Maximum
from kviz.layers.merge.multiply import Multiply

_MODES = ("sum", "mul", "concat", "ave", "cos", "dot", "max")


def _dot_axes(dot_axes):
    """Keras 1 accepted ``dot_axes`` as an int, a pair, or a pair of one-element lists."""
    if isinstance(dot_axes, int):
        return dot_axes
    if isinstance(dot_axes, (list, tuple)) and len(dot_axes) == 2:
        axes = []
        for a in dot_axes:
            if isinstance(a, (list, tuple)):
                if len(a) != 1:
                    raise ValueError(
                        f"Invalid format for dot_axes: only one axis per input is supported. "
                        f"Received: dot_axes={dot_axes}"
                    )
                a = a[0]
            axes.append(int(a))
        return axes
    raise ValueError(
        "Invalid format for dot_axes - should be int or list/tuple of two ints. "
        f"Received: dot_axes={dot_axes}"
    )


def merge(
    inputs,
    mode="sum",
    concat_axis=-1,
    dot_axes=-1,
    output_shape=None,
    output_mask=None,
    arguments=None,
    node_indices=None,
    tensor_indices=None,
    name=None,
):
    """Merge a list of tensors (Keras 1 API). Deprecated: use ``add``, ``concatenate``...

    Works on symbolic tensors (returns the merged KerasTensor) and on arrays (computes).
    ``node_indices`` and ``tensor_indices`` are accepted for compatibility and ignored.
    """
    warnings.warn(
        "The `merge` function is deprecated and will be removed after 08/2017. Use instead "
        "layers from `keras.layers.merge`, e.g. `add`, `concatenate`, etc.",
        UserWarning,
        stacklevel=2,
    )
    kwargs = {} if name is None else {"name": name}
    if callable(mode):
        from kviz.layers.core.lambda_layer import Lambda

        layer = Lambda(
            mode, output_shape=output_shape, mask=output_mask, arguments=arguments, **kwargs
        )
        return layer(list(inputs) if isinstance(inputs, tuple) else inputs)
    if mode not in _MODES:
        raise ValueError(f"Invalid merge mode: {mode}")
    if mode == "sum":
        layer = Add(**kwargs)
    elif mode == "mul":
        layer = Multiply(**kwargs)
    elif mode == "ave":
        layer = Average(**kwargs)
    elif mode == "max":
        layer = Maximum(**kwargs)
    elif mode == "concat":
        layer = Concatenate(axis=concat_axis, **kwargs)
    else:
        layer = Dot(axes=_dot_axes(dot_axes), normalize=mode == "cos", **kwargs)
    return layer(list(inputs) if isinstance(inputs, tuple) else inputs)


__all__ = ["merge"]
