"""``TensorBoard``: write TensorBoard event files while training.

kviz writes real event files with `tensorboardX <https://github.com/lanpa/tensorboardX>`_ (a
small, maintained writer of TensorBoard's format that needs neither TensorFlow nor PyTorch):
``pip install 'kviz[tensorboard]'`` (or ``pip install tensorboardX``). It is imported only when
a ``TensorBoard`` callback is created. Then ``tensorboard --logdir logs`` shows the run.

The layout follows tf.keras:

* ``<log_dir>/train/`` and ``<log_dir>/validation/`` each hold an event file;
* at the end of every epoch, each training log ``name`` is written as the scalar
  ``epoch_<name>`` in ``train/`` and each ``val_<name>`` as ``epoch_<name>`` in
  ``validation/``, at step ``epoch`` (0-based), so TensorBoard overlays ``epoch_loss`` of the two
  runs. With a learning-rate schedule, ``epoch_learning_rate`` is written too;
* ``update_freq='batch'`` (or an integer ``n``) also writes ``batch_<name>`` (the running means
  of the epoch, as the batch logs hold them) in ``train/`` every ``n`` batches, at step = the
  number of batches trained in this ``fit``;
* ``histogram_freq=n`` writes a histogram of every weight every ``n`` epochs (epochs 0, n,
  2n...), tagged ``<weight name with ':' as '_'>/histogram`` (``dense/kernel_0/histogram``);
  ``write_images=True`` adds the weights as images (``.../image``), rescaled to [0, 1] so that
  they are visible (tf.keras clips them instead);
* ``write_graph=True`` writes the model's Keras JSON under the tag ``keras`` (plugin
  ``graph_keras_model``, step 0) in ``train/``, which TensorBoard's Graphs tab draws as the
  conceptual graph (kviz has no TensorFlow op graph to write);
* ``write_steps_per_second=True`` writes ``epoch_steps_per_second`` (and
  ``batch_steps_per_second`` at batch level);
* ``evaluate(..., callbacks=[tb])`` writes ``evaluation_<name>_vs_iterations`` in
  ``validation/`` at step ``optimizer.iterations``.

Scalars are written as classic ``simple_value`` summaries, which every TensorBoard version
reads. Profiling (``profile_batch``) and the embedding projector (``embeddings_freq``) have no
kviz counterpart: a non-zero value warns and is ignored. Keras 2.2's ``batch_size``,
``write_grads``, ``embeddings_layer_names`` and ``embeddings_data`` are accepted with tf.keras's
warnings.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import time
import warnings

import numpy as np

from kviz import backend as K
from kviz.engine.callbacks_base import Callback
from kviz.optimizers.schedules import LearningRateSchedule

_INSTALL_HINT = (
    "The TensorBoard callback writes event files with the tensorboardX package, which is not "
    "installed. Install it with `pip install tensorboardX` (or `pip install 'kviz[tensorboard]'`)."
)

_FILE_IDS = itertools.count()

_V1_KWARGS = {
    "write_grads": "`write_grads` will be ignored in TensorFlow 2.0 for the `TensorBoard` "
    "Callback.",
    "batch_size": "`batch_size` is no longer needed in the `TensorBoard` Callback and will be "
    "ignored in TensorFlow 2.0.",
    "embeddings_layer_names": "`embeddings_layer_names` is not supported in TensorFlow 2.0. "
    "Instead, all `Embedding` layers will be visualized.",
    "embeddings_data": "`embeddings_data` is not supported in TensorFlow 2.0. Instead, all "
    "`Embedding` variables will be visualized.",
}


def _scalar(value):
    """A float for a numeric scalar log value, else None (arrays and strings are skipped)."""
    if isinstance(value, (str, bytes)):
        return None
    try:
        array = np.asarray(getattr(value, "data", value))
    except Exception:  # noqa: BLE001 - anything unconvertible is simply not a scalar
        return None
    if array.ndim != 0 or array.dtype.kind not in "biuf":
        return None
    return float(array)


def _weight_image(weight):
    """tf.keras's reshaping of a weight into an NHWC batch of images, or None."""
    w = np.squeeze(np.asarray(weight, dtype="float64"))
    if w.ndim == 1:  # bias
        w = w.reshape(1, w.shape[0], 1, 1)
    elif w.ndim == 2:  # dense kernel
        if w.shape[0] > w.shape[1]:
            w = w.T
        w = w.reshape(1, w.shape[0], w.shape[1], 1)
    elif w.ndim == 3:  # conv kernel (channels_last)
        if K.image_data_format() == "channels_last":
            w = np.transpose(w, (2, 0, 1))
        w = w.reshape(w.shape[0], w.shape[1], w.shape[2], 1)
    if w.ndim != 4 or w.shape[-1] not in (1, 3, 4):
        return None
    lo, hi = float(w.min()), float(w.max())
    return ((w - lo) / (hi - lo) if hi > lo else np.zeros_like(w)).astype("float32")


class TensorBoard(Callback):
    """Write scalars (per epoch or batch), weight histograms/images and the model graph."""

    def __init__(
        self,
        log_dir="logs",
        histogram_freq=0,
        write_graph=True,
        write_images=False,
        write_steps_per_second=False,
        update_freq="epoch",
        profile_batch=0,
        embeddings_freq=0,
        embeddings_metadata=None,
        **kwargs,
    ):
        super().__init__()
        unknown = set(kwargs) - set(_V1_KWARGS)
        if unknown:
            raise ValueError(
                f"Unrecognized arguments in `TensorBoard` Callback: {unknown}. "
                f"Supported kwargs are: {set(_V1_KWARGS)}"
            )
        for key, message in _V1_KWARGS.items():
            if kwargs.get(key):
                warnings.warn(message, stacklevel=2)
        if importlib.util.find_spec("tensorboardX") is None:
            raise ImportError(_INSTALL_HINT)
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        if self.update_freq != "epoch" and (
            isinstance(self.update_freq, bool) or not isinstance(self.update_freq, int)
        ):
            raise ValueError(
                f"update_freq must be 'epoch', 'batch' or an integer; received {update_freq!r}"
            )
        self.profile_batch = profile_batch
        if profile_batch not in (0, None, "0", (0, 0), [0, 0]):
            warnings.warn(
                "kviz's TensorBoard callback does not profile: `profile_batch` is ignored.",
                stacklevel=2,
            )
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        if embeddings_freq:
            warnings.warn(
                "kviz's TensorBoard callback does not write embeddings for the projector: "
                "`embeddings_freq` is ignored.",
                stacklevel=2,
            )
        self._writers = {}
        self._training = False
        self._global_train_batch = 0
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._previous_epoch_iterations = 0

    # --------------------------------------------------------------------------- writers
    def _writer(self, which):
        """The tensorboardX writer of ``train`` or ``validation``, created on first use."""
        writer = self._writers.get(which)
        if writer is None:
            try:
                from tensorboardX import SummaryWriter
            except ImportError as e:
                raise ImportError(_INSTALL_HINT) from e
            # tensorboardX names files events.out.tfevents.<seconds>.<host>: a pid and a counter
            # keep two writers opened within one second from sharing (overwriting) a file
            suffix = f".{os.getpid()}.{next(_FILE_IDS)}"
            writer = SummaryWriter(
                logdir=os.path.join(self.log_dir, which), flush_secs=5, filename_suffix=suffix
            )
            self._writers[which] = writer
        return writer

    def _flush_writers(self):
        # tensorboardX writes from a background thread that reaches the disk every few seconds
        # (``flush_secs``); closing the writers (end of fit/evaluate) writes everything
        for writer in self._writers.values():
            writer.flush()

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # --------------------------------------------------------------------------- model
    def set_model(self, model):
        self.model = model
        self._close_writers()
        if self.write_graph:
            self._write_keras_model_summary()

    def _write_keras_model_summary(self):
        model = self.model
        if not (getattr(model, "_is_graph_network", False) or type(model).__name__ == "Sequential"):
            return  # subclassed models have no JSON config (tf.keras skips them too)
        try:
            json_string = model.to_json()
        except Exception as exc:  # noqa: BLE001 - as in tf.keras: warn and go on
            warnings.warn(f"Model failed to serialize as JSON. Ignoring... {exc}", stacklevel=3)
            return
        from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
        from tensorboardX.proto.tensor_pb2 import TensorProto
        from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto

        metadata = SummaryMetadata(
            plugin_data=SummaryMetadata.PluginData(plugin_name="graph_keras_model", content=b"1")
        )
        tensor = TensorProto(
            dtype="DT_STRING",
            string_val=[json_string.encode("utf-8")],
            tensor_shape=TensorShapeProto(),
        )
        summary = Summary(value=[Summary.Value(tag="keras", tensor=tensor, metadata=metadata)])
        writer = self._writer("train")
        writer.file_writer.add_summary(summary, global_step=0)
        writer.flush()

    # --------------------------------------------------------------------------- hooks
    def on_train_begin(self, logs=None):
        self._training = True
        self._global_train_batch = 0
        self._previous_epoch_iterations = self._iterations()

    def on_train_end(self, logs=None):
        self._training = False
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._previous_epoch_iterations = self._iterations()
            self._epoch_start_time = time.perf_counter()

    def on_train_batch_begin(self, batch, logs=None):
        if self.write_steps_per_second:
            self._batch_start_time = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self._global_train_batch += 1
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        writer = self._writer("train")
        step = self._global_train_batch
        if self.write_steps_per_second:
            elapsed = time.perf_counter() - self._batch_start_time
            if elapsed > 0:
                writer.add_scalar("batch_steps_per_second", 1.0 / elapsed, step)
        for name, value in (logs or {}).items():
            value = _scalar(value)
            if value is not None:
                writer.add_scalar("batch_" + name, value, step)

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        self._flush_writers()

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if logs and optimizer is not None and hasattr(optimizer, "iterations"):
            writer = self._writer("validation")
            step = self._iterations()
            for name, value in logs.items():
                value = _scalar(value)
                if value is not None:
                    writer.add_scalar(f"evaluation_{name}_vs_iterations", value, step)
        if not self._training:  # a plain evaluate(): nothing more will be written
            self._close_writers()

    # --------------------------------------------------------------------------- logging
    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        iterations = getattr(optimizer, "iterations", None)
        return 0 if iterations is None else int(K.get_value(iterations))

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train_logs, val_logs = {}, {}
        for name, value in logs.items():
            if name.startswith("val_"):
                val_logs[name[4:]] = value
            else:
                train_logs[name] = value
        optimizer = getattr(self.model, "optimizer", None)
        lr = getattr(optimizer, "lr", None) if optimizer is not None else None
        if isinstance(lr, LearningRateSchedule):
            train_logs["learning_rate"] = lr(self._iterations())
        if self.write_steps_per_second:
            elapsed = time.perf_counter() - self._epoch_start_time
            steps = self._iterations() - self._previous_epoch_iterations
            train_logs["steps_per_second"] = steps / elapsed if elapsed > 0 else 0.0
        for which, values in (("train", train_logs), ("validation", val_logs)):
            if not values:
                continue
            writer = self._writer(which)
            for name, value in values.items():
                value = _scalar(value)
                if value is not None:
                    writer.add_scalar("epoch_" + name, value, epoch)

    def _log_weights(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.name.replace(":", "_")
                values = np.asarray(K.get_value(weight))
                writer.add_histogram(name + "/histogram", values, epoch)
                if self.write_images:
                    image = _weight_image(values)
                    if image is not None:
                        writer.add_images(name + "/image", image, epoch, dataformats="NHWC")
