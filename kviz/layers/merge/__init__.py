"""Merge layers (Keras 2's ``keras.layers.merge``): one layer per module.

Layers: ``Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot``; function
forms: ``add, subtract, multiply, average, maximum, minimum, concatenate, dot``. Keras 1's
``merge(inputs, mode=...)`` is here too (deprecated). As in Keras 2.2, ``kviz.layers.merge``
itself can be called like that function (``from kviz.layers import merge``), while its
attributes stay the merge layers (``kviz.layers.merge.Concatenate``).

>>> import numpy as np
>>> from kviz.layers.merge import concatenate
>>> concatenate([np.zeros((1, 2), 'float32'), np.ones((1, 1), 'float32')])
array([[0., 0., 1.]], dtype=float32)
"""

import sys as _sys
import types as _types

from kviz.layers.merge.add import Add, add
from kviz.layers.merge.average import Average, average
from kviz.layers.merge.base_merge import _Merge  # noqa: F401 - Keras 2 exposed it here
from kviz.layers.merge.concatenate import Concatenate, concatenate
from kviz.layers.merge.dot import Dot, dot
from kviz.layers.merge.legacy_merge import merge
from kviz.layers.merge.maximum import Maximum, maximum
from kviz.layers.merge.minimum import Minimum, minimum
from kviz.layers.merge.multiply import Multiply, multiply
from kviz.layers.merge.subtract import Subtract, subtract

__all__ = [
    "Add",
    "Average",
    "Concatenate",
    "Dot",
    "Maximum",
    "Minimum",
    "Multiply",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]


class _CallableModule(_types.ModuleType):
    """``kviz.layers.merge(...)`` is Keras 1's ``merge`` function (see the module docstring)."""

    def __call__(self, *args, **kwargs):
        return merge(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
