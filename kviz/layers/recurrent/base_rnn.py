"""``RNN(cell)``: run a cell over the time axis (the base of SimpleRNN, GRU and LSTM).

``RNN(cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
unroll=False, time_major=False)``. ``cell`` is a built-in cell, a list of cells (stacked), or
any object with ``call(inputs, states) -> (output, new_states)`` and ``state_size``
(``output_size`` and ``get_initial_state`` optional), e.g. a ``Layer`` subclass.

* Built-in cells run the whole sequence in one fused op (see :mod:`kviz.ops.rnn`); other cells
  are called once per step by :func:`kviz.ops.rnn` (Keras's ``K.rnn``). ``unroll`` changes
  nothing in kviz (both are Python loops) and is kept for the configuration.
* **Masks** (from ``Embedding(mask_zero=True)``, ``Masking`` or ``mask=``): a masked step keeps
  the states and repeats the previous output. The output mask is the input mask with
  ``return_sequences``, else None.
* **initial_state**: ``layer(x, initial_state=[h, c])`` (or ``layer([x, h, c])``); symbolic
  states become extra inputs of the node, as in tf.keras.
* **return_state**: the output is ``[output, *final_states]``.
* **stateful**: the final states of a batch are the initial states of the next one (and of
  ``predict`` calls) until ``reset_states()``. The batch size must be fixed
  (``batch_input_shape=`` on the first Sequential layer, ``Input(batch_shape=...)``); another
  batch size fails the input check (``expected shape=(2, None, 3), found shape=(3, 5, 3)``).
  The states are Variables outside ``weights`` (as tf.keras: not saved with the weights).

>>> import numpy as np
>>> from kviz.layers import LSTMCell
>>> layer = RNN(LSTMCell(4), return_sequences=True, return_state=True)
>>> seq, h, c = layer(np.ones((2, 5, 3), 'float32'))
>>> seq.shape, h.shape, [w.name for w in layer.weights][0]
((2, 5, 4), (2, 4), 'rnn/lstm_cell/kernel:0')
"""

from __future__ import annotations

import numpy as np

from kviz import ops
from kviz.autodiff.tensor import Tensor, Variable
from kviz.graph import nest
from kviz.graph.keras_tensor import KerasTensor
from kviz.layers.base import Layer
from kviz.layers.input_spec import InputSpec, check_input_spec
from kviz.layers.recurrent._utils import (
    deserialize_layer,
    prefix_weight_names,
    record_build_shape,
    serialize_layer,
    state_shape,
    state_sizes,
    zero_states,
)
from kviz.layers.recurrent.stacked_rnn_cells import StackedRNNCells, call_cell, cell_output_size

STATEFUL_BATCH_MESSAGE = (
    "If a RNN is stateful, it needs to know its batch size. Specify the batch size of your "
    "input tensors: \n- If using a Sequential model, specify the batch size by passing a "
    "`batch_input_shape` argument to your first layer.\n- If using the functional API, specify "
    "the batch size by passing a `batch_shape` argument to your Input layer."
)

UNROLL_MESSAGE = (
    "Cannot unroll a RNN if the time dimension is undefined. \n- If using a Sequential model, "
    "specify the time dimension by passing an `input_shape` or `batch_input_shape` argument to "
    "your first layer. If your first layer is an Embedding, you can also use the `input_length` "
    "argument.\n- If using the functional API, specify the time dimension by passing a `shape` "
    "or `batch_shape` argument to your Input layer."
)


def _raw(x):
    return x.data if isinstance(x, Tensor) else x


def _to_list(x):
    if x is None:
        return None
    return list(x) if isinstance(x, (list, tuple)) else [x]


class RNN(Layer):
    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, **kwargs):  # fmt: skip
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call"):
            raise ValueError(
                f"Argument `cell` should have a `call` method. The RNN was passed: cell={cell}"
            )
        if not hasattr(cell, "state_size"):
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (tuple of integers, one "
                f"integer per RNN state). Received: cell={cell}"
            )
        self.zero_output_for_mask = bool(kwargs.pop("zero_output_for_mask", False))
        num_constants = int(kwargs.pop("num_constants", 0) or 0)
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            if "input_dim" in kwargs or "input_length" in kwargs:
                kwargs["input_shape"] = (
                    kwargs.pop("input_length", None),
                    kwargs.pop("input_dim", None),
                )
        kwargs.pop("input_length", None)
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.time_major = bool(time_major)
        self.supports_masking = True
        self.input_spec = None
        self._states = None
        self._num_constants = num_constants

    # --------------------------------------------------------------------------- states
    @property
    def states(self):
        if self._states is None:
            return [None] * len(state_sizes(self.cell.state_size))
        return self._states

    @states.setter
    def states(self, states):
        self._states = states

    def _n_states(self):
        return len(state_sizes(self.cell.state_size))

    # ---------------------------------------------------------------------------- shapes
    def _main_shape(self, input_shape):
        if (
            isinstance(input_shape, list)
            and input_shape
            and isinstance(input_shape[0], (tuple, list))
        ):
            return tuple(input_shape[0])
        return tuple(input_shape)

    def compute_output_shape(self, input_shape):
        shape = self._main_shape(input_shape)
        batch, steps = (shape[1], shape[0]) if self.time_major else (shape[0], shape[1])
        size = cell_output_size(self.cell)
        size = state_shape(size)
        if self.return_sequences:
            out = (steps, batch) + size if self.time_major else (batch, steps) + size
        else:
            out = (batch,) + size
        if self.return_state:
            return [out] + [(batch,) + state_shape(s) for s in state_sizes(self.cell.state_size)]
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * self._n_states()
        return output_mask

    def build(self, input_shape):
        shape = self._main_shape(input_shape)
        if len(shape) < 3:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim=3, found ndim={len(shape)}. Full shape received: {shape}"
            )
        batch_axis, time_axis = (1, 0) if self.time_major else (0, 1)
        if self.unroll and shape[time_axis] is None:
            raise ValueError(UNROLL_MESSAGE)
        spec = list(shape)
        if not self.stateful:
            spec[batch_axis] = None
        spec[time_axis] = None
        self.input_spec = InputSpec(shape=tuple(spec))
        step_shape = (shape[batch_axis],) + shape[2:]
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
            self.cell.built = True
            prefix_weight_names(self.cell, self.name)
            record_build_shape(self.cell, step_shape)
        self.built = True
        if self.stateful:
            self.reset_states()

    def _check_inputs(self, input_shapes):
        if self.input_spec is not None:
            check_input_spec([self.input_spec], [self._main_shape(input_shapes)], self.name)

    def _maybe_build(self, input_shapes):
        # check the sequence input only (initial states / constants may follow it in a list)
        spec = self.input_spec
        self._check_inputs(input_shapes)
        self.input_spec = None
        try:
            super()._maybe_build(input_shapes)
        finally:
            if self.input_spec is None:
                self.input_spec = spec

    # ------------------------------------------------------------------------- calling
    def _standardize(self, inputs, initial_state, constants):
        if isinstance(inputs, list):
            if initial_state is not None or constants is not None:
                raise ValueError(
                    "When passing a list of inputs to an RNN layer, do not also pass "
                    "`initial_state` or `constants`."
                )
            inputs = list(inputs)
            if self._num_constants:
                constants = inputs[-self._num_constants :]
                inputs = inputs[: -self._num_constants]
            if len(inputs) > 1:
                initial_state = inputs[1:]
            inputs = inputs[0]
        return inputs, _to_list(initial_state), _to_list(constants)

    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        if initial_state is None and constants is None:
            return super().__call__(inputs, **kwargs)
        inputs, initial_state, constants = self._standardize(inputs, initial_state, constants)
        extra = (initial_state or []) + (constants or [])
        if any(isinstance(t, KerasTensor) for t in nest.flatten(extra)):
            if constants:
                self._num_constants = len(constants)
            return super().__call__([inputs] + extra, **kwargs)
        if initial_state is not None:
            kwargs["initial_state"] = initial_state
        if constants is not None:
            kwargs["constants"] = constants
        return super().__call__(inputs, **kwargs)

    def get_initial_state(self, inputs):
        x = nest.flatten(inputs)[0]
        shape = np.shape(_raw(x))
        batch = shape[1] if self.time_major else shape[0]
        dtype = np.asarray(_raw(x)).dtype
        dtype = dtype if dtype.kind == "f" else np.dtype(self.dtype)
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            return list(nest.flatten(fn(inputs=None, batch_size=batch, dtype=dtype)))
        return zero_states(self.cell.state_size, batch, dtype)

    def _initial_states(self, x, initial_state):
        if self.stateful:
            values = [s.data for s in self.states]
            if initial_state is not None and not any(np.any(v) for v in values):
                states = initial_state
            else:
                states = values
        elif initial_state is None:
            states = self.get_initial_state(x)
        else:
            states = initial_state
        if len(states) != self._n_states():
            raise ValueError(
                f"Layer has {self._n_states()} states but was passed {len(states)} initial "
                f"states. Received: initial_state={states}"
            )
        return list(states)

    def _reset_cell_masks(self):
        cells = self.cell.cells if isinstance(self.cell, StackedRNNCells) else [self.cell]
        for cell in cells:
            if hasattr(cell, "reset_dropout_mask"):
                cell.reset_dropout_mask()
                cell.reset_recurrent_dropout_mask()

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        inputs, initial_state, constants = self._standardize(inputs, initial_state, constants)
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        states = self._initial_states(inputs, initial_state)
        x = inputs
        if self.time_major:
            x = ops.transpose(x, (1, 0) + tuple(range(2, np.ndim(_raw(x)))))
            if mask is not None:
                mask = np.asarray(_raw(mask)).T
        self._reset_cell_masks()
        result = NotImplemented
        fused = getattr(self.cell, "fused_sequence", None)
        if fused is not None and not constants:
            result = fused(x, states, mask=mask, go_backwards=self.go_backwards,
                           return_sequences=self.return_sequences,
                           zero_output_for_mask=self.zero_output_for_mask, training=training)  # fmt: skip
        if result is NotImplemented:
            cell = self.cell

            def step(x_t, step_states):
                n = len(step_states) - len(constants or [])
                return call_cell(cell, x_t, step_states[:n], training, step_states[n:] or None)

            last, outputs, new_states = ops.rnn(
                step, x, states, go_backwards=self.go_backwards, mask=mask, constants=constants,
                zero_output_for_mask=self.zero_output_for_mask,
                return_all_outputs=self.return_sequences,
            )  # fmt: skip
            output = outputs if self.return_sequences else last
        else:
            output, new_states = result
        new_states = list(nest.flatten(new_states))
        if self.time_major and self.return_sequences:
            output = ops.transpose(output, (1, 0) + tuple(range(2, np.ndim(_raw(output)))))
        if self.stateful:
            for var, value in zip(self.states, new_states, strict=True):
                var.assign(np.asarray(_raw(value), dtype=var.dtype))
        if self.return_state:
            return [output] + new_states
        return output

    # --------------------------------------------------------------------------- stateful
    def reset_states(self, states=None):
        """Zero the recorded states (or set them to ``states``). Stateful layers only."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        batch = None
        if self.input_spec is not None and self.input_spec.shape is not None:
            batch = self.input_spec.shape[1 if self.time_major else 0]
        if not batch:
            raise ValueError(STATEFUL_BATCH_MESSAGE)
        sizes = state_sizes(self.cell.state_size)
        if self._states is None:
            self._states = [
                Variable(np.zeros((batch,) + state_shape(s), dtype=self.dtype), trainable=False)
                for s in sizes
            ]
        if states is None:
            for var in self._states:
                var.assign(np.zeros(var.shape, dtype=var.dtype))
            return
        values = _to_list(states)
        if len(values) != len(self._states):
            raise ValueError(
                f"Layer {self.name} expects {len(self._states)} states, but it received "
                f"{len(values)} state values. States received: {states}"
            )
        arrays = []
        for i, (value, var) in enumerate(zip(values, self._states, strict=True)):
            value = np.asarray(_raw(value))
            if value.shape != var.shape:
                raise ValueError(
                    f"State {i} is incompatible with layer {self.name}: expected "
                    f"shape={var.shape} but found shape={value.shape}"
                )
            arrays.append(value)
        for var, value in zip(self._states, arrays, strict=True):
            var.assign(value)

    # ---------------------------------------------------------------------------- config
    def _rnn_config(self):
        config = super().get_config()
        config.update(
            {
                "return_sequences": self.return_sequences,
                "return_state": self.return_state,
                "go_backwards": self.go_backwards,
                "stateful": self.stateful,
                "unroll": self.unroll,
                "time_major": self.time_major,
            }
        )
        if self._num_constants:
            config["num_constants"] = self._num_constants
        if self.zero_output_for_mask:
            config["zero_output_for_mask"] = self.zero_output_for_mask
        return config

    def get_config(self):
        config = self._rnn_config()
        config["cell"] = serialize_layer(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = deserialize_layer(config.pop("cell"), custom_objects)
        return cls(cell, **config)
