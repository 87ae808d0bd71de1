"""``LambdaCallback``: a callback made of plain functions.

``on_epoch_begin``/``on_epoch_end`` are called with ``(epoch, logs)``, ``on_batch_begin``/
``on_batch_end`` with ``(batch, logs)`` and ``on_train_begin``/``on_train_end`` with ``(logs)``,
positionally, as in Keras. Any other hook of :class:`~kviz.callbacks.Callback`
(``on_test_end=...``, ``on_train_batch_end=...``) may be given as a keyword too; other keyword
arguments become attributes (tf.keras does the same).

>>> seen = []
>>> cb = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
>>> cb.on_epoch_end(3, {})
>>> seen
[3]
"""

from __future__ import annotations

from kviz.engine.callbacks_base import Callback

_HOOKS = (
    "on_epoch_begin",
    "on_epoch_end",
    "on_batch_begin",
    "on_batch_end",
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
)


def _make_hook(name):
    base = getattr(Callback, name)

    def hook(self, *args, **kwargs):
        fn = self._functions.get(name)
        if fn is None:
            return base(self, *args, **kwargs)
        return fn(*args, **kwargs)

    hook.__name__ = name
    hook.__qualname__ = f"LambdaCallback.{name}"
    hook.__doc__ = f"Calls the ``{name}`` function given to the constructor, if any."
    return hook


class LambdaCallback(Callback):
    """Build a callback from functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(
        self,
        on_epoch_begin=None,
        on_epoch_end=None,
        on_batch_begin=None,
        on_batch_end=None,
        on_train_begin=None,
        on_train_end=None,
        **kwargs,
    ):
        super().__init__()
        functions = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_batch_begin": on_batch_begin,
            "on_batch_end": on_batch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
        }
        for name in list(kwargs):
            if name in _HOOKS:
                functions[name] = kwargs.pop(name)
        self._functions = {k: v for k, v in functions.items() if v is not None}
        self.__dict__.update(kwargs)


for _name in _HOOKS:
    setattr(LambdaCallback, _name, _make_hook(_name))
del _name
