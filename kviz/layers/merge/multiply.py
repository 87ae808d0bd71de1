"""``Multiply``: the elementwise product of a list of inputs.

>>> import numpy as np
>>> Multiply()([np.full((1, 2), 3, 'float32'), np.full((1, 2), 2, 'float32')])
array([[6., 6.]], dtype=float32)

The function form ``multiply(inputs, **kwargs)`` builds the layer and calls it on ``inputs``.
"""

from __future__ import annotations

from kviz import ops
from kviz.layers.merge.base_merge import _Merge


class Multiply(_Merge):
    """The elementwise product of a list of inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.multiply(output, x)
        return output


def multiply(inputs, **kwargs):
    """Functional interface to the ``Multiply`` layer: ``Multiply(**kwargs)(inputs)``."""
    return Multiply(**kwargs)(inputs)


__all__ = ["Multiply", "multiply"]
