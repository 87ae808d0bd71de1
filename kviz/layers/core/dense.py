"""``Dense``: ``activation(dot(input, kernel) + bias)`` over the last axis.

>>> import numpy as np
>>> layer = Dense(4, activation='relu', input_shape=(3,))
>>> layer(np.ones((2, 3), 'float32')).shape
(2, 4)
>>> [tuple(w.shape) for w in layer.weights]
[(3, 4), (4,)]
"""

from __future__ import annotations

from kviz import activations, constraints, initializers, ops, regularizers
from kviz.layers.base import Layer
from kviz.layers.input_spec import InputSpec
from kviz.layers.legacy import convert_legacy_kwargs


class Dense(Layer):
    def __init__(
        self,
        units=None,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        kwargs = convert_legacy_kwargs(
            "Dense",
            kwargs,
            {
                "output_dim": "units",
                "init": "kernel_initializer",
                "W_regularizer": "kernel_regularizer",
                "b_regularizer": "bias_regularizer",
                "W_constraint": "kernel_constraint",
                "b_constraint": "bias_constraint",
                "bias": "use_bias",
            },
        )
        units = kwargs.pop("units", units)
        kernel_initializer = kwargs.pop("kernel_initializer", kernel_initializer)
        kernel_regularizer = kwargs.pop("kernel_regularizer", kernel_regularizer)
        bias_regularizer = kwargs.pop("bias_regularizer", bias_regularizer)
        kernel_constraint = kwargs.pop("kernel_constraint", kernel_constraint)
        bias_constraint = kwargs.pop("bias_constraint", bias_constraint)
        use_bias = kwargs.pop("use_bias", use_bias)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if units is None:
            raise TypeError("Dense() missing 1 required positional argument: 'units'")
        try:
            units = int(units)
        except (TypeError, ValueError):
            raise TypeError(
                f"Dense `units` must be a positive integer; received {units!r}"
            ) from None
        if units <= 0:
            raise ValueError(
                f"Received an invalid value for `units`, expected a positive integer. "
                f"Received: units={units}"
            )
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        last = input_shape[-1]
        if last is None:
            raise ValueError(
                "The last dimension of the inputs to a Dense layer should be defined. "
                f"Found None. Full input shape received: {tuple(input_shape)}"
            )
        self.kernel = self.add_weight(
            "kernel",
            (last, self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                "bias",
                (self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last})
        self.built = True

    def call(self, inputs):
        if self.activation is activations.relu:  # fused into the primitive
            return ops.dense(inputs, self.kernel, self.bias, activation="relu")
        out = ops.dense(inputs, self.kernel, self.bias)
        if self.activation is not activations.linear:
            out = self.activation(out)
        return out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
            }
        )
        return config
