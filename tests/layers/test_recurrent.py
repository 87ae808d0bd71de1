"""Recurrent layers: the layer contract (``check_layer``) for every layer and option, and the
Keras semantics that need no oracle: masks equal shorter sequences, stateful layers equal one
long sequence, ``initial_state``/``return_state``, dropout masks fixed per sequence, Keras 1
argument names, user-written cells, weight names and counts, and Keras's error messages.
(tf-keras comparisons: ``tests/oracle/test_oracle_recurrent.py``.)
"""

from __future__ import annotations

import doctest
import importlib
import warnings

import numpy as np
import pytest
from layer_harness import _gradcheck, check_layer

from kviz import layers as L
from kviz import ops, regularizers
from kviz.autodiff import GradientTape
from kviz.models import Model, Sequential

X = np.random.default_rng(0).standard_normal((2, 4, 3)).astype("float32")

# ================================================================================ contract
LAYER_CASES = {
    "simple": (L.SimpleRNN, {"units": 3}),
    "simple_seq_relu_nobias": (
        L.SimpleRNN,
        {"units": 3, "return_sequences": True, "activation": "relu", "use_bias": False},
    ),
    "simple_back_softsign": (
        L.SimpleRNN,
        {"units": 2, "go_backwards": True, "activation": "softsign"},
    ),
    "lstm": (L.LSTM, {"units": 3}),
    "lstm_seq_back": (L.LSTM, {"units": 3, "return_sequences": True, "go_backwards": True}),
    "lstm_keras22": (
        L.LSTM,
        {"units": 2, "recurrent_activation": "hard_sigmoid", "implementation": 1},
    ),
    "lstm_generic": (L.LSTM, {"units": 2, "activation": "elu", "return_sequences": True}),
    "lstm_unroll_regularized": (
        L.LSTM,
        {
            "units": 2,
            "unroll": True,
            "kernel_regularizer": "l2",
            "recurrent_constraint": "max_norm",
        },
    ),
    "gru": (L.GRU, {"units": 3}),
    "gru_seq_back": (L.GRU, {"units": 3, "return_sequences": True, "go_backwards": True}),
    "gru_reset_before": (L.GRU, {"units": 3, "reset_after": False}),
    "gru_keras22_generic": (
        L.GRU,
        {"units": 2, "reset_after": False, "recurrent_activation": "softsign", "use_bias": False},
    ),
    "lstm_time_major": (L.LSTM, {"units": 2, "time_major": True, "return_sequences": True}),
    "lstm_dropouts": (L.LSTM, {"units": 2, "dropout": 0.3, "recurrent_dropout": 0.2}),
    "gru_dropouts": (L.GRU, {"units": 2, "dropout": 0.3, "recurrent_dropout": 0.2}),
    "simple_dropouts": (L.SimpleRNN, {"units": 2, "dropout": 0.3, "recurrent_dropout": 0.2}),
}


@pytest.mark.parametrize("name", sorted(LAYER_CASES))
def test_layer_contract(name):
    cls, kwargs = LAYER_CASES[name]
    units = kwargs["units"]
    rs = kwargs.get("return_sequences")
    expected = (None, 4, units) if rs else (None, units)
    if kwargs.get("time_major"):
        expected = (4, None, units)  # (time, batch, units): batch is axis 1
        check_layer(cls, kwargs, input_shape=(4, 2, 3), expected_output_shape=None)
        return
    gates = {L.SimpleRNN: 1, L.LSTM: 4, L.GRU: 3}[cls]
    check_layer(cls, kwargs, input_shape=(2, 4, 3), expected_output_shape=expected,
                expected_num_weights=3 if kwargs.get("use_bias", True) else 2)  # fmt: skip
    layer = cls(**kwargs)
    layer(X)
    assert layer.weights[0].shape == (3, gates * units)


CELL_CASES = {
    "simple": lambda dtype=None: L.SimpleRNNCell(3, dtype=dtype),
    "lstm": lambda dtype=None: L.LSTMCell(3, dtype=dtype),
    "gru": lambda dtype=None: L.GRUCell(3, dtype=dtype),
    "gru_before": lambda dtype=None: L.GRUCell(3, reset_after=False, dtype=dtype),
    "stacked": lambda dtype=None: [L.LSTMCell(3, dtype=dtype), L.GRUCell(2, dtype=dtype)],
}


@pytest.mark.parametrize("name", sorted(CELL_CASES))
@pytest.mark.parametrize("options", [{}, {"return_sequences": True, "go_backwards": True}])
def test_rnn_over_cells(name, options):
    make = CELL_CASES[name]
    out = check_layer(L.RNN, {"cell": make(), **options}, input_shape=(2, 4, 3), gradcheck=False)
    layer = L.RNN(make(), **options)
    layer(X)
    _gradcheck(L.RNN, {"cell": make("float64"), **options}, layer, [X], False, None, 1e-4, 1e-5)
    assert out.shape[-1] == (2 if name == "stacked" else 3)


class MinimalRNNCell(L.Layer):
    """The cell of Keras's RNN docstring: a user cell runs through K.rnn step by step."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(
            "kernel", (input_shape[-1], self.units), initializer="uniform"
        )
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", (self.units, self.units), initializer="uniform"
        )
        self.built = True

    def call(self, inputs, states):
        output = ops.add(ops.dot(inputs, self.kernel), ops.dot(states[0], self.recurrent_kernel))
        return output, [output]

    def get_config(self):
        return dict(super().get_config(), units=self.units)


def test_user_written_cell_and_stack():
    objects = {"MinimalRNNCell": MinimalRNNCell}
    check_layer(L.RNN, {"cell": MinimalRNNCell(4)}, input_shape=(2, 4, 3), gradcheck=False,
                custom_objects=objects)  # fmt: skip
    layer = L.RNN(MinimalRNNCell(4), return_sequences=True)
    layer(X)
    _gradcheck(L.RNN, {"cell": MinimalRNNCell(4, dtype="float64"), "return_sequences": True},
               layer, [X], False, None, 1e-4, 1e-5)  # fmt: skip
    stacked = L.RNN([MinimalRNNCell(4), L.LSTMCell(2)])  # mixed: no fused path, K.rnn loop
    assert stacked(X).shape == (2, 2)
    # by hand: h_t = x_t K + h_{t-1} U
    cell = layer.cell
    h = np.zeros((2, 4), "float32")
    for t in range(4):
        h = X[:, t] @ cell.kernel.numpy() + h @ cell.recurrent_kernel.numpy()
    np.testing.assert_allclose(layer(X)[:, -1], h, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "make, primitive",
    [
        (lambda: L.LSTM(3), "lstm_sequence"),
        (lambda: L.GRU(3, reset_after=False, recurrent_activation="hard_sigmoid"), "gru_sequence"),
        (lambda: L.SimpleRNN(3, return_sequences=True), "simple_rnn_sequence"),
        (lambda: L.RNN(L.LSTMCell(3)), "lstm_sequence"),
        (lambda: L.RNN([L.GRUCell(3), L.LSTMCell(2)]), "lstm_sequence"),
        (lambda: L.Bidirectional(L.LSTM(2)), "concatenate"),
    ],
)
def test_builtin_cells_run_the_fused_sequence_primitive(make, primitive):
    from kviz.autodiff import Variable

    layer = make()
    with GradientTape():
        out = layer(Variable(X))
    seen, stack = set(), [out]
    while stack:
        t = stack.pop()
        if getattr(t, "_op", None) is not None:
            seen.add(t._op.name)
            stack.extend(i for i in t._inputs if hasattr(i, "_op"))
    assert primitive in seen
    assert "matmul" not in seen  # no step-by-step recurrent products


def test_subclassed_builtin_cell_uses_its_own_call():
    class Scaled(L.SimpleRNNCell):
        def call(self, inputs, states, training=None):
            out, new = super().call(inputs, states, training)
            return ops.multiply(out, 2.0), [ops.multiply(new[0], 2.0)]

    layer = L.RNN(Scaled(3))
    plain = L.RNN(L.SimpleRNNCell(3))
    plain(X)
    layer(X)
    layer.set_weights(plain.get_weights())
    assert not np.allclose(layer(X), plain(X))


# ======================================================================= states and outputs
def test_return_state_eager_and_symbolic():
    layer = L.LSTM(3, return_sequences=True, return_state=True)
    seq, h, c = layer(X)
    assert seq.shape == (2, 4, 3) and h.shape == c.shape == (2, 3)
    np.testing.assert_allclose(seq[:, -1], h)
    inp = L.Input((4, 3))
    outs = L.GRU(2, return_state=True)(inp)
    assert [t.shape for t in outs] == [(None, 2), (None, 2)]
    model = Model(inp, outs)
    a, b = model.predict(X)
    np.testing.assert_allclose(a, b)


def test_initial_state_forms_agree():
    rng = np.random.default_rng(1)
    h0, c0 = (
        rng.standard_normal((2, 3)).astype("float32"),
        rng.standard_normal((2, 3)).astype("float32"),
    )
    layer = L.LSTM(3)
    a = layer(X, initial_state=[h0, c0])
    b = layer([X, h0, c0])
    np.testing.assert_allclose(a, b)
    assert not np.allclose(a, layer(X))
    x_in, h_in, c_in = L.Input((4, 3)), L.Input((3,)), L.Input((3,))
    out = layer(x_in, initial_state=[h_in, c_in])
    model = Model([x_in, h_in, c_in], out)
    np.testing.assert_allclose(model.predict([X, h0, c0]), a, rtol=1e-6)
    node = layer.inbound_nodes[-1]
    assert isinstance(node.call_inputs, list) and len(node.call_inputs) == 3  # tf.keras layout
    with pytest.raises(ValueError, match="Layer has 2 states but was passed 1 initial states"):
        layer(X, initial_state=[h0])


def test_gradients_reach_initial_states():
    from kviz.autodiff import Variable

    h0 = Variable(np.ones((2, 3), "float32"))
    with GradientTape() as tape:
        out = L.GRU(3)(X, initial_state=h0)
        loss = ops.sum(out)
    g = tape.gradient(loss, [h0])[0]
    assert g is not None and np.abs(g).sum() > 0


# ======================================================================================= masks
def _by_hand_masked(layer, x, keep):
    """Each sample run alone on its kept steps only."""
    rows = []
    for n in range(x.shape[0]):
        steps = x[n : n + 1, keep[n]]
        rows.append(layer(steps)[0] if steps.shape[1] else np.zeros(layer.cell.units, "float32"))
    return np.stack(rows)


@pytest.mark.parametrize("cls", [L.SimpleRNN, L.LSTM, L.GRU])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_mask_equals_dropping_the_masked_steps(cls, go_backwards):
    ids = np.array([[3, 1, 0, 2, 0], [0, 0, 4, 4, 1], [2, 3, 1, 1, 2]])
    emb = L.Embedding(5, 3, mask_zero=True)
    rnn = cls(4, go_backwards=go_backwards)
    inp = L.Input((5,), dtype="int32")
    model = Model(inp, rnn(emb(inp)))
    out = model.predict(ids)
    vectors = emb(ids)
    np.testing.assert_allclose(out, _by_hand_masked(rnn, vectors, ids != 0), rtol=1e-5, atol=1e-6)


def test_masked_steps_repeat_the_previous_output_and_mask_propagates():
    x = np.random.default_rng(2).standard_normal((1, 5, 2)).astype("float32")
    x[0, 1] = 0
    x[0, 3:] = 0
    inp = L.Input((5, 2))
    masked = L.Masking(0.0)(inp)
    seq = L.LSTM(3, return_sequences=True)(masked)
    last = L.LSTM(2)(seq)  # receives the mask through seq
    model = Model(inp, [seq, last])
    s, _ = model.predict(x)
    np.testing.assert_array_equal(s[0, 1], s[0, 0])
    np.testing.assert_array_equal(s[0, 4], s[0, 2])
    layer = model.layers[2]
    mask = np.array([[True, False, True, False, False]])
    assert layer.compute_mask(x, mask) is mask
    assert L.LSTM(2).compute_mask(x, mask) is None
    assert L.LSTM(2, return_state=True).compute_mask(x, mask) == [None, None, None]


# ==================================================================================== stateful
def _stateful_model(layer, batch=2):
    return Sequential([L.InputLayer(batch_input_shape=(batch, None, 3)), layer])


@pytest.mark.parametrize("cls", [L.SimpleRNN, L.LSTM, L.GRU])
def test_stateful_equals_one_long_sequence(cls):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 6, 3)).astype("float32")
    stateful = _stateful_model(cls(3, stateful=True, return_sequences=True))
    plain = cls(3, return_sequences=True)
    plain(x)
    plain.set_weights(stateful.get_weights())
    first, second = stateful.predict(x[:, :4]), stateful.predict(x[:, 4:])
    np.testing.assert_allclose(
        np.concatenate([first, second], axis=1), plain(x), rtol=1e-5, atol=1e-6
    )
    stateful.reset_states()
    np.testing.assert_allclose(stateful.predict(x[:, :4]), first, rtol=1e-6)
    layer = stateful.layers[0]
    assert len(layer.weights) == 3  # the states are not weights
    layer.reset_states([np.ones((2, 3), "float32")] * len(layer.states))
    assert all(np.all(s.numpy() == 1) for s in layer.states)


def test_stateful_errors():
    from kviz.layers.recurrent.base_rnn import STATEFUL_BATCH_MESSAGE

    with pytest.raises(ValueError) as e:
        Sequential([L.LSTM(2, stateful=True, input_shape=(None, 3))])
    assert str(e.value) == STATEFUL_BATCH_MESSAGE
    assert "`batch_input_shape`" in str(e.value) and "`batch_shape`" in str(e.value)
    model = _stateful_model(L.LSTM(2, stateful=True))
    with pytest.raises(ValueError, match=r"expected shape=\(2, None, 3\), found shape=\(3, 5, 3\)"):
        model.predict(np.zeros((3, 5, 3), "float32"), batch_size=3)
    layer = model.layers[0]
    with pytest.raises(ValueError, match="expects 2 states, but it received 1"):
        layer.reset_states([np.zeros((2, 2))])
    with pytest.raises(
        ValueError, match=rf"State 0 is incompatible with layer {layer.name}: expected"
    ):
        layer.reset_states([np.zeros((3, 2)), np.zeros((2, 2))])
    with pytest.raises(AttributeError, match="Layer must be stateful."):
        L.LSTM(2).reset_states()


def test_stateful_fit_without_shuffle_and_model_reset_states():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((8, 5, 3)).astype("float32")
    y = rng.standard_normal((8, 1)).astype("float32")
    inp = L.Input(batch_shape=(4, 5, 3))
    h = L.Bidirectional(L.GRU(3, stateful=True, return_sequences=True))(inp)
    out = L.Dense(1)(L.LSTM(2, stateful=True)(h))
    model = Model(inp, out)
    model.compile("sgd", "mse")
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert len(history.history["loss"]) == 2
    lstm = model.layers[2]
    assert np.any(lstm.states[0].numpy() != 0)  # carried over from the last batch
    model.reset_states()
    assert all(not np.any(s.numpy()) for s in lstm.states)
    bidir = model.layers[1]
    assert all(not np.any(s.numpy()) for s in bidir.forward_layer.states)
    model.train_on_batch(x[:4], y[:4])
    p1 = model.predict(x[:4], batch_size=4)
    p2 = model.predict(x[:4], batch_size=4)
    assert not np.allclose(p1, p2)  # predict moves the states too


# ===================================================================================== dropout
@pytest.mark.parametrize("cls", [L.SimpleRNN, L.LSTM, L.GRU])
def test_dropout_masks_fixed_per_sequence(cls):
    layer = cls(4, dropout=0.5, recurrent_dropout=0.5, return_sequences=True)
    out_eval = layer(X, training=False)
    np.testing.assert_allclose(out_eval, layer(X))  # inference: no dropout
    out_train = layer(X, training=True)
    assert not np.allclose(out_train, out_eval)
    cell = layer.cell
    dm = cell.get_dropout_mask_for_cell(X[:, 0], True)[0]
    rdm = cell.get_recurrent_dropout_mask_for_cell(np.zeros((2, 4), "float32"), True)[0]
    assert dm.shape == (2, 3) and rdm.shape == (2, 4)
    assert set(np.unique(dm)) <= {0.0, 2.0}
    # the fused sequence used the masks cached on the cell: the step-by-step path with the
    # same masks (not reset) gives the same outputs
    states = layer.get_initial_state(X)

    def step(x_t, st):
        return cell.call(x_t, st, training=True)

    _, loop_out, _ = ops.rnn(step, X, states)
    np.testing.assert_allclose(out_train, loop_out, rtol=1e-5, atol=1e-6)


def test_dropout_reproducible_with_seed():
    from kviz import config

    config.set_random_seed(7)
    a = L.LSTM(3, dropout=0.3, recurrent_dropout=0.3)
    a(X)
    w = a.get_weights()
    config.set_random_seed(11)
    out1 = a(X, training=True)
    config.set_random_seed(11)
    out2 = a(X, training=True)
    np.testing.assert_allclose(out1, out2)
    assert w[0].shape == (3, 12)


# ============================================================================= Keras 1 names
def test_keras1_argument_names():
    with pytest.warns(UserWarning, match="Update your `LSTM` call to the Keras 2 API"):
        layer = L.LSTM(
            output_dim=3, init="uniform", inner_init="orthogonal", inner_activation="hard_sigmoid",
            W_regularizer=regularizers.l2(0.01), U_regularizer="l1", b_regularizer="l2",
            dropout_W=0.1, dropout_U=0.2, consume_less="gpu", forget_bias_init="one",
            input_dim=3, input_length=4, return_sequences=True,
        )  # fmt: skip
    # consume_less='gpu' is implementation=2, but recurrent dropout (dropout_U) makes it 1, as
    # in tf.keras
    assert layer.units == 3 and layer.implementation == 1 and layer.unit_forget_bias
    assert layer.recurrent_activation.__name__ == "hard_sigmoid"
    assert layer.dropout == 0.1 and layer.recurrent_dropout == 0.2
    assert layer._batch_input_shape == (None, 4, 3)
    model = Sequential([layer])
    assert model.output_shape == (None, 4, 3)
    model.predict(X[:, :, :3])
    assert len(model.losses) == 3
    with pytest.warns(UserWarning):
        gru = L.GRU(output_dim=2, consume_less="mem")
    assert gru.units == 2 and gru.implementation == 1
    with pytest.warns(UserWarning):
        assert L.LSTM(output_dim=2, consume_less="gpu").implementation == 2
    with pytest.warns(UserWarning, match="forget_bias_init"):
        L.LSTM(2, forget_bias_init="zero")
    with pytest.warns(UserWarning, match="SimpleRNN"):
        simple = L.SimpleRNN(output_dim=2, dropout_W=0.5)
    assert simple.dropout == 0.5


# ================================================================================ naming, etc
def test_weight_names_counts_and_configs():
    layers_ = [
        L.SimpleRNN(5),
        L.LSTM(5),
        L.GRU(5),
        L.GRU(5, reset_after=False),
        L.RNN(L.LSTMCell(2)),
    ]
    x = np.zeros((1, 2, 4), "float32")
    for layer in layers_:
        layer(x)
    assert [layer.count_params() for layer in layers_] == [50, 200, 165, 150, 56]
    assert [w.name for w in layers_[2].weights] == [
        "gru/gru_cell/kernel:0", "gru/gru_cell/recurrent_kernel:0", "gru/gru_cell/bias:0"
    ]  # fmt: skip
    assert layers_[4].weights[0].name == "rnn/lstm_cell/kernel:0"
    stacked = L.RNN([L.LSTMCell(2), L.GRUCell(2)])
    stacked(x)
    assert stacked.weights[3].name == "rnn_1/stacked_rnn_cells/gru_cell/kernel:0"
    cfg = layers_[1].get_config()
    assert cfg["recurrent_activation"] == "sigmoid" and cfg["implementation"] == 2
    assert "cell" not in cfg and cfg["time_major"] is False
    assert L.LSTM.from_config(cfg).get_config() == cfg
    assert layers_[2].get_config()["reset_after"] is True
    assert "implementation" not in layers_[0].get_config()


@pytest.mark.parametrize("cls", [L.LSTM, L.GRU, L.LSTMCell, L.GRUCell])
def test_recurrent_dropout_means_implementation_1(cls):
    """tf.keras runs recurrent dropout with the per-gate layout and writes implementation=1."""
    assert cls(2, recurrent_dropout=0.2).get_config()["implementation"] == 1
    assert cls(2, recurrent_dropout=0.2, implementation=1).implementation == 1
    assert cls(2, dropout=0.2).get_config()["implementation"] == 2
    assert cls(2, implementation=0).implementation == 1
    clone = cls.from_config(cls(2, recurrent_dropout=0.2).get_config())
    assert clone.implementation == 1 and clone.recurrent_dropout == 0.2


def test_recurrent_initializer_is_orthogonal_and_forget_bias_one():
    layer = L.LSTM(4)
    layer(np.zeros((1, 2, 3), "float32"))
    r = layer.cell.recurrent_kernel.numpy()
    np.testing.assert_allclose(r @ r.T, np.eye(4), atol=1e-5)  # rows of a (4, 16) orthogonal
    np.testing.assert_array_equal(layer.cell.bias.numpy()[4:8], 1)


def test_errors():
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'units'"):
        L.LSTM()
    with pytest.raises(ValueError, match="should have a `call` method"):
        L.RNN(object())
    with pytest.raises(ValueError, match="`state_size` attribute"):
        L.RNN(type("C", (), {"call": lambda self, x, s: (x, s)})())
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        L.GRU(2)(L.Input((3,)))
    with pytest.raises(ValueError, match="Cannot unroll a RNN if the time dimension is undefined"):
        L.LSTM(2, unroll=True)(L.Input((None, 3)))
    with pytest.raises(TypeError, match="Keyword argument not understood"):
        L.LSTM(2, foo=1)


def test_regularizer_losses_are_differentiable():
    layer = L.GRU(3, kernel_regularizer="l2", recurrent_regularizer="l1", bias_regularizer="l2",
                  activity_regularizer="l2")  # fmt: skip
    with GradientTape() as tape:
        out = layer(X)
        loss = ops.add(ops.sum(out), sum(layer.losses))
    grads = tape.gradient(loss, layer.trainable_weights)
    assert len(layer.losses) == 4 and all(g is not None for g in grads)


# ================================================================================= ConvLSTM2D
def test_conv_lstm2d_contract_and_channels_first():
    check_layer(L.ConvLSTM2D, {"filters": 2, "kernel_size": 2, "padding": "same",
                               "return_sequences": True}, input_shape=(2, 3, 4, 4, 1),
                expected_output_shape=(None, 3, 4, 4, 2))  # fmt: skip
    x = np.random.default_rng(5).standard_normal((2, 3, 5, 4, 2)).astype("float32")
    last = L.ConvLSTM2D(3, (3, 3), return_state=True)
    out, h, c = last(x)
    assert out.shape == h.shape == c.shape == (2, 3, 2, 3)
    first = L.ConvLSTM2D(3, (3, 3), data_format="channels_first", return_state=True)
    xf = np.transpose(x, (0, 1, 4, 2, 3))
    first(xf)
    first.set_weights(last.get_weights())
    for a, b in zip(first(xf), (out, h, c), strict=True):
        np.testing.assert_allclose(a, np.transpose(b, (0, 3, 1, 2)), rtol=1e-5, atol=1e-6)
    n = last.name  # conv_lstm2d_<k>: named as tf.keras does, weights after the layer only
    assert n.startswith("conv_lstm2d")
    assert [w.name for w in last.weights] == [
        f"{n}/kernel:0",
        f"{n}/recurrent_kernel:0",
        f"{n}/bias:0",
    ]
    seq = L.ConvLSTM2D(2, 2, stateful=True)
    Sequential([L.InputLayer(batch_input_shape=(2, None, 4, 4, 1)), seq])
    seq(np.ones((2, 2, 4, 4, 1), "float32"))
    assert np.any(seq.states[0].numpy())


CONV_LSTM_CASES = {
    "valid_sigmoid": ({"filters": 2, "kernel_size": 2, "recurrent_activation": "sigmoid"},
                      (None, 3, 3, 2)),
    "strides_back": ({"filters": 2, "kernel_size": 2, "strides": 2, "go_backwards": True},
                     (None, 2, 2, 2)),
    "dilation_same_nobias": ({"filters": 2, "kernel_size": 2, "dilation_rate": 2,
                              "padding": "same", "use_bias": False}, (None, 4, 4, 2)),
    "dropouts": ({"filters": 2, "kernel_size": 2, "dropout": 0.3, "recurrent_dropout": 0.3},
                 (None, 3, 3, 2)),
    "channels_first": ({"filters": 2, "kernel_size": 2, "data_format": "channels_first"},
                       (None, 2, 3, 1)),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CONV_LSTM_CASES))
def test_conv_lstm2d_contract_options(name):
    kw, out = CONV_LSTM_CASES[name]
    shape = (2, 3, 2, 4, 4) if kw.get("data_format") == "channels_first" else (2, 3, 4, 4, 2)
    if name == "channels_first":
        out = (None, 2, 3, 3)
    n = 3 if kw.get("use_bias", True) else 2
    check_layer(L.ConvLSTM2D, kw, input_shape=shape, expected_output_shape=out,
                expected_num_weights=n)  # fmt: skip


@pytest.mark.parametrize("cls,n_states", [(L.SimpleRNN, 1), (L.LSTM, 2), (L.GRU, 1)])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_return_state_contract(cls, n_states, return_sequences):
    out = (None, 4, 3) if return_sequences else (None, 3)
    check_layer(cls, {"units": 3, "return_state": True, "return_sequences": return_sequences},
                input_shape=(2, 4, 3), expected_output_shape=[out] + [(None, 3)] * n_states)  # fmt: skip


def test_conv_lstm2d_return_state_contract():
    check_layer(L.ConvLSTM2D, {"filters": 2, "kernel_size": 3, "padding": "same",
                               "return_sequences": True, "return_state": True},
                input_shape=(2, 3, 4, 4, 1),
                expected_output_shape=[(None, 3, 4, 4, 2), (None, 4, 4, 2), (None, 4, 4, 2)])  # fmt: skip


@pytest.mark.parametrize(
    "module",
    [
        "base_rnn", "simple_rnn", "lstm", "gru", "simple_rnn_cell", "lstm_cell", "gru_cell",
        "stacked_rnn_cells", "conv_lstm2d", "conv_lstm2d_cell",
    ],
)  # fmt: skip
def test_docstring_examples(module):
    mod = importlib.import_module(f"kviz.layers.recurrent.{module}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert doctest.testmod(mod, optionflags=doctest.ELLIPSIS).failed == 0
