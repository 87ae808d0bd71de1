"""Recurrent layers (Keras 2's ``keras.layers.recurrent``): one layer or cell per module.

``RNN`` (any cell), ``SimpleRNN``, ``GRU``, ``LSTM``, their cells ``SimpleRNNCell``,
``GRUCell``, ``LSTMCell``, ``StackedRNNCells``, and ``ConvLSTM2D``. Defaults follow tf.keras 2
(``recurrent_activation='sigmoid'``, GRU ``reset_after=True``); Keras 2.2's
(``'hard_sigmoid'``, ``reset_after=False``) are one argument away. See ``base_rnn`` for masks,
``initial_state``, ``return_state`` and ``stateful``.
"""

from kviz.layers.recurrent.base_rnn import RNN
from kviz.layers.recurrent.conv_lstm2d import ConvLSTM2D
from kviz.layers.recurrent.conv_lstm2d_cell import ConvLSTM2DCell
from kviz.layers.recurrent.gru import GRU
from kviz.layers.recurrent.gru_cell import GRUCell
from kviz.layers.recurrent.lstm import LSTM
from kviz.layers.recurrent.lstm_cell import LSTMCell
from kviz.layers.recurrent.simple_rnn import SimpleRNN
from kviz.layers.recurrent.simple_rnn_cell import SimpleRNNCell
from kviz.layers.recurrent.stacked_rnn_cells import StackedRNNCells

__all__ = [
    "RNN",
    "SimpleRNN",
    "GRU",
    "LSTM",
    "SimpleRNNCell",
    "GRUCell",
    "LSTMCell",
    "StackedRNNCells",
    "ConvLSTM2D",
    "ConvLSTM2DCell",
]
