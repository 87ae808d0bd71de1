"""What the built-in cells (``SimpleRNNCell``, ``LSTMCell``, ``GRUCell``) share: their
Keras-2 constructor arguments, weights, dropout masks and configuration.

A cell computes one time step: ``call(inputs, states, training=None) -> (output,
new_states)``; ``state_size``/``output_size`` describe it. An :class:`~kviz.layers.RNN` runs
it over time. For the built-in cells (not subclasses that override ``call``) the RNN layer
asks :meth:`BuiltinCell.fused_sequence` to run the whole sequence with one fused op from
:mod:`kviz.ops.rnn` instead of calling ``call`` once per step.

**Dropout** (Keras semantics): the masks are drawn once per sequence (``reset_dropout_mask``
is called by the RNN layer at every call) and reused at every step; in training only. One
input mask and one recurrent mask are shared by all gates (Keras 2.2's ``implementation=2``
layout; tf.keras's ``implementation=1`` draws one per gate -- the same distribution of
models, not the same random numbers). The recurrent mask multiplies the state entering the
recurrent products only.

Weights are named ``<cell name>/kernel:0``, ``recurrent_kernel:0``, ``bias:0``; the RNN layer
that owns the cell prefixes its own name (``lstm/lstm_cell/kernel:0``), as tf.keras does.
"""

from __future__ import annotations

import numpy as np

from kviz import activations, constraints, initializers, regularizers
from kviz.autodiff.tensor import Tensor
from kviz.layers.base import Layer
from kviz.layers.recurrent._utils import dropout_mask, fused_name, in_training


def _shape(x):
    return np.shape(x.data if isinstance(x, Tensor) else x)


def c_contiguous(variables):
    """Store weights C-contiguous (the orthogonal initializer returns a transposed array)."""
    for w in variables:
        if not w.data.flags.c_contiguous:
            w.data = np.ascontiguousarray(w.data)


class DropoutRNNCellMixin:
    """Per-sequence dropout masks of a cell (tf.keras's mixin of the same name)."""

    def reset_dropout_mask(self):
        self.__dict__["_dropout_mask_cache"] = None

    def reset_recurrent_dropout_mask(self):
        self.__dict__["_recurrent_dropout_mask_cache"] = None

    def _cached_mask(self, key, rate, shape, training):
        if not 0 < rate < 1 or not in_training(training):
            return None
        mask = self.__dict__.get(key)
        if mask is None or mask.shape != tuple(shape):
            mask = dropout_mask(tuple(shape), rate, self.dtype)
            self.__dict__[key] = mask
        return mask

    def get_dropout_mask_for_cell(self, inputs, training, count=1):
        """``count`` references to this sequence's input mask (None when not dropping)."""
        m = self._cached_mask("_dropout_mask_cache", self.dropout, _shape(inputs), training)
        return None if m is None else [m] * count

    def get_recurrent_dropout_mask_for_cell(self, inputs, training, count=1):
        """``count`` references to this sequence's recurrent mask (None when not dropping)."""
        m = self._cached_mask(
            "_recurrent_dropout_mask_cache", self.recurrent_dropout, _shape(inputs), training
        )
        return None if m is None else [m] * count


class BuiltinCell(DropoutRNNCellMixin, Layer):
    """Base of the three built-in cells. Subclasses set ``GATES`` and implement ``call`` and
    ``_sequence_op``."""

    GATES = 1
    _HAS_RECURRENT_ACTIVATION = False
    _BUILTIN_CALL = None  # the subclass's own ``call`` (set after each class definition)

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        try:
            units = int(units)
        except (TypeError, ValueError):
            raise TypeError(f"`units` must be a positive integer; received {units!r}") from None
        if units <= 0:
            raise ValueError(
                "Received an invalid value for argument `units`, expected a positive integer, "
                f"got {units}."
            )
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))

    # ---------------------------------------------------------------------------- shape
    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Zero states: a list with one ``(batch, units)`` array per state."""
        if batch_size is None:
            batch_size = _shape(inputs)[0]
        dtype = dtype or self.dtype
        n = len(self.state_size) if isinstance(self.state_size, (list, tuple)) else 1
        return [np.zeros((int(batch_size), self.units), dtype=dtype) for _ in range(n)]

    # -------------------------------------------------------------------------- weights
    def _bias_shape(self):
        return (self.GATES * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                f"The last dimension of the inputs to {type(self).__name__} should be defined. "
                f"Found None. Full input shape received: {tuple(input_shape)}"
            )
        cols = self.GATES * self.units
        self.kernel = self.add_weight(
            "kernel",
            (features, cols),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel",
            (self.units, cols),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                "bias",
                self._bias_shape(),
                initializer=self._bias_initializer(),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        c_contiguous(self.weights)
        self.built = True

    # ------------------------------------------------------------------------ step pieces
    def _step_masks(self, inputs, h_tm1, training):
        dp = self.get_dropout_mask_for_cell(inputs, training)
        rdp = self.get_recurrent_dropout_mask_for_cell(h_tm1, training)
        return (None if dp is None else dp[0]), (None if rdp is None else rdp[0])

    def fused_sequence(self, inputs, states, mask=None, go_backwards=False,
                       return_sequences=False, zero_output_for_mask=False, training=None):  # fmt: skip
        """Run the cell over ``inputs`` (batch, time, features) with one fused op; returns
        ``(output, new_states)``, or ``NotImplemented`` for subclasses with their own ``call``.
        """
        if not self._uses_builtin_call():
            return NotImplemented
        batch, _, features = _shape(inputs)
        dp = self._cached_mask("_dropout_mask_cache", self.dropout, (batch, features), training)
        rdp = self._cached_mask(
            "_recurrent_dropout_mask_cache", self.recurrent_dropout, (batch, self.units), training
        )
        kwargs = {
            "mask": mask,
            "go_backwards": go_backwards,
            "return_sequences": return_sequences,
            "dropout_mask": dp,
            "recurrent_dropout_mask": rdp,
            "zero_output_for_mask": zero_output_for_mask,
            "activation": fused_name(self.activation),
        }
        if self._HAS_RECURRENT_ACTIVATION:
            kwargs["recurrent_activation"] = fused_name(self.recurrent_activation)
        outs = self._sequence_op(inputs, list(states), kwargs)
        return outs[0], list(outs[1:])

    def _uses_builtin_call(self):
        cls = type(self)
        return cls.call is cls._BUILTIN_CALL  # (on the class: a plain function, not bound)

    # --------------------------------------------------------------------------- config
    def get_config(self):
        config = super().get_config()
        config.pop("batch_input_shape", None)
        config["units"] = self.units
        config["activation"] = activations.serialize(self.activation)
        if self._HAS_RECURRENT_ACTIVATION:
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config.update(
            {
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "dropout": self.dropout,
                "recurrent_dropout": self.recurrent_dropout,
            }
        )
        return config
