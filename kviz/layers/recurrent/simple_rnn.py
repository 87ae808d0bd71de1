"""``SimpleRNN``: a fully connected RNN whose output is fed back, ``h' = act(x W + h U + b)``.

Keras-2 arguments and defaults (tf.keras 2): ``SimpleRNN(units, activation='tanh',
use_bias=True, kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal',
bias_initializer='zeros', *_regularizer, *_constraint, dropout=0., recurrent_dropout=0.,
return_sequences=False, return_state=False, go_backwards=False, stateful=False,
unroll=False)``; Keras 1 names (``output_dim``, ``init``, ``inner_init``, ``W_regularizer``,
``U_regularizer``, ``b_regularizer``, ``dropout_W``, ``dropout_U``, ``input_dim``,
``input_length``) are converted with a warning. Weights ``simple_rnn/simple_rnn_cell/kernel:0``
(features, units), ``recurrent_kernel:0`` (units, units), ``bias:0`` (units,). See
:class:`~kviz.layers.RNN` for masks, states and ``stateful``.

>>> import numpy as np
>>> layer = SimpleRNN(4, return_sequences=True)
>>> layer(np.ones((2, 5, 3), 'float32')).shape, layer.count_params()
((2, 5, 4), 32)
"""

from __future__ import annotations

from kviz.layers.recurrent.cell_rnn import CellRNN
from kviz.layers.recurrent.simple_rnn_cell import SimpleRNNCell

_ARGS = (
    "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
    "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
    "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout",
)  # fmt: skip


class SimpleRNN(CellRNN):
    CELL = SimpleRNNCell
    CELL_NAME = "simple_rnn_cell"
    CELL_ARGS = _ARGS

    def __init__(
        self,
        units=None,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        **kwargs,
    ):
        args = dict(locals())
        for key in ("self", "kwargs", "__class__"):
            args.pop(key, None)
        kwargs.pop("implementation", None)  # accepted (Keras 2.2 had it), not in the config
        self._init_from_args(args, kwargs)
