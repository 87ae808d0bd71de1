"""fit/evaluate/predict accept h5py datasets, dict inputs and shuffle='batch' (Keras 2)."""

import h5py
import numpy as np

from kviz.layers import Dense, Input
from kviz.models import Model, Sequential


def test_fit_on_h5py_datasets_with_batch_and_full_shuffle(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "data.h5"
    with h5py.File(path, "w") as f:
        f["x"] = rng.random((100, 3)).astype("float32")
        f["y"] = rng.random((100, 1)).astype("float32")
    model = Sequential([Dense(4, input_shape=(3,)), Dense(1)])
    model.compile("sgd", "mse")
    with h5py.File(path, "r") as f:
        h1 = model.fit(f["x"], f["y"], batch_size=16, epochs=2, shuffle="batch", verbose=0)
        h2 = model.fit(f["x"], f["y"], batch_size=16, epochs=1, shuffle=True, verbose=0)
        loss = model.evaluate(f["x"], f["y"], verbose=0)
        pred = model.predict(f["x"], batch_size=32)
        x_mem, y_mem = f["x"][:], f["y"][:]
    assert len(h1.history["loss"]) == 2 and len(h2.history["loss"]) == 1
    np.testing.assert_allclose(loss, model.evaluate(x_mem, y_mem, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(pred, model.predict(x_mem), rtol=1e-6)


def test_dict_inputs_and_outputs_by_name():
    a = Input(shape=(2,), name="a")
    b = Input(shape=(3,), name="b")
    h = Dense(4, name="h")(a)
    out = Dense(1, name="out")(Dense(4)(b))
    model = Model({"a": a, "b": b}, {"out": out, "h": h})
    model.compile("sgd", {"out": "mse", "h": "mae"})
    x = {"a": np.random.rand(8, 2), "b": np.random.rand(8, 3)}
    y = {"out": np.random.rand(8, 1), "h": np.random.rand(8, 4)}
    history = model.fit(x, y, epochs=1, verbose=0)
    assert {"loss", "out_loss", "h_loss"} <= set(history.history)


def test_shuffle_false_keeps_order_and_true_reshuffles():
    seen = []

    class Recorder(Dense):
        def call(self, inputs):
            seen.append(np.asarray(inputs)[:, 0].copy())
            return super().call(inputs)

    x = np.arange(32, dtype="float32").reshape(16, 2)
    model = Sequential([Recorder(1, input_shape=(2,))])
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((16, 1)), batch_size=4, shuffle=False, epochs=1, verbose=0)
    np.testing.assert_array_equal(np.concatenate(seen), x[:, 0])
    seen.clear()
    model.fit(x, np.zeros((16, 1)), batch_size=4, shuffle=True, epochs=1, verbose=0)
    order = np.concatenate(seen)
    assert sorted(order.tolist()) == x[:, 0].tolist() and order.tolist() != x[:, 0].tolist()
