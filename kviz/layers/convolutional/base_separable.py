"""``SeparableConv``: a depthwise convolution followed by a pointwise (1x1) one.

Weights, in this order: ``depthwise_kernel`` ``(*kernel_size, in_channels,
depth_multiplier)``, ``pointwise_kernel`` ``(*ones, in_channels * depth_multiplier,
filters)`` and ``bias`` ``(filters,)``. Strides, padding and dilation apply to the depthwise
step. ``get_config`` has tf.keras's keys, including the unused ``kernel_*`` ones of its base
class. Keras 1's ``SeparableConvolution2D(nb_filter, nb_row, nb_col, init=...)`` is accepted
(``init`` sets both kernel initializers).

>>> import numpy as np
>>> from kviz.layers import SeparableConv2D
>>> layer = SeparableConv2D(4, 3, depth_multiplier=2)
>>> layer(np.ones((1, 5, 5, 3), 'float32')).shape
(1, 3, 3, 4)
>>> [tuple(w.shape) for w in layer.weights]
[(3, 3, 3, 2), (1, 1, 6, 4), (4,)]
"""

from __future__ import annotations

from kviz import constraints, initializers, ops, regularizers
from kviz.layers.base import shape_of
from kviz.layers.convolutional._keras1 import conv_args
from kviz.layers.convolutional.base_conv import Conv, positive_int
from kviz.layers.input_spec import InputSpec
from kviz.layers.legacy import convert_legacy_kwargs

#: Keras 2 order of the arguments after ``kernel_size``.
ORDER = (
    "strides", "padding", "data_format", "dilation_rate", "depth_multiplier", "activation",
    "use_bias", "depthwise_initializer", "pointwise_initializer", "bias_initializer",
    "depthwise_regularizer", "pointwise_regularizer", "bias_regularizer",
    "activity_regularizer", "depthwise_constraint", "pointwise_constraint", "bias_constraint",
)  # fmt: skip


def separable_args(name, rank, filters, kernel_size, args, kwargs):
    """Keras 1 conversions of the separable layers (``init`` feeds both initializers)."""
    if "init" in kwargs:
        kwargs = convert_legacy_kwargs(name, kwargs, {"init": "depthwise_initializer"})
        kwargs["pointwise_initializer"] = kwargs["depthwise_initializer"]
    return conv_args(name, rank, filters, kernel_size, args, kwargs, ORDER)


class SeparableConv(Conv):
    """Base separable convolution over ``rank`` spatial axes."""

    def __init__(
        self,
        rank,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        depth_multiplier=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        groups = kwargs.pop("groups", 1)
        if groups not in (None, 1):
            raise ValueError(f"{type(self).__name__} does not support groups; received {groups}")
        super().__init__(
            rank,
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            bias_initializer=bias_initializer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            bias_constraint=bias_constraint,
            **kwargs,
        )
        self.depth_multiplier = positive_int(
            depth_multiplier, "depth_multiplier", type(self).__name__
        )
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self._output_spatial(input_shape)
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel",
            self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel",
            (1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                "bias",
                (self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})
        self.built = True

    def call(self, inputs):
        self._output_spatial(shape_of(inputs))
        out = ops.separable_conv(
            inputs,
            self.depthwise_kernel,
            self.pointwise_kernel,
            self.strides,
            self.padding,
            self.data_format,
            self.dilation_rate,
            bias=self.bias,
        )
        return self._activate(out)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(
            {
                "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
                "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
                "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            }
        )
        return cfg
