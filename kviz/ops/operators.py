"""Python operators (``+ - * / ** @ [] -x abs <``...) for Tensors and KerasTensors.

Attached here, not in the classes' modules, because they call ops (which sit above the
tensor classes in the layering).

>>> import numpy as np
>>> from kviz.graph import KerasTensor
>>> x = KerasTensor((None, 4))
>>> (x[:, 1:] * 2 + 1).shape
(None, 3)
"""

from __future__ import annotations

from kviz.autodiff.tensor import Tensor
from kviz.graph.keras_tensor import KerasTensor
from kviz.ops import array, linalg
from kviz.ops import math as m


def _install(cls):
    cls.__add__ = lambda a, b: m.add(a, b)
    cls.__radd__ = lambda a, b: m.add(b, a)
    cls.__sub__ = lambda a, b: m.subtract(a, b)
    cls.__rsub__ = lambda a, b: m.subtract(b, a)
    cls.__mul__ = lambda a, b: m.multiply(a, b)
    cls.__rmul__ = lambda a, b: m.multiply(b, a)
    cls.__truediv__ = lambda a, b: m.divide(a, b)
    cls.__rtruediv__ = lambda a, b: m.divide(b, a)
    cls.__pow__ = lambda a, b: m.pow(a, b)
    cls.__rpow__ = lambda a, b: m.pow(b, a)
    cls.__matmul__ = lambda a, b: linalg.matmul(a, b)
    cls.__rmatmul__ = lambda a, b: linalg.matmul(b, a)
    cls.__neg__ = lambda a: m.negative(a)
    cls.__pos__ = lambda a: a
    cls.__abs__ = lambda a: m.abs(a)
    cls.__getitem__ = lambda a, idx: array.getitem(a, idx)
    cls.__lt__ = lambda a, b: m.less(a, b)
    cls.__le__ = lambda a, b: m.less_equal(a, b)
    cls.__gt__ = lambda a, b: m.greater(a, b)
    cls.__ge__ = lambda a, b: m.greater_equal(a, b)
    cls.T = property(lambda a: array.transpose(a))


_install(Tensor)
_install(KerasTensor)
