"""Log dicts in which ``acc`` and ``accuracy`` name the same value.

Keras 2.2 logged ``metrics=['accuracy']`` as ``acc``; tf.keras logs it as ``accuracy``.
Tutorials read either. kviz stores the name the user gave (as tf.keras does) and lets code
read the other spelling too, so ``history.history['acc']`` and ``logs.get('val_acc')`` work
whichever was compiled.

>>> logs = LogsDict(loss=0.5, accuracy=0.75)
>>> logs['acc'], logs.get('val_acc'), 'acc' in logs, sorted(logs)
(0.75, None, True, ['accuracy', 'loss'])
"""

from __future__ import annotations

_SUFFIX_ALIASES = (("accuracy", "acc"), ("acc", "accuracy"))


def alias_of(key):
    """The other spelling of an accuracy key (``val_acc`` <-> ``val_accuracy``), or None."""
    if not isinstance(key, str):
        return None
    for long, short in _SUFFIX_ALIASES:
        if key == long:
            return short
        if key.endswith("_" + long):
            return key[: -len(long)] + short
    return None


class LogsDict(dict):
    """A dict whose missing ``acc``-style keys fall back to their ``accuracy`` spelling."""

    def __missing__(self, key):
        other = alias_of(key)
        if other is not None and dict.__contains__(self, other):
            return dict.__getitem__(self, other)
        raise KeyError(key)

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key):
        if dict.__contains__(self, key):
            return True
        other = alias_of(key)
        return other is not None and dict.__contains__(self, other)

    def copy(self):
        return LogsDict(self)
