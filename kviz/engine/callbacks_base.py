"""The callback protocol used by ``fit``/``evaluate``/``predict``: ``Callback``,
``CallbackList``, ``History`` and ``ProgbarLogger``.

They live with the training loop because ``fit`` needs them; ``kviz.callbacks`` re-exports
them beside the other Keras callbacks.

>>> class Count(Callback):
...     def on_epoch_end(self, epoch, logs=None):
...         print(epoch, sorted(logs))
>>> cb = CallbackList([Count()])
>>> cb.on_epoch_end(0, {'loss': 1.0})
0 ['loss']
"""

from __future__ import annotations

import time

import numpy as np

from kviz.engine.logs import LogsDict
from kviz.engine.progbar import Progbar


class Callback:
    """Base class: override any ``on_*`` hook. ``self.model`` and ``self.params`` are set."""

    def __init__(self):
        self.validation_data = None
        self.model = None
        self.params = {}

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    def on_batch_begin(self, batch, logs=None):
        """Keras 2 alias of ``on_train_batch_begin``."""

    def on_batch_end(self, batch, logs=None):
        """Keras 2 alias of ``on_train_batch_end``."""

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass


_HOOKS = [
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
    "on_train_begin",
    "on_train_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
]


def _overrides(cb, name):
    """Whether ``cb`` does anything in hook ``name`` (skipping no-op hooks saves time per batch)."""
    method = getattr(type(cb), name, None)
    base = getattr(Callback, name)
    if method is not base:
        return True
    alias = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}.get(
        name
    )
    return alias is not None and getattr(type(cb), alias, None) is not getattr(Callback, alias)


class CallbackList:
    """Calls each hook on every callback in order."""

    def __init__(self, callbacks=None, model=None, params=None):
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback) and not all(hasattr(cb, h) for h in ("set_model",)):
                raise TypeError(
                    f"callbacks must be instances of kviz.callbacks.Callback; received {cb!r}"
                )
        if model is not None:
            self.set_model(model)
        if params is not None:
            self.set_params(params)
        self._active = {
            name: [
                cb for cb in self.callbacks if not isinstance(cb, Callback) or _overrides(cb, name)
            ]
            for name in _HOOKS
        }

    def append(self, callback):
        self.callbacks.append(callback)
        for name in _HOOKS:
            if not isinstance(callback, Callback) or _overrides(callback, name):
                self._active[name].append(callback)

    def set_model(self, model):
        self.model = model
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params):
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def _call(self, name, *args):
        """Call hook ``name`` on the callbacks that implement it. The last argument is the logs:
        ``None`` becomes a fresh ``{}`` (tf.keras never passes None), and every callback of one
        call gets the same dict, so a callback sees what an earlier one put there."""
        active = self._active[name]
        if not active:
            return
        if args[-1] is None:
            args = (*args[:-1], LogsDict())
        for cb in active:
            getattr(cb, name)(*args)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs)

    on_batch_begin = on_train_batch_begin
    on_batch_end = on_train_batch_end

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs)

    def __iter__(self):
        return iter(self.callbacks)


class BaseLogger(Callback):
    """Keras 2.2's epoch averaging callback. kviz's loop already averages, so this is a no-op
    kept so that code constructing ``BaseLogger()`` runs."""

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or [])


class History(Callback):
    """Records epoch logs: ``history.history`` (dict of lists) and ``history.epoch``."""

    def __init__(self):
        super().__init__()
        self.history = LogsDict()
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self


class ProgbarLogger(Callback):
    """Prints ``Epoch 1/5`` and a progress bar (verbose=1) or one line per epoch (verbose=2)."""

    def __init__(self, count_mode="steps", stateful_metrics=None):
        super().__init__()
        self.count_mode = count_mode
        self.stateful_metrics = stateful_metrics
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.progbar = None
        self._mode = "train"

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs=None):
        self._mode = "train"

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)
        self.progbar = Progbar(self.target, verbose=self.verbose)
        self._seen = 0

    def on_train_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        if self.verbose == 1 and self.progbar is not None:
            self.progbar.update(batch + 1, _items(logs), finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        if self.progbar is not None:
            target = self.target or self._seen
            self.progbar.target = target
            self.progbar.update(target, _items(logs), finalize=True)

    def on_test_begin(self, logs=None):
        if self.model is not None and getattr(self.model, "_in_fit", False):
            return
        self._test_bar = Progbar(self.params.get("steps"), verbose=self.verbose)

    def on_test_batch_end(self, batch, logs=None):
        bar = getattr(self, "_test_bar", None)
        if bar is not None and self.verbose == 1:
            bar.update(batch + 1, _items(logs), finalize=False)

    def on_test_end(self, logs=None):
        bar = getattr(self, "_test_bar", None)
        if bar is not None:
            bar.target = bar.target or bar._seen
            bar.update(bar.target, _items(logs), finalize=True)
            self._test_bar = None

    def on_predict_begin(self, logs=None):
        self._pred_bar = Progbar(self.params.get("steps"), verbose=self.verbose)

    def on_predict_batch_end(self, batch, logs=None):
        if self.verbose == 1:
            self._pred_bar.update(batch + 1, finalize=False)

    def on_predict_end(self, logs=None):
        bar = self._pred_bar
        bar.target = bar.target or bar._seen
        bar.update(bar.target, finalize=True)


def _items(logs):
    if not logs:
        return []
    return [(k, v) for k, v in logs.items() if k not in ("batch", "size") and np.ndim(v) == 0]


class Timer:
    """Tiny helper for per-epoch timings used by verbose=2 logs and benchmarks."""

    def __init__(self):
        self.start = time.perf_counter()

    def elapsed(self):
        return time.perf_counter() - self.start
