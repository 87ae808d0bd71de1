"""``InputLayer`` and ``Input()``: the entry points of a functional model.

>>> from kviz.layers import Input
>>> x = Input(shape=(784,))
>>> x.shape
(None, 784)
"""

from __future__ import annotations

from kviz import config
from kviz.graph.keras_tensor import KerasTensor
from kviz.graph.naming import unique_name
from kviz.graph.node import Node
from kviz.layers.base import Layer


class InputLayer(Layer):
    """A layer with no inputs whose output is the model's input tensor."""

    def __init__(
        self,
        input_shape=None,
        batch_size=None,
        dtype=None,
        input_tensor=None,
        sparse=False,
        name=None,
        ragged=False,
        batch_input_shape=None,
        **kwargs,
    ):
        if "batch_shape" in kwargs:  # Keras 3 spelling
            batch_input_shape = kwargs.pop("batch_shape")
        if "input_dtype" in kwargs:  # Keras 1 spelling
            dtype = kwargs.pop("input_dtype")
        kwargs.pop("trainable", None)
        name = name or unique_name("input", zero_based=False)
        if input_tensor is not None and input_tensor._keras_history is not None:
            raise ValueError("InputLayer's `input_tensor` must be a fresh placeholder")
        if batch_input_shape is None:
            if input_shape is None:
                if input_tensor is not None:
                    batch_input_shape = input_tensor.shape
                else:
                    raise ValueError(
                        "An InputLayer needs `input_shape` (or `batch_input_shape`); received "
                        "neither. Example: Input(shape=(784,))"
                    )
            else:
                if isinstance(input_shape, int):
                    input_shape = (input_shape,)
                batch_input_shape = (batch_size,) + tuple(input_shape)
        batch_input_shape = tuple(None if d is None else int(d) for d in batch_input_shape)
        dtype = dtype or config.floatx()
        super().__init__(name=name, dtype=dtype, **kwargs)
        self._batch_input_shape = batch_input_shape
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self.built = True
        self.is_placeholder = True
        tensor = input_tensor or KerasTensor(batch_input_shape, dtype, name=name, sparse=sparse)
        tensor.name = name
        Node(self, (), {}, tensor)

    def _run_node(self, node, args, kwargs, ctx):
        raise ValueError(
            f"Graph disconnected: cannot obtain value for tensor {node.outputs.name} at layer "
            f'"{self.name}": this input was not given.'
        )

    @property
    def input(self):
        return self._inbound_nodes[0].outputs

    @property
    def input_shape(self):
        return self._batch_input_shape

    @property
    def output_shape(self):
        return self._batch_input_shape

    def get_config(self):
        return {
            "batch_input_shape": self._batch_input_shape,
            "dtype": self._dtype,
            "sparse": self.sparse,
            "ragged": self.ragged,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        # tf-keras >= 2.13 writes 'optional' (a Keras 3 flag for inputs that may be None);
        # kviz inputs are always required, so the flag is read and dropped.
        config = {k: v for k, v in config.items() if k != "optional"}
        return cls(**config)


def Input(  # noqa: N802 - Keras name
    shape=None,
    batch_size=None,
    name=None,
    dtype=None,
    sparse=False,
    tensor=None,
    ragged=False,
    batch_shape=None,
    **kwargs,
):
    """Create a symbolic input tensor. ``shape`` excludes the batch axis.

    Keras 1's ``Input(input_dtype=...)`` spelling is accepted.
    """
    if "input_dtype" in kwargs:
        dtype = kwargs.pop("input_dtype")
    if "batch_input_shape" in kwargs:
        batch_shape = kwargs.pop("batch_input_shape")
    if kwargs:
        raise TypeError(f"Input() got unexpected keyword arguments: {sorted(kwargs)}")
    if shape is None and batch_shape is None and tensor is None:
        raise ValueError(
            "Please provide to Input a `shape` or a `batch_shape` argument. Note that `shape` "
            "does not include the batch dimension."
        )
    layer = InputLayer(
        input_shape=shape,
        batch_size=batch_size,
        name=name,
        dtype=dtype,
        sparse=sparse,
        input_tensor=tensor,
        ragged=ragged,
        batch_input_shape=batch_shape,
    )
    return layer._inbound_nodes[0].outputs
