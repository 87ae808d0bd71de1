"""Keras 2 HDF5 files: full models (``model.save('m.h5')``), weights (``save_weights``),
errors, atomic writes, legacy files (Keras 2.2 bytes attributes, Keras 1)."""

from __future__ import annotations

import json
import os
import warnings

import h5py
import numpy as np
import pytest
import saving_zoo as zoo

import kviz
from kviz import config as kconfig
from kviz import layers as L
from kviz import optimizers
from kviz.models import Model, Sequential, load_model, save_model
from kviz.saving import h5_io, legacy_weights

# loading an uncompiled model's file warns (as Keras does); most tests here do that on purpose
pytestmark = pytest.mark.filterwarnings("ignore:No training configuration found")


def test_docstring_examples():
    import doctest

    import kviz.saving.atomic

    for module in (kviz.saving, kviz.saving.atomic):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module.__name__


# ------------------------------------------------------------------------ round trips


@pytest.mark.parametrize("name", sorted(zoo.ALL))
def test_round_trip_predictions_config_and_weights(tmp_path, name):
    model, x = zoo.ALL[name]()
    path = tmp_path / "m.h5"
    model.save(path)
    restored = load_model(path, safe_mode=False, compile=False)
    zoo.assert_same_predictions(model, restored, x)
    zoo.assert_same_weights(model, restored)
    assert [w.name for w in restored.weights] == [w.name for w in model.weights]
    assert [lyr.name for lyr in restored.layers] == [lyr.name for lyr in model.layers]
    if name != "lambda":  # a re-marshalled lambda's bytecode differs (file name)
        assert restored.to_json() == model.to_json()


def test_file_layout_matches_keras(tmp_path):
    model, _ = zoo.nested()
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "r") as f:
        assert h5_io.read_str_attr(f, "keras_version") == "2.21.0"
        assert h5_io.read_str_attr(f, "backend") == "tensorflow"
        cfg = json.loads(h5_io.read_str_attr(f, "model_config"))
        assert cfg["class_name"] == "Functional"
        assert set(cfg) == {"class_name", "config"}
        mw = f["model_weights"]
        assert h5_io.read_attr_list(mw, "layer_names") == [lyr.name for lyr in model.layers]
        seq = model.layers[1]
        assert h5_io.read_attr_list(mw[seq.name], "weight_names") == [w.name for w in seq.weights]
        kernel = seq.weights[0]
        np.testing.assert_array_equal(mw[seq.name][kernel.name][()], kernel.numpy())
        assert h5_io.read_attr_list(mw["input_1"], "weight_names") == []
        assert "top_level_model_weights" in mw
        assert "training_config" not in f.attrs
        assert "optimizer_weights" not in f


def test_save_model_function_and_models_namespace(tmp_path):
    model, x = zoo.dense()
    save_model(model, str(tmp_path / "a.hdf5"))
    restored = kviz.models.load_model(str(tmp_path / "a.hdf5"))
    zoo.assert_same_predictions(model, restored, x)
    assert kviz.saving.load_model is load_model


def test_h5py_file_objects(tmp_path):
    model, x = zoo.dense()
    with h5py.File(tmp_path / "m.h5", "w") as f:
        model.save(f)
    with h5py.File(tmp_path / "m.h5", "r") as f:
        restored = load_model(f)
    zoo.assert_same_predictions(model, restored, x)


def test_other_extension_writes_hdf5_with_a_note(tmp_path):
    model, x = zoo.dense()
    with pytest.warns(UserWarning, match="Keras 2 HDF5"):
        model.save(tmp_path / "model.bin")
    assert h5_io.file_kind(tmp_path / "model.bin") == "hdf5"
    zoo.assert_same_predictions(model, load_model(tmp_path / "model.bin"), x)


def test_save_format_tf_is_refused(tmp_path):
    model, _ = zoo.dense()
    with pytest.raises(ValueError, match="SavedModel"):
        model.save(tmp_path / "m", save_format="tf")


# --------------------------------------------------------------------- compile state


def _fit(model, x, y, epochs, seed):
    kconfig.set_random_seed(seed)
    return model.fit(x, y, epochs=epochs, batch_size=8, verbose=0).history


OPTIMIZERS = {
    "adam": lambda: optimizers.Adam(0.01),
    "adam_amsgrad": lambda: optimizers.Adam(0.01, amsgrad=True),
    "sgd_nesterov": lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    "sgd_decay": lambda: optimizers.SGD(0.1, decay=0.01),
    "rmsprop_centered": lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "adagrad": lambda: optimizers.Adagrad(0.05),
    "adadelta": lambda: optimizers.Adadelta(),
    "adamax": lambda: optimizers.Adamax(0.01),
    "nadam": lambda: optimizers.Nadam(0.01),
}


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
def test_continued_training_is_identical_after_save_and_load(tmp_path, opt):
    x, y = zoo.regression_data()
    model = zoo.small_classifier(OPTIMIZERS[opt]())
    _fit(model, x, y, 2, seed=3)
    model.save(tmp_path / "m.h5")
    restored = load_model(tmp_path / "m.h5")
    assert type(restored.optimizer) is type(model.optimizer)
    assert restored.optimizer.get_config() == model.optimizer.get_config()
    for a, b in zip(model.optimizer.get_weights(), restored.optimizer.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    h1 = _fit(model, x, y, 2, seed=5)
    h2 = _fit(restored, x, y, 2, seed=5)
    assert h1 == h2
    zoo.assert_same_weights(model, restored)


def test_training_config_content(tmp_path):
    model, x = zoo.multi_output()
    model.compile(
        optimizer=optimizers.RMSprop(0.002),
        loss={"cls": "categorical_crossentropy", "reg": kviz.losses.Huber(delta=2.0)},
        metrics={"cls": ["accuracy"], "reg": [kviz.metrics.mean_absolute_error]},
        loss_weights={"cls": 1.0, "reg": 0.5},
        weighted_metrics=["mse"],
    )
    kviz.backend.set_value(model.optimizer.lr, 0.0005)  # e.g. changed by a callback
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        tc = json.loads(h5_io.read_str_attr(f, "training_config"))
    assert tc["loss"]["cls"] == "categorical_crossentropy"
    assert tc["loss"]["reg"]["class_name"] == "Huber"
    assert tc["metrics"] == {"cls": ["accuracy"], "reg": ["mean_absolute_error"]}
    assert tc["loss_weights"] == {"cls": 1.0, "reg": 0.5}
    assert tc["weighted_metrics"] == ["mse"]
    assert tc["optimizer_config"]["class_name"] == "RMSprop"
    assert tc["optimizer_config"]["config"]["learning_rate"] == 0.0005
    restored = load_model(tmp_path / "m.h5")
    assert restored.compiled
    assert restored.loss_weights == {"cls": 1.0, "reg": 0.5}
    assert isinstance(restored.loss["reg"], kviz.losses.Huber)
    assert restored.loss["reg"].get_config() == model.loss["reg"].get_config()
    assert kviz.backend.get_value(restored.optimizer.lr) == pytest.approx(0.0005)
    y = [np.eye(3, dtype="float32")[[0, 1, 2, 0, 1, 2]], np.ones((6, 1), "float32")]
    assert restored.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))
    assert restored.metrics_names == model.metrics_names


def test_include_optimizer_false_and_compile_false(tmp_path):
    x, y = zoo.regression_data()
    model = zoo.small_classifier()
    _fit(model, x, y, 1, seed=1)
    model.save(tmp_path / "no_opt.h5", include_optimizer=False)
    with h5py.File(tmp_path / "no_opt.h5", "r") as f:
        assert "training_config" not in f.attrs and "optimizer_weights" not in f
    with pytest.warns(UserWarning, match="No training configuration"):
        restored = load_model(tmp_path / "no_opt.h5")
    assert not restored.compiled
    model.save(tmp_path / "opt.h5")
    restored = load_model(tmp_path / "opt.h5", compile=False)
    assert not restored.compiled
    zoo.assert_same_weights(model, restored)


def test_untrained_compiled_model_restores_iterations_only(tmp_path):
    model = zoo.small_classifier()
    model.save(tmp_path / "m.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        restored = load_model(tmp_path / "m.h5")
    assert int(restored.optimizer.iterations.numpy()) == 0
    x, y = zoo.regression_data()
    h1, h2 = _fit(model, x, y, 1, seed=2), _fit(restored, x, y, 1, seed=2)
    assert h1 == h2


def test_broken_optimizer_state_warns_and_starts_fresh(tmp_path):
    x, y = zoo.regression_data()
    model = zoo.small_classifier()
    _fit(model, x, y, 1, seed=1)
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "a") as f:
        names = h5_io.read_attr_list(f["optimizer_weights"], "weight_names")
        h5_io.write_attr_list(f["optimizer_weights"], "weight_names", names[:-1])
    with pytest.warns(UserWarning, match="freshly initialized optimizer"):
        restored = load_model(tmp_path / "m.h5")
    zoo.assert_same_weights(model, restored)


# ----------------------------------------------------------------------- Lambda, custom


def test_lambda_needs_safe_mode_false(tmp_path):
    model, x = zoo.lambda_layer()
    model.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match="safe_mode=False"):
        load_model(tmp_path / "m.h5")
    zoo.assert_same_predictions(model, load_model(tmp_path / "m.h5", safe_mode=False), x)


class Scale(L.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")
        super().build(input_shape)

    def call(self, inputs):
        return inputs * self.w * self.factor

    def get_config(self):
        return dict(super().get_config(), factor=self.factor)


class Shift(Scale):
    pass


def test_unknown_custom_layers_are_named(tmp_path):
    model = Sequential([L.Dense(3, input_shape=(2,)), Scale(3.0), Shift(1.0)])
    model.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match=r"Unknown layer: 'Scale', 'Shift'.*custom_objects"):
        load_model(tmp_path / "m.h5")
    x = np.ones((2, 2), "float32")
    restored = load_model(tmp_path / "m.h5", custom_objects={"Scale": Scale, "Shift": Shift})
    zoo.assert_same_predictions(model, restored, x)
    with kviz.utils.custom_object_scope({"Scale": Scale, "Shift": Shift}):
        zoo.assert_same_predictions(model, load_model(tmp_path / "m.h5"), x)


def test_custom_loss_and_metric_need_custom_objects(tmp_path):
    def my_loss(y_true, y_pred):
        return kviz.backend.mean(kviz.backend.square(y_true - y_pred), axis=-1)

    def my_metric(y_true, y_pred):
        return kviz.backend.mean(kviz.backend.abs(y_true - y_pred), axis=-1)

    model = Sequential([L.Dense(2, input_shape=(3,))])
    model.compile("sgd", loss=my_loss, metrics=[my_metric])
    model.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match="my_(loss|metric)"):
        load_model(tmp_path / "m.h5")
    restored = load_model(
        tmp_path / "m.h5", custom_objects={"my_loss": my_loss, "my_metric": my_metric}
    )
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
    assert restored.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))


# ---------------------------------------------------------------------------- subclassed


class Subclassed(Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = L.Dense(4, activation="relu")
        self.out = L.Dense(2)

    def call(self, inputs):
        return self.out(self.hidden(inputs))


def test_subclassed_model_h5_save_raises_but_weights_work(tmp_path):
    model = Subclassed()
    x = np.ones((3, 5), "float32")
    model(x)
    with pytest.raises(NotImplementedError, match="Saving the model to HDF5 format requires"):
        model.save(tmp_path / "m.h5")
    assert not os.listdir(tmp_path)
    model.save_weights(tmp_path / "w.h5")
    other = Subclassed()
    other(x)
    other.load_weights(tmp_path / "w.h5")
    zoo.assert_same_predictions(model, other, x)


def test_unbuilt_models(tmp_path):
    model = Sequential([L.Dense(2)])
    with pytest.raises(ValueError, match="not yet been created"):
        model.save_weights(tmp_path / "w.h5")
    built = Sequential([L.Dense(2, input_shape=(3,))])
    built.save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="has not created its variables yet"):
        model.load_weights(tmp_path / "w.h5")


# ------------------------------------------------------------------------ weights only


def _stack(names=("d1", "d2", "d3"), units=(4, 3, 2), input_dim=5):
    layers = [L.Dense(units[0], input_shape=(input_dim,), name=names[0])]
    layers += [L.Dense(u, name=n) for n, u in zip(names[1:], units[1:], strict=True)]
    return Sequential(layers)


def test_weights_file_layout(tmp_path):
    model = _stack()
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as f:
        assert h5_io.read_attr_list(f, "layer_names") == ["d1", "d2", "d3"]
        assert h5_io.read_str_attr(f, "keras_version") == "2.21.0"
        assert "model_config" not in f.attrs
        assert h5_io.read_attr_list(f["d2"], "weight_names") == ["d2/kernel:0", "d2/bias:0"]
        assert f["d2/d2/kernel:0"].shape == (4, 3)
    with pytest.raises(ValueError, match="load_weights"):
        load_model(tmp_path / "w.h5")


def test_topological_loading_ignores_names(tmp_path):
    a = _stack()
    a.save_weights(tmp_path / "w.h5")
    b = _stack(names=("x", "y", "z"))
    b.load_weights(tmp_path / "w.h5")
    zoo.assert_same_weights(a, b)
    a.save(tmp_path / "full.h5")  # a full-model file works too
    c = _stack(names=("p", "q", "r"))
    c.load_weights(tmp_path / "full.h5")
    zoo.assert_same_weights(a, c)


def test_layer_count_mismatch_message(tmp_path):
    _stack().save_weights(tmp_path / "w.h5")
    two = _stack(names=("a", "b"), units=(4, 3))
    with pytest.raises(
        ValueError,
        match=r"^Layer count mismatch when loading weights from file. Model expected 2 layers, "
        r"found 3 saved layers.$",
    ):
        two.load_weights(tmp_path / "w.h5")


def test_shape_mismatch_changes_nothing(tmp_path):
    _stack(units=(4, 3, 2)).save_weights(tmp_path / "w.h5")
    other = _stack(units=(4, 3, 7))
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"Cannot assign value to variable ' d3/kernel:0'"):
        other.load_weights(tmp_path / "w.h5")
    for x, y in zip(before, other.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)


def test_by_name_and_skip_mismatch(tmp_path):
    src = _stack(units=(4, 3, 2))
    src.save_weights(tmp_path / "w.h5")
    dst = Sequential(
        [
            L.Dense(4, input_shape=(5,), name="d1"),
            L.Dense(3, name="other"),
            L.Dense(9, name="d3"),
        ]
    )
    before = dst.get_weights()
    with pytest.raises(ValueError, match=r"Shape mismatch in layer #2 \(named d3\)"):
        dst.load_weights(tmp_path / "w.h5", by_name=True)
    for x, y in zip(before, dst.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(ValueError, match="skip_mismatch can only be set to True when by_name"):
        dst.load_weights(tmp_path / "w.h5", skip_mismatch=True)
    with pytest.warns(UserWarning, match=r"Skipping loading weights for layer #2 \(named d3\)"):
        dst.load_weights(tmp_path / "w.h5", by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(dst.layers[0].get_weights()[0], src.layers[0].get_weights()[0])
    np.testing.assert_array_equal(dst.layers[1].get_weights()[0], before[2])  # no match
    np.testing.assert_array_equal(dst.layers[2].get_weights()[0], before[4])  # skipped
    np.testing.assert_array_equal(dst.layers[2].get_weights()[1], before[5])


def test_by_name_weight_count_mismatch(tmp_path):
    src = Sequential([L.Dense(3, input_shape=(2,), name="d", use_bias=False)])
    src.save_weights(tmp_path / "w.h5")
    dst = Sequential([L.Dense(3, input_shape=(2,), name="d")])
    with pytest.raises(ValueError, match=r"Weight count mismatch for layer #0 \(named d\)"):
        dst.load_weights(tmp_path / "w.h5", by_name=True)
    with pytest.warns(UserWarning, match="mismatch in number of weights"):
        dst.load_weights(tmp_path / "w.h5", by_name=True, skip_mismatch=True)


def test_long_attributes_are_chunked(tmp_path):
    names = [f"activation_with_a_rather_long_name_{'x' * 180}_{i}" for i in range(400)]
    model = Sequential([L.Dense(2, input_shape=(2,), name="first")])
    for n in names:
        model.add(L.Activation("linear", name=n))
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        attrs = set(f["model_weights"].attrs)
        assert "layer_names" not in attrs and {"layer_names0", "layer_names1"} <= attrs
        assert h5_io.read_attr_list(f["model_weights"], "layer_names") == ["first", *names]
    restored = load_model(tmp_path / "m.h5")
    assert [lyr.name for lyr in restored.layers] == ["first", *names]
    zoo.assert_same_weights(model, restored)


def test_attr_list_helpers_round_trip(tmp_path):
    data = [f"name_{i:05d}_" + "y" * 100 for i in range(2000)]
    with h5py.File(tmp_path / "a.h5", "w") as f:
        h5_io.write_attr_list(f, "names", data)
        assert "names0" in f.attrs
        assert h5_io.read_attr_list(f, "names") == data
        with pytest.raises(RuntimeError, match="larger than 64512 bytes"):
            h5_io.write_attr_list(f, "huge", ["z" * 70000])


# ----------------------------------------------------------------------- atomic writes


def _explode_after(monkeypatch, n):
    calls = {"n": 0}
    original = h5py.Group.create_dataset

    def create_dataset(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > n:
            raise OSError("disk full (simulated)")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(h5py.Group, "create_dataset", create_dataset)


@pytest.mark.parametrize("kind", ["save", "save_weights"])
def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch, kind):
    model, _ = zoo.dense()
    path = tmp_path / "m.h5"
    getattr(model, kind)(path)
    old = path.read_bytes()
    for w in model.weights:
        w.assign(w.numpy() + 1.0)
    _explode_after(monkeypatch, 2)
    with pytest.raises(OSError, match="simulated"):
        getattr(model, kind)(path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["m.h5"]  # no temporary file left behind
    monkeypatch.undo()
    if kind == "save":
        load_model(path)


def test_failed_first_write_leaves_nothing(tmp_path, monkeypatch):
    model, _ = zoo.dense()
    _explode_after(monkeypatch, 0)
    with pytest.raises(OSError):
        model.save(tmp_path / "m.h5")
    assert os.listdir(tmp_path) == []


def test_overwrite_false_asks(tmp_path, monkeypatch):
    model, _ = zoo.dense()
    path = tmp_path / "m.h5"
    model.save(path)
    old = path.read_bytes()
    answers = iter(["maybe", "n"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    model.save(path, overwrite=False)
    assert path.read_bytes() == old
    monkeypatch.setattr("builtins.input", lambda prompt="": "y")
    model.layers[0].weights[0].assign(np.zeros((6, 4), "float32"))
    model.save(path, overwrite=False)
    np.testing.assert_array_equal(load_model(path).layers[0].get_weights()[0], 0.0)


def test_creates_missing_directories(tmp_path):
    model, x = zoo.dense()
    path = tmp_path / "a" / "b" / "m.h5"
    model.save(path)
    zoo.assert_same_predictions(model, load_model(path), x)


# ------------------------------------------------------------------ unreadable files


def test_missing_file(tmp_path):
    with pytest.raises(OSError, match="No file or directory found at"):
        load_model(tmp_path / "nope.h5")
    model, _ = zoo.dense()
    with pytest.raises(OSError, match="No file or directory found at"):
        model.load_weights(tmp_path / "nope.h5")


def test_random_bytes_and_empty_file(tmp_path):
    junk = tmp_path / "junk.h5"
    junk.write_bytes(np.random.RandomState(0).bytes(4096))
    with pytest.raises(ValueError, match=r"junk\.h5.*neither HDF5"):
        load_model(junk)
    model, _ = zoo.dense()
    with pytest.raises(ValueError, match=r"junk\.h5.*neither HDF5"):
        model.load_weights(junk)
    empty = tmp_path / "empty.h5"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        load_model(empty)


def test_directory(tmp_path):
    with pytest.raises(ValueError, match="directory"):
        load_model(tmp_path)


@pytest.mark.parametrize("fraction", [0.3, 0.7, 0.95])
def test_truncated_file(tmp_path, fraction):
    model, _ = zoo.dense()
    path = tmp_path / "m.h5"
    model.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    weights = model.get_weights()
    with pytest.raises((OSError, ValueError), match=r"m\.h5"):
        load_model(path)
    with pytest.raises((OSError, ValueError), match=r"m\.h5"):
        model.load_weights(path)
    for a, b in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_foreign_hdf5_file(tmp_path):
    path = tmp_path / "data.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(ValueError, match="No model config found"):
        load_model(path)
    model, _ = zoo.dense()
    with pytest.raises(ValueError, match=r"data\.h5.*neither"):
        model.load_weights(path)


def test_missing_dataset_is_reported(tmp_path):
    model, _ = zoo.dense()
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "a") as f:
        del f["model_weights/dense_1/dense_1/kernel:0"]
    with pytest.raises(ValueError, match=r"m\.h5.*'dense_1/kernel:0'.*missing"):
        load_model(path)


def test_tensorflow_checkpoint_prefix(tmp_path):
    (tmp_path / "ckpt.index").write_bytes(b"x")
    model, _ = zoo.dense()
    with pytest.raises(ValueError, match="TensorFlow checkpoint"):
        model.load_weights(tmp_path / "ckpt")


# ------------------------------------------------------------------------ legacy files


def _rewrite_attrs_as_fixed_bytes(path):
    """Turn str attributes into fixed-length bytes, as Keras 2.2 / h5py 2 wrote them."""
    with h5py.File(path, "a") as f:

        def convert(obj):
            for key, value in list(obj.attrs.items()):
                if isinstance(value, str):
                    obj.attrs[key] = np.bytes_(value.encode("utf8"))
                elif isinstance(value, np.ndarray) and value.dtype.kind in "OU":
                    obj.attrs[key] = np.array([str(v).encode("utf8") for v in value], dtype="S")

        convert(f)
        f.visititems(lambda _, obj: convert(obj))


def test_keras22_file_with_bytes_attributes_and_model_class(tmp_path):
    model, x = zoo.merge()
    model.compile("adam", "mse")
    path = tmp_path / "k22.h5"
    model.save(path)
    with h5py.File(path, "a") as f:
        cfg = json.loads(h5_io.read_str_attr(f, "model_config"))
        cfg["class_name"] = "Model"  # Keras 2.2's name for functional models
        f.attrs["model_config"] = json.dumps(cfg)
        f.attrs["keras_version"] = "2.2.4"
    _rewrite_attrs_as_fixed_bytes(path)
    with h5py.File(path, "r") as f:
        assert isinstance(f.attrs["model_config"], bytes)
    restored = load_model(path)
    zoo.assert_same_predictions(model, restored, x)
    assert restored.optimizer is not None


def test_keras1_file_is_converted(tmp_path):
    """A Keras 1 Sequential (bare list config, Keras 1 argument names, no keras_version)."""
    rs = np.random.RandomState(0)
    w = rs.rand(4, 3).astype("float32")
    b = rs.rand(3).astype("float32")
    config = {
        "class_name": "Sequential",
        "config": [
            {
                "class_name": "Dense",
                "config": {
                    "name": "dense_1",
                    "output_dim": 3,
                    "input_dim": 4,
                    "init": "glorot_uniform",
                    "activation": "relu",
                    "W_regularizer": None,
                    "b_regularizer": None,
                    "activity_regularizer": None,
                    "W_constraint": None,
                    "b_constraint": None,
                    "bias": True,
                    "trainable": True,
                    "batch_input_shape": [None, 4],
                    "input_dtype": "float32",
                },
            }
        ],
    }
    path = tmp_path / "keras1.h5"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config).encode()
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = [b"dense_1"]
        lg = g.create_group("dense_1")
        lg.attrs["weight_names"] = [b"dense_1_W", b"dense_1_b"]
        lg["dense_1_W"] = w
        lg["dense_1_b"] = b
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        restored = load_model(path)
    x = rs.rand(2, 4).astype("float32")
    np.testing.assert_allclose(restored.predict(x, verbose=0), np.maximum(x @ w + b, 0), 1e-6)


class _Fake:
    def __init__(self, name, **attrs):
        self.__class__ = type(name, (_Fake,), {})
        self.__dict__.update(attrs)
        self.trainable_weights, self.non_trainable_weights = [], []


def test_keras1_lstm_and_gru_weights_are_reordered():
    rs = np.random.RandomState(0)
    # per gate: W (input 2, units 3), U (3, 3), b (3,)
    arrays = [rs.rand(*[(2, 3), (3, 3), (3,)][i % 3]) for i in range(12)]
    out = legacy_weights.preprocess_weights_for_loading(_Fake("LSTM"), arrays, "1")
    # Keras 1 gates i, c, f, o -> Keras 2 i, f, c, o
    np.testing.assert_array_equal(out[0], np.concatenate([arrays[i] for i in (0, 6, 3, 9)], -1))
    np.testing.assert_array_equal(out[2], np.concatenate([arrays[i] for i in (2, 8, 5, 11)], -1))
    gru = legacy_weights.preprocess_weights_for_loading(
        _Fake("GRU", reset_after=False), arrays[:9], "1"
    )
    np.testing.assert_array_equal(gru[1], np.concatenate([arrays[i] for i in (1, 4, 7)], -1))


def test_cudnn_lstm_weights_round_trip():
    rs = np.random.RandomState(0)
    units, n_in = 2, 3
    native = [rs.rand(n_in, 4 * units), rs.rand(units, 4 * units), rs.rand(4 * units)]
    cudnn = legacy_weights.preprocess_weights_for_loading(_Fake("CuDNNLSTM"), native)
    assert cudnn[2].shape == (8 * units,)
    back = legacy_weights.preprocess_weights_for_loading(_Fake("LSTM"), cudnn)
    for a, b in zip(native, back, strict=True):
        np.testing.assert_allclose(a, b)


def test_theano_kernels_are_flipped(tmp_path):
    model = Sequential([L.Conv2D(2, 3, input_shape=(5, 5, 1), name="conv")])
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "a") as f:
        f.attrs["backend"] = b"theano"
    kernel = model.layers[0].get_weights()[0]
    model.load_weights(tmp_path / "w.h5")
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], kernel[::-1, ::-1])


def test_channels_first_shaped_kernel_is_transposed(tmp_path):
    model = Sequential([L.Conv2D(4, (3, 2), input_shape=(5, 5, 1), name="conv")])
    model.save_weights(tmp_path / "w.h5")
    kernel = model.layers[0].get_weights()[0]  # (3, 2, 1, 4)
    with h5py.File(tmp_path / "w.h5", "a") as f:
        data = f["conv/conv/kernel:0"][()]
        del f["conv/conv/kernel:0"]
        # the layout Keras 2 transposes back with (3, 2, 0, 1)
        f["conv/conv/kernel:0"] = np.transpose(data, (2, 3, 1, 0))
    model.layers[0].set_weights([np.zeros_like(kernel), model.layers[0].get_weights()[1]])
    model.load_weights(tmp_path / "w.h5")
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], kernel)
