"""``GRU``: gated recurrent unit (Cho et al., 2014), gate order z, r, h.

Keras-2 arguments and defaults (tf.keras 2): ``GRU(units, activation='tanh',
recurrent_activation='sigmoid', use_bias=True, kernel_initializer='glorot_uniform',
recurrent_initializer='orthogonal', bias_initializer='zeros', *_regularizer, *_constraint,
dropout=0., recurrent_dropout=0., return_sequences=False, return_state=False,
go_backwards=False, stateful=False, unroll=False, reset_after=True)``. **Keras 2.2 differs**:
``recurrent_activation='hard_sigmoid'`` and ``reset_after=False`` (bias ``(3 units,)``, the
reset gate applied before the recurrent product; 3 units fewer parameters than tf.keras's
``reset_after=True`` with its ``(2, 3 units)`` bias). Both forms are fused. Keras 1 names are
converted with a warning, as for :class:`~kviz.layers.LSTM`.

>>> import numpy as np
>>> GRU(5)(np.ones((1, 2, 4), 'float32')).shape
(1, 5)
>>> layer = GRU(5, reset_after=False); _ = layer(np.ones((1, 2, 4), 'float32'))
>>> layer.count_params(), [tuple(w.shape) for w in layer.weights]
(150, [(4, 15), (5, 15), (15,)])
"""

from __future__ import annotations

from kviz.layers.recurrent.cell_rnn import CellRNN
from kviz.layers.recurrent.gru_cell import GRUCell

_ARGS = (
    "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
    "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
    "dropout", "recurrent_dropout", "implementation", "reset_after",
)  # fmt: skip


class GRU(CellRNN):
    CELL = GRUCell
    CELL_NAME = "gru_cell"
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
        time_major=False,
        reset_after=True,
        implementation=2,
        **kwargs,
    ):
        args = dict(locals())
        for key in ("self", "kwargs", "__class__"):
            args.pop(key, None)
        self._init_from_args(args, kwargs)
