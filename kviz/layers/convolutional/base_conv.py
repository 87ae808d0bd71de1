"""``Conv``: the N-D convolution layer that ``Conv1D``, ``Conv2D`` and ``Conv3D`` specialise.

``activation(conv(inputs, kernel) + bias)`` with a kernel of shape
``(*kernel_size, in_channels // groups, filters)`` and a bias of shape ``(filters,)`` (Keras 2
layouts and ``get_config`` keys, as tf.keras 2.x). The bias is added inside the convolution
primitive (one pass fewer). See :mod:`kviz.ops.conv` for the kernels and
:mod:`kviz.layers.convolutional._keras1` for the Keras 1 arguments.

>>> import numpy as np
>>> from kviz.layers import Conv2D
>>> layer = Conv2D(4, 3, padding='same', strides=2)
>>> layer(np.ones((1, 7, 7, 2), 'float32')).shape
(1, 4, 4, 4)
>>> [tuple(w.shape) for w in layer.weights]
[(3, 3, 2, 4), (4,)]
"""

from __future__ import annotations

from kviz import activations, config, constraints, initializers, ops, regularizers
from kviz.layers.base import Layer, shape_of
from kviz.layers.input_spec import InputSpec
from kviz.ops.conv_utils import (
    check_output_size,
    conv_output_length,
    normalize_padding,
    normalize_tuple,
)


def positive_int(value, name, layer):
    try:
        ok = int(value) == value and int(value) > 0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            f"Invalid value for argument `{name}` of {layer}. Expected a strictly positive "
            f"value. Received {name}={value!r}."
        )
    return int(value)


class Conv(Layer):
    """Base N-D convolution (``rank`` spatial axes); use Conv1D/Conv2D/Conv3D."""

    #: Padding modes the layer accepts.
    paddings = ("valid", "same")
    #: Whether ``filters`` is a required argument (not for depthwise convolutions).
    _needs_filters = True

    def __init__(
        self,
        rank,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        groups=1,
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
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        name = type(self).__name__
        self.rank = rank
        if filters is not None or self._needs_filters:
            if filters is None:
                raise TypeError(f"{name}() missing 1 required positional argument: 'filters'")
            filters = positive_int(filters, "filters", name)
        if kernel_size is None:
            raise TypeError(f"{name}() missing 1 required positional argument: 'kernel_size'")
        self.filters = filters
        self.groups = positive_int(groups or 1, "groups", name)
        if filters is not None and filters % self.groups:
            raise ValueError(
                f"The number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={self.groups}, filters={filters}."
            )
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        if str(padding).lower() == "causal" and "causal" not in self.paddings:
            raise ValueError(
                f"Causal padding is only supported for `Conv1D` and `SeparableConv1D`; "
                f"received padding='causal' for {name}."
            )
        self.padding = normalize_padding(padding, self.paddings)
        self.data_format = config.normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}"
            )
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    # ------------------------------------------------------------------------- helpers
    @property
    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def _input_channels(self, input_shape):
        input_shape = tuple(input_shape)
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError(
                "The channel dimension of the inputs should be defined. The input_shape "
                f"received is {input_shape}, where axis {self._channel_axis} (0-based) is the "
                "channel dimension, which found to be `None`."
            )
        return int(channels)

    def _spatial(self, input_shape):
        input_shape = tuple(input_shape)
        if self.data_format == "channels_first":
            return input_shape[2:]
        return input_shape[1:-1]

    def _output_spatial(self, input_shape):
        spatial = self._spatial(input_shape)
        out = tuple(
            conv_output_length(n, k, self.padding, s, d)
            for n, k, s, d in zip(
                spatial, self.kernel_size, self.strides, self.dilation_rate, strict=True
            )
        )
        check_output_size(
            out, spatial, self.kernel_size, self.strides, self.padding, self.dilation_rate,
            f"{type(self).__name__} layer '{self.name}' (input shape {tuple(input_shape)})",
        )  # fmt: skip
        return out

    def _shape(self, input_shape, spatial, channels):
        batch = tuple(input_shape)[0]
        if self.data_format == "channels_first":
            return (batch, channels) + tuple(spatial)
        return (batch,) + tuple(spatial) + (channels,)

    def _activate(self, out):
        if self.activation is not activations.linear:
            out = self.activation(out)
        return out

    # ------------------------------------------------------------------- build and call
    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of groups. "
                f"Received groups={self.groups}, but the input has {channels} channels (full "
                f"input shape is {tuple(input_shape)})."
            )
        self._output_spatial(input_shape)  # fails early on a too small input
        self.kernel = self.add_weight(
            "kernel",
            self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
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
        self._output_spatial(shape_of(inputs))  # the layer's own message on a too small input
        out = ops.conv(
            inputs,
            self.kernel,
            self.strides,
            self.padding,
            self.data_format,
            self.dilation_rate,
            self.groups,
            bias=self.bias,
            activation="relu" if self.activation is activations.relu else None,
        )
        if self.activation is activations.relu:  # fused into the primitive
            return out
        return self._activate(out)

    def compute_output_shape(self, input_shape):
        return self._shape(input_shape, self._output_spatial(input_shape), self.filters)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "groups": self.groups,
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
        return cfg
