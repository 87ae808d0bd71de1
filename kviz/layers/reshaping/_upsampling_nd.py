"""Shared implementation of ``UpSampling2D`` and ``UpSampling3D``."""

from __future__ import annotations

from kviz import config, ops
from kviz.layers.base import Layer
from kviz.layers.input_spec import InputSpec
from kviz.layers.legacy import convert_legacy_kwargs
from kviz.layers.reshaping._utils import spatial_axes
from kviz.ops.conv_utils import normalize_tuple
from kviz.ops.spatial import INTERPOLATIONS

#: Methods tf.keras accepts that kviz does not implement.
_TF_ONLY = ("area", "bicubic", "gaussian", "lanczos3", "lanczos5", "mitchellcubic")


class UpSampling(Layer):
    rank = 2

    def __init__(self, size=2, data_format=None, interpolation="nearest", **kwargs):
        name = type(self).__name__
        kwargs = convert_legacy_kwargs(name, kwargs, {"dim_ordering": "data_format"}, _DIM)
        data_format = kwargs.pop("data_format", data_format)
        super().__init__(**kwargs)
        self.size = normalize_tuple(size, self.rank, "size")
        self.data_format = config.normalize_data_format(data_format)
        if interpolation in _TF_ONLY:
            raise ValueError(
                f"{name}: interpolation={interpolation!r} is not implemented in kviz; use one "
                f"of {list(INTERPOLATIONS)}."
            )
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"`interpolation` argument should be one of {list(INTERPOLATIONS)}. "
                f"Received: {interpolation!r}"
            )
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        return ops.upsample(inputs, self.size, self.data_format, self.interpolation)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, f in zip(spatial_axes(self.rank, self.data_format), self.size, strict=True):
            shape[axis] = None if shape[axis] is None else shape[axis] * f
        return tuple(shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"size": self.size, "data_format": self.data_format})
        return cfg


def _dim(value):
    return {"tf": "channels_last", "th": "channels_first", "default": None}.get(value, value)


_DIM = {"data_format": _dim}
