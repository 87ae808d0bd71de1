"""``Average``: the elementwise mean of a list of inputs.

>>> import numpy as np
>>> Average()([np.ones((1, 2), 'float32'), np.full((1, 2), 2, 'float32')])
array([[1.5, 1.5]], dtype=float32)

The function form ``average(inputs, **kwargs)`` builds the layer and calls it on ``inputs``.
"""

from __future__ import annotations

from kviz import ops
from kviz.layers.merge.base_merge import _Merge


class Average(_Merge):
    """The elementwise mean of a list of inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.add(output, x)
        return ops.divide(output, float(len(inputs)))


def average(inputs, **kwargs):
    """Functional interface to the ``Average`` layer: ``Average(**kwargs)(inputs)``."""
    return Average(**kwargs)(inputs)


__all__ = ["Average", "average"]
