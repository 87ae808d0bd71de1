"""``Model``: functional models (``Model(inputs, outputs)``) and subclassed models.

>>> import numpy as np
>>> from kviz.layers import Input, Dense
>>> inputs = Input(shape=(4,))
>>> hidden = Dense(8, activation='relu')(inputs)
>>> outputs = Dense(2, activation='softmax')(hidden)
>>> model = Model(inputs=inputs, outputs=outputs)
>>> model.predict(np.zeros((3, 4)), verbose=0).shape
(3, 2)
>>> [layer.name for layer in model.layers]
['input_1', 'dense', 'dense_1']
"""

from __future__ import annotations

import numpy as np

from kviz import config
from kviz.autodiff.tensor import Tensor
from kviz.engine.training import TrainingMixin
from kviz.graph import execution, nest
from kviz.graph.keras_tensor import KerasTensor
from kviz.graph.naming import to_snake_case, unique_name
from kviz.layers.base import PURE_INPUT_CHECKS, Layer, cached_dtype, shape_of
from kviz.layers.input_spec import InputSpec, check_input_spec
from kviz.models import hooks
from kviz.models import summary as summary_lib
from kviz.models.network import map_graph_network, normalize_io

_MODEL_KWARGS = {"name", "trainable", "dtype", "dynamic"}


class Model(TrainingMixin, Layer):
    """A model: layers grouped into an object with training and inference features.

    Functional: ``Model(inputs=..., outputs=...)`` (Keras 1: ``Model(input=..., output=...)``).
    Subclassed: define layers in ``__init__`` and the forward pass in ``call``.
    """

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", None)
        outputs = kwargs.pop("outputs", None)
        if "input" in kwargs:  # Keras 1 spelling
            inputs = kwargs.pop("input")
        if "output" in kwargs:
            outputs = kwargs.pop("output")
        if args:
            if len(args) > 2:
                raise TypeError(f"Model() takes inputs and outputs; received {len(args)} arguments")
            inputs = args[0]
            if len(args) == 2:
                outputs = args[1]
        unknown = set(kwargs) - _MODEL_KWARGS
        if unknown:
            raise TypeError("Keyword argument not understood:", sorted(unknown)[0])
        self._is_graph_network = False
        name = kwargs.pop("name", None)
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError(
                    "A functional Model needs both `inputs` and `outputs`; received "
                    f"inputs={inputs!r}, outputs={outputs!r}"
                )
            super().__init__(name=name or unique_name("model"), **kwargs)
            self._init_graph_network(inputs, outputs)
        else:
            prefix = "model" if type(self) is Model else to_snake_case(type(self).__name__)
            super().__init__(name=name or unique_name(prefix), **kwargs)
        self.compiled = False

    # ------------------------------------------------------------------- graph network
    def _init_graph_network(self, inputs, outputs):
        if isinstance(inputs, dict):
            self._nested_inputs = dict(inputs)
        elif isinstance(inputs, (list, tuple)):
            self._nested_inputs = list(inputs)
        else:
            self._nested_inputs = inputs
        self._nested_outputs = list(outputs) if isinstance(outputs, tuple) else outputs
        self.inputs = normalize_io(self._nested_inputs, "input")
        self.outputs = normalize_io(self._nested_outputs, "output")
        if len({id(t) for t in self.inputs}) != len(self.inputs):
            raise ValueError(
                "The list of inputs passed to the model contains the same input more than once: "
                f"{[t.name for t in self.inputs]}"
            )
        run_order, nodes_by_depth, layers, _ = map_graph_network(self.inputs, self.outputs)
        self._run_order = run_order
        self._nodes_by_depth = nodes_by_depth
        self._network_nodes = {id(n) for nodes in nodes_by_depth.values() for n in nodes}
        object.__setattr__(self, "_graph_layers", layers)
        object.__setattr__(self, "_layers", [lyr for lyr in layers if isinstance(lyr, Layer)])
        self._is_graph_network = True
        self.input_names = [t._keras_history[0].name for t in self.inputs]
        self.output_names = [t._keras_history[0].name for t in self.outputs]
        self._input_layers = [t._keras_history[0] for t in self.inputs]
        self._output_layers = [t._keras_history[0] for t in self.outputs]
        self.input_spec = [InputSpec(shape=t.shape, ndim=len(t.shape)) for t in self.inputs]
        self.built = True

    @property
    def layers(self):
        if self._is_graph_network:
            return list(self._graph_layers)
        return list(self._layers)

    @property
    def input(self):
        if self._is_graph_network:
            return self.inputs[0] if len(self.inputs) == 1 else list(self.inputs)
        return super().input

    @property
    def output(self):
        if self._is_graph_network:
            return self.outputs[0] if len(self.outputs) == 1 else list(self.outputs)
        return super().output

    @property
    def input_shape(self):
        if self._is_graph_network:
            shapes = [t.shape for t in self.inputs]
            return shapes[0] if len(shapes) == 1 else shapes
        return super().input_shape

    @property
    def output_shape(self):
        if self._is_graph_network:
            shapes = [t.shape for t in self.outputs]
            return shapes[0] if len(shapes) == 1 else shapes
        return super().output_shape

    def get_layer(self, name=None, index=None):
        """A layer by ``name`` or by position ``index`` in ``model.layers``."""
        layers = self.layers
        if index is not None and name is not None:
            raise ValueError(
                f"Provide only a layer name or a layer index. Received: index={index}, name={name}."
            )
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has "
                    f"{len(layers)} layers."
                )
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"No such layer: {name}. Existing layers are: {[lyr.name for lyr in layers]}."
            )
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    # -------------------------------------------------------------------------- calling
    def call(self, inputs, training=None, mask=None):
        if not self._is_graph_network:
            raise NotImplementedError(
                f"Model {self.name} has no graph: a subclassed Model must define `call()`."
            )
        return self._run_graph(inputs, training=training, mask=mask)

    def _feed_dict(self, inputs):
        """Map the user's inputs (array, list, or dict by input name) onto input tensors."""
        if isinstance(inputs, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise ValueError(
                    f"Missing data for input {missing[0]!r}. You passed a data dictionary with "
                    f"keys {sorted(inputs)}. Expected the following keys: {self.input_names}"
                )
            values = [inputs[n] for n in self.input_names]
        elif isinstance(inputs, (list, tuple)) and len(self.inputs) > 1:
            values = list(inputs)
        elif isinstance(inputs, (list, tuple)) and len(inputs) == 1 and len(self.inputs) == 1:
            values = [inputs[0]]
        else:
            values = [inputs]
        if len(values) != len(self.inputs):
            raise ValueError(
                f'Layer "{self.name}" expects {len(self.inputs)} input(s), but it received '
                f"{len(values)} input tensors."
            )
        return {id(t): v for t, v in zip(self.inputs, values, strict=True)}

    def _run_graph(self, inputs, training=None, mask=None):
        ctx = execution.ExecutionContext(training)
        ctx.values.update(self._feed_dict(inputs))
        if mask is not None:
            for t, m in zip(self.inputs, nest.flatten(mask), strict=False):
                if m is not None:
                    ctx.masks[id(t)] = m
        execution.run_nodes(self._run_order, ctx)
        self._last_output_masks = [ctx.masks.get(id(t)) for t in self.outputs]
        if isinstance(self._nested_outputs, KerasTensor):
            # not through nest.map_structure: its recursive closure makes a reference cycle that
            # keeps the output (and, in a tape, every activation behind it) alive until the
            # garbage collector runs
            return ctx.values[id(self._nested_outputs)]
        return nest.map_structure(lambda t: ctx.values[id(t)], self._nested_outputs)

    def compute_mask(self, inputs, mask=None):
        if not self._is_graph_network:
            return None
        masks = getattr(self, "_last_output_masks", None)
        if not masks or all(m is None for m in masks):
            return None
        return masks[0] if len(masks) == 1 else masks

    def _check_inputs(self, input_shapes):
        if self._is_graph_network:
            if isinstance(input_shapes, dict):
                input_shapes = [input_shapes.get(n) for n in self.input_names]
            shapes = nest.flatten_shapes(input_shapes)
            if len(shapes) == len(self.inputs):
                check_input_spec(self.input_spec, shapes, self.name)

    def _cast_inputs(self, inputs):
        if not self._is_graph_network:
            return super()._cast_inputs(inputs)
        if isinstance(inputs, dict):
            return {k: self._cast_one(v, None) for k, v in inputs.items()}
        if isinstance(inputs, (list, tuple)):
            return [
                self._cast_one(v, t)
                for v, t in zip(inputs, self.inputs + [None] * len(inputs), strict=False)
            ]
        return self._cast_one(inputs, self.inputs[0])

    @staticmethod
    def _cast_one(x, tensor):
        if isinstance(x, (Tensor, KerasTensor)):
            return x
        x = np.asarray(x)
        if tensor is None:
            return x
        d = x.dtype
        if d is not cached_dtype(tensor.dtype) and d.name != tensor.dtype:
            if d.kind in "fiub" and np.dtype(tensor.dtype).kind in "fiub":
                return x.astype(tensor.dtype)
        return x

    def build(self, input_shape):
        """Build a subclassed model by calling it on zeros of ``input_shape`` (None -> 1)."""
        if self._is_graph_network:
            self.built = True
            return
        if input_shape is None:
            raise ValueError("Input shape must be defined when calling build() on a Model.")
        shapes = nest.flatten_shapes(input_shape)

        def zeros(s):
            return np.zeros(tuple(1 if d is None else d for d in s), dtype=config.floatx())

        if len(shapes) == 1:
            x = zeros(shapes[0])
        else:
            x = [zeros(s) for s in shapes]
        self.built = True
        self._build_input_shape = input_shape
        self._eager_call(x, (), {})

    def _maybe_build(self, input_shapes):
        if self._is_graph_network or self.built:
            return
        self._build_input_shape = input_shapes
        self.built = True  # weights are created by the sublayers as call runs

    # ------------------------------------------------------------------------ inference
    def _predict_batch(self, x, prepared=False):
        """Outputs for one batch. ``prepared``: ``x`` was checked against the inputs and cast by
        ``predict`` already, so a plain functional model runs its graph directly."""
        if prepared and self._direct_graph():
            out = self._run_graph(x, training=False)
        else:
            out = self(x, training=False)
        if not isinstance(out, (list, tuple, dict)):
            return np.asarray(out.data if isinstance(out, Tensor) else out)
        return nest.map_structure(lambda v: np.asarray(v.data if isinstance(v, Tensor) else v), out)

    def _direct_graph(self):
        """True when calling this model means running its graph and nothing else (no override
        of the call path in a subclass, no activity regularizer on the model itself)."""
        if not self._is_graph_network or self.activity_regularizer is not None:
            return False
        cls = type(self)
        ok = _DIRECT_GRAPH.get(cls)
        if ok is None:
            ok = all(
                getattr(cls, n) is getattr(Model, n)
                for n in ("__call__", "call", "_run_graph", "_check_inputs", "_cast_inputs")
            ) and cls._eager_call.__module__ in ("kviz.layers.base", "kviz.models.sequential")
            _DIRECT_GRAPH[cls] = ok
        return ok

    def predict_on_batch(self, x):
        return self._predict_batch(x)

    def __call__(self, inputs, *args, **kwargs):
        if kwargs.get("training") is None:
            kwargs.pop("training", None)
        return super().__call__(inputs, *args, **kwargs)

    # ----------------------------------------------------------------------- reporting
    def summary(
        self,
        line_length=None,
        positions=None,
        print_fn=None,
        expand_nested=False,
        show_trainable=False,
        layer_range=None,
    ):
        """Print a table of the layers, output shapes and parameter counts (tf.keras format)."""
        if not self.built:
            raise ValueError(
                "This model has not yet been built. Build the model first by calling `build()` "
                "or by calling the model on a batch of data."
            )
        summary_lib.print_summary(
            self,
            line_length=line_length,
            positions=positions,
            print_fn=print_fn,
            expand_nested=expand_nested,
            show_trainable=show_trainable,
            layer_range=layer_range,
        )

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer {self.name}, but the layer isn't "
                f"built. You can build it manually via: `{self.name}.build(batch_input_shape)`."
            )
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    # --------------------------------------------------------------------- serialization
    def get_config(self):
        if not self._is_graph_network:
            raise NotImplementedError(
                f"Model {self.name} is a subclassed model: it has no graph configuration. "
                "Override get_config() to make it serializable, or use save_weights()."
            )
        from kviz.models.graph_config import functional_config

        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kviz.models.graph_config import functional_from_config

        return functional_from_config(cls, config, custom_objects)

    def to_json(self, **kwargs):
        """The architecture as Keras-2 JSON (``{"class_name", "config", "keras_version", "backend"}``)."""
        import json

        from kviz.models.graph_config import model_to_dict

        return json.dumps(model_to_dict(self), default=_json_default, **kwargs)

    def to_yaml(self, **kwargs):
        """The architecture as YAML (Keras 2.2): the same structure as :meth:`to_json`, written
        with PyYAML's safe dumper (plain mappings, lists, strings and numbers only), so that
        :func:`kviz.models.model_from_yaml` reads it back with ``yaml.safe_load``. ``kwargs``
        go to ``yaml.safe_dump`` (``default_flow_style``, ``indent``...).

        >>> from kviz.layers import Dense
        >>> from kviz.models import Sequential, model_from_yaml
        >>> model = Sequential([Dense(2, input_shape=(3,), name='d')])
        >>> text = model.to_yaml()
        >>> text.splitlines()[0], model_from_yaml(text).layers[0].name
        ('backend: tensorflow', 'd')
        """
        import json

        from kviz.models.graph_config import import_yaml

        yaml = import_yaml("model.to_yaml()")
        return yaml.safe_dump(json.loads(self.to_json()), **kwargs)

    def get_weights(self):
        return [np.array(w.data) for w in self.weights]

    # ------------------------------------------------------------------------ saving
    # The implementations live in kviz.saving (a higher level), registered in models.hooks.
    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None, **kwargs):
        """Save the model: ``.h5``/``.hdf5`` Keras-2 HDF5 (architecture, weights, training
        config, optimizer state), ``.keras`` Keras-3 zip. See :func:`kviz.saving.save_model`."""
        hooks.saving_function("save_model")(
            self,
            filepath,
            overwrite=overwrite,
            include_optimizer=include_optimizer,
            save_format=save_format,
            **kwargs,
        )

    def save_weights(self, filepath, overwrite=True, save_format=None, **kwargs):
        """Save the weights only: ``.h5`` Keras-2 layout, ``.weights.h5`` Keras-3 layout."""
        hooks.saving_function("save_weights")(
            self, filepath, overwrite=overwrite, save_format=save_format, **kwargs
        )

    def load_weights(self, filepath, by_name=False, skip_mismatch=False, **kwargs):
        """Load weights saved by :meth:`save_weights` or :meth:`save` (kviz or Keras files)."""
        return hooks.saving_function("load_weights")(
            self, filepath, by_name=by_name, skip_mismatch=skip_mismatch, **kwargs
        )

    @property
    def stateful(self):
        """Whether any layer is stateful, nested models included (tf.keras)."""
        return self.__dict__.get("_stateful", False) or any(
            getattr(layer, "stateful", False) for layer in self.layers
        )

    @stateful.setter
    def stateful(self, value):
        object.__setattr__(self, "_stateful", bool(value))

    def _symbolic_call(self, inputs, args, kwargs):
        # A nested model's output shape is found by running its graph on probe values; the
        # states of its stateful layers must not keep what that run left in them.
        if not self.built or not self.stateful:
            return super()._symbolic_call(inputs, args, kwargs)
        saved = [
            (
                layer,
                layer._states,
                None if layer._states is None else [v.numpy().copy() for v in layer._states],
            )
            for layer in _layers_with_states(self)
        ]
        try:
            return super()._symbolic_call(inputs, args, kwargs)
        finally:
            for layer, variables, values in saved:
                if variables is None:
                    layer._states = None
                else:
                    for var, value in zip(variables, values, strict=True):
                        var.assign(value)
                    layer._states = variables

    def reset_states(self):
        """Reset the states of every stateful layer, in nested models too.

        >>> from kviz.layers import SimpleRNN
        >>> from kviz.models import Sequential
        >>> inner = Sequential([SimpleRNN(2, stateful=True, batch_input_shape=(1, 3, 1))])
        >>> outer = Sequential([inner])
        >>> _ = outer.predict(np.ones((1, 3, 1)))
        >>> float(np.abs(inner.layers[0].states[0].numpy()).sum()) > 0
        True
        >>> outer.reset_states()
        >>> float(np.abs(inner.layers[0].states[0].numpy()).sum())
        0.0
        """
        for layer in self.layers:
            if hasattr(layer, "reset_states") and getattr(layer, "stateful", False):
                layer.reset_states()


def _layers_with_states(model):
    """Every stateful layer holding ``_states`` (recurrent layers) under ``model``, at any depth."""
    found, seen, stack = [], set(), list(model.layers)
    while stack:
        layer = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        if "_states" in layer.__dict__ and getattr(layer, "stateful", False):
            found.append(layer)
        stack.extend(layer.__dict__.get("_layers", ()))
        if isinstance(layer, Model):
            stack.extend(layer.layers)
    return found


PURE_INPUT_CHECKS.add(Model._check_inputs)
_DIRECT_GRAPH: dict = {}


def _json_default(obj):
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.dtype):
        return obj.name
    if isinstance(obj, tuple):
        return list(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable: {obj!r}")


Functional = Model

__all__ = ["Functional", "Model", "shape_of"]
