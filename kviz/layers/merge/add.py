"""``Add``: the elementwise sum of a list of inputs.

>>> import numpy as np
>>> Add()([np.ones((1, 2), 'float32'), np.full((1, 2), 2, 'float32')])
array([[3., 3.]], dtype=float32)

The function form ``add(inputs, **kwargs)`` builds the layer and calls it on ``inputs``.
"""

from __future__ import annotations

from kviz import ops
from kviz.layers.merge.base_merge import _Merge


class Add(_Merge):
    """The elementwise sum of a list of inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.add(output, x)
        return output


def add(inputs, **kwargs):
    """Functional interface to the ``Add`` layer: ``Add(**kwargs)(inputs)``."""
    return Add(**kwargs)(inputs)


__all__ = ["Add", "add"]
