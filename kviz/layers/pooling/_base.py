"""Shared implementation of the pooling layers: windowed (``Pooling``) and global
(``GlobalPooling``), over 1, 2 or 3 spatial axes.

Windowed pooling: ``pool_size`` (int or one per axis), ``strides=None`` (= ``pool_size``),
``padding`` ``'valid'``/``'same'`` (padding cells are ignored: average pooling divides by the
real cells), ``data_format``. Keras 1's ``pool_length``, ``stride``, ``border_mode`` and
``dim_ordering`` are accepted with a warning. Global pooling reduces every spatial axis
(``keepdims`` keeps them as size 1).
"""

from __future__ import annotations

from kviz import config, ops
from kviz.layers.base import Layer
from kviz.layers.convolutional._keras1 import POOL_RENAMES, convert, positional
from kviz.layers.input_spec import InputSpec
from kviz.ops.conv_utils import (
    check_output_size,
    conv_output_length,
    normalize_padding,
    normalize_tuple,
)

_ORDER = ("strides", "padding", "data_format")


class Pooling(Layer):
    rank = 2
    mode = "max"  # or "avg"
    default_data_format = None  # Pooling1D: 'channels_last' (as tf.keras)

    def __init__(self, pool_size=2, *args, **kwargs):
        name = type(self).__name__
        kwargs = positional(name, args, kwargs, _ORDER)
        kwargs = convert(name, kwargs, POOL_RENAMES)
        pool_size = kwargs.pop("pool_size", pool_size)
        strides = kwargs.pop("strides", None)
        padding = kwargs.pop("padding", "valid")
        data_format = kwargs.pop("data_format", self.default_data_format)
        super().__init__(**kwargs)
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size")
        self.strides = (
            self.pool_size if strides is None else normalize_tuple(strides, self.rank, "strides")
        )
        self.padding = normalize_padding(padding)
        self.data_format = config.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _spatial(self, input_shape):
        s = tuple(input_shape)
        return s[2:] if self.data_format == "channels_first" else s[1:-1]

    def compute_output_shape(self, input_shape):
        spatial = self._spatial(input_shape)
        out = tuple(
            conv_output_length(n, k, self.padding, s)
            for n, k, s in zip(spatial, self.pool_size, self.strides, strict=True)
        )
        check_output_size(
            out, spatial, self.pool_size, self.strides, self.padding, (1,) * self.rank,
            f"{type(self).__name__} layer '{self.name}' (input shape {tuple(input_shape)})",
        )  # fmt: skip
        s = tuple(input_shape)
        if self.data_format == "channels_first":
            return s[:2] + out
        return (s[0],) + out + (s[-1],)

    def call(self, inputs):
        fn = ops.max_pool if self.mode == "max" else ops.average_pool
        return fn(inputs, self.pool_size, self.strides, self.padding, self.data_format)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(
            {
                "pool_size": self.pool_size,
                "padding": self.padding,
                "strides": self.strides,
                "data_format": self.data_format,
            }
        )
        return cfg


class GlobalPooling(Layer):
    rank = 2
    mode = "max"
    default_data_format = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        kwargs = convert(type(self).__name__, kwargs, {"dim_ordering": "data_format"})
        data_format = kwargs.pop("data_format", data_format or self.default_data_format)
        super().__init__(**kwargs)
        self.data_format = config.normalize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _axes(self):
        if self.data_format == "channels_first":
            return tuple(range(2, self.rank + 2))
        return tuple(range(1, self.rank + 1))

    def compute_output_shape(self, input_shape):
        s = list(input_shape)
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(s))
        return tuple(d for i, d in enumerate(s) if i not in axes)

    def call(self, inputs):
        if self.mode == "max":
            return ops.global_max_pool(inputs, self.data_format, self.keepdims)
        return ops.global_average_pool(inputs, self.data_format, self.keepdims)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return cfg
