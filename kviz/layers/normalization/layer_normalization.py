"""``LayerNormalization``: normalize each sample over ``axis`` (the features by default).

>>> import numpy as np
>>> ln = LayerNormalization()
>>> y = ln(np.array([[1., 2., 3.]], 'float32'))
>>> bool(np.allclose(y.mean(), 0, atol=1e-6))
True
"""

from __future__ import annotations

from kviz import constraints, initializers, ops, regularizers
from kviz.layers.base import Layer


class LayerNormalization(Layer):
    def __init__(
        self,
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        axes = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        for a in axes:
            if not -ndim <= a < ndim:
                raise ValueError(
                    f"Invalid axis: {a} for LayerNormalization on an input of rank {ndim}"
                )
        resolved = [a % ndim for a in axes]
        if len(set(resolved)) != len(resolved):
            raise ValueError(f"Duplicate axis: {tuple(resolved)} in LayerNormalization")
        self._axes = tuple(sorted(resolved))
        # tf.keras stores the resolved axes in the order given, and its weights have the
        # sizes of those axes in that order (reshaped, not transposed, to broadcast)
        self.axis = resolved
        shape = tuple(input_shape[a] for a in resolved)
        self._param_shape = tuple(input_shape[i] if i in self._axes else 1 for i in range(ndim))
        self._param_shape = self._param_shape[1:] if ndim > 1 else self._param_shape
        self.gamma = (
            self.add_weight(
                "gamma",
                shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
            if self.scale
            else None
        )
        self.beta = (
            self.add_weight(
                "beta",
                shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
            if self.center
            else None
        )
        self.built = True

    def call(self, inputs):
        axes = self._axes
        mean = ops.mean(inputs, axis=axes, keepdims=True)
        centered = ops.subtract(inputs, mean)
        var = ops.mean(ops.square(centered), axis=axes, keepdims=True)
        out = ops.multiply(centered, ops.divide(1.0, ops.sqrt(ops.add(var, self.epsilon))))
        if self.gamma is not None:
            out = ops.multiply(out, ops.reshape(self.gamma, self._param_shape))
        if self.beta is not None:
            out = ops.add(out, ops.reshape(self.beta, self._param_shape))
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "axis": self.axis,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
            }
        )
        return config
