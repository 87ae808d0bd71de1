"""Keras 3 formats: ``.keras`` archives and ``*.weights.h5`` files written and read by kviz."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import warnings
import zipfile

import h5py
import numpy as np
import pytest
import saving_zoo as zoo

import kviz
from kviz import config as kconfig
from kviz import layers as L
from kviz import optimizers
from kviz.models import Model, Sequential, load_model
from kviz.saving import h5_io, keras3_weights


def _archive(path):
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        config = json.loads(zf.read("config.json"))
        metadata = json.loads(zf.read("metadata.json"))
        weights = zf.read("model.weights.h5")
    return infos, config, metadata, weights


def _h5_paths(data):
    """``{path: dataset shape, or a group's attributes}`` of an HDF5 file's bytes."""
    out = {}

    def visit(name, obj):
        out[name] = obj.shape if isinstance(obj, h5py.Dataset) else dict(obj.attrs)

    with h5py.File(io.BytesIO(data), "r") as f:
        f.visititems(visit)
    return out


# ------------------------------------------------------------------------ round trips


@pytest.mark.parametrize("name", sorted(zoo.ALL))
def test_round_trip(tmp_path, name):
    model, x = zoo.ALL[name]()
    model.save(tmp_path / "m.keras")
    restored = load_model(tmp_path / "m.keras", safe_mode=False)
    zoo.assert_same_predictions(model, restored, x)
    zoo.assert_same_weights(model, restored)
    assert [lyr.name for lyr in restored.layers] == [lyr.name for lyr in model.layers]
    assert [w.name for w in restored.weights] == [w.name for w in model.weights]
    if name != "lambda":  # a re-marshalled lambda's bytecode differs (file name)
        # Keras 3 configs drop Keras 2 details (a first layer's batch_input_shape, Embedding's
        # input_length...), so compare a second round trip with the first one
        restored.save(tmp_path / "m2.keras")
        again = load_model(tmp_path / "m2.keras")
        assert again.to_json() == restored.to_json()


def test_archive_layout(tmp_path):
    model, _ = zoo.nested()
    model.compile("adam", "mse")
    model.save(tmp_path / "m.keras")
    infos, config, metadata, weights = _archive(tmp_path / "m.keras")
    assert [i.filename for i in infos] == ["metadata.json", "config.json", "model.weights.h5"]
    assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
    assert metadata["keras_version"] == "3.15.1"
    assert set(metadata) >= {"keras_version", "date_saved"}
    assert set(config) == {
        "module",
        "class_name",
        "config",
        "registered_name",
        "build_config",
        "compile_config",
    }
    assert (config["module"], config["class_name"]) == ("keras.src.models.functional", "Functional")
    layers = config["config"]["layers"]
    assert layers[0]["class_name"] == "InputLayer"
    assert layers[0]["config"]["batch_shape"] == [None, 3]
    seq = layers[1]
    assert (seq["module"], seq["class_name"]) == ("keras", "Sequential")
    assert seq["config"]["layers"][0]["class_name"] == "InputLayer"
    dense = seq["config"]["layers"][1]
    assert dense["module"] == "keras.layers"
    assert dense["config"]["dtype"]["class_name"] == "DTypePolicy"
    assert dense["config"]["kernel_initializer"]["module"] == "keras.initializers"
    assert dense["build_config"] == {"input_shape": [None, 3]}
    add = layers[3]
    assert add["class_name"] == "Add"
    history = [a["config"]["keras_history"] for a in add["inbound_nodes"][0]["args"][0]]
    assert history == [[seq["name"], 0, 0], ["inner_fn", 0, 0]]  # Keras 3 counts from 0
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert config["compile_config"]["loss"] == "mse"
    paths = _h5_paths(weights)
    assert paths["vars"] == {"name": model.name}
    assert paths["layers/sequential/layers/dense/vars/0"] == (3, 2)
    assert paths["layers/functional/layers/dense/vars"] == {"name": "in_dense"}
    assert paths["layers/batch_normalization/vars/3"] == (2,)
    assert paths["layers/input_layer/vars"] == {"name": "input_1"}
    assert paths["optimizer/vars/0"] == ()  # iterations (the optimizer has not run)
    assert paths["optimizer/vars/1"] == ()  # learning rate


def test_layer_group_names_count_per_class():
    model = Sequential(
        [L.Dense(3, input_shape=(2,)), L.Dropout(0.1), L.Dense(2), L.PReLU(), L.Dense(1)]
    )
    paths = [p for p, _, _ in keras3_weights.walk(model)]
    assert paths == [
        "",
        "layers/dense",
        "layers/dropout",
        "layers/dense_1",
        "layers/p_re_lu",
        "layers/dense_2",
    ]


# --------------------------------------------------------------------- compile state

OPTIMIZERS = {
    "adam": lambda: optimizers.Adam(0.01),
    "adam_amsgrad": lambda: optimizers.Adam(0.01, amsgrad=True),
    "sgd_nesterov": lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    "rmsprop_centered": lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "adagrad": lambda: optimizers.Adagrad(0.05),
    "adadelta": lambda: optimizers.Adadelta(),
    "adamax": lambda: optimizers.Adamax(0.01),
    "nadam": lambda: optimizers.Nadam(0.01),
}


def _fit(model, x, y, epochs, seed):
    kconfig.set_random_seed(seed)
    return model.fit(x, y, epochs=epochs, batch_size=8, verbose=0).history


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
def test_continued_training_is_identical(tmp_path, opt):
    x, y = zoo.regression_data()
    model = zoo.small_classifier(OPTIMIZERS[opt]())
    _fit(model, x, y, 2, seed=3)
    model.save(tmp_path / "m.keras")
    restored = load_model(tmp_path / "m.keras")
    for a, b in zip(model.optimizer.get_weights(), restored.optimizer.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert _fit(model, x, y, 2, seed=5) == _fit(restored, x, y, 2, seed=5)
    zoo.assert_same_weights(model, restored)


def test_decay_becomes_an_inverse_time_schedule(tmp_path):
    x, y = zoo.regression_data()
    model = zoo.small_classifier(optimizers.SGD(0.1, momentum=0.5, decay=0.05))
    _fit(model, x, y, 1, seed=3)
    model.save(tmp_path / "m.keras")
    _, config, _, _ = _archive(tmp_path / "m.keras")
    lr = config["compile_config"]["optimizer"]["config"]["learning_rate"]
    assert lr["class_name"] == "InverseTimeDecay"
    assert lr["config"]["decay_rate"] == pytest.approx(0.05)
    assert "decay" not in config["compile_config"]["optimizer"]["config"]
    restored = load_model(tmp_path / "m.keras")
    _fit(model, x, y, 2, seed=5)
    _fit(restored, x, y, 2, seed=5)
    for a, b in zip(model.get_weights(), restored.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_compile_config_round_trip(tmp_path):
    model, x = zoo.multi_output()
    model.compile(
        optimizer=optimizers.Adam(0.003),
        loss={"cls": "categorical_crossentropy", "reg": kviz.losses.Huber(delta=2.0)},
        metrics={"cls": ["accuracy"], "reg": ["mae"]},
        loss_weights={"cls": 1.0, "reg": 0.5},
    )
    model.save(tmp_path / "m.keras")
    _, config, _, _ = _archive(tmp_path / "m.keras")
    cc = config["compile_config"]
    assert cc["loss"]["reg"]["module"] == "keras.losses"
    assert cc["loss"]["reg"]["config"]["reduction"] == "sum_over_batch_size"
    restored = load_model(tmp_path / "m.keras")
    y = [np.eye(3, dtype="float32")[[0, 1, 2, 0, 1, 2]], np.ones((6, 1), "float32")]
    assert restored.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))
    assert restored.metrics_names == model.metrics_names
    assert restored.optimizer.get_config()["learning_rate"] == pytest.approx(0.003)


def test_unrestorable_compile_config_warns(tmp_path):
    def my_loss(y_true, y_pred):
        return kviz.backend.mean(kviz.backend.square(y_true - y_pred), axis=-1)

    model = Sequential([L.Dense(2, input_shape=(3,))])
    model.compile("sgd", my_loss)
    model.save(tmp_path / "m.keras")
    with pytest.warns(UserWarning, match="was not called as part of model loading"):
        restored = load_model(tmp_path / "m.keras")
    assert not restored.compiled
    assert load_model(tmp_path / "m.keras", custom_objects={"my_loss": my_loss}).compiled


# ------------------------------------------------------------------- weights files


def test_weights_h5_round_trip_with_other_layer_names(tmp_path):
    model, x = zoo.nested()
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        assert "layers" in f and "layer_names" not in f.attrs
    kviz.backend.clear_session()
    kviz.backend.clear_session()
    other, _ = zoo.nested()  # fresh weights
    other.load_weights(tmp_path / "w.weights.h5")
    zoo.assert_same_predictions(model, other, x)


def test_weights_h5_falls_back_on_layer_names(tmp_path):
    a = Sequential([L.Dense(3, input_shape=(2,), name="x"), L.Dense(4, name="y")])
    a.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "a") as f:  # scramble the paths
        f.move("layers/dense", "layers/tmp")
        f.move("layers/dense_1", "layers/dense")
        f.move("layers/tmp", "layers/dense_1")
    b = Sequential([L.Dense(3, input_shape=(2,), name="x"), L.Dense(4, name="y")])
    b.load_weights(tmp_path / "w.weights.h5")
    zoo.assert_same_weights(a, b)


def test_weights_h5_mismatch_changes_nothing(tmp_path):
    Sequential([L.Dense(3, input_shape=(2,)), L.Dense(4)]).save_weights(tmp_path / "w.weights.h5")
    other = Sequential([L.Dense(3, input_shape=(2,)), L.Dense(5)])
    before = other.get_weights()
    with pytest.raises(ValueError, match="variable.shape=\\(3, 5\\).*value.shape=\\(3, 4\\)"):
        other.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(before, other.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.warns(UserWarning, match="Skipping the weights of layer"):
        other.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(other.layers[1].get_weights()[0], before[2])


def test_weights_h5_carries_optimizer_state(tmp_path):
    x, y = zoo.regression_data()
    model = zoo.small_classifier(optimizers.Adam(0.01))
    _fit(model, x, y, 1, seed=1)
    model.save_weights(tmp_path / "w.weights.h5")
    other = zoo.small_classifier(optimizers.Adam(0.01))
    other.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(model.optimizer.get_weights(), other.optimizer.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    uncompiled = Sequential.from_config(model.get_config())
    uncompiled.load_weights(tmp_path / "w.weights.h5")  # the optimizer part is ignored
    zoo.assert_same_weights(model, uncompiled)


def test_load_weights_from_keras_archive(tmp_path):
    model, x = zoo.merge()
    model.save(tmp_path / "m.keras")
    other, _ = zoo.merge()
    other.load_weights(tmp_path / "m.keras")
    zoo.assert_same_predictions(model, other, x)


def test_keras_name_for_save_weights_is_refused(tmp_path):
    model, _ = zoo.dense()
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        model.save_weights(tmp_path / "w.keras")


def test_subclassed_model(tmp_path):
    class Net(Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.blocks = [L.Dense(4, activation="relu"), L.Dense(4)]
            self.head = L.Dense(2)

        def call(self, inputs):
            x = inputs
            for block in self.blocks:
                x = block(x)
            return self.head(x)

    x = np.ones((2, 3), "float32")
    net = Net()
    net(x)
    with pytest.raises(NotImplementedError, match="save_weights"):
        net.save(tmp_path / "m.keras")
    net.save_weights(tmp_path / "w.weights.h5")
    paths = [p for p, _, _ in keras3_weights.walk(net)]
    assert paths == ["", "blocks/dense", "blocks/dense_1", "head"]
    other = Net()
    other(x)
    other.load_weights(tmp_path / "w.weights.h5")
    zoo.assert_same_predictions(net, other, x)


# ----------------------------------------------------------------------- safety, errors


def test_lambda_needs_safe_mode_false(tmp_path):
    model, x = zoo.lambda_layer()
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="safe_mode=False"):
        load_model(tmp_path / "m.keras")
    zoo.assert_same_predictions(model, load_model(tmp_path / "m.keras", safe_mode=False), x)


def test_unknown_custom_layer_is_named(tmp_path):
    class Scale(L.Layer):
        def call(self, inputs):
            return inputs * 2.0

    model = Sequential([L.Dense(3, input_shape=(2,)), Scale()])
    model.save(tmp_path / "m.keras")
    _, config, _, _ = _archive(tmp_path / "m.keras")
    custom = config["config"]["layers"][2]
    assert custom["registered_name"] == "Scale"
    with pytest.raises(ValueError, match="Unknown layer: 'Scale'"):
        load_model(tmp_path / "m.keras")
    restored = load_model(tmp_path / "m.keras", custom_objects={"Scale": Scale})
    zoo.assert_same_predictions(model, restored, np.ones((2, 2), "float32"))


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    model, _ = zoo.dense()
    path = tmp_path / "m.keras"
    model.save(path)
    old = path.read_bytes()

    def explode(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", explode)
    with pytest.raises(OSError, match="simulated"):
        model.save(path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["m.keras"]


def test_failed_weights_write_keeps_the_old_file(tmp_path, monkeypatch):
    model, _ = zoo.dense()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    old = path.read_bytes()
    monkeypatch.setattr(h5_io, "write_dataset", lambda *a, **k: (_ for _ in ()).throw(OSError("x")))
    with pytest.raises(OSError):
        model.save_weights(path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["w.weights.h5"]


@pytest.mark.parametrize("fraction", [0.2, 0.6, 0.98])
def test_truncated_archive(tmp_path, fraction):
    model, _ = zoo.dense()
    path = tmp_path / "m.keras"
    model.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(ValueError, match=r"m\.keras"):
        load_model(path)
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"m\.keras"):
        model.load_weights(path)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_archive_without_config(tmp_path):
    path = tmp_path / "m.keras"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", "{}")
    with pytest.raises(ValueError, match=r"m\.keras.*no 'config.json'"):
        load_model(path)


def test_archive_with_bad_weights(tmp_path):
    model, _ = zoo.dense()
    path = tmp_path / "m.keras"
    model.save(path)
    _, config, metadata, _ = _archive(path)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", json.dumps(metadata))
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("model.weights.h5", b"not hdf5 at all")
    with pytest.raises(ValueError, match="unreadable model.weights.h5"):
        load_model(path)


def test_random_bytes(tmp_path):
    path = tmp_path / "junk.keras"
    path.write_bytes(np.random.RandomState(1).bytes(1000))
    with pytest.raises(ValueError, match=r"junk\.keras.*neither HDF5"):
        load_model(path)


def test_ops_on_symbolic_tensors_round_trip(tmp_path):
    inp = L.Input((4,))
    h = L.Dense(6)(inp)
    a = h[:, 1:4]
    b = kviz.ops.reshape(h, (-1, 3, 2))
    out = kviz.ops.concatenate([a, kviz.ops.sum(b, axis=2)], axis=-1)
    model = Model(inp, kviz.ops.add(kviz.ops.multiply(out, 2.0), 1.0))
    x = np.random.RandomState(0).rand(3, 4).astype("float32")
    for ext in ("h5", "keras"):
        model.save(tmp_path / f"m.{ext}")
        zoo.assert_same_predictions(model, load_model(tmp_path / f"m.{ext}", compile=False), x)


def test_hard_sigmoid_warns_for_keras3(tmp_path):
    model = Sequential([L.Dense(2, activation="hard_sigmoid", input_shape=(3,))])
    with pytest.warns(UserWarning, match="redefined hard_sigmoid"):
        model.save(tmp_path / "m.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.save(tmp_path / "m.h5")  # the same definition in Keras 2


def test_unbuilt_sequential_cannot_be_saved(tmp_path):
    model = Sequential([L.Dense(2)])
    for ext in ("h5", "keras"):
        with pytest.raises(ValueError, match="has not yet been built"):
            model.save(tmp_path / f"m.{ext}")
    assert not os.listdir(tmp_path)


def test_import_stays_light():
    code = (
        "import sys, time; t = time.perf_counter(); import kviz; "
        "from kviz.models import load_model, save_model, Sequential; "
        "print(time.perf_counter() - t, 'h5py' in sys.modules, 'zipfile' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[1] == "False"  # h5py is imported when a file is read or written
