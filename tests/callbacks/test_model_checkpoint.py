"""ModelCheckpoint: file names from ``filepath.format(epoch=epoch + 1, **logs)``, save_best_only,
mode, period (Keras 2.2) and integer save_freq, tf.keras's messages, directories created, and
real files written by ``model.save`` / ``model.save_weights`` (atomically: an interrupted save
keeps the previous checkpoint)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from cb_helpers import Scripted, classifier, fit

from kviz.callbacks import ModelCheckpoint


class Recorder:
    """Stands in for ``model.save``/``model.save_weights``: records (kind, path, overwrite)."""

    def __init__(self, model):
        self.calls = []
        model.save = lambda path, overwrite=True, **kw: self.calls.append(
            ("model", path, overwrite)
        )
        model.save_weights = lambda path, overwrite=True, **kw: self.calls.append(
            ("weights", path, overwrite)
        )

    @property
    def paths(self):
        return [p for _, p, _ in self.calls]


def test_file_names_from_epoch_and_logs(tmp_path):
    model = classifier()
    rec = Recorder(model)
    pattern = str(tmp_path / "w.{epoch:02d}-{val_loss:.2f}.h5")
    history = fit(model, [ModelCheckpoint(pattern)], epochs=3)
    expected = [
        str(tmp_path / f"w.{e + 1:02d}-{v:.2f}.h5")
        for e, v in enumerate(history.history["val_loss"])
    ]
    assert rec.paths == expected
    assert [k for k, _, _ in rec.calls] == ["model"] * 3
    assert all(overwrite is True for _, _, overwrite in rec.calls)


def test_keras22_val_acc_name_in_pattern_with_accuracy_logs(tmp_path):
    model = classifier(metrics=["accuracy"])
    rec = Recorder(model)
    history = fit(model, [ModelCheckpoint(str(tmp_path / "{epoch}-{val_acc:.3f}.h5"))], epochs=1)
    assert rec.paths == [str(tmp_path / f"1-{history.history['val_accuracy'][0]:.3f}.h5")]


def test_missing_key_in_pattern_raises(tmp_path):
    model = classifier()
    Recorder(model)
    with pytest.raises(KeyError, match='Failed to format this callback filepath: ".*{nope}.h5"'):
        fit(model, [ModelCheckpoint(str(tmp_path / "{nope}.h5"))], epochs=1)


def test_save_weights_only_calls_save_weights(tmp_path):
    model = classifier()
    rec = Recorder(model)
    fit(model, [ModelCheckpoint(str(tmp_path / "w.h5"), save_weights_only=True)], epochs=2)
    assert rec.calls == [("weights", str(tmp_path / "w.h5"), True)] * 2


def test_save_best_only_and_messages(tmp_path, capsys):
    model = classifier()
    rec = Recorder(model)
    path = str(tmp_path / "best.{epoch:02d}.h5")
    cb = ModelCheckpoint(path, monitor="val_loss", save_best_only=True, verbose=1)
    fit(model, [Scripted("val_loss", [0.5, 0.6, 0.4, 0.4]), cb], epochs=4)
    assert rec.paths == [str(tmp_path / "best.01.h5"), str(tmp_path / "best.03.h5")]
    assert capsys.readouterr().out == (
        f"\nEpoch 1: val_loss improved from inf to 0.50000, saving model to {tmp_path}/best.01.h5\n"
        "\nEpoch 2: val_loss did not improve from 0.50000\n"
        f"\nEpoch 3: val_loss improved from 0.50000 to 0.40000, saving model to {tmp_path}/best.03.h5\n"
        "\nEpoch 4: val_loss did not improve from 0.40000\n"
    )
    assert cb.best == 0.4


def test_saving_message_without_save_best_only(tmp_path, capsys):
    model = classifier()
    Recorder(model)
    fit(model, [ModelCheckpoint(str(tmp_path / "m.h5"), verbose=1)], epochs=2)
    expected = "".join(f"\nEpoch {e}: saving model to {tmp_path}/m.h5\n" for e in (1, 2))
    assert capsys.readouterr().out == expected


@pytest.mark.parametrize(
    "monitor, mode, values, saved_epochs",
    [
        ("val_accuracy", "auto", [0.5, 0.4, 0.7], [1, 3]),  # 'acc' in the name: maximise
        ("val_acc", "auto", [0.5, 0.4, 0.7], [1, 3]),
        ("val_loss", "max", [0.5, 0.4, 0.7], [1, 3]),
        ("val_loss", "auto", [0.5, 0.4, 0.7], [1, 2]),
        ("val_accuracy", "min", [0.5, 0.4, 0.7], [1, 2]),
    ],
)
def test_mode(tmp_path, monitor, mode, values, saved_epochs):
    model = classifier()
    rec = Recorder(model)
    cb = ModelCheckpoint(
        str(tmp_path / "{epoch}.h5"), monitor=monitor, mode=mode, save_best_only=True
    )
    fit(model, [Scripted(monitor, values), cb], epochs=3)
    assert rec.paths == [str(tmp_path / f"{e}.h5") for e in saved_epochs]


def test_initial_value_threshold(tmp_path):
    model = classifier()
    rec = Recorder(model)
    cb = ModelCheckpoint(
        str(tmp_path / "{epoch}.h5"), save_best_only=True, initial_value_threshold=0.45
    )
    fit(model, [Scripted("val_loss", [0.5, 0.4, 0.42]), cb], epochs=3)
    assert rec.paths == [str(tmp_path / "2.h5")]


def test_missing_monitor_warns_and_skips(tmp_path):
    model = classifier()
    rec = Recorder(model)
    cb = ModelCheckpoint(str(tmp_path / "m.h5"), monitor="val_loss", save_best_only=True)
    with pytest.warns(
        UserWarning, match="Can save best model only with val_loss available, skipping"
    ):
        fit(model, [cb], epochs=2, validation=False)
    assert rec.calls == []


def test_period_keras22(tmp_path):
    model = classifier()
    rec = Recorder(model)
    fit(model, [ModelCheckpoint(str(tmp_path / "{epoch}.h5"), period=2)], epochs=5)
    assert rec.paths == [str(tmp_path / "2.h5"), str(tmp_path / "4.h5")]


def test_integer_save_freq_counts_batches(tmp_path):
    model = classifier()
    rec = Recorder(model)
    # 30 training samples, batch 16: 2 batches per epoch; save every 3 batches
    cb = ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.h5"), save_freq=3)
    fit(model, [cb], epochs=3)
    assert rec.paths == [str(tmp_path / "e2-b1.h5"), str(tmp_path / "e3-b2.h5")]


def test_bad_arguments():
    with pytest.raises(
        ValueError, match='Unrecognized save_freq: week. Expected save_freq are "epoch"'
    ):
        ModelCheckpoint("m.h5", save_freq="week")
    with pytest.warns(UserWarning, match="ModelCheckpoint mode foo is unknown, fallback to auto"):
        ModelCheckpoint("m.h5", mode="foo")
    with pytest.raises(TypeError, match="unexpected keyword arguments"):
        ModelCheckpoint("m.h5", perod=2)


def test_directory_of_the_path_is_created(tmp_path):
    model = classifier()
    rec = Recorder(model)
    target = tmp_path / "runs" / "exp1" / "ckpt-{epoch}.h5"
    fit(model, [ModelCheckpoint(target)], epochs=1)  # a PathLike works too
    assert (tmp_path / "runs" / "exp1").is_dir()
    assert rec.paths == [str(tmp_path / "runs" / "exp1" / "ckpt-1.h5")]


def test_existing_directory_as_path_is_an_error(tmp_path):
    model = classifier()
    Recorder(model)
    (tmp_path / "adir").mkdir()
    with pytest.raises(
        OSError, match="Please specify a non-directory filepath for ModelCheckpoint"
    ):
        fit(model, [ModelCheckpoint(str(tmp_path / "adir"))], epochs=1)


# ------------------------------------------------------------------ real files (kviz.saving)
def test_real_weights_checkpoint_reloads(tmp_path):
    model = classifier()
    path = tmp_path / "sub" / "w.{epoch:02d}.h5"
    fit(model, [ModelCheckpoint(str(path), save_weights_only=True)], epochs=2)
    assert sorted(os.listdir(tmp_path / "sub")) == ["w.01.h5", "w.02.h5"]
    other = classifier()
    other.load_weights(str(tmp_path / "sub" / "w.02.h5"))
    for a, b in zip(model.get_weights(), other.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_real_best_model_checkpoint_reloads(tmp_path):
    from cb_helpers import WeightsPerEpoch

    from kviz.models import load_model

    model = classifier()
    record = WeightsPerEpoch()
    path = tmp_path / "best.h5"
    cb = ModelCheckpoint(str(path), save_best_only=True)
    fit(model, [Scripted("val_loss", [0.5, 0.4, 0.6]), record, cb], epochs=3)
    assert sorted(os.listdir(tmp_path)) == ["best.h5"]  # no temporary file left behind
    loaded = load_model(str(path))
    assert [lyr.name for lyr in loaded.layers] == [lyr.name for lyr in model.layers]
    for a, b in zip(loaded.get_weights(), record.weights[1], strict=True):  # the best epoch
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name, weights_only", [("m.keras", False), ("w.weights.h5", True)])
def test_real_keras3_formats(tmp_path, name, weights_only):
    model = classifier()
    fit(model, [ModelCheckpoint(tmp_path / "out" / name, save_weights_only=weights_only)], epochs=1)
    assert os.listdir(tmp_path / "out") == [name]
    other = classifier()
    other.load_weights(str(tmp_path / "out" / name))
    for a, b in zip(model.get_weights(), other.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_an_interrupted_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    from cb_helpers import WeightsPerEpoch

    from kviz.callbacks import Callback
    from kviz.models import load_model
    from kviz.saving import hdf5_format

    real_write = hdf5_format.write_model

    class BreakSecondSave(Callback):  # placed before the checkpoint: breaks its epoch-1 save
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:

                def half_write(f, model, include_optimizer):
                    real_write(f, model, include_optimizer)
                    raise KeyboardInterrupt("interrupted while writing")

                monkeypatch.setattr(hdf5_format, "write_model", half_write)

    model = classifier()
    record = WeightsPerEpoch()
    path = tmp_path / "ckpt.h5"
    with pytest.raises(KeyboardInterrupt):
        fit(model, [record, BreakSecondSave(), ModelCheckpoint(str(path))], epochs=3)
    assert os.listdir(tmp_path) == ["ckpt.h5"]  # no temporary file left behind
    reloaded = load_model(str(path))
    for a, b in zip(reloaded.get_weights(), record.weights[0], strict=True):
        np.testing.assert_array_equal(a, b)  # the epoch-0 checkpoint, whole
