"""``Sequential``: a linear stack of layers.

>>> import numpy as np
>>> from kviz.layers import Dense
>>> model = Sequential([Dense(8, activation='relu', input_shape=(4,)), Dense(2)])
>>> model.output_shape
(None, 2)
>>> model.predict(np.zeros((5, 4)), verbose=0).shape
(5, 2)
"""

from __future__ import annotations

import numpy as np

from kviz.graph import nest
from kviz.graph.keras_tensor import KerasTensor
from kviz.graph.naming import unique_name
from kviz.layers.base import Layer, shape_of
from kviz.layers.input_layer import InputLayer
from kviz.models.functional import Model


class Sequential(Model):
    def __init__(self, layers=None, name=None, **kwargs):
        super().__init__(name=name or unique_name("sequential"), **kwargs)
        object.__setattr__(self, "_stack", [])
        object.__setattr__(self, "_stack_outputs", [])
        self._input_layer = None
        self.built = False
        if layers is not None:
            if not isinstance(layers, (list, tuple)):
                layers = [layers]
            for layer in layers:
                self.add(layer)

    # ------------------------------------------------------------------------- layers
    @property
    def layers(self):
        return list(self._stack)

    def add(self, layer):
        """Append a layer; builds the graph as soon as the input shape is known."""
        if isinstance(layer, KerasTensor) and type(layer._keras_history[0]) is InputLayer:
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise TypeError(
                "The added layer must be an instance of class Layer. Received: "
                f"layer={layer!r} of type {type(layer)}."
            )
        if any(existing.name == layer.name for existing in self._stack):
            raise ValueError(
                "All layers added to a Sequential model should have unique names. Name "
                f'"{layer.name}" is already the name of a layer in this model. Update the '
                "`name` argument to pass a unique name."
            )
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError(
                    "An InputLayer can only be the first layer of a Sequential model; this model "
                    f"already has layers {[lyr.name for lyr in self._stack]}"
                )
            self._input_layer = layer
            self._rebuild()
            return
        if self.built and self.outputs:
            out = layer(self.outputs[0])
            if len(nest.flatten(out)) != 1:
                raise ValueError(
                    "All layers in a Sequential model should have a single output tensor. For "
                    "multi-output layers, use the functional API."
                )
            self._stack.append(layer)
            self._stack_outputs.append(out)
            self._init_graph_network(self.inputs[0], out)
            object.__setattr__(self, "_layers", list(self._stack))
            return
        self._stack.append(layer)
        self._layers.append(layer)
        try:
            self._rebuild()
        except Exception:
            self._stack.pop()
            self._layers.remove(layer)
            raise

    def pop(self):
        """Remove the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        if layer in self._layers:
            self._layers.remove(layer)
        if self.built and self._stack_outputs:
            self._stack_outputs.pop()
            out = self._stack_outputs[-1] if self._stack_outputs else self.inputs[0]
            if self._stack:
                self._init_graph_network(self.inputs[0], out)
                object.__setattr__(self, "_layers", list(self._stack))
            else:
                self._is_graph_network = False
                self.outputs = None
                self.built = self._input_layer is not None
        return layer

    def _batch_shape_hint(self):
        if self._input_layer is not None:
            return self._input_layer._batch_input_shape, self._input_layer.dtype
        if self._stack:
            first = self._stack[0]
            shape = getattr(first, "_batch_input_shape", None)
            if shape is not None:
                return shape, first.dtype
            if getattr(first, "_is_graph_network", False) and len(first.inputs) == 1:
                return first.inputs[0].shape, first.inputs[0].dtype
        return None, None

    def _rebuild(self, batch_shape=None, dtype=None):
        """Create the graph network from the input layer through every stacked layer."""
        if batch_shape is None:
            batch_shape, dtype = self._batch_shape_hint()
        if batch_shape is None:
            self._is_graph_network = False
            self.built = False
            self.outputs = None
            return
        if self._input_layer is None or self._input_layer._batch_input_shape != tuple(batch_shape):
            name = f"{self._stack[0].name}_input" if self._stack else unique_name("input", False)
            self._input_layer = InputLayer(
                batch_input_shape=tuple(batch_shape),
                dtype=_input_dtype(self._stack, dtype),
                name=name,
            )
        x = self._input_layer._inbound_nodes[0].outputs
        inputs = x
        outputs = []
        for layer in self._stack:
            x = layer(x)
            if len(nest.flatten(x)) != 1:
                raise ValueError(
                    "All layers in a Sequential model should have a single output tensor. For "
                    "multi-output layers, use the functional API."
                )
            outputs.append(x)
        object.__setattr__(self, "_stack_outputs", outputs)
        if not self._stack:
            self.built = True
            self.inputs = [inputs]
            self.outputs = None
            return
        self._init_graph_network(inputs, x)
        object.__setattr__(self, "_layers", list(self._stack))

    def build(self, input_shape=None):
        """Build the model for ``input_shape`` (with the batch axis, e.g. ``(None, 7)``)."""
        if input_shape is None:
            if self.built:
                return
            raise ValueError("You must provide an `input_shape` argument.")
        if (
            isinstance(input_shape, list)
            and input_shape
            and isinstance(input_shape[0], (tuple, list))
        ):
            input_shape = input_shape[0]
        self._rebuild(tuple(input_shape), None)

    def _eager_call(self, inputs, args, kwargs):
        if not self.built:
            if isinstance(inputs, (list, tuple)) and len(inputs) == 1:
                inputs = inputs[0]
            arr = inputs if hasattr(inputs, "shape") else np.asarray(inputs)
            self._rebuild((None,) + tuple(shape_of(arr))[1:], getattr(arr, "dtype", None))
        return super()._eager_call(inputs, args, kwargs)

    def _symbolic_call(self, inputs, args, kwargs):
        if not self.built:
            self._rebuild(tuple(shape_of(inputs)), inputs.dtype)
        return super()._symbolic_call(inputs, args, kwargs)

    def _feed_dict(self, inputs):
        if isinstance(inputs, (list, tuple)) and len(inputs) == 1:
            inputs = inputs[0]
        return {id(self.inputs[0]): inputs}

    @property
    def weights(self):
        if not self.built:
            raise ValueError(
                f"Weights for model '{self.name}' have not yet been created. Weights are created "
                "when the model is first called on inputs or `build()` is called with an "
                "`input_shape`."
            )
        return super().weights

    # ------------------------------------------------------------------------- config
    def get_config(self):
        layers = []
        if self._input_layer is not None and self.built:
            layers.append({"class_name": "InputLayer", "config": self._input_layer.get_config()})
        from kviz.models.graph_config import serialize_layer

        for layer in self._stack:
            layers.append(serialize_layer(layer))
        return {"name": self.name, "layers": layers}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kviz.models.graph_config import deserialize_layer

        if isinstance(config, list):  # Keras <= 2.1: a bare list of layer configs
            config = {"layers": config}
        model = cls(name=config.get("name"))
        for layer_config in config["layers"]:
            model.add(deserialize_layer(layer_config, custom_objects))
        if not model.built and config.get("build_input_shape"):
            model.build(config["build_input_shape"])
        return model

    # ------------------------------------------------------------------- legacy K2.2 API
    def predict_classes(self, x, batch_size=32, verbose=0):
        """Keras 2.2's class predictions: argmax, or ``> 0.5`` for one sigmoid unit."""
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def predict_proba(self, x, batch_size=32, verbose=0):
        """Keras 2.2's ``predict_proba``: the predictions, warning if outside [0, 1]."""
        preds = self.predict(x, batch_size=batch_size, verbose=verbose)
        if preds.min() < 0.0 or preds.max() > 1.0:
            import warnings

            warnings.warn(
                "Network returning invalid probability values. The last layer might not "
                "normalize predictions into probabilities (like softmax or sigmoid would).",
                stacklevel=2,
            )
        return preds


def _input_dtype(stack, dtype):
    if dtype is not None and np.dtype(dtype).kind in "iu":
        return np.dtype(dtype).name
    if stack and type(stack[0]).__name__ == "Embedding":
        return "float32"
    return "float32" if dtype is None or np.dtype(dtype).kind != "f" else np.dtype(dtype).name
