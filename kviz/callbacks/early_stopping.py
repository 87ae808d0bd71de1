"""``EarlyStopping``: stop training when a monitored quantity has stopped improving.

kviz follows tf.keras (TF2) where it differs from Keras 2.2:

* ``mode='auto'`` maximises when the monitor name ends with ``acc``, ``accuracy`` or ``auc``
  (Keras 2.2 maximised whenever ``'acc'`` occurred in the name), and minimises otherwise;
* ``restore_best_weights=True`` restores the best epoch's weights at the end of training even
  when training ran to the last epoch without stopping early (Keras 2.2 restored only after an
  early stop);
* an epoch "improves" when ``current - min_delta`` beats the best value so far (for a minimised
  quantity: ``current + |min_delta| < best``); training stops once ``patience`` epochs in a row
  have not improved (never on the first epoch). With a ``baseline``, an epoch must also beat the
  baseline to reset the wait;
* ``start_from_epoch`` epochs are ignored entirely (warm-up);
* with ``verbose=1``, ``Epoch N: early stopping`` is printed at the end of training (N is
  1-based), then ``Restoring model weights from the end of the best epoch: B.`` when weights are
  restored;
* a monitor missing from the logs only warns (training goes on).

The monitor is read with ``logs.get``, so ``monitor='val_acc'`` also finds ``val_accuracy``
(see :mod:`kviz.engine.logs`).

>>> import numpy as np
>>> from kviz.layers import Dense
>>> from kviz.models import Sequential
>>> model = Sequential([Dense(1, input_shape=(2,))])
>>> model.compile('sgd', 'mse')
>>> stop = EarlyStopping(monitor='loss', patience=1)
>>> stop.monitor_op is np.less
True
"""

from __future__ import annotations

import warnings

import numpy as np

from kviz.callbacks._common import check_mode, print_msg
from kviz.engine.callbacks_base import Callback


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs."""

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.best_epoch = 0
        self.start_from_epoch = start_from_epoch
        self.mode = check_mode(mode, "EarlyStopping")
        if self.mode == "min":
            self.monitor_op = np.less
        elif self.mode == "max":
            self.monitor_op = np.greater
        elif monitor.endswith(("acc", "accuracy", "auc")):
            self.monitor_op = np.greater
        else:
            self.monitor_op = np.less
        if self.monitor_op is np.less:
            self.min_delta *= -1
        self.best = np.inf if self.monitor_op is np.less else -np.inf

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = np.inf if self.monitor_op is np.less else -np.inf
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # the first monitored epoch is the best so far, even if it does not beat a baseline
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg(
                    f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(list(logs.keys()))}",
                stacklevel=3,
            )
        return value

    def _is_improvement(self, monitor_value, reference_value):
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))
