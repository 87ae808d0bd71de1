"""NumPy helpers of Keras 2: ``to_categorical`` and ``normalize`` (also ``keras.utils.np_utils``).

>>> to_categorical([0, 2, 1])
array([[1., 0., 0.],
       [0., 0., 1.],
       [0., 1., 0.]], dtype=float32)
>>> to_categorical([[1], [0]], num_classes=3).shape
(2, 3)
"""

from __future__ import annotations

import numpy as np


def to_categorical(y, num_classes=None, dtype="float32", **kwargs):
    """One-hot encode integer class labels: shape ``y.shape + (num_classes,)``.

    A trailing dimension of size 1 is dropped first, so ``(n, 1)`` labels give ``(n, C)``.
    ``num_classes`` defaults to ``max(y) + 1``; ``nb_classes`` is the Keras 1 name. Unlike
    Keras (which silently wraps negative labels around), negative labels, labels
    ``>= num_classes`` and non-integer values raise a ValueError naming the offending values.
    """
    if "nb_classes" in kwargs:
        if num_classes is not None:
            raise TypeError("to_categorical got both num_classes and nb_classes")
        num_classes = kwargs.pop("nb_classes")
    if kwargs:
        raise TypeError(f"to_categorical() got unexpected keyword arguments: {sorted(kwargs)}")
    raw = np.asarray(y)
    if raw.dtype == object or raw.dtype.kind not in "biuf":
        raise ValueError(f"to_categorical expects integer class labels; got dtype {raw.dtype}")
    if raw.dtype.kind == "f":
        if not np.all(np.isfinite(raw)) or np.any(raw != np.round(raw)):
            bad = np.unique(raw[~np.isfinite(raw) | (raw != np.round(raw))])
            raise ValueError(
                f"to_categorical expects integer class labels; got non-integer values {_show(bad)}"
            )
    labels = raw.astype("int64")
    input_shape = labels.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    labels = labels.ravel()
    if labels.size and labels.min() < 0:
        raise ValueError(
            "to_categorical expects class labels >= 0; got negative values "
            f"{_show(np.unique(labels[labels < 0]))}"
        )
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    num_classes = int(num_classes)
    if labels.size and labels.max() >= num_classes:
        raise ValueError(
            f"to_categorical: num_classes={num_classes}, but y holds the values "
            f"{_show(np.unique(labels[labels >= num_classes]))} (labels must be < num_classes)"
        )
    n = labels.shape[0]
    categorical = np.zeros((n, num_classes), dtype=dtype)
    categorical[np.arange(n), labels] = 1
    return categorical.reshape(input_shape + (num_classes,))


def _show(values, limit=10):
    vals = [v.item() for v in np.asarray(values).ravel()[:limit]]
    more = ", ..." if np.asarray(values).size > limit else ""
    return "[" + ", ".join(repr(v) for v in vals) + more + "]"


def normalize(x, axis=-1, order=2):
    """Scale ``x`` to unit ``order``-norm along ``axis`` (zero vectors are left as zeros).

    >>> normalize(np.array([[3.0, 4.0]]))
    array([[0.6, 0.8]])
    """
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)
