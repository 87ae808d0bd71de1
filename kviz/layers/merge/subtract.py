"""``Subtract``: the difference ``inputs[0] - inputs[1]`` of exactly two inputs.

>>> import numpy as np
>>> Subtract()([np.full((1, 2), 5, 'float32'), np.ones((1, 2), 'float32')])
array([[4., 4.]], dtype=float32)

The function form ``subtract(inputs, **kwargs)`` builds the layer and calls it on ``inputs``.
"""

from __future__ import annotations

from kviz import ops
from kviz.layers.merge.base_merge import _Merge


class Subtract(_Merge):
    """The elementwise difference of two inputs (same shape, or broadcastable)."""

    def _validate(self, input_shape):
        output_shape = super()._validate(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                "A `Subtract` layer should be called on exactly 2 inputs. "
                f"Received: input_shape={list(input_shape)}"
            )
        return output_shape

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError(
                f"A `Subtract` layer should be called on exactly 2 inputs. Received: "
                f"{len(inputs)} inputs"
            )
        return ops.subtract(inputs[0], inputs[1])


def subtract(inputs, **kwargs):
    """Functional interface to the ``Subtract`` layer: ``Subtract(**kwargs)(inputs)``."""
    return Subtract(**kwargs)(inputs)


__all__ = ["Subtract", "subtract"]
