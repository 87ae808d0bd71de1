"""``TimeDistributed`` and ``Bidirectional``: the layer contract, merge modes, states, masks,
models inside ``TimeDistributed``, configs and errors. (tf-keras comparisons:
``tests/oracle/test_oracle_recurrent.py``.)"""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest
from layer_harness import _gradcheck, check_layer

from kviz import layers as L
from kviz import ops
from kviz.models import Model, Sequential

X = np.random.default_rng(0).standard_normal((2, 4, 3)).astype("float32")


# ============================================================================ TimeDistributed
@pytest.mark.parametrize(
    "make, shape, expected",
    [
        (lambda d=None: L.Dense(2, activation="tanh", dtype=d), (2, 4, 3), (None, 4, 2)),
        (lambda d=None: L.Dense(2, dtype=d), (2, 4, 3, 5), (None, 4, 3, 2)),
        (lambda d=None: L.Flatten(dtype=d), (2, 4, 3, 2), (None, 4, 6)),
    ],
)
def test_time_distributed_contract(make, shape, expected):
    check_layer(L.TimeDistributed, {"layer": make()}, input_shape=shape,
                expected_output_shape=expected, gradcheck=False)  # fmt: skip
    layer = L.TimeDistributed(make())
    x = np.random.default_rng(1).standard_normal(shape).astype("float32")
    layer(x)
    _gradcheck(L.TimeDistributed, {"layer": make("float64")}, layer, [x], False, None, 1e-4, 1e-5)


def test_time_distributed_equals_the_layer_on_every_step():
    dense = L.Dense(5)
    td = L.TimeDistributed(dense)
    out = td(X)
    for t in range(4):
        np.testing.assert_allclose(out[:, t], dense(X[:, t]), rtol=1e-6)
    assert [w.name for w in td.weights] == ["time_distributed/kernel:0", "time_distributed/bias:0"]
    assert td.compute_output_shape((None, 4, 3)) == (None, 4, 5)


def _inner_models():
    seq = Sequential([L.Dense(4, activation="relu", input_shape=(3,)), L.Dense(2)])
    a = L.Input((3,))
    functional = Model(a, L.Dense(2)(L.Dense(3, activation="tanh")(a)))
    return {"sequential": seq, "functional": functional}


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_time_distributed_over_models(kind):
    inner = _inner_models()[kind]
    names = [w.name for w in inner.weights]
    inp = L.Input((4, 3))
    model = Model(inp, L.TimeDistributed(inner)(inp))
    out = model.predict(X)
    assert out.shape == (2, 4, 2)
    np.testing.assert_allclose(out, inner.predict(X.reshape(8, 3)).reshape(2, 4, 2), rtol=1e-6)
    assert [w.name for w in inner.weights] == names  # a model keeps its weight names
    from kviz.models import model_from_json

    clone = model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(X), out, rtol=1e-6)
    model.compile("sgd", "mse")
    loss0 = model.evaluate(X, np.zeros((2, 4, 2)), verbose=0)
    model.fit(X, np.zeros((2, 4, 2)), epochs=3, verbose=0)
    assert model.evaluate(X, np.zeros((2, 4, 2)), verbose=0) < loss0


def test_time_distributed_masks():
    x = X.copy()
    x[0, 2:] = 0
    inp = L.Input((4, 3))
    masked = L.Masking()(inp)
    td = L.TimeDistributed(L.Dense(3))
    h = td(masked)
    model = Model(inp, L.LSTM(2)(h))
    ref = L.LSTM(2)
    ref(x[:1, :2])
    model.layers[-1].set_weights(ref.get_weights())
    hidden = td(x)
    np.testing.assert_allclose(model.predict(x)[0], ref(hidden[:1, :2])[0], rtol=1e-5, atol=1e-6)
    keep = np.array([[True, True, False, False], [True] * 4])
    np.testing.assert_array_equal(td.compute_mask(x, keep), keep)
    assert td.compute_mask(x, None) is None
    inner_mask = L.TimeDistributed(L.Masking(0.0)).compute_mask(x, None)
    np.testing.assert_array_equal(inner_mask, np.any(x != 0, axis=-1))


def test_time_distributed_user_layer_runs_step_by_step():
    class Double(L.Layer):
        def call(self, inputs):
            return ops.multiply(inputs, 2.0)

    td = L.TimeDistributed(Double())
    np.testing.assert_allclose(td(X), 2 * X)
    mask = np.array([[True, False, True, True], [True] * 4])
    out = td(X, mask=mask)  # K.rnn semantics: a masked step repeats the previous output
    np.testing.assert_allclose(out[0, 1], out[0, 0])


def test_time_distributed_errors():
    with pytest.raises(ValueError, match="with a `kviz.layers.Layer` instance"):
        L.TimeDistributed("dense")
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        L.TimeDistributed(L.Dense(2))(L.Input((3,)))


# ============================================================================== Bidirectional
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
@pytest.mark.parametrize("cls", [L.LSTM, L.GRU, L.SimpleRNN])
def test_bidirectional_contract(cls, merge_mode):
    units = 3
    expected = (None, 4, 2 * units if merge_mode == "concat" else units)
    check_layer(L.Bidirectional, {"layer": cls(units, return_sequences=True),
                                  "merge_mode": merge_mode}, input_shape=(2, 4, 3),
                expected_output_shape=expected, gradcheck=False)  # fmt: skip
    layer = L.Bidirectional(cls(units, return_sequences=True), merge_mode=merge_mode)
    layer(X)
    kw = {"layer": cls(units, return_sequences=True, dtype="float64"), "merge_mode": merge_mode}
    _gradcheck(L.Bidirectional, kw, layer, [X], False, None, 1e-4, 1e-5)


def test_bidirectional_merge_mode_none_contract():
    kw = {"layer": L.GRU(3, return_sequences=True, reset_after=False), "merge_mode": None}
    check_layer(L.Bidirectional, kw, input_shape=(2, 4, 3),
                expected_output_shape=[(None, 4, 3), (None, 4, 3)], gradcheck=False)  # fmt: skip
    layer = L.Bidirectional(L.GRU(3, return_sequences=True, reset_after=False), merge_mode=None)
    layer(X)
    kw64 = {"layer": L.GRU(3, return_sequences=True, reset_after=False, dtype="float64"),
            "merge_mode": None}  # fmt: skip
    _gradcheck(L.Bidirectional, kw64, layer, [X], False, None, 1e-4, 1e-5)


def test_bidirectional_is_forward_plus_reversed_backward():
    layer = L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode=None)
    fw, bw = layer(X)
    np.testing.assert_allclose(fw, layer.forward_layer(X), rtol=1e-6)
    np.testing.assert_allclose(bw, layer.backward_layer(X)[:, ::-1], rtol=1e-6)
    manual = L.GRU(3, return_sequences=True, go_backwards=True)
    manual(X)
    manual.set_weights(layer.backward_layer.get_weights())
    np.testing.assert_allclose(bw, manual(X)[:, ::-1], rtol=1e-6)
    assert layer.forward_layer.name.startswith("forward_gru")
    assert layer.weights[0].name.startswith(f"{layer.name}/forward_gru")
    assert len(layer.weights) == 6 and layer.count_params() == 2 * 3 * (3 * 3 + 3 * 3 + 2 * 3)


def test_bidirectional_states_and_initial_state():
    layer = L.Bidirectional(L.LSTM(2, return_state=True))
    out, fh, fc, bh, bc = layer(X)
    assert out.shape == (2, 4) and fh.shape == bc.shape == (2, 2)
    np.testing.assert_allclose(out, np.concatenate([fh, bh], axis=-1), rtol=1e-6)
    states = [np.full((2, 2), v, "float32") for v in (0.1, 0.2, 0.3, 0.4)]
    a = layer(X, initial_state=states)[0]
    assert not np.allclose(a, out)
    inputs = [L.Input((4, 3))] + [L.Input((2,)) for _ in range(4)]
    model = Model(inputs, layer(inputs[0], initial_state=inputs[1:]))
    np.testing.assert_allclose(model.predict([X] + states)[0], a, rtol=1e-6)
    assert layer.compute_output_shape((None, 4, 3)) == [(None, 4)] + [(None, 2)] * 4
    with pytest.raises(ValueError, match="the state should be a list"):
        layer(X, initial_state=states[:3])


def test_bidirectional_masks_zero_outputs_and_output_mask():
    ids = np.array([[1, 2, 0, 0], [3, 1, 2, 1]])
    inp = L.Input((4,), dtype="int32")
    emb = L.Embedding(4, 3, mask_zero=True)(inp)
    bi = L.Bidirectional(L.LSTM(2, return_sequences=True))
    seq = bi(emb)
    model = Model(inp, [seq, L.GRU(2)(seq)])
    s, _ = model.predict(ids)
    np.testing.assert_array_equal(s[0, 2:], 0)  # zero_output_for_mask inside Bidirectional
    mask = ids != 0
    np.testing.assert_array_equal(bi.compute_mask(None, mask), mask)
    assert L.Bidirectional(L.LSTM(2), merge_mode=None).compute_mask(None, mask) == [None, None]


def test_bidirectional_backward_layer_weights_and_config():
    forward, backward = L.LSTM(2), L.GRU(2, go_backwards=True)
    layer = L.Bidirectional(forward, backward_layer=backward)
    layer(X)
    cfg = layer.get_config()
    assert cfg["backward_layer"]["class_name"] == "GRU" and cfg["merge_mode"] == "concat"
    clone = L.Bidirectional.from_config(cfg)
    clone(X)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(X), layer(X), rtol=1e-6)
    weights = layer.get_weights()
    preset = L.Bidirectional(L.LSTM(2), backward_layer=L.GRU(2, go_backwards=True), weights=weights)
    np.testing.assert_allclose(preset(X), layer(X), rtol=1e-6)


def test_bidirectional_stateful_reset():
    model = Sequential(
        [L.InputLayer(batch_input_shape=(2, None, 3)), L.Bidirectional(L.LSTM(2, stateful=True))]
    )
    a = model.predict(X)
    b = model.predict(X)
    assert not np.allclose(a, b)
    model.reset_states()
    np.testing.assert_allclose(model.predict(X), a, rtol=1e-6)
    layer = model.layers[0]
    layer.reset_states([np.zeros((2, 2), "float32")] * 4)
    with pytest.raises(AttributeError, match="Layer must be stateful."):
        L.Bidirectional(L.LSTM(2)).reset_states()


def test_bidirectional_errors():
    with pytest.raises(ValueError, match="Invalid merge mode"):
        L.Bidirectional(L.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="different `go_backwards` value"):
        L.Bidirectional(L.LSTM(2), backward_layer=L.LSTM(2))
    with pytest.raises(ValueError, match='same value for attribute "return_sequences"'):
        L.Bidirectional(
            L.LSTM(2), backward_layer=L.LSTM(2, go_backwards=True, return_sequences=True)
        )
    with pytest.raises(ValueError, match="with a `kviz.layers.Layer` instance"):
        L.Bidirectional(None)


def test_legacy_module_paths():
    from kviz.layers.recurrent import LSTM
    from kviz.layers.wrappers import Bidirectional, TimeDistributed

    assert LSTM is L.LSTM and Bidirectional is L.Bidirectional
    assert TimeDistributed is L.TimeDistributed


@pytest.mark.parametrize("module", ["bidirectional", "time_distributed"])
def test_docstring_examples(module):
    mod = importlib.import_module(f"kviz.layers.wrappers.{module}")
    assert doctest.testmod(mod, optionflags=doctest.ELLIPSIS).failed == 0
