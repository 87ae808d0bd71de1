"""``kviz.ops`` recurrent ops against slow per-sample, per-step loops (the oracles below), with
``check_op`` gradient checks (tape vs finite differences, float32 vs float64, symbolic).

Both paths are checked: the fused sequence primitives (float32 on the Numba kernels, float64
on the NumPy step functions) and the generic path (``fused=False`` or a callable activation:
ordinary ops in ``ops.rnn``'s Python loop).
"""

from __future__ import annotations

import doctest
import sys

import numpy as np
import pytest
from harness import check_op

from kviz import ops

B, T, F, U = 2, 4, 3, 2
MASK = np.array([[1, 1, 0, 1], [0, 1, 1, 0]], bool)  # inner, leading and trailing masked steps
ALL_MASKED = np.array([[0, 0, 0, 0], [1, 0, 1, 1]], bool)  # a row with no step at all


# ===================================================================================== oracles
def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _hard_sigmoid(z):
    return np.clip(0.2 * z + 0.5, 0, 1)


ACTS = {
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "hard_sigmoid": _hard_sigmoid,
    "relu": lambda z: np.maximum(z, 0),
    "linear": lambda z: z,
}


def _loop(kind, x, states, w, r, b, act, ract, mask, go_backwards, return_sequences,
          in_mask, rec_mask, zero_output, reset_after=True):  # fmt: skip
    """Per sample, per step: the Keras 2 equations written out."""
    act, ract = ACTS.get(act, act), ACTS.get(ract, ract)
    batch, steps, _ = x.shape
    units = r.shape[0]
    outs = np.zeros((batch, steps, units))
    finals = [np.zeros((batch, units)) for _ in states]
    for n in range(batch):
        st = [s[n].copy() for s in states]
        prev = np.zeros(units)
        order = list(range(steps))[::-1] if go_backwards else list(range(steps))
        for k, t in enumerate(order):
            if mask is not None and not mask[n, t]:
                out = np.zeros(units) if zero_output else prev
            else:
                xt = x[n, t] * (1 if in_mask is None else in_mask[n])
                h = st[0]
                hd = h * (1 if rec_mask is None else rec_mask[n])
                if kind == "simple":
                    h = act(xt @ w + hd @ r + (0 if b is None else b))
                    st = [h]
                elif kind == "lstm":
                    z = xt @ w + hd @ r + (0 if b is None else b)
                    i, f = ract(z[:units]), ract(z[units : 2 * units])
                    g, o = act(z[2 * units : 3 * units]), ract(z[3 * units :])
                    c = f * st[1] + i * g
                    h = o * act(c)
                    st = [h, c]
                elif reset_after:
                    bi, br = (0, 0) if b is None else (b[0], b[1])
                    xz, rz = xt @ w + bi, hd @ r + br
                    z = ract(xz[:units] + rz[:units])
                    rr = ract(xz[units : 2 * units] + rz[units : 2 * units])
                    hh = act(xz[2 * units :] + rr * rz[2 * units :])
                    h = z * st[0] + (1 - z) * hh
                    st = [h]
                else:
                    xz = xt @ w + (0 if b is None else b)
                    rz = hd @ r[:, : 2 * units]
                    z = ract(xz[:units] + rz[:units])
                    rr = ract(xz[units : 2 * units] + rz[units:])
                    hh = act(xz[2 * units :] + (rr * hd) @ r[:, 2 * units :])
                    h = z * st[0] + (1 - z) * hh
                    st = [h]
                out = h
            outs[n, k] = out
            prev = out
        for s, v in zip(finals, st, strict=True):
            s[n] = v
    return ((outs if return_sequences else outs[:, -1]), *finals)


# ===================================================================================== cases
def _weights(kind, seed=0, use_bias=True, reset_after=True):
    rng = np.random.default_rng(seed)
    gates = {"simple": 1, "lstm": 4, "gru": 3}[kind]
    w = rng.standard_normal((F, gates * U)) * 0.6
    r = rng.standard_normal((U, gates * U)) * 0.6
    b = None
    if use_bias:
        shape = (2, 3 * U) if kind == "gru" and reset_after else (gates * U,)
        b = rng.standard_normal(shape) * 0.3
    x = rng.standard_normal((B, T, F))
    states = [rng.standard_normal((B, U)) * 0.5 for _ in range(2 if kind == "lstm" else 1)]
    return x, states, w, r, b


def _run(kind, options):
    """(fn(*arrays), arrays, reference(*arrays)) for check_op."""
    opts = dict(options)
    use_bias = opts.pop("use_bias", True)
    reset_after = opts.pop("reset_after", True)
    fused = opts.pop("fused", None)
    act = opts.pop("activation", "tanh")
    ract = opts.pop("recurrent_activation", "sigmoid")
    x, states, w, r, b = _weights(kind, opts.pop("seed", 0), use_bias, reset_after)
    kw = {
        "mask": opts.pop("mask", None),
        "go_backwards": opts.pop("go_backwards", False),
        "return_sequences": opts.pop("return_sequences", False),
        "dropout_mask": opts.pop("dropout_mask", None),
        "recurrent_dropout_mask": opts.pop("recurrent_dropout_mask", None),
        "zero_output_for_mask": opts.pop("zero_output_for_mask", False),
    }
    assert not opts, opts
    op_act = act if isinstance(act, str) else act[0]  # (kviz callable, numpy function)
    ref_act = act if isinstance(act, str) else act[1]
    n_states = len(states)
    arrays = [x, *states, w, r] + ([b] if b is not None else [])

    def fn(*a):
        xs, st, ww, rr = a[0], a[1 : 1 + n_states], a[1 + n_states], a[2 + n_states]
        bb = a[3 + n_states] if b is not None else None
        if kind == "simple":
            return ops.simple_rnn(xs, st[0], ww, rr, bb, activation=op_act, fused=fused, **kw)
        if kind == "lstm":
            return ops.lstm(xs, st[0], st[1], ww, rr, bb, activation=op_act,
                            recurrent_activation=ract, fused=fused, **kw)  # fmt: skip
        return ops.gru(xs, st[0], ww, rr, bb, activation=op_act, recurrent_activation=ract,
                       reset_after=reset_after, fused=fused, **kw)  # fmt: skip

    def reference(*a):
        xs, st, ww, rr = a[0], list(a[1 : 1 + n_states]), a[1 + n_states], a[2 + n_states]
        bb = a[3 + n_states] if b is not None else None
        return _loop(kind, xs, st, ww, rr, bb, ref_act, ract, kw["mask"], kw["go_backwards"],
                     kw["return_sequences"], kw["dropout_mask"], kw["recurrent_dropout_mask"],
                     kw["zero_output_for_mask"], reset_after)  # fmt: skip

    return fn, arrays, reference


_DROP_IN = (np.random.default_rng(5).random((B, F)) > 0.3) / 0.7
_DROP_REC = (np.random.default_rng(6).random((B, U)) > 0.3) / 0.7

OPTIONS = {
    "plain": {},
    "seq": {"return_sequences": True},
    "back": {"go_backwards": True},
    "back_seq": {"go_backwards": True, "return_sequences": True},
    "mask": {"mask": MASK},
    "mask_seq_back": {"mask": MASK, "return_sequences": True, "go_backwards": True},
    "mask_all_masked_row": {"mask": ALL_MASKED, "return_sequences": True},
    "mask_zero_output": {"mask": MASK, "return_sequences": True, "zero_output_for_mask": True},
    "mask_zero_output_last": {"mask": ALL_MASKED, "zero_output_for_mask": True},
    "dropout": {"dropout_mask": _DROP_IN, "recurrent_dropout_mask": _DROP_REC, "seed": 1},
    "no_bias": {"use_bias": False, "return_sequences": True},
}
KINDS = {
    "simple": {},
    "lstm": {},
    "gru": {},
    "gru_reset_before": {"reset_after": False},
}


@pytest.mark.parametrize("option", sorted(OPTIONS))
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_fused_against_loop(kind, option):
    fn, arrays, reference = _run(kind.split("_")[0], {**KINDS[kind], **OPTIONS[option]})
    check_op(fn, arrays, reference=reference, atol=1e-9, rtol=1e-9)


@pytest.mark.parametrize("option", ["plain", "mask_seq_back", "dropout", "mask_zero_output"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_generic_path_against_loop(kind, option):
    options = {**KINDS[kind], **OPTIONS[option], "fused": False}
    fn, arrays, reference = _run(kind.split("_")[0], options)
    check_op(fn, arrays, reference=reference, atol=1e-9, rtol=1e-9)


ACTIVATION_CASES = {
    "hard_sigmoid": {"recurrent_activation": "hard_sigmoid"},
    "relu_linear": {"activation": "relu", "recurrent_activation": "linear"},
    "softsign_callable": {"activation": (ops.softsign, lambda z: z / (1 + np.abs(z)))},
}


@pytest.mark.parametrize("case", sorted(ACTIVATION_CASES))
@pytest.mark.parametrize("kind", ["simple", "lstm", "gru", "gru_reset_before"])
def test_activations(kind, case):
    options = {**KINDS[kind], **ACTIVATION_CASES[case], "return_sequences": True, "mask": MASK}
    if kind == "simple":
        options.pop("recurrent_activation", None)
    fn, arrays, reference = _run(kind.split("_")[0], options)
    # hard_sigmoid/relu have kinks: keep the random inputs away from them (seed chosen so)
    check_op(fn, arrays, reference=reference, atol=1e-9, rtol=1e-9, grad_atol=1e-5)


@pytest.mark.parametrize("kind", ["simple", "lstm", "gru", "gru_reset_before"])
def test_fused_and_generic_paths_agree_float32(kind):
    options = {**KINDS[kind], "mask": MASK, "return_sequences": True, "go_backwards": True}
    fn, arrays, _ = _run(kind.split("_")[0], options)
    fn_generic, _, _ = _run(kind.split("_")[0], {**options, "fused": False})
    a32 = [a.astype("float32") for a in arrays]
    for fused, generic in zip(fn(*a32), fn_generic(*a32), strict=True):
        assert fused.dtype == np.float32
        np.testing.assert_allclose(fused, generic, rtol=2e-6, atol=2e-6)


def test_numba_off_gives_the_same_float32_results():
    from kviz.kernels import jit as kjit

    fn, arrays, _ = _run("lstm", {"mask": MASK, "return_sequences": True})
    a32 = [a.astype("float32") for a in arrays]
    with_numba = fn(*a32)
    kjit.set_available(False)
    try:
        without = fn(*a32)
    finally:
        kjit.set_available(None)
    for a, b in zip(with_numba, without, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_stateful_style_variable_states_are_read_at_call_time():
    """apply() keeps the raw inputs: assigning a state Variable after the forward pass does
    not change the gradients (what a stateful layer does between forward and backward)."""
    from kviz.autodiff import GradientTape, Variable

    x, (h0,), w, r, b = _weights("simple")
    state = Variable(h0)
    wv = Variable(w)
    with GradientTape() as tape:
        out, h = ops.simple_rnn(x, state, wv, r, b)
        loss = ops.sum(out)
    g1 = tape.gradient(loss, [wv])[0]
    with GradientTape() as tape:
        out, h = ops.simple_rnn(x, state, wv, r, b)
        loss = ops.sum(out)
        state.assign(np.zeros_like(h0))
    g2 = tape.gradient(loss, [wv])[0]
    np.testing.assert_array_equal(g1, g2)


# ======================================================================================= K.rnn
def test_k_rnn_step_function_with_constants_and_mask():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((B, T, F))
    w = rng.standard_normal((F, U))
    const = rng.standard_normal((B, U))

    def step(x_t, states):
        h, c = states
        new = ops.tanh(ops.add(ops.add(ops.matmul(x_t, w), h), c))
        return new, [new]

    def fn(xs, h0):
        last, outs, states = ops.rnn(step, xs, [h0], mask=MASK, constants=[const],
                                     go_backwards=True)  # fmt: skip
        return last, outs, states[0]

    def reference(xs, h0):
        outs, hs = np.zeros((B, T, U)), np.zeros((B, U))
        for n in range(B):
            h, prev = h0[n], np.zeros(U)
            for k, t in enumerate(reversed(range(T))):
                if MASK[n, t]:
                    h = np.tanh(xs[n, t] @ w + h + const[n])
                    prev = h
                outs[n, k] = prev
            hs[n] = h
        return outs[:, -1], outs, hs

    check_op(
        fn,
        [x, rng.standard_normal((B, U))],
        reference=reference,
        symbolic=False,
        check_float32=False,
    )  # float64 closure constants


def test_k_rnn_long_sequence_tensor_inputs_chunked_slicing():
    """T > 16 slices the input through chunks (O(T^1.5) backward); gradients unchanged."""
    from kviz.autodiff import GradientTape, Variable

    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 40, 3))
    w = rng.standard_normal((3, 3)) * 0.3

    def step(x_t, states):
        h = ops.tanh(ops.add(ops.matmul(x_t, w), states[0]))
        return h, [h]

    xv = Variable(x)
    with GradientTape() as tape:
        _, outs, _ = ops.rnn(step, xv, [np.zeros((2, 3))])
        loss = ops.sum(ops.multiply(outs, outs))
    g = tape.gradient(loss, [xv])[0]
    eps = 1e-6
    for idx in [(0, 0, 0), (1, 17, 2), (0, 39, 1), (1, 25, 0)]:
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps

        def f(a):
            return float(np.sum(np.square(ops.rnn(step, a, [np.zeros((2, 3))])[1])))

        np.testing.assert_allclose(g[idx], (f(xp) - f(xm)) / (2 * eps), rtol=1e-5, atol=1e-7)


def test_k_rnn_time_major_and_zero_output():
    x = np.arange(12, dtype="float32").reshape(3, 2, 2)  # (time, batch, features)

    def step(x_t, states):
        s = ops.add(states[0], x_t)
        return s, [s]

    mask = np.array([[1, 0, 1], [1, 1, 1]], bool).T  # time-major, as Keras: (time, batch)
    last, outs, states = ops.rnn(step, x, [np.zeros((2, 2), "float32")], mask=mask,
                                 time_major=True, zero_output_for_mask=True)  # fmt: skip
    assert outs.shape == (3, 2, 2)
    np.testing.assert_array_equal(outs[1, 0], [0, 0])  # masked step outputs zeros
    np.testing.assert_array_equal(states[0][0], x[0, 0] + x[2, 0])


def test_backend_rnn_is_ops_rnn():
    from kviz import backend as K

    assert K.rnn is ops.rnn


def test_symbolic_lstm_shapes():
    from kviz.graph import KerasTensor

    x = KerasTensor((None, 7, 3), "float32")
    h = KerasTensor((None, 5), "float32")
    w, r = np.zeros((3, 20), "float32"), np.zeros((5, 20), "float32")
    out, hh, cc = ops.lstm(x, h, h, w, r, return_sequences=True)
    assert out.shape == (None, 7, 5) and hh.shape == (None, 5) and cc.shape == (None, 5)


def test_shape_errors():
    x = np.zeros((2, 3, 4), "float32")
    with pytest.raises(ValueError, match="do not fit inputs"):
        ops.lstm(x, np.zeros((2, 5)), np.zeros((2, 5)), np.zeros((4, 16)), np.zeros((5, 20)))
    with pytest.raises(ValueError, match=r"\(batch, time, features\)"):
        ops.simple_rnn(np.zeros((2, 3)), np.zeros((2, 5)), np.zeros((3, 5)), np.zeros((5, 5)))
    with pytest.raises(ValueError, match="fused=True"):
        ops.gru(x, np.zeros((2, 5)), np.zeros((4, 15)), np.zeros((5, 15)),
                activation=ops.softsign, fused=True)  # fmt: skip


@pytest.mark.parametrize(
    "module",
    ["kviz.ops.rnn", "kviz.ops.rnn_sequence", "kviz.kernels.rnn", "kviz.kernels.rnn_numpy"],
)
def test_docstring_examples(module):
    __import__(module)
    result = doctest.testmod(sys.modules[module], optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
