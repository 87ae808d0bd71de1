"""``Dot(axes, normalize=False)``: the per-sample dot product of two inputs.

``axes`` is an int (the same axis of both inputs) or a pair ``(axis_of_x, axis_of_y)``;
negative axes count from the end. The product follows ``K.batch_dot``: the output keeps the
remaining axes of ``x`` then of ``y`` (without its batch axis), and a rank-1 result becomes
``(batch, 1)``. With ``normalize=True`` both inputs are first L2-normalized along the
contracted axes, so the output is their cosine similarity.

>>> import numpy as np
>>> x = np.array([[1., 2.]], 'float32')
>>> Dot(axes=1)([x, x])
array([[5.]], dtype=float32)
>>> Dot(axes=1, normalize=True)([x, 2 * x]).round(6)
array([[1.]], dtype=float32)
>>> Dot(axes=(1, 2)).compute_output_shape([(None, 3, 4), (None, 5, 3)])
(None, 4, 5)

The function form ``dot(inputs, axes, normalize=False, **kwargs)`` builds the layer and calls it.
"""

from __future__ import annotations

from kviz import ops
from kviz.layers.merge.base_merge import NOT_A_LIST, _Merge, is_shape_list, ndim_of


class Dot(_Merge):
    """Dot product (or cosine similarity) of two inputs along ``axes``."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    "Invalid type for argument `axes`: it should be a list or an int. "
                    f"Received: axes={axes}"
                )
            if len(axes) != 2:
                raise ValueError(
                    "Invalid format for argument `axes`: it should contain two elements. "
                    f"Received: axes={axes}"
                )
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise ValueError(
                    "Invalid format for argument `axes`: list elements should be integers. "
                    f"Received: axes={axes}"
                )
            axes = list(axes)
        self.axes = axes
        self.normalize = bool(normalize)
        self.supports_masking = True
        self._reshape_required = False

    def _axes_for(self, ndim1, ndim2):
        if isinstance(self.axes, int):
            if self.axes < 0:
                return [self.axes % ndim1, self.axes % ndim2]
            return [self.axes, self.axes]
        return [a % n if a < 0 else a for a, n in zip(self.axes, (ndim1, ndim2), strict=True)]

    def _validate(self, input_shape):
        if not is_shape_list(input_shape):
            raise ValueError(NOT_A_LIST)
        if len(input_shape) != 2:
            raise ValueError(
                "A `Dot` layer should be called on a list of 2 inputs. "
                f"Received: input_shape={[None if s is None else tuple(s) for s in input_shape]}"
            )
        shape1, shape2 = input_shape
        if shape1 is None or shape2 is None:
            return None
        self._check_batch_sizes(input_shape)
        axes = self._axes_for(len(shape1), len(shape2))
        for a, shape in zip(axes, (shape1, shape2), strict=True):
            if not 0 <= a < len(shape):
                raise ValueError(
                    f"Invalid `axes` for a `Dot` layer: axis {a} is out of range for an input "
                    f"of shape {tuple(shape)}. Received: axes={self.axes}"
                )
        if 0 in axes:
            raise ValueError(
                "A `Dot` layer cannot take the dot product along the batch axis (0). "
                f"Received: axes={self.axes}"
            )
        d1, d2 = shape1[axes[0]], shape2[axes[1]]
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError(
                f"Incompatible input shapes: axis values {d1} (at axis {axes[0]}) != {d2} "
                f"(at axis {axes[1]}). Full input shapes: {tuple(shape1)}, {tuple(shape2)}"
            )
        return axes

    def build(self, input_shape):
        self._validate(input_shape)
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(NOT_A_LIST)
        return self._merge_function(list(inputs))

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError(
                f"A `Dot` layer should be called on exactly 2 inputs. Received: {len(inputs)} "
                "inputs"
            )
        x1, x2 = inputs
        axes = self._axes_for(ndim_of(x1), ndim_of(x2))
        if self.normalize:
            x1 = ops.l2_normalize(x1, axis=axes[0])
            x2 = ops.l2_normalize(x2, axis=axes[1])
        return ops.batch_dot(x1, x2, axes)

    def compute_output_shape(self, input_shape):
        axes = self._validate(input_shape)
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        shape1.pop(axes[0])
        shape2.pop(axes[1])
        shape2.pop(0)
        output_shape = shape1 + shape2
        if len(output_shape) == 1:
            output_shape += [1]
        return tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def dot(inputs, axes, normalize=False, **kwargs):
    """Functional interface to the ``Dot`` layer: ``Dot(axes, normalize)(inputs)``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)


__all__ = ["Dot", "dot"]
