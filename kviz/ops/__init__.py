"""Public functional ops. Each works on arrays, on Tensors inside a gradient tape, and on
symbolic KerasTensors (where it adds a graph node).

>>> import numpy as np
>>> from kviz import ops
>>> ops.softmax(np.zeros((1, 4), 'float32'))
array([[0.25, 0.25, 0.25, 0.25]], dtype=float32)
"""

from kviz.ops import operators as _operators  # attaches + - * / [] ... to tensors
from kviz.ops.array import *
from kviz.ops.conv import *  # the function ``conv`` shadows the module name here
from kviz.ops.core import OpLambda, Primitive, apply, op, unbroadcast
from kviz.ops.linalg import *
from kviz.ops.math import *
from kviz.ops.nn import *
from kviz.ops.normalization import *
from kviz.ops.pooling import *
from kviz.ops.rnn import *  # the function ``rnn`` (K.rnn) shadows the module name here
from kviz.ops.spatial import *
