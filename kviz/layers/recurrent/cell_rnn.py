"""What ``SimpleRNN``, ``LSTM`` and ``GRU`` share: an :class:`~kviz.layers.RNN` over its own
built-in cell, built from the layer's Keras-2 arguments (Keras 1 names converted, with Keras
2.2's warning), with the cell's settings readable on the layer (``layer.units``...) and a flat
tf.keras-style configuration (the RNN's keys plus the cell's, no ``cell`` entry)."""

from __future__ import annotations

from kviz import regularizers
from kviz.layers.input_spec import InputSpec
from kviz.layers.recurrent._utils import convert_legacy_rnn_kwargs
from kviz.layers.recurrent.base_rnn import RNN

_RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "time_major")
_LAYER_ONLY = {"activity_regularizer"}


class CellRNN(RNN):
    """Base of the three layers. Subclasses set ``CELL`` (the cell class), ``CELL_NAME`` and
    ``CELL_ARGS`` (the cell's constructor arguments, in order)."""

    CELL = None
    CELL_NAME = None
    CELL_ARGS = ()

    def _init_from_args(self, args: dict, kwargs: dict):
        kwargs = convert_legacy_rnn_kwargs(type(self).__name__, kwargs)
        for key in list(kwargs):
            if key in args or key in _RNN_ARGS:
                args[key] = kwargs.pop(key)
        if args.get("units") is None:
            raise TypeError(
                f"{type(self).__name__}.__init__() missing 1 required positional argument: 'units'"
            )
        cell_kwargs = {k: args[k] for k in self.CELL_ARGS if k in args}
        cell = self.CELL(
            name=self.CELL_NAME,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            **cell_kwargs,
        )
        rnn_kwargs = {k: args.get(k, False) for k in _RNN_ARGS}
        super().__init__(cell, activity_regularizer=args.get("activity_regularizer"),
                         **rnn_kwargs, **kwargs)  # fmt: skip
        self.input_spec = InputSpec(ndim=3)

    # the cell's settings, readable on the layer (as tf.keras's properties)
    def __getattr__(self, name):
        if name in type(self).CELL_ARGS and name not in ("dropout", "recurrent_dropout"):
            cell = self.__dict__.get("cell")
            if cell is not None:
                return getattr(cell, name)
        if name in ("dropout", "recurrent_dropout") and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

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
        config = dict(config)
        if config.get("implementation") == 0:
            config["implementation"] = 1
        return cls(**config)
