"""``ModelCheckpoint``: save the model (or its weights) during training.

Semantics (tf.keras, with Keras 2.2's ``period`` kept):

* the path is ``filepath.format(epoch=epoch + 1, **logs)``:
  ``'w.{epoch:02d}-{val_loss:.2f}.h5'`` becomes ``w.02-0.29.h5``. The logs are looked up with
  :class:`~kviz.engine.logs.LogsDict`, so ``{val_acc}`` also finds ``val_accuracy``. With an
  integer ``save_freq``, ``{batch}`` (1-based) is available too;
* the directory of the path is created when it does not exist; the file itself is written by
  ``model.save`` / ``model.save_weights``, which write to a temporary file and rename it, so an
  interrupted save never leaves a half-written checkpoint;
* ``save_best_only=True`` saves only when ``monitor`` improves (strictly) on the best value so
  far (``initial_value_threshold`` if given, else +/-inf). ``mode='auto'`` maximises when the
  monitor name contains ``acc`` (or starts with ``fmeasure``) and minimises otherwise (both
  Keras 2.2 and tf.keras);
* ``save_freq='epoch'`` saves at the end of every epoch (every ``period`` epochs: the Keras 2.2
  argument, a keyword here because tf.keras's 7th positional argument is ``save_freq``); an
  integer saves every ``save_freq`` training batches;
* ``verbose=1`` prints tf.keras's messages, each preceded by an empty line:
  ``Epoch 1: val_loss improved from inf to 0.69315, saving model to w.h5``,
  ``Epoch 2: val_loss did not improve from 0.69315`` and ``Epoch 1: saving model to w.h5``;
* a monitor missing from the logs with ``save_best_only`` warns
  ``Can save best model only with val_loss available, skipping.``
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from kviz.callbacks._common import check_mode, print_msg, to_python
from kviz.engine.callbacks_base import Callback
from kviz.engine.logs import LogsDict


class ModelCheckpoint(Callback):
    """Save the model or its weights after every epoch (or every ``save_freq`` batches)."""

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        save_freq="epoch",
        options=None,
        initial_value_threshold=None,
        period=None,
        **kwargs,
    ):
        super().__init__()
        if kwargs:
            raise TypeError(f"ModelCheckpoint() got unexpected keyword arguments: {sorted(kwargs)}")
        self.monitor = monitor
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self.options = options  # accepted for tf.keras compatibility; kviz has no save options
        self.period = 1 if period is None else int(period)
        if self.period < 1:
            raise ValueError(f"`period` must be a positive integer; received {period}")
        self.epochs_since_last_save = 0
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = -1
        self._current_epoch = 0
        self.best = initial_value_threshold
        self.mode = check_mode(mode, "ModelCheckpoint")
        if self.mode == "min":
            maximize = False
        elif self.mode == "max":
            maximize = True
        else:
            maximize = "acc" in monitor or monitor.startswith("fmeasure")
        self.monitor_op = np.greater if maximize else np.less
        if self.best is None:
            self.best = -np.inf if maximize else np.inf
        if save_freq != "epoch" and (
            isinstance(save_freq, bool) or not isinstance(save_freq, (int, np.integer))
        ):
            raise ValueError(
                f'Unrecognized save_freq: {save_freq}. Expected save_freq are "epoch" or integer'
            )

    # ------------------------------------------------------------------------------ hooks
    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_since_last_save += 1
        if self.save_freq == "epoch":
            self._save_model(epoch=epoch, batch=None, logs=logs)

    # ---------------------------------------------------------------------------- saving
    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:  # a new epoch started
            add_batches = batch + 1
        else:
            add_batches = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save_model(self, epoch, batch, logs):
        logs = logs or {}
        if not (self.save_freq != "epoch" or self.epochs_since_last_save >= self.period):
            return
        self.epochs_since_last_save = 0
        filepath = self._get_file_path(epoch, batch, logs)
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        try:
            if self.save_best_only:
                current = logs.get(self.monitor)
                if current is None:
                    warnings.warn(
                        f"Can save best model only with {self.monitor} available, skipping.",
                        stacklevel=3,
                    )
                elif self.monitor_op(current, self.best):
                    if self.verbose > 0:
                        print_msg(
                            f"\nEpoch {epoch + 1}: {self.monitor} improved from "
                            f"{self.best:.5f} to {current:.5f}, saving model to {filepath}"
                        )
                    self.best = current
                    self._save_handler(filepath)
                elif self.verbose > 0:
                    print_msg(
                        f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}"
                    )
            else:
                if self.verbose > 0:
                    print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
                self._save_handler(filepath)
        except IsADirectoryError as e:
            raise OSError(
                "Please specify a non-directory filepath for ModelCheckpoint. Filepath used is "
                f"an existing directory: {filepath}"
            ) from e

    def _save_handler(self, filepath):
        if os.path.isdir(filepath):
            raise IsADirectoryError(filepath)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def _get_file_path(self, epoch, batch, logs):
        fields = LogsDict({k: to_python(v) for k, v in dict(logs).items()})
        fields["epoch"] = epoch + 1
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format_map(fields)
        except KeyError as e:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}'
            ) from e
