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


def cell_properties(cls, names):
    """Read-only properties ``layer.units``... for the cell's settings (tf.keras has them).

    Properties, not ``__getattr__``: a ``__getattr__`` would replace the AttributeError of
    another property (``layer.output`` with several inbound nodes) by a generic one.
    """
    for name in names:
        if name not in cls.__dict__:
            setattr(cls, name, property(lambda self, n=name: getattr(self.cell, n)))


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

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cell_properties(cls, cls.CELL_ARGS)

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
