"""``LearningRateScheduler``: set the learning rate at the start of every epoch.

``schedule(epoch, lr)`` (epoch 0-based, lr the current rate as a float) returns the new rate;
a Keras-2.0-style ``schedule(epoch)`` taking one argument works too. The result must be a float
(a Python float, a NumPy floating scalar or a 0-d float array); anything else is a
``ValueError``, as in tf.keras. At the end of every epoch the rate is written into the logs as
``lr``, so ``history.history['lr']`` lists the rate each epoch used.

With ``verbose=1`` it prints tf.keras's message at the start of each epoch:
``Epoch 3: LearningRateScheduler setting learning rate to 0.001.`` (after an empty line).

>>> def halve(epoch, lr):
...     return lr / 2
>>> LearningRateScheduler(halve).schedule(0, 0.1)
0.05
"""

from __future__ import annotations

import inspect

import numpy as np

from kviz.autodiff import Tensor
from kviz.callbacks._common import get_lr, lr_variable, print_msg, set_lr
from kviz.engine.callbacks_base import Callback

_WHO = "LearningRateScheduler"


def _takes_two_arguments(fn):
    """True/False when the signature says whether ``fn(epoch, lr)`` binds; None if unknown."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    try:
        sig.bind(0, 0.0)
    except TypeError:
        return False
    return True


def _as_float(value):
    """The schedule's result as a float, or None if it is not a float."""
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, bool):
        return None
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind == "f":
        return float(value)
    return None


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate from ``schedule(epoch, lr)`` at each epoch start."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def _call_schedule(self, epoch, lr):
        two = _takes_two_arguments(self.schedule)
        if two is True:
            return self.schedule(epoch, lr)
        if two is False:
            return self.schedule(epoch)
        try:  # signature unknown: Keras's own fallback
            return self.schedule(epoch, lr)
        except TypeError:
            return self.schedule(epoch)

    def on_epoch_begin(self, epoch, logs=None):
        lr_variable(self.model, _WHO)
        lr = float(get_lr(self.model, _WHO))
        new_lr = self._call_schedule(epoch, lr)
        value = _as_float(new_lr)
        if value is None:
            raise ValueError(
                f'The output of the "schedule" function should be float. Got: {new_lr}'
            )
        set_lr(self.model, value, _WHO)
        if self.verbose > 0:
            print_msg(
                f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {new_lr}."
            )

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = get_lr(self.model, _WHO)
