"""``Bidirectional(layer, merge_mode='concat', weights=None, backward_layer=None)``.

Runs a recurrent layer forwards and a copy of it backwards (``go_backwards`` flipped) over the
same input, and merges their outputs: ``'concat'`` (last axis), ``'sum'``, ``'mul'``,
``'ave'``, or ``None`` (a list ``[forward, backward]``). With ``return_sequences`` the
backward output is flipped back to the input's time order before merging, and both layers
output zeros at masked steps (tf.keras's ``zero_output_for_mask``). With ``return_state`` the
output is ``[merged, *forward_states, *backward_states]``; ``initial_state`` takes the
forward states then the backward ones. ``backward_layer`` replaces the copy (it must have
the opposite ``go_backwards`` and the same ``return_sequences``/``return_state``/
``stateful``).

The copies are named ``forward_<name>``/``backward_<name>``; weights
``bidirectional/forward_lstm/lstm_cell/kernel:0``..., forward first, as in tf.keras.

>>> import numpy as np
>>> from kviz.layers import LSTM
>>> layer = Bidirectional(LSTM(3, return_sequences=True))
>>> layer(np.ones((2, 4, 5), 'float32')).shape, layer.forward_layer.name
((2, 4, 6), 'forward_lstm')
"""

from __future__ import annotations

from kviz import ops
from kviz.graph.keras_tensor import KerasTensor
from kviz.layers.recurrent._utils import prefix_weight_names, serialize_layer
from kviz.layers.wrappers.wrapper import Wrapper

_MODES = ("sum", "mul", "ave", "concat", None)


def _to_list(x):
    if x is None:
        return None
    return list(x) if isinstance(x, (list, tuple)) else [x]


class Bidirectional(Wrapper):
    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        from kviz.layers.base import Layer

        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `Bidirectional` layer with a `kviz.layers.Layer` instance. "
                f"Received: {layer}"
            )
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                "`backward_layer` need to be a `kviz.layers.Layer` instance. "
                f"Received: {backward_layer}"
            )
        if merge_mode not in _MODES:
            raise ValueError(
                f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                '{"sum", "mul", "ave", "concat", None}'
            )
        super().__init__(layer, **kwargs)
        self._layers.remove(layer)  # the template is not part of the model (not built)
        self._backward_layer_config = None
        self.forward_layer = _recreate(layer)
        if backward_layer is None:
            self.backward_layer = _recreate(layer, go_backwards=True)
        else:
            self._backward_layer_config = serialize_layer(backward_layer)
            self.backward_layer = backward_layer
        self.forward_layer.name = "forward_" + self.forward_layer.name
        self.backward_layer.name = "backward_" + self.backward_layer.name
        self._verify()
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self._bidirectional_weights = list(weights) if weights else None
        self.stateful = getattr(layer, "stateful", False)
        self.return_sequences = getattr(layer, "return_sequences", False)
        self.return_state = getattr(layer, "return_state", False)
        self.supports_masking = True
        self._num_constants = 0
        self.input_spec = layer.input_spec

    def _verify(self):
        fw, bw = self.forward_layer, self.backward_layer
        if fw.go_backwards == bw.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` value."
                f"forward_layer.go_backwards = {fw.go_backwards},"
                f"backward_layer.go_backwards = {bw.go_backwards}"
            )
        for attr in ("stateful", "return_sequences", "return_state"):
            a, b = getattr(fw, attr), getattr(bw, attr)
            if a != b:
                raise ValueError(
                    "Forward layer and backward layer are expected to have the same value for "
                    f'attribute "{attr}", got "{a}" for forward layer and "{b}" for backward layer'
                )

    # ---------------------------------------------------------------------------- shapes
    def build(self, input_shape):
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub._maybe_build(input_shape)
                sub.built = True
            prefix_weight_names(sub, self.name)
        if self._bidirectional_weights:
            weights, self._bidirectional_weights = self._bidirectional_weights, None
            half = len(weights) // 2
            self.forward_layer.set_weights(weights[:half])
            self.backward_layer.set_weights(weights[half:])
        self.built = True

    def _check_inputs(self, input_shapes):
        pass  # the sub-layers check their inputs

    def _maybe_build(self, input_shapes):
        spec, self.input_spec = self.input_spec, None
        try:
            super()._maybe_build(input_shapes)
        finally:
            self.input_spec = spec

    def compute_output_shape(self, input_shape):
        out = self.forward_layer.compute_output_shape(input_shape)
        if out is NotImplemented:
            return NotImplemented
        states = []
        if self.return_state:
            out, states = out[0], list(out[1:])
        out = tuple(out)
        if self.merge_mode == "concat":
            out = out[:-1] + (None if out[-1] is None else 2 * out[-1],)
        outs = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            return outs + states + states
        return outs if self.merge_mode is None else out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        if self.return_sequences:
            output_mask = [mask, mask] if not self.merge_mode else mask
        else:
            output_mask = [None, None] if not self.merge_mode else None
        if self.return_state:
            n = len(self.forward_layer.states)
            state_mask = [None] * (2 * n)
            if isinstance(output_mask, list):
                return output_mask + state_mask
            return [output_mask] + state_mask
        return output_mask

    # ---------------------------------------------------------------------------- calling
    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        if isinstance(inputs, list) and len(inputs) > 1 and initial_state is None:
            inputs, initial_state = inputs[0], inputs[1:]
        elif isinstance(inputs, list) and len(inputs) == 1:
            inputs = inputs[0]
        initial_state = _to_list(initial_state)
        if initial_state is None and constants is None:
            return super().__call__(inputs, **kwargs)
        if initial_state is not None and len(initial_state) % 2:
            raise ValueError(
                "When passing `initial_state` to a Bidirectional RNN, the state should be a "
                "list containing the states of the underlying RNNs. "
                f"Received: {initial_state}"
            )
        if constants is not None:
            raise ValueError("Bidirectional: `constants` are not supported by kviz")
        if any(isinstance(t, KerasTensor) for t in initial_state):
            return super().__call__([inputs] + initial_state, **kwargs)
        return super().__call__(inputs, initial_state=initial_state, **kwargs)

    def call(self, inputs, training=None, mask=None, initial_state=None):
        if isinstance(inputs, list) and len(inputs) > 1:
            inputs, initial_state = inputs[0], list(inputs[1:])
        elif isinstance(inputs, list):
            inputs = inputs[0]
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        fw_state = bw_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fw_state, bw_state = initial_state[:half], initial_state[half:]
        kwargs = {"training": training}
        if mask is not None:
            kwargs["mask"] = mask
        y = self.forward_layer(inputs, initial_state=fw_state, **kwargs)
        y_rev = self.backward_layer(inputs, initial_state=bw_state, **kwargs)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            time_axis = 0 if getattr(self.forward_layer, "time_major", False) else 1
            y_rev = ops.reverse(y_rev, time_axis)
        if self.merge_mode == "concat":
            output = ops.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = ops.add(y, y_rev)
        elif self.merge_mode == "ave":
            output = ops.multiply(ops.add(y, y_rev), 0.5)
        elif self.merge_mode == "mul":
            output = ops.multiply(y, y_rev)
        else:
            output = [y, y_rev]
        if self.return_state:
            return (output if isinstance(output, list) else [output]) + states
        return output

    def reset_states(self, states=None):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        if not isinstance(states, (list, tuple)):
            raise ValueError(
                "Unrecognized value for `states`. Expected `states` to be list or tuple. "
                f"Received: {states}"
            )
        half = len(states) // 2
        self.forward_layer.reset_states(states[:half])
        self.backward_layer.reset_states(states[half:])

    # ----------------------------------------------------------------------------- config
    def get_config(self):
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        if self._backward_layer_config is not None:
            config["backward_layer"] = self._backward_layer_config
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kviz.layers.recurrent._utils import deserialize_layer

        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            backward = deserialize_layer(backward, custom_objects)
        return cls(layer, backward_layer=backward, **config)


def _recreate(layer, go_backwards=False):
    """A fresh layer from ``layer``'s configuration (``go_backwards`` flipped if asked)."""
    config = layer.get_config()
    if go_backwards:
        config["go_backwards"] = not config["go_backwards"]
    try:
        return type(layer).from_config(config, custom_objects=_cell_classes(layer))
    except TypeError as e:
        if "custom_objects" not in str(e):
            raise
        return type(layer).from_config(config)


def _cell_classes(layer):
    objects = {}
    cell = getattr(layer, "cell", None)
    if cell is not None:
        objects[type(cell).__name__] = type(cell)
        for c in getattr(cell, "cells", []):
            objects[type(c).__name__] = type(c)
    return objects
