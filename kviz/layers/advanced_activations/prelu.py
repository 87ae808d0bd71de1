"""``PReLU``: a leaky ReLU whose negative slope ``alpha`` is learned per input unit.

``f(x) = x`` for ``x >= 0`` and ``alpha * x`` otherwise. ``alpha`` has the shape of the input
without its batch axis; axes listed in ``shared_axes`` (1-based, as in Keras) share one slope,
e.g. ``shared_axes=[1, 2]`` gives one slope per channel of an image.

>>> import numpy as np
>>> layer = PReLU(shared_axes=[1, 2])
>>> layer(np.ones((2, 4, 4, 3), 'float32')).shape
(2, 4, 4, 3)
>>> layer.weights[0].shape
(1, 1, 3)
"""

from __future__ import annotations

from kviz import constraints, initializers, ops, regularizers
from kviz.layers.base import Layer
from kviz.layers.input_spec import InputSpec
from kviz.layers.legacy import convert_legacy_kwargs


class PReLU(Layer):
    """Parametric rectified linear unit."""

    def __init__(
        self,
        alpha_initializer="zeros",
        alpha_regularizer=None,
        alpha_constraint=None,
        shared_axes=None,
        **kwargs,
    ):
        kwargs = convert_legacy_kwargs("PReLU", kwargs, {"init": "alpha_initializer"})
        alpha_initializer = kwargs.pop("alpha_initializer", alpha_initializer)
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [int(shared_axes)]
        else:
            self.shared_axes = [int(a) for a in shared_axes]

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        param_shape = list(input_shape[1:])
        shared = []
        for axis in self.shared_axes or []:
            if not 1 <= axis < ndim:
                raise ValueError(
                    f"Invalid `shared_axes` for a PReLU layer: axis {axis} is not a non-batch "
                    f"axis (1 to {ndim - 1}) of inputs with shape {input_shape}. "
                    f"Received: shared_axes={self.shared_axes}"
                )
            param_shape[axis - 1] = 1
            shared.append(axis)
        for i, d in enumerate(param_shape, start=1):
            if d is None:
                raise ValueError(
                    f"PReLU needs every non-shared input axis to be defined; axis {i} of input "
                    f"shape {input_shape} is None. Share it with `shared_axes=[{i}]` or give "
                    "the input a fixed size."
                )
        self.alpha = self.add_weight(
            name="alpha",
            shape=param_shape,
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )
        axes = {i: input_shape[i] for i in range(1, ndim) if i not in shared}
        self.input_spec = InputSpec(ndim=ndim, axes=axes)
        self.built = True

    def call(self, inputs):
        pos = ops.relu(inputs)
        neg = ops.multiply(ops.negative(self.alpha), ops.relu(ops.negative(inputs)))
        return ops.add(pos, neg)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes,
            }
        )
        return config


__all__ = ["PReLU"]
