"""Elementwise CUDA kernels: unary maps (and maps with a scalar), their gradients, binary maps
with NumPy broadcasting, casts and fills.

One kernel per family, with the operation as an integer code (compiled once per dtype). Scalars
arrive already rounded to the output dtype, as NumPy treats Python numbers.
"""

from __future__ import annotations

import math

from numba import cuda

# unary codes (``a``/``b`` are scalars)
NEG, EXP, LOG, SQRT, SQUARE, ABS, TANH, SIGMOID, SOFTPLUS, RELU, SIGN = range(11)
FLOOR, CEIL, SIN, COS, CLIP, COPY, FILL = range(11, 18)
ADD_S, SUB_S, RSUB_S, MUL_S, DIV_S, RDIV_S, POW_S, RPOW_S, MAX_S, MIN_S = range(18, 28)
GT_S, GE_S, LT_S, LE_S, EQ_S = range(28, 33)

UNARY = {
    "neg": NEG, "exp": EXP, "log": LOG, "sqrt": SQRT, "square": SQUARE, "abs": ABS,
    "tanh": TANH, "sigmoid": SIGMOID, "softplus": SOFTPLUS, "relu": RELU, "sign": SIGN,
    "floor": FLOOR, "ceil": CEIL, "sin": SIN, "cos": COS, "clip": CLIP, "copy": COPY,
}  # fmt: skip

# binary codes
ADD, SUB, MUL, DIV, MAX, MIN, POW, GT, GE, LT, LE, EQ = range(12)
BINARY = {
    "add": ADD, "subtract": SUB, "multiply": MUL, "divide": DIV, "maximum": MAX,
    "minimum": MIN, "power": POW, "greater": GT, "greater_equal": GE, "less": LT,
    "less_equal": LE, "equal": EQ,
}  # fmt: skip
#: binary op -> (code with the scalar on the right, code with the scalar on the left)
SCALAR_FORMS = {
    "add": (ADD_S, ADD_S), "subtract": (SUB_S, RSUB_S), "multiply": (MUL_S, MUL_S),
    "divide": (DIV_S, RDIV_S), "power": (POW_S, RPOW_S), "maximum": (MAX_S, MAX_S),
    "minimum": (MIN_S, MIN_S), "greater": (GT_S, LT_S), "greater_equal": (GE_S, LE_S),
    "less": (LT_S, GT_S), "less_equal": (LE_S, GE_S), "equal": (EQ_S, EQ_S),
}  # fmt: skip

# gradient codes: d(out)/d(x) * g, from g, x and y = f(x)
GRAD = {
    "relu": RELU, "sigmoid": SIGMOID, "tanh": TANH, "exp": EXP, "log": LOG, "sqrt": SQRT,
    "square": SQUARE, "abs": ABS, "softplus": SOFTPLUS, "sin": SIN, "cos": COS, "clip": CLIP,
    "pow": POW_S, "neg": NEG,
}  # fmt: skip


@cuda.jit(device=True)
def _sigmoid(v):
    e = math.exp(-abs(v))
    if v >= 0:
        return 1.0 / (1.0 + e)
    return e / (1.0 + e)


@cuda.jit
def unary_kernel(x, out, n, op, a, b):
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < n:
        v = x[i]
        if op == NEG:
            out[i] = -v
        elif op == EXP:
            out[i] = math.exp(v)
        elif op == LOG:
            out[i] = math.log(v) if v > 0 else (-math.inf if v == 0 else math.nan)
        elif op == SQRT:
            out[i] = math.sqrt(v) if v >= 0 else math.nan
        elif op == SQUARE:
            out[i] = v * v
        elif op == ABS:
            out[i] = abs(v)
        elif op == TANH:
            out[i] = math.tanh(v)
        elif op == SIGMOID:
            out[i] = _sigmoid(v)
        elif op == SOFTPLUS:
            out[i] = max(v, 0) + math.log1p(math.exp(-abs(v)))
        elif op == RELU:
            out[i] = v if v > 0 else v - v
        elif op == SIGN:
            out[i] = 1 if v > 0 else (-1 if v < 0 else v - v)
        elif op == FLOOR:
            out[i] = math.floor(v)
        elif op == CEIL:
            out[i] = math.ceil(v)
        elif op == SIN:
            out[i] = math.sin(v)
        elif op == COS:
            out[i] = math.cos(v)
        elif op == CLIP:
            out[i] = min(max(v, a), b)
        elif op == COPY:
            out[i] = v
        elif op == FILL:
            out[i] = a
        elif op == ADD_S:
            out[i] = v + a
        elif op == SUB_S:
            out[i] = v - a
        elif op == RSUB_S:
            out[i] = a - v
        elif op == MUL_S:
            out[i] = v * a
        elif op == DIV_S:
            out[i] = v / a
        elif op == RDIV_S:
            out[i] = a / v
        elif op == POW_S:
            out[i] = v**a
        elif op == RPOW_S:
            out[i] = a**v
        elif op == MAX_S:
            out[i] = max(v, a)
        elif op == MIN_S:
            out[i] = min(v, a)
        elif op == GT_S:
            out[i] = 1 if v > a else 0
        elif op == GE_S:
            out[i] = 1 if v >= a else 0
        elif op == LT_S:
            out[i] = 1 if v < a else 0
        elif op == LE_S:
            out[i] = 1 if v <= a else 0
        elif op == EQ_S:
            out[i] = 1 if v == a else 0
        i += step


@cuda.jit
def unary_grad_kernel(g, x, y, out, n, op, a, b):
    """``out = g * f'(x)`` (``y = f(x)`` where the derivative is easier from it)."""
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < n:
        gi = g[i]
        if op == RELU:
            out[i] = gi if x[i] > 0 else gi - gi
        elif op == SIGMOID:
            out[i] = gi * y[i] * (1 - y[i])
        elif op == TANH:
            out[i] = gi * (1 - y[i] * y[i])
        elif op == EXP:
            out[i] = gi * y[i]
        elif op == LOG:
            out[i] = gi / x[i]
        elif op == SQRT:
            out[i] = gi * 0.5 / y[i]
        elif op == SQUARE:
            out[i] = gi * 2 * x[i]
        elif op == ABS:
            xi = x[i]
            out[i] = gi if xi > 0 else (-gi if xi < 0 else gi - gi)
        elif op == SOFTPLUS:
            out[i] = gi * _sigmoid(x[i])
        elif op == SIN:
            out[i] = gi * math.cos(x[i])
        elif op == COS:
            out[i] = -gi * math.sin(x[i])
        elif op == CLIP:
            xi = x[i]
            out[i] = gi if (xi >= a and xi <= b) else gi - gi
        elif op == POW_S:
            out[i] = gi * a * x[i] ** (a - 1)
        elif op == NEG:
            out[i] = -gi
        i += step


@cuda.jit(device=True)
def _binop(u, v, op):
    if op == ADD:
        return u + v
    if op == SUB:
        return u - v
    if op == MUL:
        return u * v
    if op == DIV:
        return u / v
    if op == MAX:
        return max(u, v)
    if op == MIN:
        return min(u, v)
    if op == POW:
        return u**v
    if op == GT:
        return 1 if u > v else 0
    if op == GE:
        return 1 if u >= v else 0
    if op == LT:
        return 1 if u < v else 0
    if op == LE:
        return 1 if u <= v else 0
    return 1 if u == v else 0


@cuda.jit
def binary_kernel(a, b, out, n, op):
    """Same-shape operands."""
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < n:
        out[i] = _binop(a[i], b[i], op)
        i += step


@cuda.jit
def binary_broadcast_kernel(a, b, out, n, op, shape, sa, sb):
    """``shape`` is the output shape, ``sa``/``sb`` the operands' strides in elements (0 on
    broadcast axes), all padded to the same length."""
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    nd = len(shape)
    while i < n:
        rem = i
        ia = 0
        ib = 0
        for d in range(nd - 1, -1, -1):
            k = rem % shape[d]
            rem //= shape[d]
            ia += k * sa[d]
            ib += k * sb[d]
        out[i] = _binop(a[ia], b[ib], op)
        i += step


@cuda.jit
def cast_kernel(x, out, n):
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < n:
        out[i] = x[i]
        i += step
