"""``SimpleRNNCell``: one step of a fully connected RNN, ``h' = activation(x W + h U + b)``.

>>> import numpy as np
>>> cell = SimpleRNNCell(3)
>>> out, states = cell(np.ones((2, 4), 'float32'), [np.zeros((2, 3), 'float32')])
>>> out.shape, len(states), [w.name for w in cell.weights]
((2, 3), 1, ['simple_rnn_cell/kernel:0', 'simple_rnn_cell/recurrent_kernel:0', 'simple_rnn_cell/bias:0'])
"""

from __future__ import annotations

from kviz import ops
from kviz.layers.recurrent.cell_base import BuiltinCell


class SimpleRNNCell(BuiltinCell):
    GATES = 1

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
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
        super().__init__(
            units,
            activation=activation,
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

    def call(self, inputs, states, training=None):
        nested = isinstance(states, (list, tuple))
        h_tm1 = states[0] if nested else states
        dp, rdp = self._step_masks(inputs, h_tm1, training)
        x = inputs if dp is None else ops.multiply(inputs, dp)
        h = ops.simple_rnn_step(ops.dense(x, self.kernel, self.bias), h_tm1,
                                self.recurrent_kernel, self.activation, rdp)  # fmt: skip
        return h, ([h] if nested else h)

    def _sequence_op(self, inputs, states, kwargs):
        return ops.simple_rnn(inputs, states[0], self.kernel, self.recurrent_kernel, self.bias,
                              **kwargs)  # fmt: skip


SimpleRNNCell._BUILTIN_CALL = SimpleRNNCell.call
