"""Helpers shared by the callbacks: the optimizer's learning rate, ``mode`` checks, printing."""

from __future__ import annotations

import warnings

import numpy as np

from kviz import backend as K
from kviz.autodiff import Variable


def lr_variable(model, who):
    """The optimizer's learning-rate Variable, or a clear error."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "lr"):
        raise ValueError('Optimizer must have a "lr" attribute.')
    lr = optimizer.lr
    if not isinstance(lr, Variable):
        raise TypeError(
            f"{who} needs an optimizer whose learning rate is a number; this one's is a "
            f"{type(lr).__name__} (a schedule computes the rate itself). Pass a float as the "
            "optimizer's learning_rate to use this callback."
        )
    return lr


def get_lr(model, who):
    """The current learning rate as a NumPy float32 scalar (what tf.keras puts in logs)."""
    lr = lr_variable(model, who)
    return K.get_value(lr)[()]


def set_lr(model, value, who):
    K.set_value(lr_variable(model, who), value)


def check_mode(mode, who):
    """``mode`` if it is 'auto', 'min' or 'max'; otherwise warn and fall back to 'auto'."""
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{who} mode {mode} is unknown, fallback to auto mode.", stacklevel=3)
        return "auto"
    return mode


def print_msg(message):
    print(message, flush=True)


def to_python(value):
    """NumPy scalars and 0-d arrays as Python numbers (for JSON and file names)."""
    if isinstance(value, (np.ndarray, np.generic)) and np.ndim(value) == 0:
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value
