"""Model files across libraries: kviz, tf-keras 2.21 (Keras 2) and Keras 3.15.

* kviz ``.h5`` (full model and weights) loads in tf-keras, and tf-keras ``.h5`` in kviz;
* kviz ``.keras``/``.weights.h5`` load in Keras 3, and Keras 3 ``.keras``/``.weights.h5``/
  ``.h5`` in kviz;

each time with equal predictions. Optimizer state carries over where the formats allow:
kviz <-> tf-keras legacy optimizers (``.h5``), tf-keras's new optimizers -> kviz (``.h5``,
``"Custom>Adam"``), kviz <-> Keras 3 (``.keras``). Continuing training then gives the same
weights, except where the libraries' update formulas differ (RMSprop's epsilon in tf-keras's
new optimizer, Nadam in tf-keras's new optimizer and in Keras 3): there only the state is
compared.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import kviz
from kviz.saving import optimizer_state

pytestmark = pytest.mark.keras_oracle

RTOL = ATOL = 1e-5


@pytest.fixture(scope="session")
def k3(tk):
    """Keras 3 on the TensorFlow backend (imported after tf-keras configured TensorFlow)."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    return keras


# --------------------------------------------------------------------------- models
def build(k, name):
    """The same model in kviz, tf-keras or Keras 3 (``k`` is the library's top module)."""
    L = k.layers
    seq, model_cls = k.models.Sequential, k.models.Model
    rs = np.random.RandomState(0)
    if name == "dense":
        m = seq(
            [
                L.Input((6,)),
                L.Dense(4, activation="relu", kernel_regularizer="l2"),
                L.Activation("tanh"),
                L.Dropout(0.2),
                L.Dense(3, activation="softmax"),
            ]
        )
        return m, rs.rand(4, 6)
    if name == "reshaping":
        m = seq(
            [
                L.Input((6,)),
                L.Reshape((3, 2)),
                L.Permute((2, 1)),
                L.Flatten(),
                L.RepeatVector(2),
                L.Flatten(),
                L.ActivityRegularization(0.01, 0.01),
                L.Dense(2),
            ]
        )
        return m, rs.rand(4, 6)
    if name == "embedding":
        m = seq([L.Input((5,), dtype="int32"), L.Embedding(10, 3), L.Flatten(), L.Dense(2)])
        return m, rs.randint(0, 10, (4, 5))
    if name == "normalization":
        m = seq(
            [
                L.Input((6,)),
                L.Dense(4),
                L.BatchNormalization(),
                L.LayerNormalization(),
                L.Dense(2),
            ]
        )
        return m, rs.rand(4, 6)
    if name == "activations":
        m = seq(
            [
                L.Input((6,)),
                L.Dense(5),
                L.LeakyReLU(0.2),
                L.PReLU(),
                L.ELU(0.5),
                L.ReLU(max_value=3.0),
                L.Softmax(),
            ]
        )
        return m, rs.randn(4, 6)
    if name == "noise":
        m = seq(
            [
                L.Input((6,)),
                L.Dense(5),
                L.GaussianNoise(0.1),
                L.GaussianDropout(0.1),
                L.AlphaDropout(0.1),
            ]
        )
        return m, rs.randn(4, 6)
    if name == "lambda":
        return seq([L.Input((6,)), L.Dense(5), L.Lambda(lambda x: x * 2.0 + 1.0)]), rs.randn(4, 6)
    if name == "merge":
        a, b = L.Input((4,), name="a"), L.Input((4,), name="b")
        outs = [
            L.Add()([a, b]),
            L.Subtract()([a, b]),
            L.Multiply()([a, b]),
            L.Average()([a, b]),
            L.Maximum()([a, b]),
            L.Minimum()([a, b]),
            L.Dot(axes=1)([a, b]),
            L.Dot(axes=1, normalize=True)([a, b]),
        ]
        m = model_cls([a, b], L.Dense(2)(L.Concatenate()(outs)))
        return m, [rs.rand(4, 4), rs.rand(4, 4)]
    if name == "shared":
        a, b = L.Input((4,)), L.Input((4,))
        d = L.Dense(3)
        return model_cls([a, b], L.Concatenate()([d(a), d(b)])), [rs.rand(4, 4), rs.rand(4, 4)]
    if name == "nested":
        i0 = L.Input((3,))
        inner = seq([L.Input((3,)), L.Dense(2)])
        i2 = L.Input((3,))
        inner_fn = model_cls(i2, L.Dense(2, name="in_dense")(i2), name="inner_fn")
        c = L.Add()([inner(i0), inner_fn(i0)])
        return model_cls(i0, L.BatchNormalization()(c)), rs.rand(4, 3)
    if name == "multi_output":
        inp = L.Input((5,), name="x")
        h = L.Dense(8, activation="relu")(inp)
        m = model_cls(inp, [L.Dense(3, activation="softmax")(h), L.Dense(1)(h)])
        return m, rs.rand(6, 5)
    if name == "convolutional":
        m = seq(
            [
                L.Input((8, 8, 2)),
                L.Conv2D(4, 3, padding="same"),
                L.SeparableConv2D(3, 3),
                L.DepthwiseConv2D(2),
                L.Conv2DTranspose(2, 2),
                L.UpSampling2D(),
                L.ZeroPadding2D(1),
                L.Cropping2D(1),
                L.SpatialDropout2D(0.1),
                L.Flatten(),
                L.Dense(2),
            ]
        )
        return m, rs.rand(2, 8, 8, 2)
    if name == "recurrent":
        m = seq(
            [
                L.Input((5,), dtype="int32"),
                L.Embedding(10, 3, mask_zero=True),
                L.LSTM(4, return_sequences=True),
                L.GRU(3, reset_after=False, return_sequences=True),
                L.GRU(3),
                L.Dense(2),
            ]
        )
        return m, np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8], [9, 0, 0, 0, 0]])
    if name == "rnn_wrappers":
        m = seq(
            [
                L.Input((5, 3)),
                L.Bidirectional(L.LSTM(4, return_sequences=True)),
                L.TimeDistributed(L.Dense(2)),
                L.RNN([L.LSTMCell(3), L.GRUCell(2)], return_sequences=True),
                L.SimpleRNN(3),
            ]
        )
        return m, rs.rand(2, 5, 3)
    raise KeyError(name)


MODELS = [
    "dense",
    "reshaping",
    "embedding",
    "normalization",
    "activations",
    "noise",
    "lambda",
    "merge",
    "shared",
    "nested",
    "multi_output",
    "convolutional",
    "recurrent",
    "rnn_wrappers",
]


def _as_input(x):
    if isinstance(x, list):
        return [np.asarray(v, "float32") for v in x]
    return np.asarray(x, "int32" if x.dtype.kind == "i" else "float32")


def _predict(model, x):
    out = model.predict(_as_input(x), verbose=0)
    return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else [np.asarray(out)]


def assert_same_predictions(a, b, x):
    for pa, pb in zip(_predict(a, x), _predict(b, x), strict=True):
        np.testing.assert_allclose(pa, pb, rtol=RTOL, atol=ATOL)


def _kviz_model(name):
    kviz.backend.clear_session()
    return build(kviz, name)


def _foreign_model(lib, name):
    lib.backend.clear_session()
    return build(lib, name)


# ----------------------------------------------------------------- kviz -> tf-keras


@pytest.mark.parametrize("name", MODELS)
def test_kviz_h5_loads_in_tf_keras(tmp_path, tk, name):
    model, x = _kviz_model(name)
    model.save(tmp_path / "m.h5")
    other = tk.models.load_model(tmp_path / "m.h5", compile=False, safe_mode=False)
    assert [lyr.name for lyr in other.layers] == [lyr.name for lyr in model.layers]
    assert_same_predictions(model, other, x)


@pytest.mark.parametrize("name", ["dense", "merge", "nested", "convolutional"])
def test_kviz_weights_h5_load_in_tf_keras(tmp_path, tk, name):
    model, x = _kviz_model(name)
    model.save_weights(tmp_path / "w.h5")
    other, _ = _foreign_model(tk, name)
    other.load_weights(tmp_path / "w.h5")
    assert_same_predictions(model, other, x)
    other.load_weights(tmp_path / "w.h5", by_name=True)
    assert_same_predictions(model, other, x)


@pytest.mark.parametrize("name", MODELS)
def test_kviz_keras3_weights_load_in_tf_keras(tmp_path, tk, name):
    """tf-keras 2.21 reads the Keras 3 weights layout (``.weights.h5``) too."""
    model, x = _kviz_model(name)
    model.save_weights(tmp_path / "w.weights.h5")
    other, _ = _foreign_model(tk, name)
    other.load_weights(tmp_path / "w.weights.h5")
    assert_same_predictions(model, other, x)


# ----------------------------------------------------------------- tf-keras -> kviz


@pytest.mark.parametrize("name", MODELS)
def test_tf_keras_h5_loads_in_kviz(tmp_path, tk, name):
    other, x = _foreign_model(tk, name)
    other.compile("adam", "mse")
    other.save(tmp_path / "m.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the optimizer state loads too
        model = kviz.models.load_model(tmp_path / "m.h5", safe_mode=False)
    assert [lyr.name for lyr in model.layers] == [lyr.name for lyr in other.layers]
    assert_same_predictions(model, other, x)
    assert model.compiled


@pytest.mark.parametrize("name", ["dense", "merge", "nested", "normalization"])
def test_tf_keras_weights_h5_load_in_kviz(tmp_path, tk, name):
    other, x = _foreign_model(tk, name)
    other.save_weights(tmp_path / "w.h5")
    model, _ = _kviz_model(name)
    model.load_weights(tmp_path / "w.h5")
    assert_same_predictions(model, other, x)


@pytest.mark.parametrize("name", ["dense", "nested", "recurrent"])
def test_tf_keras_keras_archive_loads_in_kviz(tmp_path, tk, name):
    """tf-keras 2.13+ writes .keras archives with Keras 2 configs; kviz reads them too."""
    other, x = _foreign_model(tk, name)
    other.compile("adam", "mse")
    other.save(tmp_path / "m.keras")
    assert_same_predictions(kviz.models.load_model(tmp_path / "m.keras"), other, x)


def test_tf_keras_lambda_needs_safe_mode_false(tmp_path, tk):
    other, x = _foreign_model(tk, "lambda")
    other.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match="safe_mode=False"):
        kviz.models.load_model(tmp_path / "m.h5")
    assert_same_predictions(kviz.models.load_model(tmp_path / "m.h5", safe_mode=False), other, x)


# ------------------------------------------------------------------ kviz <-> Keras 3


@pytest.mark.parametrize("name", MODELS)
def test_kviz_keras_archive_loads_in_keras3(tmp_path, k3, name):
    model, x = _kviz_model(name)
    model.compile("adam", "mse")
    model.save(tmp_path / "m.keras")
    other = k3.saving.load_model(tmp_path / "m.keras", safe_mode=False)
    assert_same_predictions(model, other, x)
    assert type(other.optimizer).__name__ == "Adam"


@pytest.mark.parametrize("name", ["dense", "merge", "nested", "convolutional"])
def test_kviz_weights_h5_load_in_keras3(tmp_path, k3, name):
    model, x = _kviz_model(name)
    model.save_weights(tmp_path / "w.weights.h5")
    other, _ = _foreign_model(k3, name)
    other.load_weights(tmp_path / "w.weights.h5")
    assert_same_predictions(model, other, x)


@pytest.mark.parametrize("name", MODELS)
def test_keras3_archive_loads_in_kviz(tmp_path, k3, name):
    other, x = _foreign_model(k3, name)
    other.compile("adam", "mse")
    other.save(tmp_path / "m.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model = kviz.models.load_model(tmp_path / "m.keras", safe_mode=False)
    assert_same_predictions(model, other, x)
    assert model.compiled and type(model.optimizer).__name__ == "Adam"


@pytest.mark.parametrize("name", ["dense", "merge", "nested", "normalization"])
def test_keras3_weights_and_h5_load_in_kviz(tmp_path, k3, name):
    other, x = _foreign_model(k3, name)
    other.save_weights(tmp_path / "w.weights.h5")
    other.save(tmp_path / "legacy.h5")  # Keras 3's legacy HDF5 writer
    model, _ = _kviz_model(name)
    model.load_weights(tmp_path / "w.weights.h5")
    assert_same_predictions(model, other, x)
    assert_same_predictions(kviz.models.load_model(tmp_path / "legacy.h5"), other, x)


# ---------------------------------------------------------------- optimizer state

DATA = np.random.RandomState(0)
X = DATA.rand(16, 3).astype("float32")
Y = DATA.rand(16, 2).astype("float32")

# optimizers whose update formulas agree between kviz and the other library
KVIZ_OPTIMIZERS = {
    "adam": lambda o: o.Adam(0.01),
    "sgd_momentum": lambda o: o.SGD(0.1, momentum=0.9),
    "rmsprop": lambda o: o.RMSprop(0.01),
    "adagrad": lambda o: o.Adagrad(0.05),
    "adadelta": lambda o: o.Adadelta(1.0),
    "adamax": lambda o: o.Adamax(0.01),
    "nadam": lambda o: o.Nadam(0.01),
}
DIFFERENT_FORMULAS = {
    ("tf_keras_new", "rmsprop"),
    ("tf_keras_new", "nadam"),
    ("keras3", "rmsprop"),  # Keras 3: sqrt(velocity + epsilon); Keras 2.2: sqrt(velocity) + epsilon
    ("keras3", "nadam"),
}


def _small(k, optimizer):
    k.backend.clear_session()
    L = k.layers
    m = k.models.Sequential([L.Input((3,)), L.Dense(4, activation="tanh"), L.Dense(2)])
    m.compile(optimizer, "mse")
    return m


def _train(model, epochs=1):
    model.fit(X, Y, epochs=epochs, batch_size=8, verbose=0, shuffle=False)


def _assert_same_weights(a, b, atol=ATOL):
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_allclose(np.asarray(wa), np.asarray(wb), rtol=RTOL, atol=atol)


@pytest.mark.parametrize("opt", sorted(KVIZ_OPTIMIZERS))
def test_kviz_optimizer_state_continues_in_tf_keras(tmp_path, tk, opt):
    model = _small(kviz, KVIZ_OPTIMIZERS[opt](kviz.optimizers))
    _train(model, 2)
    model.save(tmp_path / "m.h5")
    other = tk.models.load_model(tmp_path / "m.h5")
    assert "legacy" in type(other.optimizer).__module__
    theirs = [np.asarray(w) for w in other.optimizer.get_weights()]
    ours = model.optimizer.get_weights()
    assert len(theirs) == len(ours)
    for a, b in zip(theirs, ours, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    _train(model)
    _train(other)
    _assert_same_weights(model, other)


@pytest.mark.parametrize("flavour", ["tf_keras_new", "tf_keras_legacy"])
@pytest.mark.parametrize("opt", sorted(KVIZ_OPTIMIZERS))
def test_tf_keras_optimizer_state_continues_in_kviz(tmp_path, tk, opt, flavour):
    module = tk.optimizers if flavour == "tf_keras_new" else tk.optimizers.legacy
    other = _small(tk, KVIZ_OPTIMIZERS[opt](module))
    _train(other, 2)
    other.save(tmp_path / "m.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model = kviz.models.load_model(tmp_path / "m.h5")
    assert int(model.optimizer.iterations.numpy()) == int(other.optimizer.iterations.numpy())
    if (flavour, opt) in DIFFERENT_FORMULAS:
        return
    _train(model)
    _train(other)
    _assert_same_weights(model, other)


@pytest.mark.parametrize("opt", sorted(KVIZ_OPTIMIZERS))
def test_kviz_optimizer_state_continues_in_keras3(tmp_path, k3, opt):
    model = _small(kviz, KVIZ_OPTIMIZERS[opt](kviz.optimizers))
    _train(model, 2)
    model.save(tmp_path / "m.keras")
    other = k3.saving.load_model(tmp_path / "m.keras")
    theirs = [np.asarray(v) for v in other.optimizer.variables]
    ours = optimizer_state.keras3_values(model.optimizer, model.trainable_weights)
    assert len(theirs) == len(ours)
    for a, b in zip(theirs, ours, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    if ("keras3", opt) in DIFFERENT_FORMULAS:
        return
    _train(model)
    _train(other)
    _assert_same_weights(model, other)


@pytest.mark.parametrize("opt", sorted(KVIZ_OPTIMIZERS))
def test_keras3_optimizer_state_continues_in_kviz(tmp_path, k3, opt):
    other = _small(k3, KVIZ_OPTIMIZERS[opt](k3.optimizers))
    _train(other, 2)
    other.save(tmp_path / "m.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model = kviz.models.load_model(tmp_path / "m.keras")
    ours = optimizer_state.keras3_values(model.optimizer, model.trainable_weights)
    theirs = [np.asarray(v) for v in other.optimizer.variables]
    for a, b in zip(theirs, ours, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    if ("keras3", opt) in DIFFERENT_FORMULAS:
        return
    _train(model)
    _train(other)
    _assert_same_weights(model, other)


def test_tf_keras_training_config_with_metrics_objects(tmp_path, tk):
    """tf-keras writes metrics as MeanMetricWrapper objects and the optimizer as Custom>Adam."""
    other, x = _foreign_model(tk, "multi_output")
    other.compile(
        optimizer="adam",
        loss=["categorical_crossentropy", "mse"],
        metrics=[["accuracy"], ["mae"]],
        loss_weights=[1.0, 0.5],
    )
    y = [np.eye(3, dtype="float32")[[0, 1, 2, 0, 1, 2]], np.ones((6, 1), "float32")]
    other.fit(x.astype("float32"), y, epochs=1, verbose=0)
    other.save(tmp_path / "m.h5")
    model = kviz.models.load_model(tmp_path / "m.h5")
    theirs = other.evaluate(x.astype("float32"), y, verbose=0)
    ours = model.evaluate(x.astype("float32"), y, verbose=0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", MODELS)
def test_kviz_h5_loads_in_keras3_when_tf_keras_h5_does(tmp_path, tk, k3, name):
    """Keras 3 reads Keras 2 .h5 files, but not all of them: nested models (node numbering),
    recurrent layers (time_major) and SeparableConv2D (Conv's kernel_* entries) fail for
    tf-keras's files as for kviz's; with compile=True, loss='mse' fails too ("Could not
    deserialize 'keras.metrics.mse'"). kviz's file must load exactly when tf-keras's does."""

    def keras3_load(path):
        try:
            return k3.saving.load_model(path, compile=False, safe_mode=False)
        except (ValueError, TypeError):
            return None

    other, _ = _foreign_model(tk, name)
    other.save(tmp_path / "tf_keras.h5")
    model, x = _kviz_model(name)
    model.save(tmp_path / "kviz.h5")
    from_tf_keras = keras3_load(tmp_path / "tf_keras.h5")
    from_kviz = keras3_load(tmp_path / "kviz.h5")
    assert (from_kviz is None) == (from_tf_keras is None)
    if from_kviz is not None:
        assert_same_predictions(model, from_kviz, x)


def test_keras3_h5_optimizer_state_continues_in_kviz(tmp_path, k3):
    """Keras 3's .h5 writer stores the optimizer state in Keras 3 order (adam/iteration...)."""
    other = _small(k3, k3.optimizers.Adam(0.01))
    _train(other, 2)
    other.save(tmp_path / "m.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model = kviz.models.load_model(tmp_path / "m.h5")
    assert int(model.optimizer.iterations.numpy()) == 4
    _train(model)
    _train(other)
    _assert_same_weights(model, other)
