"""Recurrent ops: whole-sequence SimpleRNN / LSTM / GRU, their single steps, and ``K.rnn``.

* :func:`simple_rnn`, :func:`lstm`, :func:`gru` run a layer over a whole ``(batch, time,
  features)`` sequence and return ``(output, *final_states)``; ``output`` is ``(batch, time,
  units)`` with ``return_sequences`` else ``(batch, units)``. With the activations the
  fused kernels know (``'tanh'``, ``'sigmoid'``, ``'hard_sigmoid'``, ``'relu'``,
  ``'linear'``, given as *names*) they run one primitive from :mod:`kviz.ops.rnn_sequence`
  (one input GEMM, per step one recurrent GEMM and one fused gate kernel, backward through
  time as its VJP). Any other activation (a callable, e.g. ``kviz.activations.elu``), or
  ``fused=False``, takes the generic path: the input projection as one op, then
  :func:`rnn` over the step function (:func:`simple_rnn_step`, :func:`lstm_step`,
  :func:`gru_step`) built from ordinary ops, differentiated by the tape step by step
  (several times slower; ``tests/ops/test_rnn.py`` checks both paths agree).
* :func:`rnn` is Keras's ``K.rnn(step_function, inputs, initial_states, go_backwards, mask,
  constants, unroll, input_length)``: a Python loop over time calling
  ``step_function(x_t, states + constants) -> (output_t, new_states)``.

Maths (Keras 2; gate order and weight layouts as ``tf.keras``): SimpleRNN
``h = act(x W + h U + b)``. LSTM (gates i, f, c, o) ``c' = f c + i act(x W_c + h U_c + b_c)``,
``h' = o act(c')``, ``i, f, o = ract(...)``. GRU (gates z, r, h) ``h' = z h + (1 - z) hh``;
``reset_after=True`` (tf.keras default, bias ``(2, 3U)`` = input and recurrent biases):
``hh = act(x W_h + b_h + r (h U_h + b'_h))``; ``reset_after=False`` (Keras 2.2, bias ``(3U,)``):
``hh = act(x W_h + (r h) U_h + b_h)``.

``zero_output_for_mask`` makes masked steps output zeros (Bidirectional's sub-layers with
``return_sequences``). Masks, ``go_backwards`` and the dropout masks (``dropout_mask`` (B, F) on the inputs,
``recurrent_dropout_mask`` (B, U) on the state entering each recurrent product; fixed for the
sequence, shared by the gates) follow :mod:`kviz.ops.rnn_sequence`.

>>> import numpy as np
>>> x = np.ones((2, 3, 4), 'float32')
>>> h0 = c0 = np.zeros((2, 5), 'float32')
>>> w, u, b = np.full((4, 20), 0.1, 'float32'), np.zeros((5, 20), 'float32'), np.zeros(20, 'float32')
>>> out, h, c = lstm(x, h0, c0, w, u, b)
>>> out.shape, h.shape, bool(np.allclose(out, h))
((2, 5), (2, 5), True)
>>> seq, h = gru(x, h0, np.zeros((4, 15), 'float32'), np.zeros((5, 15), 'float32'),
...              return_sequences=True)
>>> seq.shape
(2, 3, 5)
"""

from __future__ import annotations

import numpy as np

from kviz.kernels.rnn import ACTIVATIONS
from kviz.ops import array as a
from kviz.ops import linalg as la
from kviz.ops import math as m
from kviz.ops import nn
from kviz.ops.core import apply, op
from kviz.ops.rnn_sequence import gru_sequence, lstm_sequence, simple_rnn_sequence

__all__ = [
    "rnn", "simple_rnn", "lstm", "gru", "simple_rnn_step", "lstm_step", "gru_step",
    "rnn_activation_code",
]  # fmt: skip


def _v(x):
    return x.data if hasattr(x, "_op") else x


def rnn_activation_code(activation):
    """The fused-kernel code of an activation *name* (``'tanh'``...), None otherwise."""
    if activation is None:
        return ACTIVATIONS["linear"]
    if isinstance(activation, str):
        return ACTIVATIONS.get(activation)
    return None


_OPS = {
    "linear": lambda x: x,
    "tanh": m.tanh,
    "sigmoid": m.sigmoid,
    "hard_sigmoid": nn.hard_sigmoid,
    "relu": nn.relu,
}


def _act_fn(activation):
    if activation is None:
        return _OPS["linear"]
    if isinstance(activation, str):
        if activation not in _OPS:
            raise ValueError(
                f"Unknown recurrent activation name {activation!r}: pass one of "
                f"{sorted(_OPS)} or a callable"
            )
        return _OPS[activation]
    return activation


# =========================================================================== K.rnn (generic)
def _mask_array(mask):
    if mask is None:
        return None
    mask = np.asarray(_v(mask)).astype(bool)
    if mask.ndim == 3:  # (B, T, 1) masks
        mask = mask[..., 0]
    return mask


def _keep_like(keep, x):
    return keep.reshape(keep.shape + (1,) * (np.ndim(_v(x)) - 1))


def _step_slicer(inputs, steps, time_major):
    """``t -> inputs[:, t]``. On a recorded Tensor every slice's gradient is a full-size array
    and the tape sums them: T slices cost O(T^2). Slicing ~sqrt(T) chunks first and the steps
    from the chunks costs O(T^1.5) instead (4x less work at T = 80)."""

    def index(t):
        return t if time_major else (slice(None), t)

    def span(start, stop):
        return slice(start, stop) if time_major else (slice(None), slice(start, stop))

    if not hasattr(inputs, "_op") or steps <= 16:
        return lambda t: a.getitem(inputs, index(t))
    size = max(1, int(round(steps**0.5)))
    chunks = {}

    def step_input(t):
        k = t // size
        chunk = chunks.get(k)
        if chunk is None:
            chunk = chunks[k] = a.getitem(inputs, span(k * size, min(steps, (k + 1) * size)))
        return a.getitem(chunk, index(t - k * size))

    return step_input


@op
def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None,
        unroll=False, input_length=None, time_major=False, zero_output_for_mask=False,
        return_all_outputs=True):  # fmt: skip
    """Keras's ``K.rnn``: iterate ``step_function`` over the time axis of ``inputs``.

    ``step_function(input_t, states + constants)`` returns ``(output_t, new_states)``.
    Returns ``(last_output, outputs, new_states)``; ``outputs`` stacks the step outputs on
    axis 1 (axis 0 with ``time_major``) in processing order. ``mask`` (batch, time) skips
    steps: a masked step keeps the states and repeats the previous output (zeros before the
    first one, or always with ``zero_output_for_mask``). ``unroll`` and ``input_length`` are
    accepted for compatibility (the loop is always a Python loop).

    >>> import numpy as np
    >>> def step(x, states):
    ...     s = states[0] + x
    ...     return s, [s]
    >>> last, outs, states = rnn(step, np.ones((1, 3, 2), 'float32'), [np.zeros((1, 2), 'float32')])
    >>> last.tolist(), outs.shape
    ([[3.0, 3.0]], (1, 3, 2))
    """
    steps = np.shape(_v(inputs))[0 if time_major else 1]
    states = list(initial_states) if isinstance(initial_states, (list, tuple)) else [initial_states]
    constants = list(constants or [])
    keep_all = _mask_array(mask)
    if keep_all is not None and time_major:
        keep_all = keep_all.T
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    step_input = _step_slicer(inputs, steps, time_major)
    outputs, prev = [], None
    for t in order:
        x_t = step_input(t)
        out, new_states = step_function(x_t, states + constants)
        new_states = list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
        if keep_all is not None:
            keep = keep_all[:, t]
            if not keep.all():
                base = prev
                if base is None or zero_output_for_mask:
                    base = np.zeros(np.shape(_v(out)), dtype=np.asarray(_v(out)).dtype)
                out = m.where(_keep_like(keep, out), out, base)
                new_states = [
                    m.where(_keep_like(keep, s_new), s_new, s_old)
                    for s_new, s_old in zip(new_states, states, strict=True)
                ]
        outputs.append(out)
        prev, states = out, new_states
    if not outputs:
        raise ValueError("rnn: the inputs have no time steps")
    last = outputs[-1]
    if return_all_outputs:
        stacked = a.stack(outputs, axis=0 if time_major else 1)
    else:
        stacked = a.expand_dims(last, 0 if time_major else 1)
    return last, stacked, states


# ================================================================================ step maths
def _cols(x, start, stop):
    return a.getitem(x, (Ellipsis, slice(start, stop)))


def _recurrent(h, recurrent_kernel, rec_mask):
    if rec_mask is not None:
        h = m.multiply(h, rec_mask)
    return la.matmul(h, recurrent_kernel)


def simple_rnn_step(xp_t, h, recurrent_kernel, activation="tanh", rec_mask=None):
    """One SimpleRNN step from the projected input ``xp_t = x_t W + b``: ``act(xp_t + h U)``."""
    return _act_fn(activation)(m.add(xp_t, _recurrent(h, recurrent_kernel, rec_mask)))


def lstm_step(xp_t, h, c, recurrent_kernel, activation="tanh", recurrent_activation="sigmoid",
              rec_mask=None):  # fmt: skip
    """One LSTM step from ``xp_t = x_t W + b`` (gates i, f, c, o): returns ``(h', c')``."""
    act, ract = _act_fn(activation), _act_fn(recurrent_activation)
    units = np.shape(_v(recurrent_kernel))[0]
    z = m.add(xp_t, _recurrent(h, recurrent_kernel, rec_mask))
    i = ract(_cols(z, 0, units))
    f = ract(_cols(z, units, 2 * units))
    g = act(_cols(z, 2 * units, 3 * units))
    o = ract(_cols(z, 3 * units, 4 * units))
    c_new = m.add(m.multiply(f, c), m.multiply(i, g))
    return m.multiply(o, act(c_new)), c_new


def gru_step(xp_t, h, recurrent_kernel, recurrent_bias=None, activation="tanh",
             recurrent_activation="sigmoid", reset_after=True, rec_mask=None):  # fmt: skip
    """One GRU step from ``xp_t = x_t W + b_input`` (gates z, r, h): returns ``h'``.

    ``recurrent_bias`` (3U,) is the second bias row of ``reset_after=True``.
    """
    act, ract = _act_fn(activation), _act_fn(recurrent_activation)
    units = np.shape(_v(recurrent_kernel))[0]
    hd = h if rec_mask is None else m.multiply(h, rec_mask)
    if reset_after:
        rec = la.matmul(hd, recurrent_kernel)
        if recurrent_bias is not None:
            rec = m.add(rec, recurrent_bias)
        z = ract(m.add(_cols(xp_t, 0, units), _cols(rec, 0, units)))
        r = ract(m.add(_cols(xp_t, units, 2 * units), _cols(rec, units, 2 * units)))
        hh = act(
            m.add(_cols(xp_t, 2 * units, 3 * units), m.multiply(r, _cols(rec, 2 * units, None)))
        )
    else:
        rec = la.matmul(hd, _cols(recurrent_kernel, 0, 2 * units))
        z = ract(m.add(_cols(xp_t, 0, units), _cols(rec, 0, units)))
        r = ract(m.add(_cols(xp_t, units, 2 * units), _cols(rec, units, 2 * units)))
        rh = la.matmul(m.multiply(r, hd), _cols(recurrent_kernel, 2 * units, None))
        hh = act(m.add(_cols(xp_t, 2 * units, 3 * units), rh))
    return m.add(m.multiply(z, h), m.multiply(m.subtract(1.0, z), hh))


# ============================================================================ whole sequences
def _float_dtype(x):
    dtype = np.dtype(getattr(x, "dtype", None) or np.asarray(_v(x)).dtype)
    return dtype if dtype.kind == "f" else np.dtype(np.float32)


def _as_mask(mask, dtype):
    """A dropout mask in the computation's dtype (a float64 mask must not promote float32)."""
    return None if mask is None else np.asarray(_v(mask)).astype(dtype, copy=False)


def _sequence_params(mask, go_backwards, return_sequences, dropout_mask, recurrent_dropout_mask,
                     zero_output_for_mask=False, dtype=np.float32):  # fmt: skip
    keep = _mask_array(mask)
    if keep is not None and keep.all():
        keep = None
    return {
        "need_dx": True,
        "zero_output": bool(zero_output_for_mask),
        "mask": keep,
        "go_backwards": bool(go_backwards),
        "return_sequences": bool(return_sequences),
        "in_mask": _as_mask(dropout_mask, dtype),
        "rec_mask": _as_mask(recurrent_dropout_mask, dtype),
    }  # fmt: skip


def _unpack(packed, steps, return_sequences, n_states):
    to = steps if return_sequences else 1
    if return_sequences:
        out = a.getitem(packed, (slice(None), slice(0, to)))
    else:
        out = a.getitem(packed, (slice(None), 0))
    return (out,) + tuple(a.getitem(packed, (slice(None), to + k)) for k in range(n_states))


def _generic(step, inputs, states, kernel, bias, p):
    x = inputs
    if p["in_mask"] is not None:
        x = m.multiply(x, p["in_mask"][:, None, :])
    xp = la.dense(x, kernel, bias)
    last, outs, new_states = rnn(step, xp, list(states), go_backwards=p["go_backwards"],
                                 mask=p["mask"], zero_output_for_mask=p["zero_output"])  # fmt: skip
    return (outs if p["return_sequences"] else last,) + tuple(new_states)


def _recorded(x):
    """Whether a gradient can flow into ``x`` (a tape Tensor), so its VJP is worth computing."""
    return hasattr(x, "_op")


def _use_fused(fused, *codes):
    known = all(c is not None for c in codes)
    if fused and not known:
        raise ValueError("fused=True needs activations given by name (tanh, sigmoid, ...)")
    return known if fused is None else bool(fused)


def _check(inputs, kernel, recurrent_kernel, gates, name):
    sx, sk, sr = np.shape(_v(inputs)), np.shape(_v(kernel)), np.shape(_v(recurrent_kernel))
    if len(sx) != 3:
        raise ValueError(f"{name}: inputs must be (batch, time, features); received {sx}")
    units = sr[0]
    if sk != (sx[2], gates * units) or sr != (units, gates * units):
        raise ValueError(
            f"{name}: kernel {sk} / recurrent kernel {sr} do not fit inputs {sx} with "
            f"{gates} gates of {units} units"
        )
    return sx[1]


@op
def simple_rnn(inputs, initial_state, kernel, recurrent_kernel, bias=None, activation="tanh",
               mask=None, go_backwards=False, return_sequences=False, dropout_mask=None,
               recurrent_dropout_mask=None, zero_output_for_mask=False, fused=None):  # fmt: skip
    """SimpleRNN over a sequence: ``(output, h)``. See the module docstring."""
    steps = _check(inputs, kernel, recurrent_kernel, 1, "simple_rnn")
    p = _sequence_params(mask, go_backwards, return_sequences, dropout_mask,
                         recurrent_dropout_mask, zero_output_for_mask, _float_dtype(inputs))  # fmt: skip
    code = rnn_activation_code(activation)
    if _use_fused(fused, code):
        packed = apply(simple_rnn_sequence, (inputs, initial_state, kernel, recurrent_kernel, bias),
                       dict(p, act=code, need_dx=_recorded(inputs)))  # fmt: skip
        return _unpack(packed, steps, return_sequences, 1)

    def step(xp_t, states):
        h = simple_rnn_step(xp_t, states[0], recurrent_kernel, activation, p["rec_mask"])
        return h, [h]

    return _generic(step, inputs, [initial_state], kernel, bias, p)


@op
def lstm(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias=None, activation="tanh",
         recurrent_activation="sigmoid", mask=None, go_backwards=False, return_sequences=False,
         dropout_mask=None, recurrent_dropout_mask=None, zero_output_for_mask=False, fused=None):  # fmt: skip
    """LSTM over a sequence: ``(output, h, c)``. See the module docstring."""
    steps = _check(inputs, kernel, recurrent_kernel, 4, "lstm")
    p = _sequence_params(mask, go_backwards, return_sequences, dropout_mask,
                         recurrent_dropout_mask, zero_output_for_mask, _float_dtype(inputs))  # fmt: skip
    codes = rnn_activation_code(activation), rnn_activation_code(recurrent_activation)
    if _use_fused(fused, *codes):
        packed = apply(lstm_sequence,
                       (inputs, initial_h, initial_c, kernel, recurrent_kernel, bias),
                       dict(p, act=codes[0], ract=codes[1], need_dx=_recorded(inputs)))  # fmt: skip
        return _unpack(packed, steps, return_sequences, 2)

    def step(xp_t, states):
        h, c = lstm_step(xp_t, states[0], states[1], recurrent_kernel, activation,
                         recurrent_activation, p["rec_mask"])  # fmt: skip
        return h, [h, c]

    return _generic(step, inputs, [initial_h, initial_c], kernel, bias, p)


@op
def gru(inputs, initial_state, kernel, recurrent_kernel, bias=None, activation="tanh",
        recurrent_activation="sigmoid", reset_after=True, mask=None, go_backwards=False,
        return_sequences=False, dropout_mask=None, recurrent_dropout_mask=None, zero_output_for_mask=False, fused=None):  # fmt: skip
    """GRU over a sequence: ``(output, h)``. ``bias`` is ``(2, 3U)`` with ``reset_after``
    (input bias, recurrent bias), else ``(3U,)``. See the module docstring."""
    steps = _check(inputs, kernel, recurrent_kernel, 3, "gru")
    p = _sequence_params(mask, go_backwards, return_sequences, dropout_mask,
                         recurrent_dropout_mask, zero_output_for_mask, _float_dtype(inputs))  # fmt: skip
    codes = rnn_activation_code(activation), rnn_activation_code(recurrent_activation)
    if _use_fused(fused, *codes):
        packed = apply(gru_sequence, (inputs, initial_state, kernel, recurrent_kernel, bias),
                       dict(p, act=codes[0], ract=codes[1], reset_after=bool(reset_after),
                            need_dx=_recorded(inputs)))  # fmt: skip
        return _unpack(packed, steps, return_sequences, 1)
    in_bias = rec_bias = bias
    if reset_after and bias is not None:
        in_bias, rec_bias = a.getitem(bias, 0), a.getitem(bias, 1)
    elif not reset_after:
        rec_bias = None

    def step(xp_t, states):
        h = gru_step(xp_t, states[0], recurrent_kernel, rec_bias, activation,
                     recurrent_activation, reset_after, p["rec_mask"])  # fmt: skip
        return h, [h]

    return _generic(step, inputs, [initial_state], kernel, in_bias, p)
