"""Callback hooks against tf-keras 2.21: the same model, weights and data in both libraries, a
callback recording every hook of ``fit`` (with validation), ``evaluate`` and ``predict``.

Both libraries must call the same hooks in the same order with the same arguments: ``logs`` is
always a dict (``{}`` for the begin hooks, never None), with the same keys, Python floats as
values, equal to float32 precision; the validation of each epoch runs ``on_test_begin``,
``on_test_batch_begin/end`` and ``on_test_end`` before ``on_epoch_end``. History holds Python
floats of float32 values, and a History or ProgbarLogger passed in ``callbacks`` is the one used
(fit returns the user's History).
"""

from __future__ import annotations

import io
import os
from contextlib import redirect_stdout

import numpy as np
import pytest

import kviz

pytestmark = pytest.mark.keras_oracle

HOOKS_LOGS_ONLY = (
    "on_train_begin",
    "on_train_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
)
HOOKS_WITH_INDEX = (
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
)


@pytest.fixture(scope="module")
def tk():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow already initialised by another test: keep its settings
        pass
    tf.get_logger().setLevel("ERROR")
    import tf_keras

    return tf_keras


def _describe(logs):
    """A hook's logs as comparable data: None stays None, else {key: (type name, value)}."""
    if logs is None:
        return None
    out = {}
    for k, v in logs.items():
        out[k] = (type(v).__name__, v if np.ndim(v) == 0 else np.shape(v))
    return out


def recorder(lib):
    """A ``lib.callbacks.Callback`` recording (hook, [index], described logs) for every hook."""

    class Recorder(lib.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.events = []

    for name in HOOKS_LOGS_ONLY:

        def hook(self, logs=None, _name=name):
            self.events.append((_name, _describe(logs)))

        setattr(Recorder, name, hook)
    for name in HOOKS_WITH_INDEX:

        def hook(self, index, logs=None, _name=name):
            self.events.append((_name, index, _describe(logs)))

        setattr(Recorder, name, hook)
    return Recorder()


def data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, n)]
    return x, y


def build(lib):
    return lib.models.Sequential(
        [
            lib.layers.Dense(8, activation="relu", input_shape=(4,)),
            lib.layers.Dense(3, activation="softmax"),
        ]
    )


@pytest.fixture
def pair(tk):
    kviz.backend.clear_session()
    tk.backend.clear_session()
    km, tm = build(kviz), build(tk)
    rng = np.random.default_rng(1)
    weights = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in km.get_weights()]
    km.set_weights(weights)
    tm.set_weights(weights)
    km.compile(kviz.optimizers.SGD(learning_rate=0.1), "categorical_crossentropy", ["accuracy"])
    tm.compile(tk.optimizers.SGD(learning_rate=0.1), "categorical_crossentropy", ["accuracy"])
    return km, tm


def assert_same_events(k_events, t_events):
    assert [e[:-1] for e in k_events] == [e[:-1] for e in t_events]  # hooks and indices
    for ke, te in zip(k_events, t_events, strict=True):
        k_logs, t_logs = ke[-1], te[-1]
        assert (k_logs is None) == (t_logs is None), (ke, te)
        assert k_logs is not None, f"{ke[0]} got logs=None"
        assert list(k_logs) == list(t_logs), (ke, te)
        for key in k_logs:
            (k_type, k_val), (t_type, t_val) = k_logs[key], t_logs[key]
            assert k_type == t_type, (ke[0], key, k_type, t_type)
            if k_type == "float":
                assert k_val == pytest.approx(t_val, rel=1e-5, abs=1e-6), (ke[0], key)
            else:
                assert k_val == t_val, (ke[0], key)


def test_fit_evaluate_predict_hooks_and_logs_like_tf_keras(pair, tk):
    km, tm = pair
    x, y = data()
    options = dict(batch_size=16, epochs=2, verbose=0, validation_split=0.25, shuffle=False)
    k_rec, t_rec = recorder(kviz), recorder(tk)
    km.fit(x, y, callbacks=[k_rec], **options)
    tm.fit(x, y, callbacks=[t_rec], **options)
    names = [e[0] for e in k_rec.events]
    assert names.count("on_test_begin") == 2  # one validation per epoch
    assert_same_events(k_rec.events, t_rec.events)

    for lib_model, rec in ((km, k_rec), (tm, t_rec)):
        rec.events = []
        lib_model.evaluate(x, y, batch_size=16, verbose=0, callbacks=[rec])
    assert_same_events(k_rec.events, t_rec.events)

    for lib_model, rec in ((km, k_rec), (tm, t_rec)):
        rec.events = []
        lib_model.predict(x, batch_size=16, verbose=0, callbacks=[rec])
    assert_same_events(k_rec.events, t_rec.events)


def test_history_holds_python_floats_of_float32_values(pair, tk):
    km, tm = pair
    x, y = data()
    options = dict(batch_size=16, epochs=3, verbose=0, validation_split=0.25, shuffle=False)
    kh = km.fit(x, y, **options)
    th = tm.fit(x, y, **options)
    assert list(kh.history) == list(th.history)
    for key, values in kh.history.items():
        assert all(type(v) is float for v in values), key
        assert all(float(np.float32(v)) == v for v in values), (key, values)
        assert all(type(v) is float for v in th.history[key])
        np.testing.assert_allclose(values, th.history[key], rtol=1e-5, atol=1e-6)
    # evaluate and train_on_batch give float32 values as Python floats too
    k_eval, t_eval = km.evaluate(x, y, verbose=0), tm.evaluate(x, y, verbose=0)
    assert all(type(v) is float and float(np.float32(v)) == v for v in k_eval)
    np.testing.assert_allclose(k_eval, t_eval, rtol=1e-5, atol=1e-6)


def test_user_history_is_reused_and_returned(pair, tk):
    km, tm = pair
    x, y = data()
    options = dict(batch_size=16, epochs=2, verbose=0, shuffle=False)
    for lib, model in ((kviz, km), (tk, tm)):
        mine = lib.callbacks.History()
        returned = model.fit(x, y, callbacks=[mine], **options)
        assert returned is mine
        assert model.history is mine
        assert mine.epoch == [0, 1] and len(mine.history["loss"]) == 2
        again = model.fit(x, y, callbacks=[mine], **options)  # epochs restart, values append
        assert again is mine and mine.epoch == [0, 1] and len(mine.history["loss"]) == 4


def test_user_progbar_logger_is_not_duplicated(pair, tk):
    km, tm = pair
    x, y = data()
    outputs = []
    for lib, model in ((kviz, km), (tk, tm)):
        out = io.StringIO()
        with redirect_stdout(out):
            model.fit(
                x,
                y,
                batch_size=16,
                epochs=2,
                verbose=2,
                shuffle=False,
                callbacks=[lib.callbacks.ProgbarLogger()],
            )
        outputs.append(out.getvalue())
    for text in outputs:  # one 'Epoch i/2' header and one summary line per epoch
        lines = [line for line in text.splitlines() if line.strip()]
        assert [line for line in lines if line.startswith("Epoch")] == ["Epoch 1/2", "Epoch 2/2"]
        assert sum("loss:" in line for line in lines) == 2, text


def test_user_progbar_logger_in_evaluate_is_not_duplicated(pair, tk):
    km, tm = pair
    x, y = data()
    for lib, model in ((kviz, km), (tk, tm)):
        out = io.StringIO()
        with redirect_stdout(out):
            model.evaluate(
                x, y, batch_size=16, verbose=1, callbacks=[lib.callbacks.ProgbarLogger()]
            )
        # one bar, finished once (two loggers would print two final "3/3 [" lines)
        assert out.getvalue().count("3/3 [") == 1, (lib.__name__, out.getvalue())
