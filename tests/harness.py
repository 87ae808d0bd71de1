"""Shared checks for kviz ops (and any function of arrays built from ops).

``check_op`` runs one function four ways and compares them:

1. **Eager, float64.** ``fn(*inputs, **params)`` on float64 copies of the float inputs (other
   inputs, e.g. integer indices or boolean masks, are passed as plain arrays unchanged). The
   outputs must be NumPy values (not tape Tensors) and match ``reference(*inputs)``.
2. **Eager, float32.** The same call on float32 copies: float outputs must stay float32 and be
   close to the float64 result.
3. **Gradients.** Under a :class:`kviz.autodiff.GradientTape`, the differentiable inputs are
   wrapped as float64 :class:`kviz.autodiff.Variable` s; ``kviz.autodiff.gradients`` of
   ``sum(out * R)`` (``R`` fixed random, summed over every float output) is compared with
   float64 central finite differences. Gradients must have the input's shape and dtype (also
   for float32 inputs). An input that gets ``None`` is treated as having a zero gradient.
4. **Symbolic.** ``fn`` on :class:`kviz.graph.KerasTensor` s of the same shapes (optionally with
   the batch dimension unknown) must return KerasTensors whose shapes are compatible with the
   eager shapes (or equal ``expected_shape``) and whose dtype matches; running the graph with
   :func:`kviz.graph.execution.evaluate` must reproduce the eager result, and running it inside
   a tape on Variables must reproduce the eager gradients.

Import it from a test module as ``from harness import check_op`` (``tests/`` is on
``sys.path`` because ``tests/conftest.py`` lives there).

>>> import numpy as np
>>> from kviz import ops
>>> r = check_op(ops.add, [np.ones((2, 3)), np.arange(3.0)], reference=np.add, none_batch=[True, False])
>>> r.symbolic[0].shape
(None, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kviz import ops
from kviz.autodiff import GradientTape, Tensor, Variable, gradients
from kviz.graph import KerasTensor, nest
from kviz.graph.execution import evaluate

__all__ = ["OpCheck", "check_op", "finite_difference_grads", "is_float"]


@dataclass
class OpCheck:
    """What :func:`check_op` computed, for further assertions in a test.

    ``outputs``: flat list of float64 eager outputs; ``outputs32``: the float32 run (or None);
    ``grads`` / ``fd_grads``: {input index: gradient} from the tape and from finite
    differences; ``symbolic``: flat list of output KerasTensors (or None).
    """

    outputs: list
    outputs32: list | None = None
    grads: dict = field(default_factory=dict)
    fd_grads: dict = field(default_factory=dict)
    symbolic: list | None = None


def is_float(x) -> bool:
    return np.asarray(x).dtype.kind == "f"


def _copy_inputs(inputs, dtype):
    """Float inputs as fresh arrays of ``dtype``; everything else as fresh plain arrays."""
    return [np.array(x, dtype=dtype) if is_float(x) else np.array(x) for x in inputs]


def _flat(structure) -> list:
    return nest.flatten(structure) if nest.is_nested(structure) else [structure]


def _random_weights(outputs, seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(np.shape(o)) if is_float(o) else None for o in outputs]


def _weighted_sum(outputs, weights) -> float:
    """``sum(out * R)`` over the float outputs, in float64 NumPy (no tape)."""
    total = 0.0
    for o, r in zip(outputs, weights, strict=True):
        if r is not None:
            total += float(np.sum(np.asarray(o, dtype=np.float64) * r))
    return total


def finite_difference_grads(fn, inputs, params, index, weights, eps=1e-6):
    """Central differences of ``sum(fn(*inputs) * weights)`` w.r.t. ``inputs[index]``."""
    x = np.array(inputs[index], dtype=np.float64)
    grad = np.zeros_like(x)
    args = list(inputs)
    for pos in np.ndindex(x.shape):
        vals = []
        for step in (eps, -eps):
            xp = x.copy()
            xp[pos] += step
            args[index] = xp
            vals.append(_weighted_sum(_flat(fn(*args, **params)), weights))
        grad[pos] = (vals[0] - vals[1]) / (2 * eps)
    return grad


def _tape_loss(outputs, weights):
    """``sum(out * R)`` as a recorded kviz expression (None when no output was recorded)."""
    loss = None
    for o, r in zip(outputs, weights, strict=True):
        if r is None:
            continue
        assert isinstance(o, Tensor), (
            f"a float output is a {type(o).__name__}, not a Tensor: the op was not recorded "
            "on the tape although an input is a Variable"
        )
        term = ops.sum(ops.multiply(o, r))
        loss = term if loss is None else ops.add(loss, term)
    return loss


def _tape_grads(fn, inputs, params, diff, weights, variables=None):
    """Gradients from the tape: ``{index: grad or None}``."""
    args = list(inputs)
    with GradientTape():
        for i in diff:
            args[i] = Variable(inputs[i]) if variables is None else variables[i]
        loss = _tape_loss(_flat(fn(*args, **params)), weights)
    sources = [args[i] for i in diff]
    grads = gradients(loss, sources) if loss is not None else [None] * len(diff)
    return dict(zip(diff, grads, strict=True))


def _shape_list(shapes) -> list:
    """One shape tuple, or a list/tuple of them, as a list of shape tuples."""
    if all(d is None or isinstance(d, int) for d in shapes):
        return [tuple(shapes)]
    return [tuple(s) for s in shapes]


def _batch_flags(none_batch, inputs):
    if isinstance(none_batch, (list, tuple)):
        assert len(none_batch) == len(inputs), "none_batch needs one flag per input"
        return [bool(f) for f in none_batch]
    return [bool(none_batch)] * len(inputs)


def _check_close(actual, expected, atol, rtol, what):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    if expected.dtype.kind in "biu" and actual.dtype.kind in "biu":
        np.testing.assert_array_equal(actual, expected, err_msg=what)
    else:
        np.testing.assert_allclose(actual, expected, atol=atol, rtol=rtol, err_msg=what)


def check_op(
    fn,
    inputs,
    params=None,
    reference=None,
    atol=1e-7,
    rtol=1e-7,
    grad_inputs=None,
    *,
    none_batch=False,
    expected_shape=None,
    symbolic=True,
    check_float32=True,
    atol32=1e-4,
    rtol32=1e-4,
    grad_atol=1e-6,
    grad_rtol=1e-5,
    eps=1e-6,
    seed=0,
):
    """Check ``fn(*inputs, **params)`` eagerly, in float32, for gradients and symbolically.

    Args:
        fn: the op (or a function composed of ops / Python operators on tensors).
        inputs: list of array-likes, passed positionally. Float inputs are copied to float64
            (and float32 for the dtype check); others (int indices, bool masks) are copied
            unchanged. Constants that must stay Python scalars belong in ``params`` or in a
            closure.
        params: keyword arguments passed to every call of ``fn``.
        reference: optional NumPy implementation, called as ``reference(*inputs)`` on the
            float64 copies; its result (a structure of arrays for multi-output ops) must match.
        atol, rtol: tolerance of the comparison with ``reference``.
        grad_inputs: indices of the inputs to differentiate; default every float input; ``()``
            skips the gradient check.
        none_batch: True (every input with ndim >= 1), False, or one flag per input: which
            symbolic inputs get ``None`` as their first dimension.
        expected_shape: the exact symbolic output shape (a structure of shapes for several
            outputs); by default each symbolic dim must be None or equal the eager dim, and
            must be known when no input dim is None.
        symbolic: False skips the KerasTensor check (for ops that only make sense eagerly).
        check_float32: False skips the float32 run.
        atol32, rtol32: tolerance of the float32 result against the float64 one.
        grad_atol, grad_rtol: tolerance of tape gradients against finite differences.
        eps: finite-difference step.
        seed: seed of the random output weights ``R``.

    Returns:
        An :class:`OpCheck` with what was computed.
    """
    params = dict(params or {})
    inputs = list(inputs)
    x64 = _copy_inputs(inputs, np.float64)

    # 1. eager float64, against the reference ------------------------------------------------
    out64 = _flat(fn(*x64, **params))
    for k, o in enumerate(out64):
        assert isinstance(o, (np.ndarray, np.generic)), (
            f"output {k} is a {type(o).__name__}; outside a tape ops must return NumPy values"
        )
    result = OpCheck(outputs=out64)
    if reference is not None:
        ref = _flat(reference(*_copy_inputs(x64, np.float64)))
        assert len(ref) == len(out64), f"{len(out64)} outputs, reference gives {len(ref)}"
        for k, (o, r) in enumerate(zip(out64, ref, strict=True)):
            _check_close(o, r, atol, rtol, f"output {k} vs reference")
            kinds = (np.asarray(o).dtype.kind, np.asarray(r).dtype.kind)
            assert kinds[0] == kinds[1] or "f" not in kinds, f"output {k}: dtype kinds {kinds}"

    # 2. eager float32: float32 stays float32 -------------------------------------------------
    if check_float32 and any(is_float(x) for x in inputs):
        out32 = _flat(fn(*_copy_inputs(inputs, np.float32), **params))
        for k, (o32, o64) in enumerate(zip(out32, out64, strict=True)):
            o32 = np.asarray(o32)
            if is_float(o64):
                assert o32.dtype == np.float32, f"output {k}: float32 inputs gave {o32.dtype}"
                _check_close(o32, o64, atol32, rtol32, f"output {k}: float32 vs float64")
        result.outputs32 = out32

    # 3. gradients against finite differences -------------------------------------------------
    diff = (
        [i for i, x in enumerate(inputs) if is_float(x)]
        if grad_inputs is None
        else list(grad_inputs)
    )
    weights = _random_weights(out64, seed)
    if diff and any(w is not None for w in weights):
        grads = _tape_grads(fn, x64, params, diff, weights)
        for i in diff:
            fd = finite_difference_grads(fn, x64, params, i, weights, eps)
            g = grads[i]
            if g is None:
                g = np.zeros_like(fd)
            else:
                assert g.dtype == np.float64, f"gradient {i}: dtype {g.dtype} for float64 input"
            _check_close(g, fd, grad_atol, grad_rtol, f"gradient of input {i}")
            result.grads[i], result.fd_grads[i] = grads[i], fd
        if check_float32:
            x32 = _copy_inputs(inputs, np.float32)
            for i, g in _tape_grads(fn, x32, params, diff, weights).items():
                if g is not None:
                    assert g.dtype == x32[i].dtype, f"gradient {i}: {g.dtype} for {x32[i].dtype}"

    # 4. symbolic shapes and graph execution ----------------------------------------------------
    if symbolic:
        result.symbolic = _check_symbolic(
            fn, x64, params, out64, none_batch, expected_shape, diff, weights, result.grads
        )
    return result


def _check_symbolic(fn, x64, params, out64, none_batch, expected_shape, diff, weights, grads):
    flags = _batch_flags(none_batch, x64)
    kts = []
    for x, flag in zip(x64, flags, strict=True):
        shape = tuple(x.shape)
        if flag and shape:
            shape = (None,) + shape[1:]
        kts.append(KerasTensor(shape, x.dtype))
    sym_struct = fn(*kts, **params)
    sym = _flat(sym_struct)
    assert len(sym) == len(out64), f"{len(sym)} symbolic outputs, {len(out64)} eager ones"
    any_none = any(d is None for t in kts for d in t.shape)
    expected = None if expected_shape is None else _shape_list(expected_shape)
    for k, (t, o) in enumerate(zip(sym, out64, strict=True)):
        assert isinstance(t, KerasTensor), f"symbolic output {k} is a {type(t).__name__}"
        o = np.asarray(o)
        assert t.dtype == o.dtype.name, f"symbolic output {k}: dtype {t.dtype} != {o.dtype}"
        if expected is not None:
            assert t.shape == tuple(expected[k]), f"symbolic output {k}: shape {t.shape}"
        else:
            assert len(t.shape) == o.ndim, f"symbolic output {k}: shape {t.shape} vs {o.shape}"
            for d, e in zip(t.shape, o.shape, strict=True):
                assert d == e or (d is None and any_none), (
                    f"symbolic output {k}: shape {t.shape} incompatible with eager {o.shape}"
                )

    feed = {id(t): x for t, x in zip(kts, x64, strict=True)}
    for k, (v, o) in enumerate(zip(_flat(evaluate(sym_struct, feed)), out64, strict=True)):
        assert not isinstance(v, Tensor), f"graph output {k} is a Tensor outside a tape"
        _check_close(v, o, 1e-12, 1e-12, f"graph output {k} vs eager")

    if diff and grads:
        variables = {i: Variable(x64[i]) for i in diff}

        def run_graph(*args, **_):
            return evaluate(sym_struct, {id(t): a for t, a in zip(kts, args, strict=True)})

        for i, g in _tape_grads(run_graph, x64, {}, diff, weights, variables).items():
            if g is None and grads[i] is None:
                continue
            assert g is not None and grads[i] is not None, f"graph gradient {i}: None mismatch"
            _check_close(g, grads[i], 1e-12, 1e-10, f"graph gradient of input {i}")
    return sym
