"""``LSTMCell``: one LSTM step, gates in Keras's order i, f, c, o.

``c' = f * c + i * activation(x W_c + h U_c + b_c)``, ``h' = o * activation(c')`` with
``i, f, o = recurrent_activation(x W + h U + b)``. ``unit_forget_bias=True`` (the default)
initialises the forget-gate bias to 1. Defaults follow tf.keras 2
(``recurrent_activation='sigmoid'``); Keras 2.2 used ``'hard_sigmoid'``: pass it explicitly
to reproduce Keras 2.2 models. ``implementation`` (1 or 2) is accepted and stored only.

>>> import numpy as np
>>> cell = LSTMCell(2)
>>> out, (h, c) = cell(np.ones((1, 3), 'float32'), [np.zeros((1, 2), 'float32')] * 2)
>>> out.shape, cell.bias.numpy().tolist()   # forget-gate bias starts at 1
((1, 2), [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0])
"""

from __future__ import annotations

import numpy as np

from kviz import ops
from kviz.layers.recurrent.cell_base import BuiltinCell


class LSTMCell(BuiltinCell):
    GATES = 4
    _HAS_RECURRENT_ACTIVATION = True

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
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
        implementation=2,
        **kwargs,
    ):
        super().__init__(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            **kwargs,
        )
        self.unit_forget_bias = bool(unit_forget_bias)
        # tf.keras: recurrent dropout runs the per-gate (implementation=1) layout, and the
        # config says so
        if implementation == 0 or (self.recurrent_dropout != 0 and implementation != 1):
            implementation = 1
        self.implementation = implementation

    @property
    def state_size(self):
        return [self.units, self.units]

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, units = self.bias_initializer, self.units

        def init(shape, dtype=None):
            return np.concatenate(
                [
                    np.asarray(base((units,), dtype=dtype)),
                    np.ones(units, dtype=dtype),
                    np.asarray(base((2 * units,), dtype=dtype)),
                ]
            )

        return init

    def call(self, inputs, states, training=None):
        h_tm1, c_tm1 = states[0], states[1]
        dp, rdp = self._step_masks(inputs, h_tm1, training)
        x = inputs if dp is None else ops.multiply(inputs, dp)
        h, c = ops.lstm_step(ops.dense(x, self.kernel, self.bias), h_tm1, c_tm1,
                             self.recurrent_kernel, self.activation, self.recurrent_activation,
                             rdp)  # fmt: skip
        return h, [h, c]

    def _sequence_op(self, inputs, states, kwargs):
        return ops.lstm(inputs, states[0], states[1], self.kernel, self.recurrent_kernel,
                        self.bias, **kwargs)  # fmt: skip

    def get_config(self):
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        config["implementation"] = self.implementation
        return config


LSTMCell._BUILTIN_CALL = LSTMCell.call
