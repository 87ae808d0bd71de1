"""kviz.callbacks as a package: the Keras names, one module per callback, a light import."""

from __future__ import annotations

import subprocess
import sys

import kviz
import kviz.callbacks as callbacks

KERAS_NAMES = [
    "BaseLogger",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "RemoteMonitor",
    "TensorBoard",
    "TerminateOnNaN",
]


def test_all_keras_names():
    assert sorted(callbacks.__all__) == KERAS_NAMES
    for name in KERAS_NAMES:
        cls = getattr(callbacks, name)
        assert name == "CallbackList" or issubclass(cls, callbacks.Callback), name
    assert kviz.callbacks is callbacks


def test_import_does_not_load_writers_or_tensorflow():
    code = (
        "import sys, kviz.callbacks\n"
        "heavy = [m for m in ('tensorboardX', 'tensorboard', 'tensorflow', 'urllib.request') "
        "if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_from_keras_style_imports():
    from kviz.callbacks import EarlyStopping, ModelCheckpoint  # noqa: F401
