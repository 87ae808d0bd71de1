"""``ReduceLROnPlateau``: lower the learning rate when a monitored quantity stops improving.

tf.keras semantics (the same as Keras 2.2):

* ``mode='auto'`` maximises when ``'acc'`` occurs in the monitor name, else minimises;
* an epoch improves when ``current < best - min_delta`` (``current > best + min_delta`` when
  maximising);
* after ``patience`` epochs without improvement, ``lr`` becomes ``max(lr * factor, min_lr)``
  (only while ``lr > min_lr``), then ``cooldown`` epochs pass before the wait counts again;
* at the end of every epoch the current rate (before any reduction made in that epoch) is
  written into the logs as ``lr``, so ``history.history['lr']`` has it;
* ``epsilon`` is Keras 2.2's deprecated name of ``min_delta`` (it warns);
* ``factor >= 1`` is a ``ValueError``; a monitor missing from the logs only warns;
* ``verbose=1`` prints ``Epoch 5: ReduceLROnPlateau reducing learning rate to 0.001.``
  (after an empty line).
"""

from __future__ import annotations

import warnings

import numpy as np

from kviz.callbacks._common import check_mode, get_lr, print_msg, set_lr
from kviz.engine.callbacks_base import Callback

_WHO = "ReduceLROnPlateau"


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement."""

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0,
        epsilon=None,
        **kwargs,
    ):
        super().__init__()
        if kwargs:
            raise TypeError(
                f"ReduceLROnPlateau() got unexpected keyword arguments: {sorted(kwargs)}"
            )
        self.monitor = monitor
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Got {factor}")
        if epsilon is not None:
            min_delta = epsilon
            warnings.warn(
                "`epsilon` argument is deprecated and will be removed, use `min_delta` instead.",
                stacklevel=2,
            )
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0
        self.best = 0
        self.mode = mode
        self.monitor_op = None
        self._reset()

    def _reset(self):
        """Reset the wait and cooldown counters and the best value."""
        self.mode = check_mode(self.mode, "Learning rate reduction")
        if self.mode == "min" or (self.mode == "auto" and "acc" not in self.monitor):
            self.monitor_op = lambda a, b: np.less(a, b - self.min_delta)
            self.best = np.inf
        else:
            self.monitor_op = lambda a, b: np.greater(a, b + self.min_delta)
            self.best = -np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["lr"] = get_lr(self.model, _WHO)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is "
                f"not available. Available metrics are: {','.join(list(logs.keys()))}",
                stacklevel=2,
            )
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = get_lr(self.model, _WHO)
                if old_lr > np.float32(self.min_lr):
                    new_lr = old_lr * self.factor
                    new_lr = max(new_lr, self.min_lr)
                    set_lr(self.model, new_lr, _WHO)
                    if self.verbose > 0:
                        print_msg(
                            f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                            f"to {new_lr}."
                        )
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def in_cooldown(self):
        return self.cooldown_counter > 0
