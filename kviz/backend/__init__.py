"""The Keras backend API (``from kviz import backend as K``).

Every function works on NumPy arrays, on Tensors inside a gradient tape, and on symbolic
tensors (``K.mean(layer.output)`` inside a model definition).

>>> import numpy as np
>>> from kviz import backend as K
>>> K.int_shape(K.placeholder(shape=(None, 4)))
(None, 4)
>>> float(K.mean(np.array([1., 2., 3.], 'float32')))
2.0
"""

from __future__ import annotations

import numpy as np

from kviz import config as _config
from kviz import ops as _ops
from kviz.autodiff.tensor import Tensor as _Tensor
from kviz.autodiff.tensor import Variable as _Variable
from kviz.backend.losses import (
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from kviz.backend.symbolic import Function, function, gradients
from kviz.graph.keras_tensor import KerasTensor as _KerasTensor
from kviz.graph.naming import get_uid, reset_uids
from kviz.graph.placeholder import learning_phase_tensor, placeholder_tensor

# ----------------------------------------------------------------------------- config
epsilon = _config.epsilon
set_epsilon = _config.set_epsilon
floatx = _config.floatx
set_floatx = _config.set_floatx
image_data_format = _config.image_data_format
set_image_data_format = _config.set_image_data_format
normalize_data_format = _config.normalize_data_format
set_learning_phase = _config.set_learning_phase


def backend():
    """``'tensorflow'``: kviz reads and writes files in TensorFlow-Keras layouts."""
    return "tensorflow"


def image_dim_ordering():
    """Keras 1: ``'tf'`` for channels_last, ``'th'`` for channels_first."""
    return "tf" if _config.image_data_format() == "channels_last" else "th"


def set_image_dim_ordering(ordering):
    _config.set_image_data_format("channels_last" if ordering == "tf" else "channels_first")


def learning_phase():
    """A placeholder to feed through ``K.function`` (0 = test, 1 = train).

    Read as a Python value (``int(K.learning_phase())``) it gives the current phase.
    """
    return learning_phase_tensor()


def clear_session():
    """Reset layer-name counters (``dense``, ``dense_1``... start again) and the learning phase."""
    reset_uids()
    _config.set_learning_phase(0)


def manual_variable_initialization(value):
    """Accepted for compatibility; kviz variables are always initialized on creation."""


# --------------------------------------------------------------------------- tensors
def _raw(x):
    return x.data if isinstance(x, _Tensor) else x


def variable(value, dtype=None, name=None, constraint=None):
    """A weight Variable holding ``value`` (``K.get_value``/``K.set_value`` read and write it)."""
    dtype = dtype or _config.floatx()
    return _Variable(
        np.asarray(_raw(value), dtype=dtype), name=name, dtype=dtype, constraint=constraint
    )


def constant(value, dtype=None, shape=None, name=None):
    dtype = dtype or _config.floatx()
    value = np.asarray(value, dtype=dtype)
    if shape is not None:
        value = np.broadcast_to(value, tuple(shape)).copy()
    return value


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None, ragged=False):
    """A symbolic input to feed through ``K.function``."""
    if shape is None:
        if ndim is None:
            raise ValueError("K.placeholder needs `shape` or `ndim`")
        shape = (None,) * int(ndim)
    return placeholder_tensor(tuple(shape), dtype or _config.floatx(), name)


def is_keras_tensor(x):
    """True for symbolic tensors made by layers/Input; ValueError for non-tensors (as tf.keras)."""
    if isinstance(x, _KerasTensor):
        return True
    if isinstance(x, (_Tensor, np.ndarray)):
        return False
    raise ValueError(
        f"Unexpectedly found an instance of type `{type(x)}`. Expected a symbolic tensor instance."
    )


def is_tensor(x):
    return isinstance(x, (_KerasTensor, _Tensor, np.ndarray))


def is_variable(x):
    return isinstance(x, _Variable)


def int_shape(x):
    """The shape as a tuple of ints/None (``(None, 28, 28, 1)``)."""
    if isinstance(x, _KerasTensor):
        return x.shape
    return tuple(np.shape(_raw(x)))


def shape(x):
    """The shape as a (symbolic or concrete) int32 tensor."""
    return _ops.shape(x)


def ndim(x):
    return len(int_shape(x))


def dtype(x):
    if isinstance(x, _KerasTensor):
        return x.dtype
    return np.asarray(_raw(x)).dtype.name


def count_params(x):
    return int(np.prod(int_shape(x)))


def get_value(x):
    """The value of a Variable (or array) as a NumPy array."""
    if isinstance(x, _KerasTensor):
        raise TypeError(
            f"K.get_value cannot read the symbolic tensor {x.name}: it has no value. Use "
            "K.function([inputs], [tensor]) to evaluate it."
        )
    return np.array(_raw(x))


eval = get_value  # noqa: A001 - Keras name


def batch_get_value(tensors):
    return [get_value(t) for t in tensors]


def set_value(x, value):
    """Assign ``value`` to Variable ``x`` (shapes must match)."""
    if not isinstance(x, _Variable):
        raise TypeError(f"K.set_value needs a Variable; received {type(x).__name__}")
    x.assign(np.asarray(value, dtype=x.dtype))


def batch_set_value(tuples):
    for x, value in tuples:
        set_value(x, value)


def zeros(shape, dtype=None, name=None):
    """An all-zeros Variable (as in Keras)."""
    return variable(np.zeros(shape, dtype=dtype or _config.floatx()), dtype, name)


def ones(shape, dtype=None, name=None):
    return variable(np.ones(shape, dtype=dtype or _config.floatx()), dtype, name)


def eye(size, dtype=None, name=None):
    return variable(np.eye(size, dtype=dtype or _config.floatx()), dtype, name)


@_ops.op
def zeros_like(x, dtype=None, name=None):
    return np.zeros(np.shape(_raw(x)), dtype=dtype or np.asarray(_raw(x)).dtype)


@_ops.op
def ones_like(x, dtype=None, name=None):
    return np.ones(np.shape(_raw(x)), dtype=dtype or np.asarray(_raw(x)).dtype)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    rng = np.random.default_rng(seed) if seed is not None else _config.rng()
    return rng.uniform(minval, maxval, size=shape).astype(dtype or _config.floatx())


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    rng = np.random.default_rng(seed) if seed is not None else _config.rng()
    return rng.normal(mean, stddev, size=shape).astype(dtype or _config.floatx())


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    rng = np.random.default_rng(seed) if seed is not None else _config.rng()
    return (rng.random(size=shape) < p).astype(dtype or _config.floatx())


random_bernoulli = random_binomial


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    rng = np.random.default_rng(seed) if seed is not None else _config.rng()
    out = rng.normal(0.0, 1.0, size=shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.normal(0.0, 1.0, size=int(bad.sum()))
        bad = np.abs(out) > 2
    return (mean + stddev * out).astype(dtype or _config.floatx())


# ------------------------------------------------------------------------------ maths
abs = _ops.abs  # noqa: A001
all = _ops.all  # noqa: A001
any = _ops.any  # noqa: A001
argmax = _ops.argmax
argmin = _ops.argmin
cast = _ops.cast
clip = _ops.clip
cos = _ops.cos
cumsum = _ops.cumsum
equal = _ops.equal
exp = _ops.exp
greater = _ops.greater
greater_equal = _ops.greater_equal
less = _ops.less
less_equal = _ops.less_equal
log = _ops.log
logsumexp = _ops.logsumexp
maximum = _ops.maximum
minimum = _ops.minimum
not_equal = _ops.not_equal
pow = _ops.pow  # noqa: A001
prod = _ops.prod
round = _ops.round  # noqa: A001
sign = _ops.sign
sin = _ops.sin
sqrt = _ops.sqrt
square = _ops.square
stop_gradient = _ops.stop_gradient
tanh = _ops.tanh
sigmoid = _ops.sigmoid
hard_sigmoid = _ops.hard_sigmoid
softplus = _ops.softplus
softsign = _ops.softsign
elu = _ops.elu
relu = _ops.relu
l2_normalize = _ops.l2_normalize
bias_add = _ops.bias_add
dot = _ops.dot
batch_dot = _ops.batch_dot
one_hot = _ops.one_hot
gather = _ops.gather
reshape = _ops.reshape
permute_dimensions = _ops.permute_dimensions
expand_dims = _ops.expand_dims
squeeze = _ops.squeeze
tile = _ops.tile
repeat = _ops.repeat
repeat_elements = _ops.repeat_elements
flatten = _ops.flatten
batch_flatten = _ops.batch_flatten
reverse = _ops.flip
logical_and = _ops.logical_and
logical_or = _ops.logical_or
rnn = _ops.rnn  # K.rnn(step_function, inputs, initial_states, go_backwards, mask, constants, ...)


def sum(x, axis=None, keepdims=False):  # noqa: A001
    return _ops.sum(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return _ops.mean(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return _ops.max(x, axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return _ops.min(x, axis=axis, keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    return _ops.var(x, axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return _ops.std(x, axis=axis, keepdims=keepdims)


def softmax(x, axis=-1):
    return _ops.softmax(x, axis=axis)


def transpose(x):
    """Reverse all axes (Keras's ``K.transpose``)."""
    return _ops.transpose(x)


def concatenate(tensors, axis=-1):
    return _ops.concatenate(tensors, axis=axis)


def stack(x, axis=0):
    return _ops.stack(x, axis=axis)


def dropout(x, level, noise_shape=None, seed=None):
    return _ops.dropout(x, level, noise_shape=noise_shape, seed=seed)


def switch(condition, then_expression, else_expression):
    """Elementwise (or scalar) choice between two tensors or callables."""
    if callable(then_expression):
        then_expression = then_expression()
    if callable(else_expression):
        else_expression = else_expression()
    if isinstance(condition, (bool, int, np.bool_)):
        return then_expression if condition else else_expression
    return _ops.where(condition, then_expression, else_expression)


def in_train_phase(x, alt, training=None):
    """``x`` in the training phase, ``alt`` otherwise (callables are called)."""
    if training is None:
        training = _config.learning_phase()
    if isinstance(training, _KerasTensor):
        training = int(training)
    chosen = x if training else alt
    return chosen() if callable(chosen) else chosen


def in_test_phase(x, alt, training=None):
    return in_train_phase(alt, x, training=training)


# ----------------------------------------------------------------------- state updates
def update(x, new_x):
    return x.assign(_raw(new_x))


def update_add(x, increment):
    return x.assign_add(_raw(increment))


def update_sub(x, decrement):
    return x.assign_sub(_raw(decrement))


def moving_average_update(x, value, momentum):
    """``x = x * momentum + value * (1 - momentum)`` (used by BatchNormalization)."""
    value = np.asarray(_raw(value), dtype=x.dtype)
    return x.assign(x.data * momentum + value * (1.0 - momentum))


__all__ = [n for n in dir() if not n.startswith("_")]
__all__ += ["Function", "function", "gradients", "get_uid"]
