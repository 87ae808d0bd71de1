"""``Minimum``: the elementwise minimum of a list of inputs.

>>> import numpy as np
>>> Minimum()([np.array([[1., 5.]], 'float32'), np.array([[3., 2.]], 'float32')])
array([[1., 2.]], dtype=float32)

The function form ``minimum(inputs, **kwargs)`` builds the layer and calls it on ``inputs``.
"""

from __future__ import annotations

from kviz import ops
from kviz.layers.merge.base_merge import _Merge


class Minimum(_Merge):
    """The elementwise minimum of a list of inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.minimum(output, x)
        return output


def minimum(inputs, **kwargs):
    """Functional interface to the ``Minimum`` layer: ``Minimum(**kwargs)(inputs)``."""
    return Minimum(**kwargs)(inputs)


__all__ = ["Minimum", "minimum"]
