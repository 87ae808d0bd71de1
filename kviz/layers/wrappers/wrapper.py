"""``Wrapper``: the base of layers that wrap another layer (``TimeDistributed``,
``Bidirectional``). Its configuration holds the wrapped layer's (``{'layer': {'class_name',
'config'}}``); ``from_config`` rebuilds it, models included."""

from __future__ import annotations

from kviz.layers.base import Layer
from kviz.layers.recurrent._utils import deserialize_layer, serialize_layer


class Wrapper(Layer):
    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Please initialize `{type(self).__name__}` layer with a "
                f"`kviz.layers.Layer` instance. Received: {layer}"
            )
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        self.built = True

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize_layer(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **config)
