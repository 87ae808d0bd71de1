"""How an op runs: a :class:`Primitive` (forward + vector-Jacobian product) and dispatch.

Every public op accepts three kinds of input and does the right thing for each:

* plain arrays (or Variables outside a tape): computes with NumPy, returns an ndarray;
* inside a :class:`~kviz.autodiff.GradientTape`, when an input is a Tensor/Variable: returns a
  :class:`~kviz.autodiff.Tensor` that remembers how to differentiate;
* symbolic :class:`~kviz.graph.KerasTensor` inputs: returns a KerasTensor made by an
  :class:`OpLambda` graph node, so ``K.mean(layer.output)`` works while building a model.

>>> import numpy as np
>>> from kviz import ops
>>> ops.add(np.ones(2, 'float32'), 1.0)
array([2., 2.], dtype=float32)
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from kviz.autodiff.tensor import Tensor, Variable, _TapeState
from kviz.graph import nest
from kviz.graph.keras_tensor import KerasTensor
from kviz.graph.naming import unique_name
from kviz.graph.node import Node, Operation
from kviz.kernels import device as _device


class Primitive:
    """One differentiable operation.

    ``forward(*arrays, **params) -> (out, residual)`` and
    ``backward(g, out, arrays, residual, params) -> tuple of input gradients`` (None where an
    input gets no gradient). ``arrays`` are the raw NumPy inputs.
    """

    __slots__ = ("name", "forward", "backward")

    def __init__(self, name, forward, backward):
        self.name = name
        self.forward = forward
        self.backward = backward

    def vjp(self, g, node: Tensor):
        raw, res = node._res  # the input values as they were in the forward pass (see apply)
        grads = self.backward(g, node.data, raw, res, node._params or {})
        # a float input gets its gradient in its own dtype (float32 weights: float32 grads)
        return [
            gx
            if gx is None
            or not isinstance(x, Tensor)
            or (type(gx) is np.ndarray and gx.dtype == x.data.dtype)
            else _grad_like(gx, x)
            for gx, x in zip(grads, node._inputs, strict=False)
        ]

    def __repr__(self):
        return f"<Primitive {self.name}>"


def _grad_like(g, x: Tensor):
    if g is None:
        return None
    dtype = x.data.dtype
    if type(g) is _device.DeviceArray:
        return g.astype(dtype) if dtype.kind == "f" and g.dtype != dtype else g
    if dtype.kind == "f" and np.result_type(g) != dtype:
        return np.asarray(g).astype(dtype)
    return g


def apply(prim: Primitive, inputs: tuple, params: dict | None = None):
    """Run ``prim`` on ``inputs``, recording it when a tape is open and an input is a Tensor.

    The result is always an ``ndarray`` (0-d for reductions to a scalar), never a NumPy scalar.
    A recorded Tensor keeps the raw input arrays with the residual, so that assigning a
    Variable between the forward and the backward pass (stateful RNN states) cannot change
    the gradients.

    When an input lives on the GPU (a :class:`~kviz.kernels.device.DeviceArray`), the
    primitive's CUDA twin runs instead (:func:`_apply_on_device`).
    """
    if _device.in_use and _on_device(inputs):
        return _apply_on_device(prim, inputs, params)
    if _TapeState.depth:
        for a in inputs:
            if isinstance(a, Tensor):
                raw = tuple(x.data if isinstance(x, Tensor) else x for x in inputs)
                out, res = prim.forward(*raw, **params) if params else prim.forward(*raw)
                return Tensor(np.asarray(out), prim, inputs, (raw, res), params)
    raw = tuple(x.data if isinstance(x, Tensor) else x for x in inputs)
    return np.asarray((prim.forward(*raw, **params) if params else prim.forward(*raw))[0])


# ------------------------------------------------------------------------------ device


def _on_device(inputs) -> bool:
    for x in inputs:
        if type(x) is _device.DeviceArray or (
            isinstance(x, Tensor) and type(x.data) is _device.DeviceArray
        ):
            return True
    return False


_DEVICE_PRIMS: dict = {}  # (host primitive, 'cuda'|'host') -> the Primitive a tape records


def _device_prim(prim: Primitive, kind: str) -> Primitive:
    """The Primitive recorded for ``prim`` run on the device: its CUDA twin, or ``'host'``: the
    host primitive wrapped so that its backward pass also copies down and up."""
    key = (prim, kind)
    found = _DEVICE_PRIMS.get(key)
    if found is None:
        if kind == "cuda":
            t = _device.twin(prim.name)
            found = Primitive(prim.name, t.forward, t.backward)
        else:

            def backward(g, out, xs, res, params, _prim=prim):
                host = tuple(_device.to_host(x) for x in xs)
                grads = _prim.backward(_device.to_host(g), _device.to_host(out), host, res, params)
                return tuple(None if gx is None else _device.to_device(gx) for gx in grads)

            found = Primitive(prim.name, prim.forward, backward)
        _DEVICE_PRIMS[key] = found
    return found


def _apply_on_device(prim: Primitive, inputs: tuple, params: dict | None):
    """:func:`apply` with an input on the GPU: host array inputs are copied up (Python numbers
    stay numbers), the CUDA twin of ``prim`` runs; without a twin for these arguments the
    primitive runs on the host and its result is copied up (a warning, once per primitive)."""
    raw = tuple(
        _device.to_device(x) if type(x) is np.ndarray else x
        for x in (x.data if isinstance(x, Tensor) else x for x in inputs)
    )
    params = params or {}
    twin = _device.twin(prim.name)
    result = NotImplemented if twin is None else twin.forward(*raw, **params)
    if result is not NotImplemented:
        out, res = result
        kind = "cuda"
    else:
        _device.note_fallback(prim.name)
        raw = tuple(_device.to_host(x) for x in raw)
        out, res = prim.forward(*raw, **params)
        out = _device.to_device(np.asarray(out))
        kind = "host"
    if _TapeState.depth and any(isinstance(a, Tensor) for a in inputs):
        return Tensor(out, _device_prim(prim, kind), inputs, (raw, res), params)
    return out


def unbroadcast(g, shape):
    """Sum ``g`` down to ``shape`` (the reverse of NumPy broadcasting)."""
    if g.shape == shape:
        return g
    ndiff = g.ndim - len(shape)
    if ndiff > 0:
        g = g.sum(axis=tuple(range(ndiff)))
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


# ---------------------------------------------------------------------------- symbolic


def _contains_keras_tensor(args, kwargs) -> bool:
    for a in (*args, *kwargs.values()):
        if isinstance(a, KerasTensor):
            return True
        if isinstance(a, (list, tuple, dict)) and any(
            isinstance(x, KerasTensor) for x in nest.flatten(a)
        ):
            return True
    return False


# ------------------------------------------------------------------------ operand dtypes


def _dtype(x) -> np.dtype:
    if isinstance(x, Tensor):
        return x.data.dtype
    if isinstance(x, KerasTensor):
        return np.dtype(x.dtype)
    return np.result_type(x) if isinstance(x, (np.ndarray, np.generic)) else np.asarray(x).dtype


def dtype_of(x) -> np.dtype:
    """The dtype of an array, Tensor, KerasTensor or GPU array, without copying it.

    >>> dtype_of(np.ones(2, 'float32')), dtype_of(1.0)
    (dtype('float32'), dtype('float64'))
    """
    d = getattr(x, "dtype", None)
    return d if isinstance(d, np.dtype) else _dtype(x)


def match_dtypes(operands: list) -> list:
    """Cast constant operands to the float dtype of the tensor operands, as TensorFlow does.

    Tensors, Variables and KerasTensors set the dtype when there are any; otherwise arrays of
    rank >= 1 do. 0-d constants (Python or NumPy scalars, 0-d arrays) never set it. When exactly
    one float dtype is set, every other operand that is not a Tensor/KerasTensor is cast to it,
    so ``np.ones(3) * float32_variable`` and ``float32_array * np.float64(2)`` stay float32.
    Python numbers are left alone (NumPy already treats them as weakly typed). Returns
    ``operands`` itself when nothing changes.

    >>> match_dtypes([np.ones(2, 'float32'), np.float64(2.0)])[1].dtype
    dtype('float32')
    """
    if _one_dtype(operands):
        return operands
    tensors = [x for x in operands if isinstance(x, (Tensor, KerasTensor))]
    deciders = tensors or [x for x in operands if isinstance(x, np.ndarray) and x.ndim]
    floats = {d for d in map(_dtype, deciders) if d.kind == "f"}
    if len(floats) != 1:
        return operands
    dtype = floats.pop()
    out = list(operands)
    for i, x in enumerate(out):
        if x is None or isinstance(x, (Tensor, KerasTensor)) or type(x) in _PY_NUMBERS:
            continue
        d = _dtype(x)
        if d != dtype and d.kind in "biuf":
            out[i] = np.asarray(x).astype(dtype)
    return out


_PY_NUMBERS = (bool, int, float)
# argument types that can be neither symbolic nor hold symbolic tensors (see ``op``)
_PLAIN = frozenset({np.ndarray, Tensor, Variable, bool, int, float, str, type(None)})


def _one_dtype(operands) -> bool:
    """Fast path: only arrays/Tensors of a single dtype, Python numbers and Nones."""
    dtype = None
    for x in operands:
        if type(x) is np.ndarray:
            d = x.dtype
        elif isinstance(x, Tensor):
            d = x.data.dtype
        elif x is None or type(x) in _PY_NUMBERS:
            continue
        else:
            return False
        if dtype is None:
            dtype = d
        elif d != dtype:
            return False
    return True


def _positions(fn, names):
    params = list(inspect.signature(fn).parameters)
    return [(params.index(n), n) for n in names]


def _match_args(args, kwargs, slots, listed):
    """Apply :func:`match_dtypes` to the operand arguments named in ``slots``."""
    if listed:
        pos, name = slots[0]
        in_args = pos < len(args)
        value = args[pos] if in_args else kwargs.get(name)
        if not isinstance(value, (list, tuple)):
            return args, kwargs
        matched = match_dtypes(list(value))
        if in_args:
            args = (*args[:pos], matched, *args[pos + 1 :])
        else:
            kwargs = {**kwargs, name: matched}
        return args, kwargs
    where = [(pos, name) for pos, name in slots if pos < len(args) or name in kwargs]
    values = [args[pos] if pos < len(args) else kwargs[name] for pos, name in where]
    matched = match_dtypes(values)
    if matched is values:
        return args, kwargs
    args, kwargs = list(args), dict(kwargs)
    for (pos, name), value in zip(where, matched, strict=True):
        if pos < len(args):
            args[pos] = value
        else:
            kwargs[name] = value
    return tuple(args), kwargs


class OpLambda(Operation):
    """A graph node that applies a kviz op to symbolic tensors (Keras's ``TFOpLambda``).

    It behaves like a weightless layer: it appears in ``model.layers`` and in ``summary()``.
    """

    trainable = False
    built = True
    stateful = False
    supports_masking = False

    def __init__(self, fn, name=None):
        self.fn = fn
        self.symbol = f"kviz.ops.{fn.__name__}"
        super().__init__(name or unique_name(self.symbol))

    # Layer-like surface, so that models treat it as a weightless layer.
    weights = trainable_weights = non_trainable_weights = variables = property(lambda self: [])
    losses = property(lambda self: [])

    def count_params(self):
        return 0

    def get_weights(self):
        return []

    def set_weights(self, weights):
        if weights:
            raise ValueError(f"Op layer {self.name} has no weights; received {len(weights)}")

    def get_config(self):
        return {"name": self.name, "trainable": False, "function": self.symbol}

    @property
    def output(self):
        return self._inbound_nodes[0].outputs

    @property
    def output_shape(self):
        return self._inbound_nodes[0].output_shapes

    @property
    def input(self):
        return self._inbound_nodes[0].call_inputs

    def _run_node(self, node, args, kwargs, ctx):
        return self.fn(*args, **kwargs), None

    def __call__(self, *args, **kwargs):
        outputs = infer_symbolic(self.fn, args, kwargs, self.name)
        Node(self, args, kwargs, outputs)
        return outputs


def _probe_value(t: KerasTensor, fill: int):
    shape = tuple(fill if d is None else d for d in t.shape)
    if np.dtype(t.dtype).kind in "iub":
        return np.zeros(shape, dtype=t.dtype)
    return np.full(shape, 0.5, dtype=t.dtype)


def infer_symbolic(fn, args, kwargs, name):
    """Output KerasTensor(s) of ``fn`` on symbolic inputs, found by running it on probes.

    Unknown dimensions are probed with two sizes; output dims that change become None.
    """
    flat = [x for x in nest.flatten([args, kwargs]) if isinstance(x, KerasTensor)]
    has_unknown = any(d is None for t in flat for d in t.shape)

    def run(fill):
        sub = {id(t): _probe_value(t, fill) for t in flat}

        def f(x):
            return sub[id(x)] if isinstance(x, KerasTensor) else x

        a = tuple(nest.map_structure(f, x) for x in args)
        k = {key: nest.map_structure(f, v) for key, v in kwargs.items()}
        with np.errstate(all="ignore"):
            return fn(*a, **k)

    out2 = run(2)
    out3 = run(3) if has_unknown else out2

    def make(pair):
        o2, o3 = np.asarray(pair[0]), np.asarray(pair[1])
        shape = tuple(
            None if (o3.ndim == o2.ndim and o3.shape[i] != d) else d for i, d in enumerate(o2.shape)
        )
        return KerasTensor(shape, o2.dtype, name=f"{name}/out")

    flat2, flat3 = nest.flatten(out2), nest.flatten(out3)
    return nest.pack_like(out2, [make(p) for p in zip(flat2, flat3, strict=False)])


def op(fn=None, *, operands=(), operand_list=None):
    """Decorator for public ops: route symbolic calls to an :class:`OpLambda` node.

    ``operands`` names the arguments whose dtypes are matched by :func:`match_dtypes` (e.g.
    ``("a", "b")`` for ``add``); ``operand_list`` names one argument holding a list of them
    (``concatenate``). Matching happens before dispatch, so a graph node stores the cast
    constants and replays exactly what the symbolic dtype promised.
    """
    if fn is None:
        return functools.partial(op, operands=operands, operand_list=operand_list)
    slots = _positions(fn, [operand_list] if operand_list else operands)
    listed = operand_list is not None

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        # fast path: plain arrays/Tensors/numbers only (nothing symbolic can hide in them)
        # whose operands already share one dtype, as in every op of a training step
        for a in args:
            if type(a) not in _PLAIN:
                break
        else:
            if (not kwargs or all(type(v) in _PLAIN for v in kwargs.values())) and (
                not slots
                or (
                    not listed
                    and _one_dtype(
                        [args[pos] if pos < len(args) else kwargs.get(name) for pos, name in slots]
                    )
                )
            ):
                return fn(*args, **kwargs)
        if slots:
            args, kwargs = _match_args(args, kwargs, slots, listed)
        if _contains_keras_tensor(args, kwargs):
            return OpLambda(fn)(*args, **kwargs)
        return fn(*args, **kwargs)

    wrapper.__wrapped_op__ = fn
    return wrapper
