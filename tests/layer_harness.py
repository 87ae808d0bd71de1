"""Generic checks for one kviz layer class: ``check_layer(layer_cls, kwargs, ...)``.

``check_layer`` builds ``layer_cls(**kwargs)`` and runs it every way a layer is used:

a. **Eager.** ``layer(x, training=False)`` on ``input_data`` (random normal floats when None;
   integers in ``[0, 5)`` for integer dtypes). The output shape must match
   ``expected_output_shape`` (``None`` entries match any size, e.g. the batch axis).
b. **Symbolic.** The same layer called on ``Input(batch_shape=(None, ...))`` gives a
   KerasTensor whose shape is the eager shape with the batch axis ``None``; a functional
   ``Model`` over it must ``predict`` the eager output, and so must a ``Sequential`` model
   (single-input, single-output layers only).
c. **Weights.** ``len(layer.weights)`` and ``len(layer.trainable_weights)`` equal the expected
   counts (when given).
d. **Config.** ``get_config()`` holds ``name``/``trainable``/``dtype``; ``from_config`` gives a
   layer with the same config, and with the same outputs once ``set_weights(get_weights())``
   is done. ``model.to_json()`` -> ``kviz.models.model_from_json`` (with ``custom_objects``,
   safe mode off so that Lambda bytecode loads) predicts the same after the weights are copied.
e. **Gradients.** A fresh float64 layer (same kwargs, same weights cast to float64) computes
   ``sum(out * R)`` inside a ``GradientTape`` with the input as a float64 ``Variable``; the
   gradients for the input (float inputs only) and every trainable weight must match central
   finite differences (eps 1e-6; at most ~20 random entries per tensor).
f. **Training.** One plain gradient-descent step on ``mean((out - target) ** 2)`` (fixed
   random target) must lower the loss, when the layer has trainable weights.
g. **Several inputs.** With ``multi_input_shapes=[shape, ...]`` the layer is called on a list
   of inputs (``input_dtype`` may then be a list too).

Import it as ``from layer_harness import check_layer`` (``tests/`` is on ``sys.path``).

>>> import numpy as np
>>> from kviz.layers import Dense
>>> out = check_layer(Dense, {'units': 4}, input_shape=(2, 3), expected_output_shape=(None, 4),
...                   expected_num_weights=2, expected_num_trainable=2)
>>> out.shape
(2, 4)
"""

from __future__ import annotations

import base64
import json
import marshal

import numpy as np

from kviz import ops, registry
from kviz.autodiff import GradientTape, Tensor, Variable
from kviz.graph import nest
from kviz.layers import Input, InputLayer
from kviz.models import Model, Sequential, model_from_json

__all__ = ["check_layer", "assert_close", "make_input"]

_BASE_CONFIG_KEYS = {"name", "trainable", "dtype"}


def make_input(shape, dtype="float32", seed=0):
    """Random data of ``shape``: normal floats, or integers in ``[0, 5)`` for integer dtypes."""
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(0, 5, size=shape).astype(dtype)
    if np.dtype(dtype).kind == "b":
        return rng.random(shape) < 0.5
    return rng.standard_normal(shape).astype(dtype)


def assert_close(actual, expected, rtol=1e-4, atol=1e-5, what="value"):
    """Compare two (nested) outputs elementwise, with a message saying which check failed."""
    a_flat, e_flat = _flat(actual), _flat(expected)
    assert len(a_flat) == len(e_flat), f"{what}: {len(a_flat)} outputs vs {len(e_flat)}"
    for a, e in zip(a_flat, e_flat, strict=True):
        a, e = _np(a), _np(e)
        assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
        np.testing.assert_allclose(
            a.astype("float64"), e.astype("float64"), rtol=rtol, atol=atol, err_msg=what
        )


def _np(x):
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def _flat(x):
    return nest.flatten(x) if nest.is_nested(x) else [x]


def _shape_matches(actual, expected):
    return len(actual) == len(expected) and all(
        e is None or a == e for a, e in zip(actual, expected, strict=True)
    )


def _normalize(cfg):
    """Config with tuples as lists and NumPy scalars/arrays as Python values (JSON view)."""
    return json.loads(json.dumps(cfg, default=lambda o: o.tolist() if hasattr(o, "tolist") else o))


def _comparable(cfg):
    """Normalized config where Lambda bytecode is replaced by its code object: marshal bytes
    of a reloaded function may differ (reference flags) while the code is the same."""
    cfg = _normalize(cfg)
    for key in ("function", "output_shape"):
        if cfg.get(f"{key}_type") == "lambda" and isinstance(cfg.get(key), list):
            raw = base64.b64decode(cfg[key][0].encode("ascii"))
            cfg[key] = [marshal.loads(raw)] + cfg[key][1:]
    return cfg


def _call(layer, x):
    return layer(x, training=False)


def _weighted_sum(out, rs):
    total = None
    for o, r in zip(_flat(out), rs, strict=True):
        if r is None:
            continue
        term = ops.sum(ops.multiply(o, r))
        total = term if total is None else ops.add(total, term)
    return total


def _subset(size, rng, k=20):
    return np.arange(size) if size <= k else rng.choice(size, k, replace=False)


def check_layer(
    layer_cls,
    kwargs=None,
    input_shape=(2, 3),
    input_dtype="float32",
    input_data=None,
    expected_output_shape=None,
    expected_num_weights=None,
    expected_num_trainable=None,
    training_step=True,
    gradcheck=True,
    custom_objects=None,
    rtol=1e-4,
    atol=1e-5,
    multi_input_shapes=None,
    input_grad=None,
):
    """Run checks (a)-(g) above on ``layer_cls(**kwargs)``; return its eager output.

    ``rtol``/``atol`` bound both the output comparisons and |tape - finite difference|.
    ``input_grad``: check the gradient with respect to the input (default: for float inputs;
    pass False where the layer is not differentiable in its input, e.g. Masking at masked steps).
    """
    kwargs = dict(kwargs or {})
    multi = multi_input_shapes is not None
    shapes = [tuple(s) for s in multi_input_shapes] if multi else [tuple(input_shape)]
    dtypes = (
        list(input_dtype) if isinstance(input_dtype, (list, tuple)) else [input_dtype] * len(shapes)
    )
    if input_data is None:
        xs = [make_input(s, d, seed=i) for i, (s, d) in enumerate(zip(shapes, dtypes, strict=True))]
    else:
        xs = [np.asarray(v) for v in (input_data if multi else [input_data])]
        shapes = [v.shape for v in xs]
        dtypes = [v.dtype.name for v in xs]
    x = xs if multi else xs[0]

    # (a) eager call
    layer = layer_cls(**kwargs)
    out = _call(layer, x)
    outs = [_np(o) for o in _flat(out)]
    for o in _flat(out):
        assert not isinstance(o, Tensor), "outside a tape, a layer must return plain arrays"
    if expected_output_shape is not None:
        exp = expected_output_shape
        exp = exp if isinstance(exp, list) else [exp]
        for o, e in zip(outs, exp, strict=True):
            assert _shape_matches(o.shape, e), f"output shape {o.shape} != expected {e}"

    # (c) weight counts
    if expected_num_weights is not None:
        assert len(layer.weights) == expected_num_weights, [w.name for w in layer.weights]
    if expected_num_trainable is not None:
        n = len(layer.trainable_weights)
        assert n == expected_num_trainable, [w.name for w in layer.trainable_weights]

    # (b) symbolic: functional model (and Sequential for one input)
    batch_shapes = [(None,) + tuple(s[1:]) for s in shapes]
    inputs = [Input(batch_shape=b, dtype=d) for b, d in zip(batch_shapes, dtypes, strict=True)]
    sym = layer(inputs if multi else inputs[0])
    for t, o in zip(_flat(sym), outs, strict=True):
        assert t.shape[0] is None, f"symbolic batch axis should be None: {t.shape}"
        assert tuple(t.shape[1:]) == o.shape[1:], f"symbolic shape {t.shape} vs eager {o.shape}"
    model = Model(inputs if multi else inputs[0], sym)
    assert_close(model.predict(x), out, rtol, atol, "functional model predict vs eager call")
    if not multi and len(outs) == 1:  # Sequential refuses layers with several outputs
        seq = Sequential([InputLayer(batch_input_shape=batch_shapes[0], dtype=dtypes[0]), layer])
        assert_close(seq.predict(x), out, rtol, atol, "Sequential predict vs eager call")

    # (d) config round trips
    cfg = layer.get_config()
    assert _BASE_CONFIG_KEYS <= set(cfg), f"config misses base keys: {sorted(cfg)}"
    json.dumps(_normalize(cfg))
    with registry.SafeModeScope(False):
        if custom_objects:
            clone = layer_cls.from_config(cfg, custom_objects=custom_objects)
        else:
            clone = layer_cls.from_config(cfg)
        cfg1, cfg2 = _comparable(cfg), _comparable(clone.get_config())
        diff = {k for k in set(cfg1) | set(cfg2) if cfg1.get(k) != cfg2.get(k)}
        assert not diff, f"from_config changed the config at keys {sorted(diff)}"
        _call(clone, x)
        clone.set_weights(layer.get_weights())
        assert_close(_call(clone, x), out, rtol, atol, "from_config layer after set_weights")
        objects = dict(custom_objects or {}, **{layer_cls.__name__: layer_cls})
        model2 = model_from_json(model.to_json(), custom_objects=objects)
        model2.set_weights(model.get_weights())
        assert_close(model2.predict(x), out, rtol, atol, "model_from_json(to_json()) predict")

    # (e) gradient check in float64
    if gradcheck:
        _gradcheck(layer_cls, kwargs, layer, xs, multi, input_grad, rtol, atol)

    # (f) one gradient-descent step lowers an MSE loss
    if training_step and layer.trainable_weights:
        _training_step(layer, x)
    return out


def _gradcheck(layer_cls, kwargs, layer, xs, multi, input_grad, rtol, atol):
    rng = np.random.default_rng(42)
    x64 = [v.astype("float64") if v.dtype.kind == "f" else v for v in xs]
    layer64 = layer_cls(**dict(kwargs, dtype="float64"))
    _call(layer64, x64 if multi else x64[0])
    layer64.set_weights(
        [w.astype("float64") if w.dtype.kind == "f" else w for w in layer.get_weights()]
    )
    weights = list(layer64.trainable_weights)
    grad_x = [(v.dtype.kind == "f") if input_grad is None else bool(input_grad) for v in x64]
    xv = [Variable(v, dtype="float64") if g else v for v, g in zip(x64, grad_x, strict=True)]
    out0 = _call(layer64, x64 if multi else x64[0])
    rs = [
        rng.standard_normal(np.shape(o)) if _np(o).dtype.kind == "f" else None for o in _flat(out0)
    ]

    if all(r is None for r in rs):
        return  # no float output: nothing to differentiate

    def f():
        return float(_weighted_sum(_call(layer64, x64 if multi else x64[0]), rs))

    sources = [v for v, g in zip(xv, grad_x, strict=True) if g] + weights
    with GradientTape() as tape:
        total = _weighted_sum(_call(layer64, xv if multi else xv[0]), rs)
    grads = tape.gradient(total, sources) if sources else []
    targets = [v for v, g in zip(x64, grad_x, strict=True) if g] + [w.data for w in weights]
    names = [f"input {i}" for i, g in enumerate(grad_x) if g] + [w.name for w in weights]
    eps = 1e-6
    for arr, g, name in zip(targets, grads, names, strict=True):
        g = np.zeros(arr.shape) if g is None else _np(g)
        assert g.shape == arr.shape, f"gradient of {name}: shape {g.shape} != {arr.shape}"
        flat = arr.reshape(-1)  # a view: editing it perturbs the input / weight in place
        assert np.shares_memory(flat, arr)
        for i in _subset(flat.size, rng):
            old = flat[i]
            flat[i] = old + eps
            up = f()
            flat[i] = old - eps
            down = f()
            flat[i] = old
            fd = (up - down) / (2 * eps)
            got = float(g.reshape(-1)[i])
            where = tuple(int(j) for j in np.unravel_index(i, arr.shape))
            assert abs(got - fd) <= atol + rtol * abs(fd), (
                f"gradient of {name}{list(where)}: tape {got!r} vs finite differences {fd!r}"
            )


def _training_step(layer, x):
    rng = np.random.default_rng(7)
    out = _call(layer, x)
    targets = [rng.standard_normal(_np(o).shape).astype(_np(o).dtype) for o in _flat(out)]
    weights = layer.trainable_weights

    def loss_of(o):
        terms = [
            ops.mean(ops.square(ops.subtract(a, t))) for a, t in zip(_flat(o), targets, strict=True)
        ]
        total = terms[0]
        for t in terms[1:]:
            total = ops.add(total, t)
        return total

    with GradientTape() as tape:
        loss = loss_of(_call(layer, x))
    grads = tape.gradient(loss, weights)
    assert any(g is not None for g in grads), "no trainable weight received a gradient"
    for w, g in zip(weights, grads, strict=True):
        if g is not None:
            assert g.dtype == w.dtype, f"gradient of {w.name} is {g.dtype}, weight is {w.dtype}"
    norm = np.sqrt(sum(float(np.sum(np.square(g))) for g in grads if g is not None))
    lr = 1e-2 / max(1.0, norm)
    before = float(_np(loss))
    for w, g in zip(weights, grads, strict=True):
        if g is not None:
            w.assign(w.data - lr * g)
    after = float(_np(loss_of(_call(layer, x))))
    assert after < before, f"a gradient step did not lower the loss: {before} -> {after}"
