"""``ConvLSTM2DCell``: one LSTM step whose input and recurrent products are 2-D convolutions.

``z = conv(x, W, strides, padding, dilation) + b + conv(h, U, padding='same')`` then the LSTM
gates i, f, c, o on the channel axis (``kernel`` ``(kh, kw, channels, 4 filters)``,
``recurrent_kernel`` ``(kh, kw, filters, 4 filters)``, ``bias`` ``(4 filters,)``). The states
are feature maps ``(rows', cols', filters)`` (``channels_first``: ``(filters, rows', cols')``).
Defaults as tf.keras (``recurrent_activation='hard_sigmoid'``, ``unit_forget_bias=True``).

Run by :class:`~kviz.layers.ConvLSTM2D`, the input convolution of every time step is one
convolution over ``batch * time`` frames (``kviz.ops.conv2d``); the recurrence is a Python
loop of one ``same`` convolution plus the gate maths per step (ordinary ops, differentiated by
the tape). Dropout masks are drawn once per sequence and shared by the gates.

>>> import numpy as np
>>> cell = ConvLSTM2DCell(2, 3, padding='same')
>>> h0 = np.zeros((1, 4, 4, 2), 'float32')
>>> out, (h, c) = cell(np.ones((1, 4, 4, 1), 'float32'), [h0, h0])
>>> out.shape, cell.kernel.shape
((1, 4, 4, 2), (3, 3, 1, 8))
"""

from __future__ import annotations

import numpy as np

from kviz import activations, config, constraints, initializers, ops, regularizers
from kviz.autodiff.tensor import Tensor
from kviz.layers.base import Layer
from kviz.layers.recurrent.cell_base import DropoutRNNCellMixin, c_contiguous
from kviz.ops.conv_utils import conv_output_length, normalize_padding, normalize_tuple


def _shape(x):
    return np.shape(x.data if isinstance(x, Tensor) else x)


class ConvLSTM2DCell(DropoutRNNCellMixin, Layer):
    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1),
        activation="tanh",
        recurrent_activation="hard_sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias=True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size")
        self.strides = normalize_tuple(strides, 2, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = config.normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, 2, "dilation_rate")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self._state_shape = None

    # ----------------------------------------------------------------------------- shapes
    def output_spatial(self, rows, cols):
        return tuple(
            conv_output_length(n, k, self.padding, s, d)
            for n, k, s, d in zip((rows, cols), self.kernel_size, self.strides,
                                  self.dilation_rate, strict=True)
        )  # fmt: skip

    def state_shape_for(self, frame_shape):
        """The state shape (no batch axis) for input frames of ``frame_shape`` (no batch)."""
        if self.data_format == "channels_first":
            rows, cols = self.output_spatial(frame_shape[1], frame_shape[2])
            return (self.filters, rows, cols)
        rows, cols = self.output_spatial(frame_shape[0], frame_shape[1])
        return (rows, cols, self.filters)

    @property
    def state_size(self):
        if self._state_shape is None:
            return [self.filters, self.filters]
        return [self._state_shape, self._state_shape]

    @property
    def output_size(self):
        return self._state_shape if self._state_shape is not None else self.filters

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        if inputs is not None:
            shape = (_shape(inputs)[0],) + self.state_shape_for(_shape(inputs)[1:])
        else:
            shape = (int(batch_size),) + tuple(self._state_shape)
        dtype = dtype or self.dtype
        return [np.zeros(shape, dtype=dtype), np.zeros(shape, dtype=dtype)]

    def build(self, input_shape):
        axis = 1 if self.data_format == "channels_first" else -1
        channels = input_shape[axis]
        if channels is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found `None`.")
        self._state_shape = self.state_shape_for(tuple(input_shape)[1:])
        f = self.filters
        self.kernel = self.add_weight(
            "kernel", self.kernel_size + (channels, 4 * f), initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )  # fmt: skip
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", self.kernel_size + (f, 4 * f),
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )  # fmt: skip
        self.bias = None
        if self.use_bias:
            init = self.bias_initializer
            if self.unit_forget_bias:
                base = self.bias_initializer

                def init(shape, dtype=None):
                    return np.concatenate([np.asarray(base((f,), dtype=dtype)),
                                           np.ones(f, dtype=dtype),
                                           np.asarray(base((2 * f,), dtype=dtype))])  # fmt: skip

            self.bias = self.add_weight(
                "bias", (4 * f,), initializer=init, regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )  # fmt: skip
        c_contiguous(self.weights)
        self.built = True

    # ------------------------------------------------------------------------------ maths
    def _input_conv(self, x, data_format):
        z = ops.conv2d(x, self.kernel, self.strides, self.padding, data_format,
                       self.dilation_rate)  # fmt: skip
        if self.bias is not None:
            z = ops.bias_add(z, self.bias, data_format=data_format)
        return z

    def _gates(self, xz, h, c, rdp, data_format):
        hd = h if rdp is None else ops.multiply(h, rdp)
        z = ops.add(xz, ops.conv2d(hd, self.recurrent_kernel, (1, 1), "same", data_format))
        i, f, g, o = ops.split(z, 4, axis=1 if data_format == "channels_first" else -1)
        ract, act = self.recurrent_activation, self.activation
        c_new = ops.add(ops.multiply(ract(f), c), ops.multiply(ract(i), act(g)))
        return ops.multiply(ract(o), act(c_new)), c_new

    def call(self, inputs, states, training=None):
        h_tm1, c_tm1 = states[0], states[1]
        dp = self.get_dropout_mask_for_cell(inputs, training)
        rdp = self.get_recurrent_dropout_mask_for_cell(h_tm1, training)
        x = inputs if dp is None else ops.multiply(inputs, dp[0])
        xz = self._input_conv(x, self.data_format)
        h, c = self._gates(xz, h_tm1, c_tm1, None if rdp is None else rdp[0], self.data_format)
        return h, [h, c]

    def _uses_builtin_call(self):
        return type(self).call is ConvLSTM2DCell.call

    def fused_sequence(self, inputs, states, mask=None, go_backwards=False,
                       return_sequences=False, zero_output_for_mask=False, training=None):  # fmt: skip
        """The whole sequence: one convolution over every frame for the input part, then a
        loop of recurrent convolutions (channels-last inside)."""
        if not self._uses_builtin_call():
            return NotImplemented
        cf = self.data_format == "channels_first"
        x = ops.transpose(inputs, (0, 1, 3, 4, 2)) if cf else inputs
        states = [ops.transpose(s, (0, 2, 3, 1)) if cf else s for s in states]
        batch, steps = _shape(x)[:2]
        frame = _shape(x)[2:]
        dp = self._cached_mask("_dropout_mask_cache", self.dropout, (batch,) + frame, training)
        rdp = self._cached_mask(
            "_recurrent_dropout_mask_cache", self.recurrent_dropout, _shape(states[0]), training
        )
        if dp is not None:
            x = ops.multiply(x, dp[:, None])
        xz = self._input_conv(ops.reshape(x, (batch * steps,) + frame), "channels_last")
        xz = ops.reshape(xz, (batch, steps) + _shape(xz)[1:])

        def step(xz_t, st):
            h, c = self._gates(xz_t, st[0], st[1], rdp, "channels_last")
            return h, [h, c]

        last, outputs, new_states = ops.rnn(
            step, xz, states, go_backwards=go_backwards, mask=mask,
            zero_output_for_mask=zero_output_for_mask, return_all_outputs=return_sequences,
        )  # fmt: skip
        output = outputs if return_sequences else last
        if cf:
            output = ops.transpose(output, (0, 1, 4, 2, 3) if return_sequences else (0, 3, 1, 2))
            new_states = [ops.transpose(s, (0, 3, 1, 2)) for s in new_states]
        return output, list(new_states)

    # ----------------------------------------------------------------------------- config
    def get_config(self):
        config = super().get_config()
        config.pop("batch_input_shape", None)
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "unit_forget_bias": self.unit_forget_bias,
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "dropout": self.dropout,
                "recurrent_dropout": self.recurrent_dropout,
            }
        )
        return config
