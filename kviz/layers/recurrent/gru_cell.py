"""``GRUCell``: one GRU step, gates in Keras's order z, r, h; ``h' = z * h + (1 - z) * hh``.

``reset_after=True`` (tf.keras 2's default, cuDNN compatible): ``hh = act(x W_h + b_h +
r * (h U_h + b'_h))`` with a bias of shape ``(2, 3 * units)`` (input and recurrent biases).
``reset_after=False`` (Keras 2.2's only form): ``hh = act(x W_h + (r * h) U_h + b_h)`` with a
bias of shape ``(3 * units,)``. The two have incompatible weights. Keras 2.2 also used
``recurrent_activation='hard_sigmoid'``; kviz defaults to tf.keras's ``'sigmoid'``.

>>> import numpy as np
>>> cell = GRUCell(2)
>>> out, (h,) = cell(np.ones((1, 3), 'float32'), [np.zeros((1, 2), 'float32')])
>>> out.shape, cell.bias.shape, GRUCell(2, reset_after=False).state_size
((1, 2), (2, 6), 2)
"""

from __future__ import annotations

from kviz import ops
from kviz.layers.recurrent.cell_base import BuiltinCell


class GRUCell(BuiltinCell):
    GATES = 3
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
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        implementation=2,
        reset_after=True,
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
        # tf.keras: recurrent dropout runs the per-gate (implementation=1) layout, and the
        # config says so
        if implementation == 0 or (self.recurrent_dropout != 0 and implementation != 1):
            implementation = 1
        self.implementation = implementation
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs, states, training=None):
        nested = isinstance(states, (list, tuple))
        h_tm1 = states[0] if nested else states
        dp, rdp = self._step_masks(inputs, h_tm1, training)
        x = inputs if dp is None else ops.multiply(inputs, dp)
        in_bias = rec_bias = self.bias
        if self.bias is not None and self.reset_after:
            in_bias, rec_bias = ops.getitem(self.bias, 0), ops.getitem(self.bias, 1)
        elif not self.reset_after:
            rec_bias = None
        h = ops.gru_step(ops.dense(x, self.kernel, in_bias), h_tm1, self.recurrent_kernel,
                         rec_bias, self.activation, self.recurrent_activation, self.reset_after,
                         rdp)  # fmt: skip
        return h, ([h] if nested else h)

    def _sequence_op(self, inputs, states, kwargs):
        return ops.gru(inputs, states[0], self.kernel, self.recurrent_kernel, self.bias,
                       reset_after=self.reset_after, **kwargs)  # fmt: skip

    def get_config(self):
        config = super().get_config()
        config["implementation"] = self.implementation
        config["reset_after"] = self.reset_after
        return config


GRUCell._BUILTIN_CALL = GRUCell.call
