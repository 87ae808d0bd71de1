"""Shared implementation of ``SpatialDropout1D/2D/3D``."""

from __future__ import annotations

from kviz import config
from kviz.layers.base import shape_of
from kviz.layers.core.dropout import Dropout
from kviz.layers.input_spec import InputSpec
from kviz.layers.legacy import convert_legacy_kwargs

_DIM = {
    "data_format": lambda v: {"tf": "channels_last", "th": "channels_first", "default": None}.get(
        v, v
    )
}


class SpatialDropout(Dropout):
    """Dropout of whole feature maps: one keep/drop draw per (sample, channel)."""

    rank = 1

    def __init__(self, rate=None, data_format=None, **kwargs):
        name = type(self).__name__
        kwargs = convert_legacy_kwargs(name, kwargs, {"p": "rate"})
        rate = kwargs.pop("rate", rate)
        if self.rank > 1:
            kwargs = convert_legacy_kwargs(name, kwargs, {"dim_ordering": "data_format"}, _DIM)
            data_format = kwargs.pop("data_format", data_format)
        kwargs.pop("noise_shape", None)  # written by tf.keras's get_config; always derived
        super().__init__(rate, **kwargs)
        self.data_format = (
            config.normalize_data_format(data_format) if self.rank > 1 else "channels_last"
        )
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs, training=None):
        shape = shape_of(inputs)
        if self.data_format == "channels_first":
            self.noise_shape = (shape[0], shape[1]) + (1,) * self.rank
        else:
            self.noise_shape = (shape[0],) + (1,) * self.rank + (shape[-1],)
        try:
            return super().call(inputs, training=training)
        finally:
            self.noise_shape = None

    def get_config(self):
        cfg = super().get_config()
        if self.rank > 1:
            cfg["data_format"] = self.data_format
        return cfg
