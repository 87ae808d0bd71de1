"""``TimeDistributed(layer)``: apply a layer (or a whole model) to every time step.

The input ``(batch, time, ...)`` is reshaped to ``(batch * time, ...)``, the layer runs once
on that, and the result is reshaped back to ``(batch, time, ...)``: one call, so the weights
are shared across steps and the layer's own fast path (one GEMM for ``Dense``) is kept. A
stateful layer, or a user-defined layer class, is called step by step instead (tf.keras does
the same when the batch size is known), skipping masked steps as ``K.rnn`` does.

Masks: a layer that accepts ``mask`` receives the reshaped mask; the output mask is the
layer's own mask reshaped back, or else the input mask (reduced to ``(batch, time)``).
The wrapped layer's weights are named after the wrapper (``time_distributed/kernel:0``), as
tf.keras names them; a wrapped model keeps its weight names.

>>> import numpy as np
>>> from kviz.layers import Dense
>>> layer = TimeDistributed(Dense(2))
>>> layer(np.ones((4, 3, 5), 'float32')).shape, [w.name for w in layer.weights]
((4, 3, 2), ['time_distributed/kernel:0', 'time_distributed/bias:0'])
"""

from __future__ import annotations

import numpy as np

from kviz import ops
from kviz.autodiff.tensor import Tensor
from kviz.graph import nest
from kviz.layers.base import Layer, _call_flags
from kviz.layers.input_spec import InputSpec
from kviz.layers.recurrent._utils import prefix_weight_names, record_build_shape
from kviz.layers.wrappers.wrapper import Wrapper


def _raw(x):
    return x.data if isinstance(x, Tensor) else x


def _is_model(layer):
    return hasattr(layer, "_is_graph_network") or hasattr(layer, "compile")


class TimeDistributed(Wrapper):
    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _builtin(self):
        return type(self.layer).__module__.startswith("kviz.") and not getattr(
            self.layer, "stateful", False
        )

    @staticmethod
    def _child_shape(shape):
        shape = tuple(shape)
        return (shape[0],) + shape[2:]

    def build(self, input_shape):
        shapes = nest.flatten_shapes(input_shape)
        if any(len(s) < 3 for s in shapes):
            raise ValueError(
                "`TimeDistributed` Layer should be passed an `input_shape ` with at least 3 "
                f"dimensions, received: {input_shape}"
            )
        specs = [InputSpec(shape=(None, None) + tuple(s[2:])) for s in shapes]
        self.input_spec = specs[0] if len(specs) == 1 else specs
        child = [self._child_shape(s) for s in shapes]
        child = child[0] if len(child) == 1 else child
        if not self.layer.built:
            self.layer._maybe_build(child)
            self.layer.built = True
            if not _is_model(self.layer):
                prefix_weight_names(self.layer, self.name, old_prefix=self.layer.name)
        record_build_shape(self.layer, (None,) + tuple(nest.flatten_shapes(child)[0][1:]))
        self.built = True

    def compute_output_shape(self, input_shape):
        shapes = nest.flatten_shapes(input_shape)
        child = [self._child_shape(s) for s in shapes]
        out = self.layer.compute_output_shape(child[0] if len(child) == 1 else child)
        if out is NotImplemented or out is None:
            return NotImplemented
        steps = shapes[0][1]
        if isinstance(out, list) and out and isinstance(out[0], (tuple, list)):
            return [(s[0], steps) + tuple(s[1:]) for s in out]
        out = tuple(out)
        return (out[0], steps) + out[1:]

    def _inner_kwargs(self, training, mask):
        accepts_training, accepts_mask = _call_flags(type(self.layer))
        kwargs = {}
        if accepts_training:
            kwargs["training"] = training
        if accepts_mask and mask is not None:
            kwargs["mask"] = mask
        return kwargs

    def call(self, inputs, training=None, mask=None):
        first = nest.flatten(inputs)[0]
        shape = np.shape(_raw(first))
        batch, steps = shape[0], shape[1]
        if not self._builtin():
            kwargs = self._inner_kwargs(training, None)

            def step(x_t, _):
                return self.layer(x_t, **kwargs), []

            _, outputs, _ = ops.rnn(step, inputs, [], mask=mask)
            return outputs

        def merge(x):
            return ops.reshape(x, (-1,) + tuple(np.shape(_raw(x))[2:]))

        inner = nest.map_structure(merge, inputs)
        inner_mask = None
        if mask is not None:
            m = np.asarray(_raw(mask))
            inner_mask = m.reshape((-1,) + m.shape[2:])
        y = self.layer(inner, **self._inner_kwargs(training, inner_mask))

        def split(t):
            return ops.reshape(t, (batch, steps) + tuple(np.shape(_raw(t))[1:]))

        return nest.map_structure(split, y)

    def compute_mask(self, inputs, mask=None):
        first = nest.flatten(inputs)[0]
        shape = np.shape(_raw(first))
        if not self._builtin():
            return mask
        inner_mask = None
        if mask is not None:
            m = np.asarray(_raw(mask))
            inner_mask = m.reshape((-1,) + m.shape[2:])
        inner = nest.map_structure(
            lambda x: np.reshape(np.asarray(_raw(x)), (-1,) + np.shape(_raw(x))[2:]), inputs
        )
        out_mask = (
            self.layer.compute_mask(inner, inner_mask) if isinstance(self.layer, Layer) else None
        )
        if out_mask is None:
            if mask is None:
                return None
            out = np.asarray(_raw(mask))
            while out.ndim > 2:
                out = out.any(axis=-1)
            return out
        out_mask = np.asarray(_raw(out_mask))
        return out_mask.reshape((shape[0], shape[1]) + out_mask.shape[1:])
