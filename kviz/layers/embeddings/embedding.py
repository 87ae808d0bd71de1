"""``Embedding``: turn integer ids into dense vectors (rows of an ``(input_dim, output_dim)``
matrix).

The lookup is a gather, so its gradient scatter-adds into the rows that were used. Float
inputs holding integers are accepted (cast to int32, as tf.keras does); ids outside
``[0, input_dim)`` raise a ValueError. ``mask_zero=True`` masks id 0 for downstream layers.
Keras 1's ``init``, ``W_regularizer`` and ``W_constraint`` are accepted.

>>> import numpy as np
>>> layer = Embedding(10, 3, input_length=4)
>>> layer(np.array([[1, 2, 3, 4]])).shape
(1, 4, 3)
>>> Embedding(10, 3, mask_zero=True).compute_mask(np.array([[0, 2]]))
array([[False,  True]])
"""

from __future__ import annotations

import numpy as np

from kviz import constraints, initializers, ops, regularizers
from kviz.autodiff.tensor import unwrap
from kviz.layers.base import Layer
from kviz.layers.input_spec import InputSpec
from kviz.layers.legacy import convert_legacy_kwargs

_LEGACY = {
    "init": "embeddings_initializer",
    "W_regularizer": "embeddings_regularizer",
    "W_constraint": "embeddings_constraint",
}


class Embedding(Layer):
    def __init__(
        self,
        input_dim=None,
        output_dim=None,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        activity_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        input_length=None,
        **kwargs,
    ):
        if "dropout" in kwargs:
            raise TypeError(
                "Embedding: the Keras 1 argument `dropout` was removed in Keras 2. Apply a "
                "`SpatialDropout1D` layer right after the `Embedding` layer to get the same "
                "behaviour."
            )
        kwargs = convert_legacy_kwargs("Embedding", kwargs, _LEGACY)
        embeddings_initializer = kwargs.pop("embeddings_initializer", embeddings_initializer)
        embeddings_regularizer = kwargs.pop("embeddings_regularizer", embeddings_regularizer)
        embeddings_constraint = kwargs.pop("embeddings_constraint", embeddings_constraint)
        if input_dim is None or output_dim is None:
            missing = "input_dim" if input_dim is None else "output_dim"
            raise TypeError(f"Embedding() missing 1 required positional argument: '{missing}'")
        if not any(k in kwargs for k in ("input_shape", "batch_input_shape")):
            if input_length:
                lens = input_length if isinstance(input_length, (list, tuple)) else [input_length]
                kwargs["input_shape"] = tuple(lens)
            else:
                kwargs["input_shape"] = (None,)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        try:
            input_dim, output_dim = int(input_dim), int(output_dim)
        except (TypeError, ValueError):
            raise TypeError(
                "Embedding `input_dim` and `output_dim` must be integers; received "
                f"input_dim={input_dim!r}, output_dim={output_dim!r}"
            ) from None
        if input_dim <= 0 or output_dim <= 0:
            raise ValueError(
                "Both `input_dim` and `output_dim` should be positive, Received input_dim = "
                f"{input_dim} and output_dim = {output_dim}"
            )
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.input_length = input_length
        self.input_spec = InputSpec(min_ndim=1, dtype="int32")

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(
            "embeddings",
            (self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )
        self.built = True

    def _ids(self, inputs):
        """The inputs as an int32 array, checked to lie in ``[0, input_dim)``."""
        ids = np.asarray(unwrap(inputs))
        if ids.dtype.kind not in "iu":
            if ids.dtype.kind not in "fb":
                raise TypeError(
                    f'Layer "{self.name}" expects integer ids; received an array of dtype '
                    f"{ids.dtype}"
                )
            ids = ids.astype("int32")
        if ids.size:
            bad = (ids < 0) | (ids >= self.input_dim)
            if bad.any():
                where = tuple(int(i) for i in np.argwhere(bad)[0])
                value = ids[where]
                raise ValueError(
                    f'Layer "{self.name}": input id {value} at index {list(where)} is out of '
                    f"range: ids must be in [0, {self.input_dim}) because input_dim="
                    f"{self.input_dim}. Make input_dim the vocabulary size + 1 (largest id + 1)."
                )
        return ids

    def call(self, inputs):
        return ops.gather(self.embeddings, self._ids(inputs))

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(unwrap(inputs), 0)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.input_length is None:
            return input_shape + (self.output_dim,)
        lens = (
            list(self.input_length)
            if isinstance(self.input_length, (list, tuple))
            else [self.input_length]
        )
        if len(lens) != len(input_shape) - 1:
            raise ValueError(
                f'"input_length" is {self.input_length}, but received input has shape {input_shape}'
            )
        for i, (s1, s2) in enumerate(zip(lens, input_shape[1:], strict=True)):
            if s1 is not None and s2 is not None and s1 != s2:
                raise ValueError(
                    f'"input_length" is {self.input_length}, but received input has shape '
                    f"{input_shape}"
                )
            if s1 is None:
                lens[i] = s2
        return (input_shape[0],) + tuple(lens) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero,
                "input_length": self.input_length,
            }
        )
        return config
