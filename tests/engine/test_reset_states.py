"""``Model.reset_states()`` resets stateful layers inside nested models too (a Sequential in a
Sequential, a functional model used as a layer), as tf.keras does through ``Model.stateful``."""

from __future__ import annotations

import numpy as np
import pytest

import kviz
from kviz.layers import Dense, Input, SimpleRNN
from kviz.models import Model, Sequential

X = np.linspace(-1, 1, 2 * 3 * 1, dtype="float32").reshape(2, 3, 1)


def nested_sequential(lib):
    inner = lib.models.Sequential(
        [lib.layers.SimpleRNN(4, stateful=True, batch_input_shape=(2, 3, 1))], name="inner"
    )
    return lib.models.Sequential([inner, lib.layers.Dense(1)], name="outer")


def nested_functional(lib):
    inp = lib.layers.Input(batch_shape=(2, 3, 1))
    inner = lib.models.Model(inp, lib.layers.LSTM(4, stateful=True)(inp), name="inner")
    outer_in = lib.layers.Input(batch_shape=(2, 3, 1))
    return lib.models.Model(outer_in, lib.layers.Dense(1)(inner(outer_in)), name="outer")


@pytest.mark.parametrize("build", [nested_sequential, nested_functional])
def test_reset_states_reaches_nested_models(build):
    model = build(kviz)
    assert model.stateful and model.layers[-2 if build is nested_functional else 0].stateful
    first = model.predict(X, batch_size=2)
    second = model.predict(X, batch_size=2)
    assert not np.allclose(first, second)  # the states carried over
    model.reset_states()
    np.testing.assert_allclose(model.predict(X, batch_size=2), first, rtol=1e-6)


def test_models_without_stateful_layers_are_not_stateful():
    model = Sequential([Sequential([Dense(2, input_shape=(3,))]), Dense(1)])
    assert model.stateful is False
    model.reset_states()  # nothing to reset, no error


def test_deeply_nested_and_after_fit():
    rnn = SimpleRNN(2, stateful=True)
    inp = Input(batch_shape=(2, 3, 1))
    level1 = Model(inp, rnn(inp))
    level2 = Sequential([level1])
    model = Sequential([level2, Dense(1)])
    model.compile("sgd", "mse")
    model.fit(X, np.zeros((2, 1), "float32"), batch_size=2, epochs=1, verbose=0, shuffle=False)
    assert np.abs(rnn.states[0].numpy()).sum() > 0
    model.reset_states()
    assert np.abs(rnn.states[0].numpy()).sum() == 0


@pytest.mark.keras_oracle
@pytest.mark.parametrize("build", [nested_sequential, nested_functional])
def test_reset_states_like_tf_keras(build):
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
    import tf_keras as tk

    kviz.backend.clear_session()
    tk.backend.clear_session()
    km, tm = build(kviz), build(tk)
    tm.set_weights(km.get_weights())
    assert km.stateful == tm.stateful is True
    for model in (km, tm):
        model.predict(X, batch_size=2, verbose=0)
    np.testing.assert_allclose(
        km.predict(X, batch_size=2), tm.predict(X, batch_size=2, verbose=0), rtol=1e-5, atol=1e-6
    )
    km.reset_states()
    tm.reset_states()
    np.testing.assert_allclose(
        km.predict(X, batch_size=2), tm.predict(X, batch_size=2, verbose=0), rtol=1e-5, atol=1e-6
    )
