"""Recurrent layers and wrappers against tf-keras 2.21: the same weights give the same outputs
(1e-5) and the same gradients of ``sum(output * R)`` with respect to the inputs and every
trainable weight (1e-4); parameter counts, summaries' footers and layer configs agree.

Covers SimpleRNN/GRU (both reset_after forms)/LSTM with their options (activations, masks
from Embedding(mask_zero) and Masking, go_backwards, return_sequences, return_state,
initial_state, stateful across batches), RNN over built-in and stacked cells, Bidirectional
(every merge mode, a custom backward layer, states), TimeDistributed over a layer and over
models, JSON both ways, and a small imdb-style model trained with SGD.
"""

import json

import numpy as np
import oracle_utils as ou
import pytest

pytestmark = pytest.mark.keras_oracle

SHAPE = (5, 3)


def _layer_cases():
    return {
        "simple_rnn": lambda k: k.layers.SimpleRNN(4),
        "simple_rnn_seq_relu": lambda k: k.layers.SimpleRNN(
            4, activation="relu", return_sequences=True
        ),
        "simple_rnn_back_nobias": lambda k: k.layers.SimpleRNN(
            3, go_backwards=True, use_bias=False
        ),
        "simple_rnn_return_state": lambda k: k.layers.SimpleRNN(3, return_state=True),
        "simple_rnn_seq_state_back": lambda k: k.layers.SimpleRNN(
            3, return_sequences=True, return_state=True, go_backwards=True
        ),
        # dropout/recurrent_dropout: the identity at inference; tf.keras then writes
        # implementation=1 into LSTM/GRU configs (training-mode masks:
        # test_oracle_issue4_rnn_dropout.py)
        "simple_rnn_dropout": lambda k: k.layers.SimpleRNN(
            3, dropout=0.3, recurrent_dropout=0.2, return_sequences=True
        ),
        "lstm_dropout": lambda k: k.layers.LSTM(3, dropout=0.3, recurrent_dropout=0.4),
        "lstm_dropout_only": lambda k: k.layers.LSTM(3, dropout=0.3, return_sequences=True),
        "gru_dropout": lambda k: k.layers.GRU(
            3, dropout=0.3, recurrent_dropout=0.4, return_sequences=True
        ),
        "gru_reset_before_dropout": lambda k: k.layers.GRU(
            3, dropout=0.3, recurrent_dropout=0.4, reset_after=False
        ),
        "lstm_unroll": lambda k: k.layers.LSTM(3, unroll=True, return_sequences=True),
        "gru_unroll_reset_before": lambda k: k.layers.GRU(3, unroll=True, reset_after=False),
        "lstm_implementation1": lambda k: k.layers.LSTM(3, implementation=1),
        "gru_implementation1": lambda k: k.layers.GRU(3, implementation=1),
        "lstm": lambda k: k.layers.LSTM(4),
        "lstm_seq": lambda k: k.layers.LSTM(4, return_sequences=True),
        "lstm_back_seq": lambda k: k.layers.LSTM(4, go_backwards=True, return_sequences=True),
        "lstm_hard_sigmoid": lambda k: k.layers.LSTM(4, recurrent_activation="hard_sigmoid"),
        "lstm_generic_act": lambda k: k.layers.LSTM(
            3, activation="softsign", return_sequences=True
        ),
        "lstm_no_forget_bias": lambda k: k.layers.LSTM(3, unit_forget_bias=False, use_bias=False),
        "lstm_return_state": lambda k: k.layers.LSTM(4, return_state=True),
        "lstm_seq_state_back": lambda k: k.layers.LSTM(
            2, return_sequences=True, return_state=True, go_backwards=True
        ),
        "gru": lambda k: k.layers.GRU(4),
        "gru_seq_back": lambda k: k.layers.GRU(4, return_sequences=True, go_backwards=True),
        "gru_reset_before": lambda k: k.layers.GRU(4, reset_after=False),
        "gru_keras22": lambda k: k.layers.GRU(
            4, reset_after=False, recurrent_activation="hard_sigmoid", return_sequences=True
        ),
        "gru_generic_act": lambda k: k.layers.GRU(3, activation="elu", reset_after=False),
        "gru_return_state": lambda k: k.layers.GRU(3, return_state=True, return_sequences=True),
        "gru_nobias": lambda k: k.layers.GRU(3, use_bias=False),
        "rnn_lstm_cell": lambda k: k.layers.RNN(k.layers.LSTMCell(4)),
        "rnn_gru_cell_state": lambda k: k.layers.RNN(k.layers.GRUCell(3), return_state=True),
        "rnn_simple_cell_seq": lambda k: k.layers.RNN(
            k.layers.SimpleRNNCell(3), return_sequences=True, go_backwards=True
        ),
        "rnn_stacked": lambda k: k.layers.RNN(
            [k.layers.LSTMCell(4), k.layers.GRUCell(3), k.layers.SimpleRNNCell(2)],
            return_sequences=True,
        ),
        "rnn_stacked_cells_explicit": lambda k: k.layers.RNN(
            k.layers.StackedRNNCells([k.layers.SimpleRNNCell(3), k.layers.LSTMCell(2)]),
            return_sequences=True,
        ),
        "rnn_stacked_cells_state": lambda k: k.layers.RNN(
            k.layers.StackedRNNCells([k.layers.GRUCell(3), k.layers.GRUCell(2)]),
            return_state=True,
        ),
        "rnn_gru_cell_reset_before_back": lambda k: k.layers.RNN(
            k.layers.GRUCell(3, reset_after=False), go_backwards=True
        ),
        "rnn_lstm_cell_seq_state": lambda k: k.layers.RNN(
            k.layers.LSTMCell(3), return_sequences=True, return_state=True
        ),
        "rnn_cell_dropout": lambda k: k.layers.RNN(
            k.layers.LSTMCell(3, dropout=0.2, recurrent_dropout=0.2)
        ),
        "bidir_concat": lambda k: k.layers.Bidirectional(k.layers.LSTM(4)),
        "bidir_sum_seq": lambda k: k.layers.Bidirectional(
            k.layers.GRU(3, return_sequences=True), merge_mode="sum"
        ),
        "bidir_mul": lambda k: k.layers.Bidirectional(k.layers.SimpleRNN(3), merge_mode="mul"),
        "bidir_ave_seq": lambda k: k.layers.Bidirectional(
            k.layers.LSTM(3, return_sequences=True), merge_mode="ave"
        ),
        "bidir_none": lambda k: k.layers.Bidirectional(
            k.layers.LSTM(3, return_sequences=True), merge_mode=None
        ),
        "bidir_state": lambda k: k.layers.Bidirectional(k.layers.LSTM(3, return_state=True)),
        "bidir_backward_layer": lambda k: k.layers.Bidirectional(
            k.layers.LSTM(3), backward_layer=k.layers.GRU(3, go_backwards=True)
        ),
        "bidir_gru_reset_before": lambda k: k.layers.Bidirectional(
            k.layers.GRU(3, reset_after=False, return_sequences=True)
        ),
        "bidir_none_state": lambda k: k.layers.Bidirectional(
            k.layers.GRU(3, return_state=True, return_sequences=True), merge_mode=None
        ),
        "bidir_ave_simple_state": lambda k: k.layers.Bidirectional(
            k.layers.SimpleRNN(2, return_state=True), merge_mode="ave"
        ),
        "bidir_rnn_cell_mul": lambda k: k.layers.Bidirectional(
            k.layers.RNN(k.layers.LSTMCell(2), return_sequences=True), merge_mode="mul"
        ),
        "td_dense": lambda k: k.layers.TimeDistributed(k.layers.Dense(3, activation="tanh")),
        "td_dense_relu": lambda k: k.layers.TimeDistributed(k.layers.Dense(2, activation="relu")),
        "td_dropout": lambda k: k.layers.TimeDistributed(k.layers.Dropout(0.5)),
        "td_layer_norm": lambda k: k.layers.TimeDistributed(k.layers.LayerNormalization()),
    }


CASES = _layer_cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_outputs_gradients_configs(name, tk):
    ou.check_layer_pair(CASES[name], SHAPE, gradients=True)


def test_stacked_cells_return_state_flat(tk, tf):
    """tf.keras nests the states per cell (``[out, [h1, c1], [h2, c2]]``); kviz returns them
    flat in the same order (``[out, h1, c1, h2, c2]``, as ``compute_output_shape`` says in
    both)."""

    def make(k):
        return k.layers.RNN([k.layers.LSTMCell(3), k.layers.LSTMCell(2)], go_backwards=True,
                            return_state=True)  # fmt: skip

    km, tm = ou.build_pair(ou.single_layer_model(make, SHAPE))
    x = ou.random_input(SHAPE)
    k_out = ou.kviz_predict(km, x)
    t_out = [o.numpy() for o in tf.nest.flatten(tm(tf.constant(x)))]
    assert [o.shape for o in k_out] == [o.shape for o in t_out]
    for a, b in zip(k_out, t_out, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert km.layers[1].compute_output_shape((None,) + SHAPE) == [
        tuple(s) for s in tm.layers[1].compute_output_shape((None,) + SHAPE)
    ]


def test_time_distributed_rank4(tk):
    ou.check_layer_pair(
        lambda k: k.layers.TimeDistributed(k.layers.Dense(2)), (4, 3, 2), gradients=True
    )


CONV_LSTM = {
    "valid": (lambda k: k.layers.ConvLSTM2D(2, (3, 3)), (3, 5, 4, 2)),
    "same_seq_back": (
        lambda k: k.layers.ConvLSTM2D(
            2, (3, 3), padding="same", return_sequences=True, go_backwards=True
        ),
        (3, 5, 4, 2),
    ),  # fmt: skip
    "strides_state_sigmoid": (
        lambda k: k.layers.ConvLSTM2D(
            2, (2, 2), strides=2, return_state=True, recurrent_activation="sigmoid"
        ),
        (3, 5, 4, 2),
    ),  # fmt: skip
    "dilation_nobias": (
        lambda k: k.layers.ConvLSTM2D(
            2, (3, 3), dilation_rate=2, padding="same", use_bias=False, unit_forget_bias=False
        ),
        (2, 5, 5, 1),
    ),  # fmt: skip
}


CONV_LSTM.update(
    {
        "dropout_inference": (
            lambda k: k.layers.ConvLSTM2D(
                2, 2, dropout=0.3, recurrent_dropout=0.3, return_sequences=True
            ),
            (3, 4, 4, 2),
        ),
        "same_seq_state": (
            lambda k: k.layers.ConvLSTM2D(
                2, 3, padding="same", return_sequences=True, return_state=True
            ),
            (3, 4, 4, 1),
        ),
        "relu_hard_sigmoid": (
            lambda k: k.layers.ConvLSTM2D(
                2, 2, activation="relu", recurrent_activation="hard_sigmoid"
            ),
            (3, 4, 4, 2),
        ),
        "strides_same": (
            lambda k: k.layers.ConvLSTM2D(2, 3, strides=2, padding="same"),
            (2, 5, 5, 2),
        ),
    }
)

# TimeDistributed over image layers: (time, rows, cols, channels) inputs
TD_IMAGE = {
    "conv2d": (lambda k: k.layers.TimeDistributed(k.layers.Conv2D(2, 2)), (3, 4, 4, 2)),
    "max_pooling2d": (
        lambda k: k.layers.TimeDistributed(k.layers.MaxPooling2D()),
        (3, 4, 4, 2),
    ),
    "flatten": (lambda k: k.layers.TimeDistributed(k.layers.Flatten()), (3, 2, 2, 2)),
    "conv1d_same": (
        lambda k: k.layers.TimeDistributed(k.layers.Conv1D(2, 2, padding="same")),
        (3, 4, 2),
    ),
}


@pytest.mark.parametrize("name", sorted(TD_IMAGE))
def test_time_distributed_image_layers(name, tk):
    make, shape = TD_IMAGE[name]
    ou.check_layer_pair(make, shape, gradients=True)


@pytest.mark.parametrize("name", sorted(CONV_LSTM))
def test_conv_lstm2d(name, tk):
    make, shape = CONV_LSTM[name]
    ou.check_layer_pair(make, shape, gradients=True)


@pytest.mark.parametrize(
    "kw",
    [
        {"filters": 2, "kernel_size": 2},
        {
            "filters": 2,
            "kernel_size": 3,
            "padding": "same",
            "return_sequences": True,
            "go_backwards": True,
        },
    ],  # fmt: skip
)
def test_conv_lstm2d_channels_first(kw, tk):
    """kviz's channels_first ConvLSTM2D vs tf-keras's channels_last one between two Permutes
    (TensorFlow's CPU convolutions refuse NCHW); configs compared on unbuilt layers."""
    import kviz

    shape_first = (3, 2, 4, 5)  # (time, channels, rows, cols)
    seq = kw.get("return_sequences", False)

    def build_tf(keras):
        inp = keras.layers.Input(shape_first)
        h = keras.layers.Permute((1, 3, 4, 2))(inp)
        h = keras.layers.ConvLSTM2D(**kw)(h)
        return keras.models.Model(inp, keras.layers.Permute((1, 4, 2, 3) if seq else (3, 1, 2))(h))

    kviz.backend.clear_session()
    inp = kviz.layers.Input(shape_first)
    km = kviz.models.Model(inp, kviz.layers.ConvLSTM2D(**kw, data_format="channels_first")(inp))
    tm = build_tf(tk)
    ou.randomize_weights(km)
    tm.layers[2].set_weights(km.layers[1].get_weights())
    x = ou.random_input(shape_first, batch=2)
    ou.assert_same_predictions(km, tm, x)
    ou.assert_same_gradients(km, tm, x)
    t_layer = tk.layers.ConvLSTM2D(**kw, data_format="channels_first")
    k_config = km.layers[1].get_config() | {"name": t_layer.name}
    assert not ou.config_differences(k_config, t_layer.get_config(), "ConvLSTM2D")


# ----------------------------------------------------------------------------------- masks
def _embedding_model(rnn):
    def build(keras):
        inp = keras.layers.Input(shape=(7,), dtype="int32")
        h = keras.layers.Embedding(6, 3, mask_zero=True)(inp)
        return keras.models.Model(inp, rnn(keras)(h))

    return build


def _masked_ids():
    x = ou.random_input((7,), batch=5, dtype="int32", high=6)
    x[0, :3] = 0  # leading masked steps
    x[1, -2:] = 0  # trailing
    x[2, 2] = 0  # inside
    x[3, :] = 0  # a row with every step masked
    return x


MASKED = {
    "lstm": lambda k: k.layers.LSTM(4),
    "lstm_seq": lambda k: k.layers.LSTM(4, return_sequences=True),
    "lstm_back_seq_state": lambda k: k.layers.LSTM(
        3, go_backwards=True, return_sequences=True, return_state=True
    ),
    "gru": lambda k: k.layers.GRU(4, return_sequences=True),
    "gru_reset_before_back": lambda k: k.layers.GRU(3, reset_after=False, go_backwards=True),
    "simple_rnn_seq": lambda k: k.layers.SimpleRNN(3, return_sequences=True),
    "lstm_generic_act": lambda k: k.layers.LSTM(3, activation="softsign", return_sequences=True),
    "rnn_stacked_back": lambda k: k.layers.RNN(
        [k.layers.GRUCell(3), k.layers.LSTMCell(2)], go_backwards=True, return_sequences=True
    ),
    "bidir_seq": lambda k: k.layers.Bidirectional(k.layers.LSTM(3, return_sequences=True)),
    "bidir_last": lambda k: k.layers.Bidirectional(k.layers.GRU(3), merge_mode="sum"),
    "simple_rnn_back_state": lambda k: k.layers.SimpleRNN(3, return_state=True, go_backwards=True),
    "gru_seq_state_dropout": lambda k: k.layers.GRU(
        3, return_state=True, return_sequences=True, dropout=0.2, recurrent_dropout=0.2
    ),
}


@pytest.mark.parametrize("name", sorted(MASKED))
def test_embedding_mask_zero(name, tk):
    km, tm = ou.build_pair(_embedding_model(MASKED[name]))
    x = _masked_ids()
    ou.assert_same_predictions(km, tm, x)
    ou.assert_same_gradients(km, tm, x)
    ou.assert_same_layer_configs(km, tm)


def test_masking_layer_then_stacked_recurrent(tk):
    def build(keras):
        inp = keras.layers.Input(shape=(6, 3))
        h = keras.layers.Masking(0.0)(inp)
        h = keras.layers.LSTM(4, return_sequences=True)(h)
        h = keras.layers.TimeDistributed(keras.layers.Dense(3))(h)
        h = keras.layers.GRU(2, return_sequences=True, go_backwards=True)(h)
        return keras.models.Model(inp, keras.layers.SimpleRNN(2)(h))

    km, tm = ou.build_pair(build)
    x = ou.random_input((6, 3), batch=4)
    x[0, :2] = 0
    x[1, 3] = 0
    x[2, 4:] = 0
    ou.assert_same_predictions(km, tm, x)
    ou.assert_same_gradients(km, tm, x)


# --------------------------------------------------------------------- initial state, states
def test_initial_state_inputs_and_return_state(tk):
    def build(keras):
        x = keras.layers.Input(shape=SHAPE)
        h0 = keras.layers.Input(shape=(4,))
        c0 = keras.layers.Input(shape=(4,))
        seq, h, c = keras.layers.LSTM(4, return_sequences=True, return_state=True)(
            x, initial_state=[h0, c0]
        )
        g = keras.layers.GRU(4)(seq, initial_state=h)
        return keras.models.Model([x, h0, c0], [g, h, c])

    km, tm = ou.build_pair(build)
    xs = ou.random_input([SHAPE, (4,), (4,)], batch=3)
    ou.assert_same_predictions(km, tm, xs)
    ou.assert_same_gradients(km, tm, xs)
    ou.assert_same_model_config(km, tm)


def test_bidirectional_initial_state(tk):
    def build(keras):
        x = keras.layers.Input(shape=SHAPE)
        states = [keras.layers.Input(shape=(3,)) for _ in range(4)]
        out = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True))(
            x, initial_state=states
        )
        return keras.models.Model([x] + states, out)

    km, tm = ou.build_pair(build)
    xs = ou.random_input([SHAPE] + [(3,)] * 4, batch=2)
    ou.assert_same_predictions(km, tm, xs)
    ou.assert_same_gradients(km, tm, xs)


def _simple_rnn_initial_state(keras):
    x, h0 = keras.layers.Input(shape=SHAPE), keras.layers.Input(shape=(3,))
    out, h = keras.layers.SimpleRNN(3, return_state=True)(x, initial_state=h0)
    return keras.models.Model([x, h0], [out, h])


def _rnn_cell_initial_state(keras):
    x, h0 = keras.layers.Input(shape=SHAPE), keras.layers.Input(shape=(3,))
    out = keras.layers.RNN(keras.layers.GRUCell(3), return_sequences=True)(x, initial_state=[h0])
    return keras.models.Model([x, h0], out)


def _conv_lstm_initial_state(keras):
    x = keras.layers.Input(shape=(3, 4, 4, 2))
    h0, c0 = keras.layers.Input(shape=(4, 4, 2)), keras.layers.Input(shape=(4, 4, 2))
    out = keras.layers.ConvLSTM2D(2, 3, padding="same")(x, initial_state=[h0, c0])
    return keras.models.Model([x, h0, c0], out)


INITIAL_STATE = {
    "simple_rnn": (_simple_rnn_initial_state, [SHAPE, (3,)]),
    "rnn_gru_cell": (_rnn_cell_initial_state, [SHAPE, (3,)]),
    "conv_lstm2d": (_conv_lstm_initial_state, [(3, 4, 4, 2), (4, 4, 2), (4, 4, 2)]),
}


@pytest.mark.parametrize("name", sorted(INITIAL_STATE))
def test_initial_state_more_layers(name, tk):
    build, shapes = INITIAL_STATE[name]
    km, tm = ou.build_pair(build)
    xs = ou.random_input(shapes, batch=2)
    ou.assert_same_predictions(km, tm, xs)
    ou.assert_same_gradients(km, tm, xs)


def test_mask_through_bidirectional_and_time_distributed(tk):
    def build(keras):
        inp = keras.layers.Input(shape=(7,), dtype="int32")
        h = keras.layers.Embedding(6, 3, mask_zero=True)(inp)
        h = keras.layers.Bidirectional(keras.layers.SimpleRNN(2, return_sequences=True))(h)
        h = keras.layers.TimeDistributed(keras.layers.Dense(2))(h)
        return keras.models.Model(inp, keras.layers.GRU(2, reset_after=False)(h))

    km, tm = ou.build_pair(build)
    x = _masked_ids()
    ou.assert_same_predictions(km, tm, x)
    ou.assert_same_gradients(km, tm, x)


def _stateful_pair(layer):
    def build(keras):
        inp = keras.layers.Input(batch_shape=(2, None, 3))
        return keras.models.Model(inp, layer(keras)(inp))

    return ou.build_pair(build)


STATEFUL = {
    "lstm": lambda k: k.layers.LSTM(4, stateful=True),
    "gru_seq": lambda k: k.layers.GRU(3, stateful=True, return_sequences=True),
    "simple_rnn_back": lambda k: k.layers.SimpleRNN(3, stateful=True, go_backwards=True),
    "bidir": lambda k: k.layers.Bidirectional(k.layers.LSTM(3, stateful=True)),
}


@pytest.mark.parametrize("name", sorted(STATEFUL))
def test_stateful_across_batches(name, tk, tf):
    from kviz import ops
    from kviz.autodiff import GradientTape

    km, tm = _stateful_pair(STATEFUL[name])
    x1, x2, x3 = (ou.random_input((4, 3), batch=2, seed=s) for s in (1, 2, 3))
    for x in (x1, x2):  # the second batch starts from the first one's final states
        ou.assert_same_predictions(km, tm, x)
    # gradients on a third batch, from the carried states
    r = np.random.default_rng(0).standard_normal(np.shape(km.predict(x3))).astype("float32")
    km.reset_states()
    tm.reset_states()
    for x in (x1, x2):
        km.predict(x)
        tm(x)
    with GradientTape() as tape:
        xv = tape.watch(x3)
        loss = ops.sum(ops.multiply(km(xv), r))
    k_grads = tape.gradient(loss, [xv] + km.trainable_weights)
    tx = tf.constant(x3)
    with tf.GradientTape() as ttape:
        ttape.watch(tx)
        t_loss = tf.reduce_sum(tm(tx) * r)
    t_grads = ttape.gradient(t_loss, [tx] + tm.trainable_weights)
    np.testing.assert_allclose(float(loss), float(t_loss), rtol=1e-5, atol=1e-5)
    for a, b in zip(k_grads, t_grads, strict=True):
        np.testing.assert_allclose(np.asarray(a), b.numpy(), rtol=1e-4, atol=1e-4)
    km.reset_states()
    tm.reset_states()
    ou.assert_same_predictions(km, tm, x1)  # reset: back to zero states


def _stateful_stack(keras):
    return keras.models.Sequential(
        [
            keras.layers.LSTM(4, stateful=True, return_sequences=True, batch_input_shape=(2, 4, 3)),
            keras.layers.GRU(
                3, stateful=True, reset_after=False, go_backwards=True, return_sequences=True
            ),
            keras.layers.SimpleRNN(2, stateful=True),
        ]
    )


def _stateful_conv_lstm(keras):
    return keras.models.Sequential(
        [
            keras.layers.ConvLSTM2D(
                2, 2, padding="same", stateful=True, batch_input_shape=(2, 2, 3, 3, 1)
            )
        ]
    )


def _stateful_cells(keras):
    cells = [keras.layers.LSTMCell(3), keras.layers.GRUCell(2)]
    return keras.models.Sequential(
        [keras.layers.RNN(cells, stateful=True, batch_input_shape=(2, 4, 3))]
    )


STATEFUL_SEQUENTIAL = {
    "stack": (_stateful_stack, (4, 3)),
    "conv_lstm2d": (_stateful_conv_lstm, (2, 3, 3, 1)),
    "rnn_stacked_cells": (_stateful_cells, (4, 3)),
}


@pytest.mark.parametrize("name", sorted(STATEFUL_SEQUENTIAL))
def test_stateful_sequential_batch_input_shape(name, tk, tf):
    """Sequential models declared with ``batch_input_shape``: states carried over three
    batches, ``model.reset_states()``, then gradients from carried states."""
    from kviz import ops
    from kviz.autodiff import GradientTape

    build, shape = STATEFUL_SEQUENTIAL[name]
    km, tm = ou.build_pair(build)
    xs = [ou.random_input(shape, batch=2, seed=s) for s in (1, 2, 3)]
    for x in xs:
        ou.assert_same_predictions(km, tm, x)
    km.reset_states()
    tm.reset_states()
    ou.assert_same_predictions(km, tm, xs[0])  # from zero states again, then carried
    r = np.random.default_rng(0).standard_normal(ou.kviz_predict(km, xs[1])[0].shape)
    r = r.astype("float32")
    km.reset_states()
    tm.reset_states()
    km.predict(xs[0])
    tm(tf.constant(xs[0]))
    with GradientTape() as tape:
        xv = tape.watch(xs[1])
        loss = ops.sum(ops.multiply(km(xv), r))
    k_grads = tape.gradient(loss, [xv] + km.trainable_weights)
    tx = tf.constant(xs[1])
    with tf.GradientTape() as ttape:
        ttape.watch(tx)
        t_loss = tf.reduce_sum(tm(tx) * r)
    t_grads = ttape.gradient(t_loss, [tx] + tm.trainable_weights)
    assert len(k_grads) == len(t_grads)
    for a, b in zip(k_grads, t_grads, strict=True):
        np.testing.assert_allclose(ou._np(a), b.numpy(), rtol=1e-4, atol=1e-4)


# ------------------------------------------------------------------------ TimeDistributed
def test_time_distributed_over_sequential_model(tk):
    def build(keras):
        inner = keras.models.Sequential(
            [keras.layers.Dense(4, activation="relu", input_shape=(3,)), keras.layers.Dense(2)]
        )
        inp = keras.layers.Input(shape=SHAPE)
        out = keras.layers.TimeDistributed(inner)(inp)
        return keras.models.Model(inp, keras.layers.LSTM(2)(out))

    km, tm = ou.build_pair(build)
    x = ou.random_input(SHAPE, batch=3)
    ou.assert_same_predictions(km, tm, x)
    ou.assert_same_gradients(km, tm, x)
    ou.assert_same_counts(km, tm)


def test_time_distributed_over_functional_model(tk):
    def build(keras):
        a = keras.layers.Input(shape=(2, 3))
        flat = keras.layers.Flatten()(a)
        inner = keras.models.Model(a, keras.layers.Dense(3, activation="tanh")(flat))
        inp = keras.layers.Input(shape=(4, 2, 3))
        return keras.models.Model(inp, keras.layers.TimeDistributed(inner)(inp))

    km, tm = ou.build_pair(build)
    x = ou.random_input((4, 2, 3), batch=2)
    ou.assert_same_predictions(km, tm, x)
    ou.assert_same_gradients(km, tm, x)


# -------------------------------------------------------------------------------- JSON
JSON_MODELS = {
    "lstm_masked": _embedding_model(lambda k: k.layers.LSTM(4, return_sequences=True)),
    "bidir_gru": lambda k: k.models.Sequential(
        [k.layers.Bidirectional(k.layers.GRU(3), input_shape=SHAPE), k.layers.Dense(1)]
    ),
    "stacked_cells": lambda k: k.models.Sequential(
        [k.layers.RNN([k.layers.LSTMCell(3), k.layers.GRUCell(2)], input_shape=SHAPE)]
    ),
    "td_dense": lambda k: k.models.Sequential(
        [k.layers.TimeDistributed(k.layers.Dense(2), input_shape=SHAPE)]
    ),
}


@pytest.mark.parametrize("name", sorted(JSON_MODELS))
def test_json_both_ways(name, tk):
    km, tm = ou.build_pair(JSON_MODELS[name])
    x = _masked_ids() if "masked" in name else ou.random_input(SHAPE, batch=2)
    t2 = ou.tf_model_from_json(km.to_json())
    t2.set_weights(km.get_weights())
    np.testing.assert_allclose(ou.tf_predict(t2, x)[0], km.predict(x), rtol=1e-5, atol=1e-5)
    k2 = ou.kviz_model_from_json(tm.to_json())
    k2.set_weights(tm.get_weights())
    np.testing.assert_allclose(k2.predict(x), ou.tf_predict(tm, x)[0], rtol=1e-5, atol=1e-5)
    assert (
        json.loads(km.to_json())["config"]["layers"][-1]["class_name"]
        == json.loads(tm.to_json())["config"]["layers"][-1]["class_name"]
    )


# ---------------------------------------------------------------------- a trained model
def test_imdb_style_model_trains_identically(tk):
    def build(keras):
        return keras.models.Sequential(
            [
                keras.layers.Embedding(50, 8, input_length=12),
                keras.layers.LSTM(16),
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )

    km, tm = ou.build_pair(build)
    import kviz

    km.compile(kviz.optimizers.SGD(0.5), "binary_crossentropy")
    tm.compile(tk.optimizers.legacy.SGD(0.5), "binary_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.integers(0, 50, size=(64, 12)).astype("int32")
    y = (x[:, :3].sum(axis=1) > 75).astype("float32")[:, None]
    for step in range(5):
        xb, yb = x[step * 8 : (step + 1) * 8 + 8], y[step * 8 : (step + 1) * 8 + 8]
        a = km.train_on_batch(xb, yb)
        b = tm.train_on_batch(xb, yb)
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    ou.assert_same_predictions(km, tm, x, rtol=1e-4, atol=1e-4)
