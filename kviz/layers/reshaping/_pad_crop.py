"""Shared implementation of ``ZeroPadding1D/2D/3D`` and ``Cropping1D/2D/3D``."""

from __future__ import annotations

from kviz import config, ops
from kviz.layers.base import Layer
from kviz.layers.input_spec import InputSpec
from kviz.layers.legacy import convert_legacy_kwargs
from kviz.layers.reshaping._utils import add, pairs, spatial_axes

_DIM = {
    "data_format": lambda v: {"tf": "channels_last", "th": "channels_first", "default": None}.get(
        v, v
    )
}
_PAD_KEYS = ("top_pad", "bottom_pad", "left_pad", "right_pad")


class _SpatialEdit(Layer):
    rank = 1
    key = "padding"  # the argument name

    def __init__(self, value, data_format=None, **kwargs):
        name = type(self).__name__
        if self.rank > 1:
            kwargs = convert_legacy_kwargs(name, kwargs, {"dim_ordering": "data_format"}, _DIM)
            data_format = kwargs.pop("data_format", data_format)
        super().__init__(**kwargs)
        self.data_format = (
            config.normalize_data_format(data_format) if self.rank > 1 else "channels_last"
        )
        if isinstance(value, dict) and self.rank == 2 and set(value) <= set(_PAD_KEYS):
            value = (  # Keras 1 dict form
                (value.get("top_pad", 0), value.get("bottom_pad", 0)),
                (value.get("left_pad", 0), value.get("right_pad", 0)),
            )
        setattr(self, self.key, pairs(value, self.rank, self.key))
        self.input_spec = InputSpec(ndim=self.rank + 2)

    @property
    def _pairs(self):
        return getattr(self, self.key)

    def get_config(self):
        cfg = super().get_config()
        value = self._pairs
        cfg[self.key] = value[0] if self.rank == 1 else value
        if self.rank > 1:
            cfg["data_format"] = self.data_format
        return cfg


class ZeroPadding(_SpatialEdit):
    key = "padding"

    def call(self, inputs):
        return ops.spatial_padding(inputs, self._pairs, self.data_format)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (a, b) in zip(
            spatial_axes(self.rank, self.data_format), self._pairs, strict=True
        ):
            shape[axis] = add(shape[axis], a, b)
        return tuple(shape)


class Cropping(_SpatialEdit):
    key = "cropping"

    def call(self, inputs):
        return ops.crop(inputs, self._pairs, self.data_format)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (a, b) in zip(
            spatial_axes(self.rank, self.data_format), self._pairs, strict=True
        ):
            if shape[axis] is not None:
                if a + b >= shape[axis]:
                    raise ValueError(
                        f"{type(self).__name__} layer '{self.name}': cropping {(a, b)} removes "
                        f"all {shape[axis]} cells of axis {axis} (input shape "
                        f"{tuple(input_shape)})"
                    )
                shape[axis] = shape[axis] - a - b
        return tuple(shape)
