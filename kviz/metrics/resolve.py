"""Which function ``metrics=['accuracy']`` (``'acc'``) and ``['crossentropy']`` (``'ce'``) mean.

Keras picks the binary, categorical or sparse version for each output. Keras 2.2 and
tf.keras 2 use different rules; both are here, and :func:`resolve_accuracy` is the one kviz
uses (Keras 2.2's, see its docstring for why).

>>> from kviz import losses
>>> resolve_accuracy('accuracy', 'binary_crossentropy', (None, 3), (None, 3)).__name__
'binary_accuracy'
>>> resolve_accuracy_tf2('accuracy', 'binary_crossentropy', (None, 3), (None, 3)).__name__
'categorical_accuracy'
>>> resolve_accuracy('acc', losses.SparseCategoricalCrossentropy(), (None, 10), (None, 1)).__name__
'sparse_categorical_accuracy'
>>> resolve_accuracy('ce', 'categorical_crossentropy', (None, 1), (None, 1)).__name__
'binary_crossentropy'
"""

from __future__ import annotations

from kviz import losses as _losses
from kviz.metrics import functions as F

ACCURACY_NAMES = ("accuracy", "acc")
CROSSENTROPY_NAMES = ("crossentropy", "ce")

_CHOICES = {
    "binary": (F.binary_accuracy, _losses.binary_crossentropy),
    "sparse": (F.sparse_categorical_accuracy, _losses.sparse_categorical_crossentropy),
    "categorical": (F.categorical_accuracy, _losses.categorical_crossentropy),
}


def _loss_function(loss_fn):
    """The underlying function of a loss given by name, function or Loss object."""
    if isinstance(loss_fn, (str, dict)):
        loss_fn = _losses.get(loss_fn)
    return getattr(loss_fn, "fn", loss_fn)


def _last(shape):
    return None if shape is None or len(shape) == 0 else shape[-1]


def _pick(name, kind, fallback):
    if name in ACCURACY_NAMES:
        return _CHOICES[kind][0]
    if name in CROSSENTROPY_NAMES:
        return _CHOICES[kind][1]
    return fallback(name)


def _default_lookup(name):
    from kviz.metrics import get

    return get(name)


def resolve_accuracy_keras22(name, loss_fn, output_shape, target_shape=None):
    """Keras 2.2 (loss-aware): binary if the output's last dim is 1 **or** the loss is
    ``binary_crossentropy``; sparse if the loss is ``sparse_categorical_crossentropy``;
    categorical otherwise. ``target_shape`` is not used. Names other than
    accuracy/acc/crossentropy/ce are looked up with :func:`kviz.metrics.get`.
    """
    fn = _loss_function(loss_fn)
    if _last(output_shape) == 1 or fn is _losses.binary_crossentropy:
        kind = "binary"
    elif fn is _losses.sparse_categorical_crossentropy:
        kind = "sparse"
    else:
        kind = "categorical"
    return _pick(name, kind, _default_lookup)


def resolve_accuracy_tf2(name, loss_fn, output_shape, target_shape=None):
    """tf.keras 2 (shapes only): binary if the output's last dim is 1; sparse if the target
    has a lower rank than the output, or a last dim of 1 while the output's is > 1;
    categorical otherwise. ``loss_fn`` is not used (so BCE on a 3-unit multi-label output
    gets *categorical* accuracy).
    """
    p_last = _last(output_shape)
    if p_last == 1:
        kind = "binary"
    elif target_shape is not None and (
        len(target_shape) < len(output_shape)
        or (_last(target_shape) == 1 and p_last is not None and p_last > 1)
    ):
        kind = "sparse"
    else:
        kind = "categorical"
    return _pick(name, kind, _default_lookup)


def resolve_accuracy(name, loss_fn, output_shape, target_shape=None):
    """The metric function kviz uses for ``name`` on an output with this loss and shapes.

    kviz follows the **Keras 2.2 loss-aware rule** (:func:`resolve_accuracy_keras22`): binary
    when the output has one unit or the loss is ``binary_crossentropy``, sparse for
    ``sparse_categorical_crossentropy``, categorical otherwise. Why not tf.keras 2's
    shape-only rule (:func:`resolve_accuracy_tf2`)? With ``binary_crossentropy`` on a
    multi-label output (several sigmoid units), tf.keras 2 reports *categorical* accuracy
    (argmax agreement), which is meaningless there; tutorials written for Keras 2.x expect
    (and print) the per-label binary accuracy. For single-output softmax/sigmoid models the two
    rules agree.
    """
    return resolve_accuracy_keras22(name, loss_fn, output_shape, target_shape)
