"""``Lambda``: wrap any expression of K/ops functions as a layer.

>>> import numpy as np
>>> from kviz import backend as K
>>> layer = Lambda(lambda x: K.square(x))
>>> layer(np.array([[2.]], 'float32'))
array([[4.]], dtype=float32)

In configs a Python ``lambda`` is stored as marshalled bytecode (as Keras does); loading it
back needs ``safe_mode=False`` because bytecode can run arbitrary code.
"""

from __future__ import annotations

import base64
import inspect
import marshal
import sys
import types

from kviz import registry
from kviz.layers.base import Layer


def func_dump(func):
    """``(base64 bytecode, defaults, closure)`` of a function, as Keras's ``func_dump``."""
    code = marshal.dumps(func.__code__)
    raw = base64.b64encode(code).decode("ascii")
    closure = tuple(c.cell_contents for c in func.__closure__) if func.__closure__ else None
    return raw, func.__defaults__, closure


def func_load(code, defaults=None, closure=None, globs=None):
    if isinstance(code, (tuple, list)):
        code, defaults, closure = code[0], code[1], code[2] if len(code) > 2 else None
    if isinstance(defaults, list):
        defaults = tuple(defaults)

    def cell(value):
        return (lambda: value).__closure__[0]

    raw = base64.b64decode(code.encode("ascii"))
    try:
        code_obj = marshal.loads(raw)
    except (ValueError, EOFError, TypeError) as e:
        raise ValueError(
            "Cannot load the Lambda layer's function: its bytecode was written by another "
            f"Python version ({e}). Recreate the Lambda layer in code and load only the weights."
        ) from None
    if closure is not None:
        closure = tuple(cell(c) for c in closure)
    return types.FunctionType(
        code_obj, globs or globals(), name=code_obj.co_name, argdefs=defaults, closure=closure
    )


class Lambda(Layer):
    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda needs a callable `function`; received {function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        params = inspect.signature(function).parameters
        self._fn_takes_mask = "mask" in params
        self._fn_takes_training = "training" in params

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return NotImplemented
        if callable(self._output_shape):
            shape = self._output_shape(input_shape)
            return shape if isinstance(shape, list) else tuple(shape)
        first = input_shape[0] if isinstance(input_shape, list) else input_shape
        return (first[0],) + tuple(self._output_shape)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self):
        config = super().get_config()
        fn, fn_type, module = _serialize_callable(self.function)
        config.update({"function": fn, "function_type": fn_type, "module": module})
        if self._output_shape is None:
            config.update(
                {"output_shape": None, "output_shape_type": "raw", "output_shape_module": None}
            )
        else:
            shape, shape_type, shape_module = _serialize_callable(self._output_shape)
            config.update(
                {
                    "output_shape": shape,
                    "output_shape_type": shape_type,
                    "output_shape_module": shape_module,
                }
            )
        if self.mask is not None and not callable(self.mask):
            config["mask"] = self.mask
        config["arguments"] = self.arguments
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        function = _deserialize_callable(
            config.pop("function"),
            config.pop("function_type", "function"),
            config.pop("module", None),
            custom_objects,
        )
        output_shape = config.pop("output_shape", None)
        shape_type = config.pop("output_shape_type", "raw")
        shape_module = config.pop("output_shape_module", None)
        if output_shape is not None:
            output_shape = _deserialize_callable(
                output_shape, shape_type, shape_module, custom_objects
            )
        return cls(function, output_shape=output_shape, **config)


def _serialize_callable(obj):
    if isinstance(obj, types.LambdaType) and obj.__name__ == "<lambda>":
        return func_dump(obj), "lambda", obj.__module__
    if callable(obj):
        return obj.__name__, "function", obj.__module__
    return (list(obj) if isinstance(obj, tuple) else obj), "raw", None


def _deserialize_callable(value, kind, module, custom_objects):
    if kind == "raw":
        return tuple(value) if isinstance(value, list) else value
    if kind == "lambda":
        if registry.in_safe_mode():
            raise ValueError(
                "Requested the deserialization of a Lambda layer with a Python `lambda` inside "
                "it. This carries a potential risk of arbitrary code execution and thus it is "
                "disallowed by default. If you trust the source of the saved model, you can "
                "pass `safe_mode=False` to the loading function in order to allow Lambda layer "
                "loading."
            )
        globs = dict(vars(sys.modules[module])) if module in sys.modules else {}
        if custom_objects:
            globs.update(custom_objects)
        return func_load(value, globs=globs)
    found = registry.lookup(value, {}, custom_objects)
    if found is None and module in sys.modules:
        found = getattr(sys.modules[module], value, None)
    if found is None:
        raise ValueError(
            f"Unknown function in a Lambda layer: '{value}' (module {module!r}). Pass it in "
            "`custom_objects` when loading."
        )
    return found
