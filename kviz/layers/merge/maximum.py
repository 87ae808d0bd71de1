"""``Maximum``: the elementwise maximum of a list of inputs.

>>> import numpy as np
>>> Maximum()([np.array([[1., 5.]], 'float32'), np.array([[3., 2.]], 'float32')])
array([[3., 5.]], dtype=float32)

The function form ``maximum(inputs, **kwargs)`` builds the layer and calls it on ``inputs``.
"""

from __future__ import annotations

from kviz import ops
from kviz.layers.merge.base_merge import _Merge


class Maximum(_Merge):
    """The elementwise maximum of a list of inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.maximum(output, x)
        return output


def maximum(inputs, **kwargs):
    """Functional interface to the ``Maximum`` layer: ``Maximum(**kwargs)(inputs)``."""
    return Maximum(**kwargs)(inputs)


__all__ = ["Maximum", "maximum"]
