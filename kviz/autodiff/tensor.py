"""Eager tensors that record the operations applied to them, and trainable variables.

Outside a :class:`GradientTape` every op works on plain ``numpy`` arrays and returns plain
arrays: inference pays no autodiff cost. Inside a tape, ops whose inputs include a
:class:`Variable` or a watched :class:`Tensor` return a :class:`Tensor` that remembers the
primitive, its inputs and its residuals, so that :func:`kviz.autodiff.backward.gradients`
can walk the record backwards.

>>> import numpy as np
>>> from kviz.autodiff import Variable, GradientTape
>>> from kviz import ops
>>> w = Variable(np.array([1.0, 2.0], dtype='float32'))
>>> with GradientTape() as tape:
...     loss = ops.sum(ops.square(w))
>>> tape.gradient(loss, [w])[0]
array([2., 4.], dtype=float32)
"""

from __future__ import annotations

import itertools

import numpy as np

from kviz import config
from kviz.kernels import device as _device

_uid = itertools.count()


class _TapeState:
    """How many tapes are open; ops record only while one is."""

    depth = 0
    watched: set = set()


def recording() -> bool:
    return _TapeState.depth > 0


class Tensor:
    """An array produced inside a tape, with a link to the op that made it.

    ``data`` holds the numpy value. ``_op`` is the primitive, ``_inputs`` its array inputs
    (Tensors or raw arrays), ``_res`` what the primitive saved for its backward pass.
    """

    __slots__ = ("data", "_op", "_inputs", "_res", "_params", "_id", "__weakref__")
    __array_priority__ = 1000
    __array_ufunc__ = None  # make numpy defer to our reflected operators

    def __init__(self, data, op=None, inputs=(), res=None, params=None):
        self.data = data
        self._op = op
        self._inputs = inputs
        self._res = res
        self._params = params
        self._id = next(_uid)

    # array protocol -------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    def __len__(self):
        return len(self.data)

    def __array__(self, dtype=None, copy=None):
        data = self.data if type(self.data) is np.ndarray else np.asarray(self.data)  # GPU: copy
        return data if dtype is None else data.astype(dtype)

    def numpy(self):
        """The value as a numpy array (as ``EagerTensor.numpy()`` in TensorFlow)."""
        return np.asarray(self.data)

    def __float__(self):
        return float(self.data)

    def __int__(self):
        return int(self.data)

    def __bool__(self):
        return bool(self.data)

    def __repr__(self):
        return f"<kviz.Tensor shape={self.shape} dtype={self.dtype}>\n{self.data!r}"

    __hash__ = object.__hash__

    # operators are attached by kviz.ops (see ops/operators.py)


class Variable(Tensor):
    """A named, mutable weight. ``value``/``numpy()`` read it, ``assign`` writes it.

    >>> import numpy as np
    >>> v = Variable(np.zeros((2, 3)), name='dense/kernel:0')
    >>> v.shape, v.name, v.trainable
    ((2, 3), 'dense/kernel:0', True)
    >>> _ = v.assign(np.ones((2, 3))); float(v.numpy().sum())
    6.0
    """

    __slots__ = ("name", "trainable", "constraint", "regularizer")

    def __init__(self, value, name=None, dtype=None, trainable=True, constraint=None):
        dtype = np.dtype(dtype or getattr(value, "dtype", None) or config.floatx())
        if type(value) is _device.DeviceArray:  # a GPU value stays on the GPU (a copy)
            super().__init__(value.astype(dtype))
        else:
            super().__init__(np.array(value, dtype=dtype))
        self.name = name or f"Variable_{self._id}:0"
        self.trainable = bool(trainable)
        self.constraint = constraint
        self.regularizer = None

    @property
    def value(self):
        return self.data

    def assign(self, value):
        if type(self.data) is _device.DeviceArray:  # stays on the GPU
            value = value.data if isinstance(value, Tensor) else value
            if tuple(np.shape(value)) != self.data.shape:
                raise ValueError(
                    f"Cannot assign value to variable '{self.name}': Shape mismatch. The "
                    f"variable shape {self.data.shape}, and the assigned value shape "
                    f"{tuple(np.shape(value))} are incompatible."
                )
            self.data = _device.to_device(value).astype(self.data.dtype)
            return self
        value = np.asarray(value)
        if value.shape != self.data.shape:
            raise ValueError(
                f"Cannot assign value to variable '{self.name}': Shape mismatch. The variable "
                f"shape {self.data.shape}, and the assigned value shape {value.shape} are "
                "incompatible."
            )
        self.data = np.array(value, dtype=self.data.dtype)
        return self

    def assign_add(self, delta):
        delta = _device.unwrap_for(self.data, delta)
        self.data = (self.data + delta).astype(self.data.dtype, copy=False)
        return self

    def assign_sub(self, delta):
        delta = _device.unwrap_for(self.data, delta)
        self.data = (self.data - delta).astype(self.data.dtype, copy=False)
        return self

    def __repr__(self):
        return f"<kviz.Variable '{self.name}' shape={self.shape} dtype={self.dtype}>"


def is_tensor(x) -> bool:
    return isinstance(x, Tensor)


def unwrap(x):
    """The numpy value behind a Tensor/Variable; anything else unchanged."""
    return x.data if isinstance(x, Tensor) else x


class GradientTape:
    """Record the ops run inside the ``with`` block, as ``tf.GradientTape`` does.

    Variables are watched automatically; other arrays can be watched with :meth:`watch`,
    which returns the Tensor to compute with.
    """

    def __init__(self, persistent=False):
        self.persistent = persistent
        self._open = False

    def __enter__(self):
        _TapeState.depth += 1
        self._open = True
        return self

    def __exit__(self, *exc):
        _TapeState.depth -= 1
        self._open = False
        return False

    @staticmethod
    def watch(x):
        """Return a Tensor leaf for ``x`` so that gradients with respect to it are recorded."""
        if isinstance(x, Tensor):
            return x
        return Tensor(np.asarray(x))

    def gradient(self, target, sources, output_gradients=None):
        from kviz.autodiff.backward import gradients

        single = not isinstance(sources, (list, tuple))
        grads = gradients(target, [sources] if single else list(sources), output_gradients)
        return grads[0] if single else grads
