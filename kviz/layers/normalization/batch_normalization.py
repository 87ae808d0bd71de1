"""``BatchNormalization``: normalize with batch statistics in training, moving ones at inference.

Training: ``y = gamma * (x - mean_batch) / sqrt(var_batch + epsilon) + beta`` and the moving
statistics follow ``moving = moving * momentum + batch * (1 - momentum)``. Inference (predict,
evaluate, and any layer with ``trainable=False``, as tf.keras 2) uses the moving statistics.

The moving variance is updated with the biased batch variance, except for 4D/5D inputs
normalized over their channel axis, where tf.keras's fused kernel uses the unbiased one
(``var * n / (n - 1)``); kviz matches both.

>>> import numpy as np
>>> bn = BatchNormalization()
>>> x = np.random.rand(8, 3).astype('float32')
>>> y = bn(x, training=True)
>>> bool(np.allclose(y.mean(axis=0), 0, atol=1e-5))
True
>>> [w.name for w in bn.weights]
['batch_normalization/gamma:0', 'batch_normalization/beta:0', 'batch_normalization/moving_mean:0', 'batch_normalization/moving_variance:0']
"""

from __future__ import annotations

import numpy as np

from kviz import constraints, initializers, ops, regularizers
from kviz.autodiff.tensor import Tensor
from kviz.layers.base import Layer
from kviz.layers.input_spec import InputSpec
from kviz.layers.legacy import convert_legacy_kwargs

_IGNORED = (
    "renorm",
    "renorm_clipping",
    "renorm_momentum",
    "fused",
    "virtual_batch_size",
    "adjustment",
    "synchronized",
)


class BatchNormalization(Layer):
    def __init__(
        self,
        axis=-1,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        kwargs = convert_legacy_kwargs(
            "BatchNormalization",
            kwargs,
            {"beta_init": "beta_initializer", "gamma_init": "gamma_initializer"},
        )
        mode = kwargs.pop("mode", 0)
        if mode != 0:
            raise ValueError(
                f"BatchNormalization(mode={mode}) was removed in Keras 2: only feature-wise "
                "normalization (mode=0) exists. Remove the `mode` argument."
            )
        beta_initializer = kwargs.pop("beta_initializer", beta_initializer)
        gamma_initializer = kwargs.pop("gamma_initializer", gamma_initializer)
        for name in _IGNORED:
            value = kwargs.pop(name, None)
            if name in ("renorm", "virtual_batch_size", "adjustment", "synchronized") and value:
                raise ValueError(f"BatchNormalization({name}=...) is not supported by kviz")
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def _axes(self, ndim):
        axis = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        out = []
        for a in axis:
            if not -ndim <= a < ndim:
                raise ValueError(
                    f"Invalid axis: {a} for BatchNormalization on an input of rank {ndim}"
                )
            out.append(a % ndim)
        if len(set(out)) != len(out):
            raise ValueError(
                f"Duplicate axis: {tuple(out)} in BatchNormalization(axis={self.axis})"
            )
        return out  # in the order given, as tf.keras keeps them

    def build(self, input_shape):
        ndim = len(input_shape)
        axes = self._axes(ndim)
        for a in axes:
            if input_shape[a] is None:
                raise ValueError(
                    f"Axis {a} of input tensor should have a defined dimension but the layer "
                    f"received an input with shape {tuple(input_shape)}."
                )
        self._norm_axes = axes
        self.axis = list(axes)  # tf.keras stores the resolved axes after build
        # weights: (channels,) for one axis; for several, tf.keras's full-rank shape with 1 on
        # the other axes (batch included), e.g. axis=[1, 3] on (N, H, W, C): (1, H, 1, C)
        shape = (input_shape[axes[0]],)
        if len(axes) > 1:
            shape = tuple(input_shape[i] if i in axes else 1 for i in range(ndim))
        self._stat_shape = tuple(input_shape[a] for a in sorted(axes))  # ops.moments' shape
        self.input_spec = InputSpec(ndim=ndim, axes={a: input_shape[a] for a in axes})
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
        self.moving_mean = self.add_weight(
            "moving_mean", shape, initializer=self.moving_mean_initializer, trainable=False
        )
        self.moving_variance = self.add_weight(
            "moving_variance",
            shape,
            initializer=self.moving_variance_initializer,
            trainable=False,
        )
        self._fused_like = ndim in (4, 5) and len(axes) == 1 and axes[0] in (1, ndim - 1)
        self.built = True

    def _reduction_axes(self, ndim):
        return tuple(i for i in range(ndim) if i not in self._norm_axes)

    def _param(self, weight, fill, dtype):
        if weight is None:
            return np.full(self._stat_shape, fill, dtype=dtype)
        if tuple(weight.shape) != self._stat_shape:  # several axes: full-rank weights
            return ops.reshape(weight, self._stat_shape)
        return weight

    def call(self, inputs, training=None):
        x = inputs.data if isinstance(inputs, Tensor) else np.asarray(inputs)
        ndim = x.ndim
        reduce_axes = self._reduction_axes(ndim)
        gamma = self._param(self.gamma, 1.0, x.dtype)
        beta = self._param(self.beta, 0.0, x.dtype)
        if training and self.trainable:
            mean, var = ops.moments(x, reduce_axes)
            out = ops.batch_norm(inputs, gamma, beta, mean, var, reduce_axes, self.epsilon)
            n = x.size // max(mean.size, 1)
            moving_var_update = var * (n / max(n - 1, 1)) if self._fused_like else var
            m = self.momentum
            wshape = self.moving_mean.shape
            self.moving_mean.assign(self.moving_mean.data * m + mean.reshape(wshape) * (1.0 - m))
            self.moving_variance.assign(
                self.moving_variance.data * m + moving_var_update.reshape(wshape) * (1.0 - m)
            )
            return out
        shape = tuple(1 if i in reduce_axes else d for i, d in enumerate(x.shape))
        inv = ops.divide(
            ops.reshape(gamma, shape),
            np.sqrt(self.moving_variance.data + x.dtype.type(self.epsilon)).reshape(shape),
        )
        centered = ops.subtract(inputs, self.moving_mean.data.reshape(shape))
        return ops.add(ops.multiply(centered, inv), ops.reshape(beta, shape))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "axis": self.axis,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(
                    self.moving_variance_initializer
                ),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
            }
        )
        return config
