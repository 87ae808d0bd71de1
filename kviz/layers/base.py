"""The ``Layer`` base class: the Keras 2 layer contract.

A layer owns weights (``add_weight``), builds itself on first use (``build``), computes
(``call``) on arrays, on tape Tensors, and on symbolic KerasTensors (where each call adds a
graph :class:`~kviz.graph.Node`).

>>> import numpy as np
>>> from kviz import ops
>>> class Scale(Layer):
...     def build(self, input_shape):
...         self.w = self.add_weight(name='w', shape=(input_shape[-1],), initializer='ones')
...         super().build(input_shape)
...     def call(self, inputs):
...         return ops.multiply(inputs, self.w)
>>> layer = Scale()
>>> layer(np.ones((2, 3), 'float32')).shape
(2, 3)
>>> [w.name for w in layer.weights]
['scale/w:0']
"""

from __future__ import annotations

import inspect

import numpy as np

from kviz import config, constraints, initializers, regularizers
from kviz.autodiff.tensor import Tensor, Variable
from kviz.errors import check_kwargs, format_shape
from kviz.graph import nest
from kviz.graph.keras_tensor import KerasTensor
from kviz.graph.naming import to_snake_case, unique_name
from kviz.graph.node import Node, Operation
from kviz.kernels import blas
from kviz.kernels.device import is_device
from kviz.layers.input_spec import InputSpec, check_input_spec
from kviz.ops.core import infer_symbolic

_BASE_KWARGS = {
    "input_shape",
    "batch_input_shape",
    "batch_size",
    "weights",
    "activity_regularizer",
    "input_dim",
    "autocast",
    "implementation",
}

_SIGNATURES: dict = {}


def _call_flags(cls):
    """Whether ``cls.call`` accepts ``training`` and ``mask`` (cached per class)."""
    flags = _SIGNATURES.get(cls)
    if flags is None:
        params = inspect.signature(cls.call).parameters
        var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        flags = ("training" in params or var_kw, "mask" in params or var_kw)
        _SIGNATURES[cls] = flags
    return flags


def shape_of(x):
    """The shape of an array, Tensor or KerasTensor as a tuple."""
    if isinstance(x, KerasTensor):
        return x.shape
    return tuple(np.shape(x.data if isinstance(x, Tensor) else x))


class Layer(Operation):
    """Base class of every layer. Subclasses override ``build``, ``call`` and, when their
    output shape is not obvious from running ``call``, ``compute_output_shape``."""

    def __init__(self, trainable=True, name=None, dtype=None, dynamic=False, **kwargs):
        check_kwargs(kwargs, _BASE_KWARGS)
        object.__setattr__(self, "_layers", [])
        super().__init__(name or unique_name(to_snake_case(type(self).__name__)))
        self._trainable = bool(trainable)
        self._dtype = np.dtype(dtype).name if dtype is not None else config.floatx()
        self._trainable_weights: list[Variable] = []
        self._non_trainable_weights: list[Variable] = []
        self._call_losses: list = []
        self._added_losses: list = []
        self.built = False
        self.input_spec = getattr(self, "input_spec", None)
        self.supports_masking = getattr(self, "supports_masking", False)
        self.stateful = False
        self.dynamic = dynamic
        self._initial_weights = kwargs.get("weights")
        self.activity_regularizer = regularizers.get(kwargs.get("activity_regularizer"))
        batch_input_shape = kwargs.get("batch_input_shape")
        if batch_input_shape is None:
            input_shape = kwargs.get("input_shape")
            if input_shape is None and kwargs.get("input_dim") is not None:
                input_shape = (kwargs["input_dim"],)
            if input_shape is not None:
                if isinstance(input_shape, int):
                    input_shape = (input_shape,)
                batch_input_shape = (kwargs.get("batch_size"),) + tuple(input_shape)
        self._batch_input_shape = None if batch_input_shape is None else tuple(batch_input_shape)

    # ------------------------------------------------------------------ attribute tracking
    def __setattr__(self, name, value):
        if isinstance(value, Layer) and name != "_outer" and value is not self:
            layers = self.__dict__.get("_layers")
            if layers is not None and not any(v is value for v in layers):
                layers.append(value)
        elif isinstance(value, (list, tuple)) and value and name not in ("_layers",):
            layers = self.__dict__.get("_layers")
            if layers is not None:
                for v in value:
                    if isinstance(v, Layer) and not any(x is v for x in layers):
                        layers.append(v)
        object.__setattr__(self, name, value)

    # ------------------------------------------------------------------------ properties
    @property
    def dtype(self):
        return self._dtype

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._layers:
            layer.trainable = value

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        out = list(self._trainable_weights)
        for layer in self._layers:
            out += layer.trainable_weights
        return _unique(out)

    @property
    def non_trainable_weights(self):
        out = list(self._non_trainable_weights)
        if not self._trainable:
            out = list(self._trainable_weights) + out
        for layer in self._layers:
            out += layer.non_trainable_weights
        return _unique(out)

    @property
    def weights(self):
        if self._trainable:
            return _unique(self.trainable_weights + self.non_trainable_weights)
        return self.non_trainable_weights

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def losses(self):
        """Regularization penalties of this layer and its sublayers (differentiable in a tape)."""
        out = []
        for w in self._trainable_weights + self._non_trainable_weights:
            if w.regularizer is not None:
                out.append(w.regularizer(w))
        out += self._call_losses
        for item in self._added_losses:
            out.append(item() if callable(item) else item)
        for layer in self._layers:
            out += layer.losses
        return out

    def add_loss(self, losses, inputs=None):
        """Add a loss (a value, a zero-argument callable, or a symbolic tensor)."""
        for loss in losses if isinstance(losses, (list, tuple)) else [losses]:
            if loss is None:
                continue
            if callable(loss) or isinstance(loss, KerasTensor):
                self._added_losses.append(loss)
            else:
                self._call_losses.append(loss)

    # ------------------------------------------------------------------------- weights
    def add_weight(
        self,
        name=None,
        shape=None,
        dtype=None,
        initializer=None,
        regularizer=None,
        trainable=True,
        constraint=None,
        **kwargs,
    ):
        """Create a weight Variable named ``<layer>/<name>:0`` and track it."""
        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = np.dtype(dtype or self._dtype).name
        if initializer is None:
            initializer = "glorot_uniform" if np.dtype(dtype).kind == "f" else "zeros"
        init = initializers.get(initializer)
        value = np.asarray(init(shape, dtype=dtype), dtype=dtype)
        if value.shape != shape:
            value = np.broadcast_to(value, shape).copy()
        var = Variable(
            value,
            name=f"{self.name}/{name or 'Variable'}:0",
            dtype=dtype,
            trainable=trainable,
            constraint=constraints.get(constraint),
        )
        var.regularizer = regularizers.get(regularizer)
        (self._trainable_weights if trainable else self._non_trainable_weights).append(var)
        return var

    def get_weights(self):
        return [np.array(w.data) for w in self.weights]

    def set_weights(self, weights):
        """Set the weights from a list of arrays, checking count and shapes before any change."""
        params = self.weights
        weights = list(weights)
        if len(params) != len(weights):
            raise ValueError(
                f'You called `set_weights(weights)` on layer "{self.name}" with a weight list '
                f"of length {len(weights)}, but the layer was expecting {len(params)} weights. "
                f"Provided weights: {_summarize(weights)}"
            )
        arrays = []
        for p, w in zip(params, weights, strict=True):
            w = np.asarray(w)
            if w.shape != p.shape:
                raise ValueError(
                    f'Layer "{self.name}" weight shape {format_shape(p.shape)} is not compatible '
                    f"with provided weight shape {format_shape(w.shape)} (weight {p.name})."
                )
            arrays.append(w)
        for p, w in zip(params, arrays, strict=True):
            p.assign(w)

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer {self.name}, but the layer isn't "
                f"built. You can build it manually via: `{self.name}.build(batch_input_shape)`."
            )
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    # ------------------------------------------------------------------- build and call
    def build(self, input_shape):
        """Create the weights. Subclasses call ``super().build(input_shape)`` at the end."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return inputs

    def compute_output_shape(self, input_shape):
        """Output shape for ``input_shape``; by default found by running ``call`` on probes."""
        return NotImplemented

    def compute_mask(self, inputs, mask=None):
        return mask if self.supports_masking else None

    def _maybe_build(self, input_shapes):
        if self.built:
            return
        if self.input_spec is not None:
            check_input_spec(self.input_spec, nest.flatten_shapes(input_shapes), self.name)
        self.build(input_shapes)
        self.built = True
        if self._initial_weights is not None:
            weights, self._initial_weights = self._initial_weights, None
            self.set_weights(weights)

    def _check_inputs(self, input_shapes):
        if self.input_spec is not None:
            check_input_spec(self.input_spec, nest.flatten_shapes(input_shapes), self.name)

    def __call__(self, inputs, *args, **kwargs):
        flat = nest.flatten(inputs)
        if any(isinstance(x, KerasTensor) for x in flat):
            return self._symbolic_call(inputs, args, kwargs)
        with blas.compute():  # kviz's BLAS thread policy
            return self._eager_call(inputs, args, kwargs)

    def _cast_inputs(self, inputs):
        if type(inputs) is np.ndarray:  # the common case, without a closure
            d = inputs.dtype
            if d.kind == "f" and d is not cached_dtype(self._dtype) and d.name != self._dtype:
                return inputs.astype(self._dtype)
            return inputs

        def cast(x):
            if isinstance(x, Tensor):
                return x
            if is_device(x):  # a GPU array (kviz.kernels.device): cast there
                d = x.dtype
                return x.astype(self._dtype) if d.kind == "f" and d.name != self._dtype else x
            if not isinstance(x, np.ndarray):
                if x is None or isinstance(x, (str, bytes)):
                    return x
                x = np.asarray(x)
            if x.dtype.kind == "f" and x.dtype.name != self._dtype:
                return x.astype(self._dtype)
            return x

        if isinstance(inputs, (list, tuple, dict)):
            return nest.map_structure(cast, inputs)
        return cast(inputs)

    def _eager_call(self, inputs, args, kwargs):
        inputs = self._cast_inputs(inputs)
        if type(inputs) is np.ndarray or isinstance(inputs, Tensor):
            shapes = inputs.shape
        else:
            shapes = (
                nest.map_structure(shape_of, inputs) if not _is_leaf(inputs) else shape_of(inputs)
            )
        if not self.built:
            self._maybe_build(shapes)
        elif type(shapes) is tuple and type(self)._check_inputs in PURE_INPUT_CHECKS:
            # the check depends on input_spec and the shape only: skip it when both are the
            # ones that passed last time (graph execution calls every layer at every step)
            spec = self.input_spec
            passed = self.__dict__.get("_passed_input_check")
            if passed is None or passed[0] is not spec or passed[1] != shapes:
                self._check_inputs(shapes)
                self.__dict__["_passed_input_check"] = (spec, shapes)
        else:
            self._check_inputs(shapes)
        accepts_training, accepts_mask = _call_flags(type(self))
        if accepts_training and kwargs.get("training") is None and "training" not in kwargs:
            kwargs["training"] = bool(config.learning_phase())
        elif not accepts_training:
            kwargs.pop("training", None)
        if not accepts_mask:
            kwargs.pop("mask", None)
        if self._call_losses:
            self._call_losses = []
        outputs = self.call(inputs, *args, **kwargs)
        if self.activity_regularizer is not None:
            for o in nest.flatten(outputs):
                n = shape_of(o)[0] if shape_of(o) else 1
                from kviz import ops

                self._call_losses.append(ops.divide(self.activity_regularizer(o), float(n)))
        return outputs

    def _symbolic_call(self, inputs, args, kwargs):
        shapes = nest.map_structure(shape_of, inputs) if not _is_leaf(inputs) else shape_of(inputs)
        if not self.built:
            self._maybe_build(shapes)
        else:
            self._check_inputs(shapes)
        out_shape = self.compute_output_shape(shapes)
        if out_shape is NotImplemented:
            outputs = infer_symbolic(
                lambda *a, **k: self._eager_call(a[0], a[1:], dict(k)),
                (inputs, *args),
                {k: v for k, v in kwargs.items() if k not in ("training",)},
                self.name,
            )
        else:
            outputs = _make_outputs(out_shape, self._output_dtype(inputs), self.name)
        Node(self, (inputs, *args), kwargs, outputs)
        return outputs

    def _output_dtype(self, inputs):
        return self._dtype

    def _run_node(self, node, args, kwargs, ctx):
        inputs = args[0]
        accepts_training, accepts_mask = _call_flags(type(self))
        if accepts_training and kwargs.get("training") is None:
            kwargs = dict(kwargs, training=ctx.training)
        mask = None
        if ctx.masks and "mask" not in kwargs:
            masks = [ctx.masks.get(id(t)) for t in nest.flatten(node.call_inputs)]
            if any(m is not None for m in masks):
                mask = (
                    masks[0]
                    if _is_leaf(node.call_inputs)
                    else nest.pack_like(node.call_inputs, masks)
                )
                if accepts_mask:
                    kwargs = dict(kwargs, mask=mask)
        outputs = self._eager_call(inputs, args[1:], kwargs)
        out_mask = self.compute_mask(inputs, kwargs.get("mask", mask))
        return outputs, out_mask

    # ------------------------------------------------------------------ node accessors
    def _node_attr(self, index, attr, what):
        if not self._inbound_nodes:
            if what in ("input", "input shape"):
                raise AttributeError(f"Layer {self.name} is not connected, no input to return.")
            raise AttributeError(f"Layer {self.name} has no inbound nodes.")
        if not -len(self._inbound_nodes) <= index < len(self._inbound_nodes):
            raise ValueError(
                f"Asked to get {what} at node {index}, but the layer has only "
                f"{len(self._inbound_nodes)} inbound nodes."
            )
        return getattr(self._inbound_nodes[index], attr)

    def get_input_at(self, node_index):
        return self._node_attr(node_index, "call_inputs", "input")

    def get_output_at(self, node_index):
        return self._node_attr(node_index, "outputs", "output")

    def get_input_shape_at(self, node_index):
        return self._node_attr(node_index, "input_shapes", "input shape")

    def get_output_shape_at(self, node_index):
        return self._node_attr(node_index, "output_shapes", "output shape")

    def _single_node(self, attr, what):
        if len(self._inbound_nodes) > 1:
            raise AttributeError(
                f"Layer {self.name} has multiple inbound nodes, hence the notion of "
                f'"layer {what}" is ill-defined. Use `get_{what}_at(node_index)` instead.'
            )
        return self._node_attr(0, attr, what)

    @property
    def input(self):
        return self._single_node("call_inputs", "input")

    @property
    def output(self):
        return self._single_node("outputs", "output")

    def _shared_shape(self, attr, what):
        if not self._inbound_nodes:
            raise AttributeError(
                f"The layer {self.name} has never been called and thus has no defined {what}."
            )
        shapes = [getattr(n, attr) for n in self._inbound_nodes]
        if all(s == shapes[0] for s in shapes):
            return shapes[0]
        raise AttributeError(
            f'The layer "{self.name}" has multiple inbound nodes, with different '
            f'{what}s. Hence the notion of "{what}" is ill-defined for the layer. '
            f"Use `get_{what.replace(' ', '_')}_at(node_index)` instead."
        )

    @property
    def input_shape(self):
        return self._shared_shape("input_shapes", "input shape")

    @property
    def output_shape(self):
        return self._shared_shape("output_shapes", "output shape")

    @property
    def inbound_nodes(self):
        return self._inbound_nodes

    @property
    def outbound_nodes(self):
        return self._outbound_nodes

    # ------------------------------------------------------------------------- config
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "dtype": self._dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} name={self.name}>"


#: ``_check_inputs`` implementations that depend only on ``input_spec`` and the input shapes, so
#: that a passed check can be remembered (a subclass with its own check is always checked).
PURE_INPUT_CHECKS = {Layer._check_inputs}

_NP_DTYPES: dict = {}


def cached_dtype(name):
    """``np.dtype(name)``, memoized (a dtype from a name costs ~1 us; a dict lookup ~50 ns)."""
    d = _NP_DTYPES.get(name)
    if d is None:
        d = _NP_DTYPES[name] = np.dtype(name)
    return d


def _is_leaf(x):
    return not isinstance(x, (list, tuple, dict))


def _unique(items):
    seen, out = set(), []
    for w in items:
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out


def _summarize(weights):
    return (
        "["
        + ", ".join(f"array of shape {np.shape(w)}" for w in weights[:5])
        + (", ...]" if len(weights) > 5 else "]")
    )


def _make_outputs(shape, dtype, name):
    """KerasTensor(s) for an output shape: a tuple of dims, or a list of such tuples."""
    if isinstance(shape, list) and shape and isinstance(shape[0], (tuple, list)):
        return [KerasTensor(s, dtype, name=f"{name}/out:{i}") for i, s in enumerate(shape)]
    return KerasTensor(tuple(shape), dtype, name=f"{name}/out")


__all__ = ["InputSpec", "Layer"]
