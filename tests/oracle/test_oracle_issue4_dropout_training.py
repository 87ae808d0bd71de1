"""Training-mode dropout of the recurrent and spatial-dropout layers against tf-keras 2.21, with
the *same* random masks in both libraries.

The two libraries draw their masks from different generators, so a plain comparison in
training mode is impossible. Here both are given one fixed mask per (shape, rate) instead:
kviz through ``kviz.layers.recurrent.cell_base.dropout_mask`` (what every built-in cell,
ConvLSTM2D's included, draws from) and ``kviz.ops.dropout`` (SpatialDropout), tf-keras through
the cells' ``get_dropout_mask_for_cell``/``get_recurrent_dropout_mask_for_cell`` and the
layers' ``_random_generator.dropout``. What is then compared is everything else: which tensors
the masks multiply (inputs, the recurrent state entering the recurrent products, one mask per
sequence, the same for every gate), the 1/(1 - rate) scaling, and the gradients (1e-4) of a
scalar loss with respect to the inputs and every weight; outputs to 1e-5.

Documented difference: tf-keras's LSTM/GRU layers with ``dropout`` but no
``recurrent_dropout`` (its cuDNN-compatible path) draw a mask of the whole
``(batch, time, features)`` input, a new one at every time step; kviz (like Keras 2.2, the
tf-keras cell path and Keras 3) draws one mask per sequence and reuses it at every step. The
test gives tf-keras that per-sequence mask repeated over time.
"""

from __future__ import annotations

import numpy as np
import oracle_utils as ou
import pytest

pytestmark = pytest.mark.keras_oracle


def fixed_mask(shape, rate, dtype="float32"):
    """An inverted-dropout mask that depends only on (shape, rate)."""
    shape = tuple(int(s) for s in shape)
    seed = (hash(shape) ^ int(rate * 1e6)) % (2**32)
    keep = np.random.default_rng(seed).random(shape) >= rate
    return (keep / (1.0 - rate)).astype(dtype)


@pytest.fixture
def kviz_fixed_masks(monkeypatch):
    from kviz.layers.recurrent import cell_base

    monkeypatch.setattr(cell_base, "dropout_mask", fixed_mask)


def _patch_tf_cell(cell, tf):
    def masks(inputs, rate, count):
        m = tf.constant(fixed_mask(tuple(inputs.shape), rate))
        return [m] * count if count > 1 else m

    def dp(inputs, training, count=1):
        return masks(inputs, cell.dropout, count) if cell.dropout and training else None

    def rdp(inputs, training, count=1):
        rate = cell.recurrent_dropout
        return masks(inputs, rate, count) if rate and training else None

    cell.get_dropout_mask_for_cell = dp
    cell.get_recurrent_dropout_mask_for_cell = rdp


def _patch_tf_layer(layer, tf):
    """LSTM/GRU's cuDNN-compatible path: one mask for the whole (batch, time, features) input;
    given the per-sequence mask repeated over time (see the module docstring)."""

    def dp(inputs, training, count=1):
        if not layer.dropout or not training:
            return None
        batch, time, features = inputs.shape
        m = fixed_mask((batch, features), layer.dropout)
        return [tf.constant(np.repeat(m[:, None, :], time, axis=1))] * count

    layer.get_dropout_mask_for_cell = dp


def _patch_tf_rnn(layer, tf):
    for rnn in [layer.forward_layer, layer.backward_layer] if hasattr(layer, "forward_layer") else [layer]:  # fmt: skip
        _patch_tf_layer(rnn, tf)
        for cell in getattr(rnn.cell, "cells", [rnn.cell]):
            _patch_tf_cell(cell, tf)


def _compare_training(km, tm, x, tf):
    """Outputs and gradients of sum(out * R) in training mode, kviz vs tf-keras."""
    from kviz import ops
    from kviz.autodiff import GradientTape

    k_out = [ou._np(o) for o in ou._as_list(km(x, training=True))]
    inference = [ou._np(o) for o in ou._as_list(km(x, training=False))]
    assert not all(np.allclose(a, b) for a, b in zip(k_out, inference, strict=True)), (
        "dropout changed nothing: the test would not test it"
    )
    rng = np.random.default_rng(1)
    rs = [rng.standard_normal(o.shape).astype("float32") for o in k_out]
    with GradientTape() as tape:
        xv = tape.watch(x)
        outs = ou._as_list(km(xv, training=True))
        loss = ops.sum(ops.multiply(outs[0], rs[0]))
        for o, r in zip(outs[1:], rs[1:], strict=True):
            loss = ops.add(loss, ops.sum(ops.multiply(o, r)))
    k_grads = tape.gradient(loss, [xv] + km.trainable_weights)
    tx = tf.constant(x)
    with tf.GradientTape() as ttape:
        ttape.watch(tx)
        t_out = ou._as_list(tm(tx, training=True))
        t_loss = tf.add_n([tf.reduce_sum(o * r) for o, r in zip(t_out, rs, strict=True)])
    t_grads = ttape.gradient(t_loss, [tx] + tm.trainable_weights)
    for i, (a, b) in enumerate(zip(k_out, t_out, strict=True)):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-5, atol=1e-5, err_msg=f"output {i}")
    assert len(k_grads) == len(t_grads)
    for i, (a, b) in enumerate(zip(k_grads, t_grads, strict=True)):
        np.testing.assert_allclose(
            ou._np(a), ou._dense(b), rtol=1e-4, atol=1e-4, err_msg=f"gradient {i} (input first)"
        )


RNN_CASES = {
    "simple_rnn_dropout": (
        lambda k: k.layers.SimpleRNN(3, dropout=0.3, return_sequences=True),
        (5, 4),
    ),
    "simple_rnn_both": (
        lambda k: k.layers.SimpleRNN(3, dropout=0.3, recurrent_dropout=0.4, go_backwards=True),
        (5, 4),
    ),
    "lstm_dropout": (lambda k: k.layers.LSTM(3, dropout=0.3, return_sequences=True), (5, 4)),
    "lstm_both": (
        lambda k: k.layers.LSTM(3, dropout=0.3, recurrent_dropout=0.4, return_sequences=True),
        (5, 4),
    ),
    "lstm_recurrent_only_state": (
        lambda k: k.layers.LSTM(3, recurrent_dropout=0.4, return_state=True),
        (5, 4),
    ),
    "gru_dropout": (lambda k: k.layers.GRU(3, dropout=0.3), (5, 4)),
    "gru_both": (
        lambda k: k.layers.GRU(3, dropout=0.3, recurrent_dropout=0.4, return_sequences=True),
        (5, 4),
    ),
    "gru_reset_before_dropout": (
        lambda k: k.layers.GRU(3, dropout=0.3, reset_after=False),
        (5, 4),
    ),
    "gru_reset_before_both_back": (
        lambda k: k.layers.GRU(
            3, dropout=0.3, recurrent_dropout=0.4, reset_after=False, go_backwards=True
        ),
        (5, 4),
    ),
    "rnn_stacked_cells": (
        lambda k: k.layers.RNN(
            [
                k.layers.LSTMCell(3, dropout=0.2, recurrent_dropout=0.3),
                k.layers.GRUCell(2, dropout=0.25, recurrent_dropout=0.35),
            ],
            return_sequences=True,
        ),
        (5, 4),
    ),
    "bidirectional_lstm": (
        lambda k: k.layers.Bidirectional(k.layers.LSTM(3, dropout=0.3, recurrent_dropout=0.4)),
        (5, 4),
    ),
    "conv_lstm2d": (
        lambda k: k.layers.ConvLSTM2D(
            2, 2, padding="same", dropout=0.3, recurrent_dropout=0.4, return_sequences=True
        ),
        (3, 4, 4, 3),
    ),
}


@pytest.mark.parametrize("name", sorted(RNN_CASES))
def test_recurrent_dropout_in_training(name, tk, tf, kviz_fixed_masks):
    make, shape = RNN_CASES[name]
    km, tm = ou.build_pair(ou.single_layer_model(make, shape))
    _patch_tf_rnn(tm.layers[1], tf)
    _compare_training(km, tm, ou.random_input(shape, batch=3), tf)


def test_masked_lstm_dropout_in_training(tk, tf, kviz_fixed_masks):
    """Embedding(mask_zero) + LSTM with both dropouts: masked steps keep the previous state."""

    def build(keras):
        inp = keras.layers.Input(shape=(6,), dtype="int32")
        h = keras.layers.Embedding(7, 4, mask_zero=True)(inp)
        out = keras.layers.LSTM(3, dropout=0.3, recurrent_dropout=0.4, return_sequences=True)(h)
        return keras.models.Model(inp, out)

    km, tm = ou.build_pair(build)
    _patch_tf_rnn(tm.layers[2], tf)
    x = np.array([[1, 2, 0, 3, 0, 0], [4, 5, 6, 1, 2, 3], [0, 0, 2, 2, 1, 0]], "int32")
    k_out = ou._np(km(x, training=True))
    t_out = tm(tf.constant(x), training=True).numpy()
    np.testing.assert_allclose(k_out, t_out, rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------------ SpatialDropout
SPATIAL = [
    ("SpatialDropout1D", {}, (5, 3)),
    ("SpatialDropout2D", {}, (3, 4, 3)),
    ("SpatialDropout2D", {"data_format": "channels_first"}, (3, 4, 3)),
    ("SpatialDropout3D", {}, (2, 3, 2, 3)),
    ("SpatialDropout3D", {"data_format": "channels_first"}, (3, 2, 2, 2)),
]


@pytest.mark.parametrize("name,kw,shape", SPATIAL)
def test_spatial_dropout_in_training(name, kw, shape, tk, tf, monkeypatch):
    """One draw per (sample, channel), scaled by 1/(1 - rate), in both libraries."""
    import kviz

    def kviz_dropout(x, rate, noise_shape=None, seed=None):
        return kviz.ops.multiply(x, fixed_mask(noise_shape, rate))

    monkeypatch.setattr(kviz.ops, "dropout", kviz_dropout)
    km, tm = ou.build_pair(
        ou.single_layer_model(lambda k: getattr(k.layers, name)(0.5, **kw), shape)
    )

    def tf_dropout(inputs, rate, noise_shape=None):
        return inputs * tf.constant(fixed_mask(np.asarray(noise_shape), rate))

    tm.layers[1]._random_generator.dropout = tf_dropout
    _compare_training(km, tm, ou.random_input(shape, batch=4), tf)
