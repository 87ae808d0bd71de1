"""``StackedRNNCells``: several cells acting as one (``RNN([cell1, cell2])`` builds one).

At each step the input goes through the cells in order; the states are the flat list of the
cells' states in the same order (tf.keras 2 order; tf.keras nests them per cell and Keras 2.2
reversed them -- kviz keeps one flat list, like ``compute_output_shape`` in both). When every
cell is a built-in cell, the RNN layer runs the stack cell by cell over the whole sequence with
the fused ops (the same result: a later cell skips the same masked steps).

>>> import numpy as np
>>> from kviz.layers import LSTMCell, GRUCell
>>> cells = StackedRNNCells([LSTMCell(4), GRUCell(2)])
>>> cells.state_size, cells.output_size
([4, 4, 2], 2)
"""

from __future__ import annotations

import warnings

from kviz.graph import nest
from kviz.layers.base import Layer, _call_flags
from kviz.layers.recurrent._utils import (
    deserialize_layer,
    prefix_weight_names,
    record_build_shape,
    serialize_layer,
    state_sizes,
)


def cell_output_size(cell):
    size = getattr(cell, "output_size", None)
    if size is None:
        size = state_sizes(cell.state_size)[0]
    return size


def call_cell(cell, inputs, states, training=None, constants=None):
    """One step of any cell: built Layer cells through ``call``, others as they are."""
    kwargs = {}
    if isinstance(cell, Layer):
        accepts_training, _ = _call_flags(type(cell))
        if accepts_training:
            kwargs["training"] = training
        if not cell.built:
            return cell(inputs, states, **kwargs, **({"constants": constants} if constants else {}))
    if constants:
        kwargs["constants"] = constants
    return cell.call(inputs, states, **kwargs)


class StackedRNNCells(Layer):
    def __init__(self, cells, **kwargs):
        for cell in cells:
            if not hasattr(cell, "call"):
                raise ValueError(
                    f"All cells must have a `call` method. Received cell without a `call` "
                    f"method: {cell}"
                )
            if not hasattr(cell, "state_size"):
                raise ValueError(
                    "All cells must have a `state_size` attribute. Received cell without a "
                    f"`state_size`: {cell}"
                )
        if kwargs.pop("reverse_state_order", False):
            warnings.warn(
                "`reverse_state_order=True` in `StackedRNNCells` is ignored: kviz keeps the "
                "states in the order of the cells.",
                stacklevel=2,
            )
        super().__init__(**kwargs)
        self.cells = list(cells)

    @property
    def state_size(self):
        return [s for cell in self.cells for s in state_sizes(cell.state_size)]

    @property
    def output_size(self):
        return cell_output_size(self.cells[-1])

    def _split(self, states):
        out, i = [], 0
        for cell in self.cells:
            n = len(state_sizes(cell.state_size))
            out.append(list(states[i : i + n]))
            i += n
        return out

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        from kviz.layers.recurrent._utils import zero_states

        states = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                states += list(nest.flatten(fn(inputs=inputs, batch_size=batch_size, dtype=dtype)))
            else:
                states += zero_states(cell.state_size, batch_size, dtype or self.dtype)
        return states

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(shape)
                cell.built = True
                prefix_weight_names(cell, self.name)
                record_build_shape(cell, shape)
            size = cell_output_size(cell)
            size = (size,) if isinstance(size, int) else tuple(size)
            shape = (shape[0],) + size
        self.built = True

    def call(self, inputs, states, constants=None, training=None):
        new_states = []
        for cell, cell_states in zip(self.cells, self._split(list(states)), strict=True):
            inputs, cs = call_cell(cell, inputs, cell_states, training, constants)
            new_states += list(cs) if isinstance(cs, (list, tuple)) else [cs]
        return inputs, new_states

    def fused_sequence(self, inputs, states, mask=None, go_backwards=False,
                       return_sequences=False, zero_output_for_mask=False, training=None):  # fmt: skip
        """The stack over a whole sequence, cell after cell (NotImplemented unless every cell
        has a fused path)."""
        if not all(hasattr(c, "fused_sequence") and c._uses_builtin_call() for c in self.cells):
            return NotImplemented
        new_states = []
        last = len(self.cells) - 1
        x = inputs
        for i, (cell, cell_states) in enumerate(
            zip(self.cells, self._split(list(states)), strict=True)
        ):
            step_mask = mask
            if i and go_backwards and mask is not None:
                step_mask = _reversed_mask(mask)  # x is already in processing order
            x, cs = cell.fused_sequence(
                x,
                cell_states,
                mask=step_mask,
                go_backwards=go_backwards and i == 0,
                return_sequences=return_sequences or i < last,
                zero_output_for_mask=zero_output_for_mask,
                training=training,
            )
            new_states += cs
        return x, new_states

    def _uses_builtin_call(self):
        return False

    def get_config(self):
        config = super().get_config()
        config.pop("batch_input_shape", None)
        config["cells"] = [serialize_layer(cell) for cell in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [deserialize_layer(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


def _reversed_mask(mask):
    import numpy as np

    return np.asarray(getattr(mask, "data", mask))[:, ::-1]
