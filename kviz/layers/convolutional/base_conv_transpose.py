"""``ConvTranspose``: transposed ("deconvolution") N-D convolution, the gradient of a
convolution with respect to its input; ``Conv1DTranspose/Conv2DTranspose/Conv3DTranspose``
specialise it.

Kernel ``(*kernel_size, filters, in_channels)`` (note: filters before input channels), bias
``(filters,)``. Each output length is Keras's ``deconv_output_length``: ``n * stride +
max(k - stride, 0)`` for ``'valid'``, ``n * stride`` for ``'same'``, or, with
``output_padding``, ``(n - 1) * stride + k - 2 * pad + output_padding``
(``output_padding < strides``).

>>> import numpy as np
>>> from kviz.layers import Conv2DTranspose
>>> layer = Conv2DTranspose(3, 3, strides=2, padding='same')
>>> layer(np.ones((1, 4, 4, 2), 'float32')).shape, tuple(layer.kernel.shape)
((1, 8, 8, 3), (3, 3, 3, 2))
"""

from __future__ import annotations

from kviz import ops
from kviz.layers.base import shape_of
from kviz.layers.convolutional.base_conv import Conv
from kviz.layers.input_spec import InputSpec
from kviz.ops.conv_utils import deconv_output_length, normalize_tuple

#: Keras 2 order of the arguments after ``kernel_size``.
ORDER = (
    "strides", "padding", "output_padding", "data_format", "dilation_rate", "activation",
    "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
    "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
)  # fmt: skip


class ConvTranspose(Conv):
    """Base transposed convolution over ``rank`` spatial axes."""

    #: Whether get_config writes ``dilation_rate`` (tf.keras's Conv3DTranspose does not).
    _config_dilation = True

    def __init__(self, rank, filters, kernel_size, output_padding=None, **kwargs):
        groups = kwargs.pop("groups", 1)
        if groups not in (None, 1):
            raise ValueError(f"{type(self).__name__} does not support groups; received {groups}")
        super().__init__(rank, filters, kernel_size, **kwargs)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = normalize_tuple(
                output_padding, rank, "output_padding", allow_zero=True
            )
            for s, o in zip(self.strides, self.output_padding, strict=True):
                if o >= s:
                    raise ValueError(
                        "Strides must be greater than output padding. Received strides="
                        f"{self.strides}, output_padding={self.output_padding}."
                    )

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self._output_spatial(input_shape)
        self.kernel = self.add_weight(
            "kernel",
            self.kernel_size + (self.filters, channels),
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

    def _output_spatial(self, input_shape):
        opad = self.output_padding or (None,) * self.rank
        out = tuple(
            deconv_output_length(n, k, self.padding, o, s, d)
            for n, k, o, s, d in zip(
                self._spatial(input_shape),
                self.kernel_size,
                opad,
                self.strides,
                self.dilation_rate,
                strict=True,
            )
        )
        if any(o is not None and o < 1 for o in out):
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': the output would have a zero or "
                f"negative size {out} for input shape {tuple(input_shape)}, kernel_size "
                f"{self.kernel_size}, strides {self.strides}, padding={self.padding!r}"
            )
        return out

    def call(self, inputs):
        self._output_spatial(shape_of(inputs))
        out = ops.conv_transpose(
            inputs,
            self.kernel,
            None,
            self.strides,
            self.padding,
            self.data_format,
            self.dilation_rate,
            self.output_padding,
            bias=self.bias,
        )
        return self._activate(out)

    def get_config(self):
        cfg = super().get_config()
        cfg["output_padding"] = self.output_padding
        if not self._config_dilation:
            cfg.pop("dilation_rate")
        return cfg
