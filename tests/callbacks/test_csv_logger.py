"""CSVLogger: header ``epoch,<sorted keys>``, 0-based epochs, values as ``str`` of the logs,
``\\r\\n`` rows, separator, append without a second header, NA for epochs without validation."""

from __future__ import annotations

import csv

import numpy as np
from cb_helpers import classifier, fit

from kviz.callbacks import CSVLogger, LearningRateScheduler, ReduceLROnPlateau


def read_rows(path, sep=","):
    with open(path, newline="") as f:
        return list(csv.reader(f, delimiter=sep))


def test_header_rows_and_values(tmp_path):
    path = tmp_path / "log.csv"
    history = fit(classifier(), [CSVLogger(str(path))], epochs=3)
    rows = read_rows(path)
    keys = ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert rows[0] == ["epoch"] + keys
    assert [r[0] for r in rows[1:]] == ["0", "1", "2"]
    for epoch, row in enumerate(rows[1:]):
        assert row[1:] == [str(history.history[k][epoch]) for k in keys]
    raw = path.read_bytes()
    assert raw.count(b"\r\n") == 4 and raw.endswith(b"\r\n")  # the csv module's excel dialect


def test_lr_column_from_lr_callbacks(tmp_path):
    path = tmp_path / "log.csv"
    fit(
        classifier(),
        [LearningRateScheduler(lambda epoch: 0.001), ReduceLROnPlateau(), CSVLogger(path)],
        epochs=2,
    )
    rows = read_rows(path)
    assert rows[0] == ["epoch", "accuracy", "loss", "lr", "val_accuracy", "val_loss"]
    assert [r[3] for r in rows[1:]] == ["0.001", "0.001"]  # str(np.float32(0.001))


def test_separator(tmp_path):
    path = tmp_path / "log.tsv"
    fit(classifier(), [CSVLogger(str(path), separator="\t")], epochs=1, validation=False)
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch\taccuracy\tloss\tval_accuracy\tval_loss"
    assert lines[1].startswith("0\t") and lines[1].endswith("\tNA\tNA")


def test_no_validation_gets_na_val_columns(tmp_path):
    path = tmp_path / "log.csv"
    fit(classifier(), [CSVLogger(str(path))], epochs=2, validation=False)
    rows = read_rows(path)
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(r[3:] == ["NA", "NA"] for r in rows[1:])


def test_validation_freq_two(tmp_path):
    path = tmp_path / "log.csv"
    history = fit(classifier(), [CSVLogger(str(path))], epochs=4, validation_freq=2)
    rows = read_rows(path)
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert rows[1][3:] == ["NA", "NA"] and rows[3][3:] == ["NA", "NA"]
    assert rows[2][4] == str(history.history["val_loss"][0])
    assert rows[4][4] == str(history.history["val_loss"][1])


def test_overwrite_by_default(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("old content\n")
    fit(classifier(), [CSVLogger(str(path))], epochs=1)
    rows = read_rows(path)
    assert rows[0][0] == "epoch" and len(rows) == 2


def test_append_does_not_repeat_the_header(tmp_path):
    path = tmp_path / "log.csv"
    model = classifier()
    fit(model, [CSVLogger(str(path), append=True)], epochs=2)  # new file: header written
    fit(model, [CSVLogger(str(path), append=True)], epochs=4, initial_epoch=2)
    rows = read_rows(path)
    assert [r[0] for r in rows] == ["epoch", "0", "1", "2", "3"]


def test_append_to_empty_file_writes_header(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("")
    fit(classifier(), [CSVLogger(str(path), append=True)], epochs=1)
    assert read_rows(path)[0][0] == "epoch"


def test_array_values_are_quoted_lists(tmp_path):
    from kviz.callbacks import Callback

    class AddArray(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["vec"] = np.array([1, 2])
            logs["name"] = "run"

    path = tmp_path / "log.csv"
    fit(classifier(), [AddArray(), CSVLogger(str(path))], epochs=1, validation=False)
    text = path.read_text()
    assert (
        text.splitlines()[0]
        == "epoch,accuracy,loss,name,vec,val_accuracy,val_loss,val_name,val_vec"
    )
    assert ',run,"""[1, 2]""",NA,NA,NA,NA' in text.splitlines()[1]


def test_file_is_readable_during_training(tmp_path):
    from kviz.callbacks import Callback

    path = tmp_path / "log.csv"
    seen = []

    class Peek(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(len(read_rows(path)))

    fit(classifier(), [CSVLogger(str(path)), Peek()], epochs=3)
    assert seen == [2, 3, 4]  # flushed after every row
