"""Keras callbacks: ``kviz.callbacks.EarlyStopping``, ``ModelCheckpoint``... as in ``keras.callbacks``.

``Callback``, ``CallbackList``, ``History``, ``BaseLogger`` and ``ProgbarLogger`` live with the
training loop (:mod:`kviz.engine.callbacks_base`) and are re-exported here.

Where Keras 2.2 and tf.keras differ, kviz follows tf.keras (see each module); Keras 2.2's
argument names (``ModelCheckpoint(period=...)``, ``ReduceLROnPlateau(epsilon=...)``,
``TensorBoard(batch_size=...)``) are still accepted.

>>> import kviz as keras
>>> stop = keras.callbacks.EarlyStopping(monitor='val_loss', patience=2)
>>> isinstance(stop, keras.callbacks.Callback)
True
"""

from kviz.callbacks.csv_logger import CSVLogger
from kviz.callbacks.early_stopping import EarlyStopping
from kviz.callbacks.lambda_callback import LambdaCallback
from kviz.callbacks.learning_rate_scheduler import LearningRateScheduler
from kviz.callbacks.model_checkpoint import ModelCheckpoint
from kviz.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from kviz.callbacks.remote_monitor import RemoteMonitor
from kviz.callbacks.tensorboard import TensorBoard
from kviz.callbacks.terminate_on_nan import TerminateOnNaN
from kviz.engine.callbacks_base import BaseLogger, Callback, CallbackList, History, ProgbarLogger

__all__ = [
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
