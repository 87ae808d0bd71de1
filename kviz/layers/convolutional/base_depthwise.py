"""``DepthwiseConv``: one filter bank per input channel (``DepthwiseConv1D/2D`` specialise it).

Each input channel ``c`` is convolved with its own ``depth_multiplier`` kernels
``depthwise_kernel[..., c, :]``; output channel ``c * depth_multiplier + m`` holds
channel ``c`` with kernel ``m``. Weights: ``depthwise_kernel`` of shape
``(*kernel_size, in_channels, depth_multiplier)`` and ``bias`` ``(in_channels *
depth_multiplier,)``. ``get_config`` has tf.keras's keys (``groups`` is always 1 there, kept
for compatibility).

>>> import numpy as np
>>> from kviz.layers import DepthwiseConv2D
>>> layer = DepthwiseConv2D(3, depth_multiplier=2)
>>> layer(np.ones((1, 5, 5, 3), 'float32')).shape, tuple(layer.depthwise_kernel.shape)
((1, 3, 3, 6), (3, 3, 3, 2))
"""

from __future__ import annotations

from kviz import constraints, initializers, ops, regularizers
from kviz.layers.base import shape_of
from kviz.layers.convolutional.base_conv import Conv, positive_int
from kviz.layers.input_spec import InputSpec


class DepthwiseConv(Conv):
    """Base depthwise convolution over ``rank`` spatial axes."""

    _needs_filters = False

    def __init__(
        self,
        rank,
        kernel_size=None,
        strides=1,
        padding="valid",
        depth_multiplier=1,
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        kwargs.pop("groups", None)  # written by tf.keras's get_config, always 1
        super().__init__(
            rank,
            None,
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
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

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
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                "bias",
                (channels * self.depth_multiplier,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})
        self.built = True

    def call(self, inputs):
        self._output_spatial(shape_of(inputs))
        out = ops.depthwise_conv(
            inputs,
            self.depthwise_kernel,
            self.strides,
            self.padding,
            self.data_format,
            self.dilation_rate,
            bias=self.bias,
        )
        return self._activate(out)

    def compute_output_shape(self, input_shape):
        channels = tuple(input_shape)[self._channel_axis]
        out_channels = None if channels is None else channels * self.depth_multiplier
        return self._shape(input_shape, self._output_spatial(input_shape), out_channels)

    def get_config(self):
        cfg = super().get_config()
        for key in ("filters", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            cfg.pop(key)
        cfg.update(
            {
                "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            }
        )
        return cfg


__all__ = ["DepthwiseConv"]
