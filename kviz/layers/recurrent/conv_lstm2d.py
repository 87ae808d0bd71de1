"""``ConvLSTM2D``: an LSTM over sequences of images, with convolutions instead of matrix
products (Shi et al., 2015).

``ConvLSTM2D(filters, kernel_size, strides=(1, 1), padding='valid', data_format=None,
dilation_rate=(1, 1), activation='tanh', recurrent_activation='hard_sigmoid', use_bias=True,
kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal',
bias_initializer='zeros', unit_forget_bias=True, *_regularizer, *_constraint,
return_sequences=False, return_state=False, go_backwards=False, stateful=False, dropout=0.,
recurrent_dropout=0.)``. Input ``(batch, time, rows, cols, channels)`` (``channels_first``:
``(batch, time, channels, rows, cols)``); output ``(batch, [time,] rows', cols', filters)``.
Weights ``conv_lstm2d/kernel:0``, ``recurrent_kernel:0``, ``bias:0`` (tf.keras's names). Masks,
states and ``stateful`` as for every :class:`~kviz.layers.RNN`. The convolutions are
``kviz.ops.conv2d``; see :class:`~kviz.layers.ConvLSTM2DCell` for how a sequence runs.

>>> import numpy as np
>>> layer = ConvLSTM2D(2, (3, 3), return_sequences=True)
>>> layer(np.ones((1, 4, 6, 5, 1), 'float32')).shape
(1, 4, 4, 3, 2)
"""

from __future__ import annotations

import numpy as np

from kviz import regularizers
from kviz.autodiff.tensor import Tensor
from kviz.graph.naming import unique_name
from kviz.layers.input_spec import InputSpec
from kviz.layers.recurrent.base_rnn import RNN
from kviz.layers.recurrent.cell_rnn import cell_properties
from kviz.layers.recurrent.conv_lstm2d_cell import ConvLSTM2DCell

_CELL_ARGS = (
    "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
    "activation", "recurrent_activation", "use_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
    "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
    "bias_constraint", "dropout", "recurrent_dropout",
)  # fmt: skip


class ConvLSTM2D(RNN):
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
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        dropout=0.0,
        recurrent_dropout=0.0,
        **kwargs,
    ):
        args = dict(locals())
        if kwargs.get("name") is None:
            kwargs["name"] = unique_name("conv_lstm2d")  # tf.keras's name (not conv_lst_m2d)
        cell = ConvLSTM2DCell(
            name="conv_lstm_cell",
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            **{k: args[k] for k in _CELL_ARGS},
        )
        super().__init__(
            cell, return_sequences=return_sequences, return_state=return_state,
            go_backwards=go_backwards, stateful=stateful,
            unroll=kwargs.pop("unroll", False), time_major=kwargs.pop("time_major", False),
            activity_regularizer=activity_regularizer, **kwargs,
        )  # fmt: skip
        self.input_spec = InputSpec(ndim=5)

    def build(self, input_shape):
        shape = self._main_shape(input_shape)
        if len(shape) != 5:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim=5, found ndim={len(shape)}. Full shape received: {shape}"
            )
        super().build(input_shape)
        # tf.keras names these weights after the layer only: conv_lstm2d/kernel:0
        for w in self.cell.weights:
            parts = w.name.split("/")
            if len(parts) == 3 and parts[1] == self.cell.name:
                w.name = f"{parts[0]}/{parts[2]}"

    def compute_output_shape(self, input_shape):
        shape = self._main_shape(input_shape)
        batch, steps = shape[0], shape[1]
        state = (batch,) + self.cell.state_shape_for(shape[2:])
        out = (batch, steps) + state[1:] if self.return_sequences else state
        if self.return_state:
            return [out, state, state]
        return out

    def get_initial_state(self, inputs):
        x = inputs.data if isinstance(inputs, Tensor) else inputs
        shape = np.shape(x)
        dtype = np.asarray(x).dtype
        state = (shape[0],) + self.cell.state_shape_for(shape[2:])
        return [np.zeros(state, dtype=dtype), np.zeros(state, dtype=dtype)]

    def get_config(self):
        config = self._rnn_config()
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        config.update(cell_config)
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


cell_properties(ConvLSTM2D, _CELL_ARGS)
