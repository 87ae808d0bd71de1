"""``CSVLogger``: stream the epoch logs to a CSV file, as tf.keras writes it.

* The header is ``epoch`` followed by the log keys sorted by name (the keys of the first
  epoch). When the first epoch has no ``val_`` keys (``validation_freq > 1``), ``val_`` copies
  of every key are added so that later epochs fit; a key missing in an epoch is written ``NA``.
* ``epoch`` is 0-based. Values are written with Python's ``str`` (what the ``csv`` module does):
  ``0.6931471824645996`` for a loss, ``0.001`` for a float32 ``lr``; a 1-D array or list is
  written ``"[1, 2]"``.
* Rows end with ``\\r\\n`` (the ``csv`` module's excel dialect, as in Keras); ``separator`` is the
  delimiter. The file is flushed after every row, so it can be read while training runs.
* ``append=True`` appends to an existing file and writes the header only if that file is empty.

>>> CSVLogger('training.log', separator=';').sep
';'
"""

from __future__ import annotations

import collections.abc
import csv
import os

import numpy as np

from kviz.engine.callbacks_base import Callback


def _handle_value(value):
    if isinstance(value, str):
        return value
    is_zero_dim = isinstance(value, np.ndarray) and value.ndim == 0
    if isinstance(value, collections.abc.Iterable) and not is_zero_dim:
        return f'"[{", ".join(map(str, value))}]"'
    return value


class CSVLogger(Callback):
    """Write one CSV row per epoch: ``epoch`` then the sorted log keys."""

    def __init__(self, filename, separator=",", append=False):
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None
        super().__init__()

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, encoding="utf-8") as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        self.csv_file = open(self.filename, mode, newline="", encoding="utf-8")  # noqa: SIM115

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
            # with validation_freq > 1 the first epoch has no val_ keys: make room for them
            if not any(key.startswith("val_") for key in self.keys):
                self.keys.extend(["val_" + k for k in self.keys])
        if not self.writer:
            sep = self.sep

            class CustomDialect(csv.excel):
                delimiter = sep

            self.writer = csv.DictWriter(
                self.csv_file, fieldnames=["epoch"] + self.keys, dialect=CustomDialect
            )
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _handle_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
            self.csv_file = None
        self.writer = None
