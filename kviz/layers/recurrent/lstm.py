"""``LSTM``: long short-term memory (Hochreiter & Schmidhuber, 1997), gate order i, f, c, o.

Keras-2 arguments and defaults (tf.keras 2): ``LSTM(units, activation='tanh',
recurrent_activation='sigmoid', use_bias=True, kernel_initializer='glorot_uniform',
recurrent_initializer='orthogonal', bias_initializer='zeros', unit_forget_bias=True,
*_regularizer, *_constraint, dropout=0., recurrent_dropout=0., return_sequences=False,
return_state=False, go_backwards=False, stateful=False, unroll=False)``; ``implementation``
is accepted and stored (kviz always runs the fused kernel). **Keras 2.2 differs**: its
``recurrent_activation`` default was ``'hard_sigmoid'`` -- pass it to reproduce Keras 2.2
numbers (also fused). Keras 1 names (``output_dim``, ``init``, ``inner_init``,
``inner_activation``, ``W/U/b_regularizer``, ``dropout_W``, ``dropout_U``, ``consume_less``,
``forget_bias_init='one'``) are converted with a warning.

Weights: ``lstm/lstm_cell/kernel:0`` (features, 4 units), ``recurrent_kernel:0`` (units,
4 units), ``bias:0`` (4 units,). With the default activations (and ``hard_sigmoid``, ``relu``,
``linear``) the layer runs one fused sequence op (input projection of all steps in one GEMM,
per step the recurrent GEMM and a Numba gate kernel); any other activation runs the same maths
step by step with ordinary ops. See :class:`~kviz.layers.RNN` for masks, states and
``stateful``.

>>> import numpy as np
>>> layer = LSTM(8)
>>> layer(np.ones((2, 5, 3), 'float32')).shape, layer.count_params()
((2, 8), 384)
>>> [w.name for w in layer.weights]
['lstm/lstm_cell/kernel:0', 'lstm/lstm_cell/recurrent_kernel:0', 'lstm/lstm_cell/bias:0']
"""

from __future__ import annotations

from kviz.layers.recurrent.cell_rnn import CellRNN
from kviz.layers.recurrent.lstm_cell import LSTMCell

_ARGS = (
    "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
    "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
    "bias_constraint", "dropout", "recurrent_dropout", "implementation",
)  # fmt: skip


class LSTM(CellRNN):
    CELL = LSTMCell
    CELL_NAME = "lstm_cell"
    CELL_ARGS = _ARGS

    def __init__(
        self,
        units=None,
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
        time_major=False,
        unroll=False,
        implementation=2,
        **kwargs,
    ):
        args = dict(locals())
        for key in ("self", "kwargs", "__class__"):
            args.pop(key, None)
        self._init_from_args(args, kwargs)
