"""Whole-sequence primitives of SimpleRNN, LSTM and GRU: forward over time and backward
through time as one vector-Jacobian product.

Forward, per sequence: the input projection of **all** time steps is one matrix product
``(T*B, F) @ (F, G*U)`` (G = 1, 4, 3 gates); per step there is one product with the
recurrent kernel ``(B, U) @ (U, G*U)`` and one fused gate kernel
(:mod:`kviz.kernels.rnn`). Backward, per step: the gate kernel's adjoint and one product
with the transposed recurrent kernel; the weight gradients are then three large products
over all steps at once (``dW = X^T dZ``, ``dU = H^T dZ``, ``dx = dZ W^T``). Those large
products go through :func:`kviz.kernels.blas.matmul` (more BLAS threads when cores are idle);
the per-step products stay on one thread (too small to split).

The LSTM's time loops (forward and backward) run as one Numba call per chunk of batch rows
when NumPy's BLAS can be called from compiled code (:func:`kviz.kernels.rnn.gemm_address`):
the per-step products are then the same ``cblas_sgemm`` calls ``np.matmul`` makes, with no
Python and no GIL between steps, in row blocks that suit OpenBLAS's small-matrix kernel
(:func:`kviz.kernels.rnn.gemm_block_rows`). Elsewhere, or with
``KVIZ_RNN_SEQUENCE_KERNELS=0``, a Python loop calls the per-step kernels (same results; the
row blocks aside, bit for bit).

Every primitive has a single output, the *packed* array ``(B, To + S, U)``: the outputs
(``To = T`` with ``return_sequences``, else 1: the last output) followed by the S final
states (``h``, and ``c`` for the LSTM). :mod:`kviz.ops.rnn` slices it.

Semantics (Keras 2): time runs over axis 1; with ``go_backwards`` the input is read from the
last step to the first and the outputs come in that processing order. A masked step
(``mask[b, t]`` False) keeps the states of row ``b`` and repeats its previous output (zeros
before the first unmasked step). ``in_mask`` (B, F) and ``rec_mask`` (B, U) are dropout masks
fixed for the whole sequence and shared by the gates (Keras 2.2's ``implementation=2``
layout): the input projection uses ``x * in_mask``, every recurrent product ``h * rec_mask``;
the GRU's ``z * h`` mixing uses the unmasked state.

Dtypes: the arrays are computed in their common float dtype; float32 with the default
activations (tanh, sigmoid) uses the Numba kernels, anything else (float64 for gradient checks,
``hard_sigmoid``, ``relu``...) the exact NumPy step functions.
"""

from __future__ import annotations

import numpy as np

from kviz.kernels import rnn as kr
from kviz.kernels.blas import matmul as _mm
from kviz.kernels.threads import active_workers, run_chunks
from kviz.ops.core import Primitive

__all__ = ["simple_rnn_sequence", "lstm_sequence", "gru_sequence", "N_STATES"]

N_STATES = {"simple_rnn": 1, "lstm": 2, "gru": 1}


# ------------------------------------------------------------------------------ shared setup
def _prepare(x, w, r, mask, go_backwards, in_mask):
    """Time-major inputs ``(T, B, F)`` (reversed for go_backwards), the per-step keep rows
    ``(T, B)`` and the input projection ``(T, B, G*U)`` (without bias)."""
    batch, steps, feat = x.shape
    if in_mask is not None:
        x = x * in_mask[:, None, :]
    xt = x.transpose(1, 0, 2)
    if go_backwards:
        xt = xt[::-1]
    xt = np.ascontiguousarray(xt).reshape(steps * batch, feat)
    if mask is None:
        keep = np.ones((steps, batch), dtype=np.bool_)
    else:
        keep = np.asarray(mask, dtype=np.bool_).T
        keep = np.ascontiguousarray(keep[::-1] if go_backwards else keep)
    xp = _mm(xt, w).reshape(steps, batch, w.shape[1])
    return xt, keep, xp


def _outputs_buffer(steps, batch, units, dtype, return_sequences):
    if return_sequences and steps > 1:
        return np.empty((steps, batch, units), dtype)
    return np.zeros((1, batch, units), dtype)


def _out_slots(out, t, zeros, zero_output=False):
    """(out_prev, out_t) for step t: the sequence buffer, or one row updated in place.
    With ``zero_output`` a masked step outputs zeros instead of the previous output."""
    cur = out[0] if out.shape[0] == 1 else out[t]
    if zero_output:
        return zeros, cur
    if out.shape[0] == 1:
        return cur, cur
    return (out[t - 1] if t else zeros), cur


def _pack(out, states):
    b = out.shape[1]
    parts = [out.transpose(1, 0, 2)] + [s.reshape(b, 1, -1) for s in states]
    return np.concatenate(parts, axis=1)


def _unpack_grad(g, steps, return_sequences, n_states):
    """Gradient of the packed output -> (time-major output gradient or None, initial output
    carry, state gradients)."""
    to = steps if return_sequences else 1
    batch, units = g.shape[0], g.shape[2]
    gstates = [np.array(g[:, to + k]) for k in range(n_states)]
    if return_sequences:
        dout = np.ascontiguousarray(g[:, :to].transpose(1, 0, 2))
        gout = np.zeros((batch, units), g.dtype)
    else:
        dout = None
        gout = np.array(g[:, 0])
    return dout, gout, gstates


def _input_grads(dz2, xt, w, steps, batch, go_backwards, in_mask, need_dx=True):
    """dW, dx from the stacked pre-activation gradients ``dz2`` (T*B, G*U). ``need_dx`` False
    (the input is a constant array, e.g. the data of a first layer) skips dx: one of the six
    large matrix products."""
    dw = _mm(xt.T, dz2)
    if not need_dx:
        return None, dw
    dxt = _mm(dz2, w.T).reshape(steps, batch, -1)
    if go_backwards:
        dxt = dxt[::-1]
    dx = dxt.transpose(1, 0, 2)
    if in_mask is not None:
        dx = dx * in_mask[:, None, :]
    return np.ascontiguousarray(dx), dw


def _common(*arrays):
    dtype = np.result_type(*[a for a in arrays if a is not None])
    if dtype.kind != "f":
        dtype = np.dtype(np.float32)
    return dtype, [None if a is None else np.asarray(a, dtype=dtype) for a in arrays]


def _params(p):
    return (
        p.get("mask"),
        bool(p.get("go_backwards", False)),
        bool(p.get("return_sequences", False)),
        p.get("in_mask"),
        p.get("rec_mask"),
    )


#: Batches of at least this many rows run their time loop in row chunks on the worker pool.
MIN_SPLIT_ROWS = 16


def _row_chunks(batch, k):
    """Batch row ranges for the time loops: one per worker (:mod:`kviz.kernels.threads`) when
    the Numba step kernels run (they release the GIL, as the per-step matrix products do) and
    the batch has at least :data:`MIN_SPLIT_ROWS` rows; else the whole batch in one piece.
    Rows never interact inside a recurrence: the split changes nothing but the rounding of
    the per-step products (BLAS may round a 16-row product differently from a 32-row one)."""
    workers = active_workers()
    if workers < 2 or batch < MIN_SPLIT_ROWS or not getattr(k, "numba", False):
        return [(0, batch)]
    parts = min(workers, batch // (MIN_SPLIT_ROWS // 2))
    edges = [batch * i // parts for i in range(parts + 1)]
    return [(edges[i], edges[i + 1]) for i in range(parts)]


_NO_MASK = np.empty((0, 0), np.float32)
_NO_DOUT = np.empty((0, 0, 0), np.float32)


def _gemm_address(k):
    """The BLAS address for the sequence kernels (:func:`kviz.kernels.rnn.gemm_address`)
    when the Numba step kernels run, else 0 (the time loop runs in Python)."""
    return kr.gemm_address() if getattr(k, "numba", False) else 0


def _zero_output(p):
    return bool(p.get("zero_output", False)) and p.get("mask") is not None


# ----------------------------------------------------------------------------------- SimpleRNN
def _simple_fwd(x, h0, w, r, b=None, **p):
    mask, backwards, seqs, in_mask, rec_mask = _params(p)
    act = p.get("act", 1)
    dtype, (x, h0, w, r, b) = _common(x, h0, w, r, b)
    batch, steps, _ = x.shape
    units = r.shape[0]
    xt, keep, xp = _prepare(x, w, r, mask, backwards, in_mask)
    if b is not None:
        xp += b
    k = kr.steps(dtype, act)
    hs = np.empty((steps + 1, batch, units), dtype)
    hs[0] = h0
    out = _outputs_buffer(steps, batch, units, dtype, seqs)
    zeros = np.zeros((batch, units), dtype)
    zero_out = _zero_output(p)
    rec = np.empty((batch, units), dtype)
    for t in range(steps):
        hd = hs[t] if rec_mask is None else hs[t] * rec_mask
        np.matmul(hd, r, out=rec)
        prev, cur = _out_slots(out, t, zeros, zero_out)
        k.simple_fwd(xp[t], rec, hs[t], prev, keep[t], act, hs[t + 1], cur)
    return _pack(out, [hs[steps]]), (xt, keep, hs)


def _simple_bwd(g, packed, xs, res, p):
    mask, backwards, seqs, in_mask, rec_mask = _params(p)
    act = p.get("act", 1)
    x, h0, w, r, b = xs
    dtype, (w, r) = _common(w, r)
    g = np.asarray(g, dtype)
    xt, keep, hs = res
    steps, batch, units = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    dout, gout, (gh,) = _unpack_grad(g, steps, seqs, 1)
    zero_out = _zero_output(p)
    k = kr.steps(dtype, act)
    dz = np.empty((steps, batch, units), dtype)
    ghr = np.zeros((batch, units), dtype)
    rt = np.ascontiguousarray(r.T)
    dummy = ghr if dout is None else None
    for t in range(steps - 1, -1, -1):
        k.simple_bwd(dummy if dout is None else dout[t], dout is not None, ghr, gh, gout,
                     keep[t], act, hs[t + 1], dz[t])  # fmt: skip
        if zero_out:
            gout.fill(0)
        np.matmul(dz[t], rt, out=ghr)
        if rec_mask is not None:
            ghr *= rec_mask
    dz2 = dz.reshape(steps * batch, units)
    hprev = hs[:steps].reshape(steps * batch, units)
    if rec_mask is not None:
        hprev = (hs[:steps] * rec_mask).reshape(steps * batch, units)
    dr = _mm(hprev.T, dz2)
    dx, dw = _input_grads(dz2, xt, w, steps, batch, backwards, in_mask, p.get("need_dx", True))
    db = None if b is None else dz2.sum(axis=0)
    return dx, gh + ghr, dw, dr, db


simple_rnn_sequence = Primitive("simple_rnn_sequence", _simple_fwd, _simple_bwd)


# ---------------------------------------------------------------------------------------- LSTM
def _lstm_fwd(x, h0, c0, w, r, b=None, **p):
    mask, backwards, seqs, in_mask, rec_mask = _params(p)
    act, ract = p.get("act", 1), p.get("ract", 2)
    dtype, (x, h0, c0, w, r, b) = _common(x, h0, c0, w, r, b)
    batch, steps, _ = x.shape
    units = r.shape[0]
    xt, keep, xp = _prepare(x, w, r, mask, backwards, in_mask)
    if b is not None:
        xp += b
    k = kr.steps(dtype, act, ract)
    hs = np.empty((steps + 1, batch, units), dtype)
    cs = np.empty((steps + 1, batch, units), dtype)
    hs[0], cs[0] = h0, c0
    gates = np.empty((steps, batch, 4 * units), dtype)
    acs = np.empty((steps, batch, units), dtype)
    out = _outputs_buffer(steps, batch, units, dtype, seqs)
    zeros = np.zeros((batch, units), dtype)
    zero_out = _zero_output(p)

    gemm = _gemm_address(k)
    if gemm:  # the whole time loop in one kernel call per row chunk
        r = np.ascontiguousarray(r)
        rmask = _NO_MASK if rec_mask is None else np.ascontiguousarray(rec_mask)
        lstm_fwd_seq = k.lstm_fwd_seq

        def rows(b0, b1):
            rec = np.empty((b1 - b0, 4 * units), dtype)
            hd = _NO_MASK if rec_mask is None else np.empty((b1 - b0, units), dtype)
            blk = kr.gemm_block_rows(b1 - b0, units, 4 * units)
            lstm_fwd_seq(gemm, blk, b0, b1, xp, r, rmask, keep, zero_out, hs, cs, gates, acs,
                         out, rec, hd)  # fmt: skip

    else:

        def rows(b0, b1):  # the time loop for batch rows b0:b1 (rows never interact)
            rec = np.empty((b1 - b0, 4 * units), dtype)
            rm = None if rec_mask is None else rec_mask[b0:b1]
            xp_, hs_, cs_, keep_ = xp[:, b0:b1], hs[:, b0:b1], cs[:, b0:b1], keep[:, b0:b1]
            gates_, acs_ = gates[:, b0:b1], acs[:, b0:b1]
            for t in range(steps):
                hd = hs_[t] if rm is None else hs_[t] * rm
                np.matmul(hd, r, out=rec)
                prev, cur = _out_slots(out, t, zeros, zero_out)
                k.lstm_fwd(xp_[t], rec, hs_[t], cs_[t], prev[b0:b1], keep_[t], act, ract,
                           gates_[t], acs_[t], hs_[t + 1], cs_[t + 1], cur[b0:b1])  # fmt: skip

    run_chunks(rows, _row_chunks(batch, k))
    return _pack(out, [hs[steps], cs[steps]]), (xt, keep, hs, cs, gates, acs)


def _lstm_bwd(g, packed, xs, res, p):
    mask, backwards, seqs, in_mask, rec_mask = _params(p)
    act, ract = p.get("act", 1), p.get("ract", 2)
    x, h0, c0, w, r, b = xs
    dtype, (w, r) = _common(w, r)
    g = np.asarray(g, dtype)
    xt, keep, hs, cs, gates, acs = res
    steps, batch, units = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    dout, gout, (gh, gc) = _unpack_grad(g, steps, seqs, 2)
    zero_out = _zero_output(p)
    k = kr.steps(dtype, act, ract)
    dz = np.empty((steps, batch, 4 * units), dtype)
    ghr = np.zeros((batch, units), dtype)
    rt = np.ascontiguousarray(r.T)

    gemm = _gemm_address(k)
    if gemm:  # the whole time loop in one kernel call per row chunk
        rmask = _NO_MASK if rec_mask is None else np.ascontiguousarray(rec_mask)
        dout_arr = _NO_DOUT if dout is None else dout
        lstm_bwd_seq = k.lstm_bwd_seq

        def rows(b0, b1):
            blk = kr.gemm_block_rows(b1 - b0, 4 * units, units)
            lstm_bwd_seq(gemm, blk, b0, b1, dout_arr, dout is not None, rt, rmask, keep,
                         zero_out, gates, acs, cs, ghr, gh, gc, gout, dz, np.empty(units, dtype))  # fmt: skip

    else:

        def rows(b0, b1):  # backward through time for batch rows b0:b1
            tmp = np.empty((2, units), dtype)
            ghr_, gh_, gc_, gout_ = ghr[b0:b1], gh[b0:b1], gc[b0:b1], gout[b0:b1]
            rm = None if rec_mask is None else rec_mask[b0:b1]
            dout_ = None if dout is None else dout[:, b0:b1]
            keep_, gates_, acs_, cs_, dz_ = (
                keep[:, b0:b1], gates[:, b0:b1], acs[:, b0:b1], cs[:, b0:b1], dz[:, b0:b1],
            )  # fmt: skip
            for t in range(steps - 1, -1, -1):
                k.lstm_bwd(ghr_ if dout_ is None else dout_[t], dout_ is not None, ghr_, gh_,
                           gc_, gout_, keep_[t], act, ract, gates_[t], acs_[t], cs_[t], dz_[t],
                           tmp)  # fmt: skip
                if zero_out:
                    gout_.fill(0)
                np.matmul(dz_[t], rt, out=ghr_)
                if rm is not None:
                    ghr_ *= rm

    run_chunks(rows, _row_chunks(batch, k))
    dz2 = dz.reshape(steps * batch, 4 * units)
    hprev = hs[:steps] if rec_mask is None else hs[:steps] * rec_mask
    dr = _mm(hprev.reshape(steps * batch, units).T, dz2)
    dx, dw = _input_grads(dz2, xt, w, steps, batch, backwards, in_mask, p.get("need_dx", True))
    db = None if b is None else dz2.sum(axis=0)
    return dx, gh + ghr, gc, dw, dr, db


lstm_sequence = Primitive("lstm_sequence", _lstm_fwd, _lstm_bwd)


# ----------------------------------------------------------------------------------------- GRU
def _gru_fwd(x, h0, w, r, b=None, **p):
    if p.get("reset_after", True):
        return _gru_after_fwd(x, h0, w, r, b, **p)
    return _gru_before_fwd(x, h0, w, r, b, **p)


def _gru_bwd(g, packed, xs, res, p):
    if p.get("reset_after", True):
        return _gru_after_bwd(g, packed, xs, res, p)
    return _gru_before_bwd(g, packed, xs, res, p)


def _gru_after_fwd(x, h0, w, r, b=None, **p):
    mask, backwards, seqs, in_mask, rec_mask = _params(p)
    act, ract = p.get("act", 1), p.get("ract", 2)
    dtype, (x, h0, w, r, b) = _common(x, h0, w, r, b)
    batch, steps, _ = x.shape
    units = r.shape[0]
    xt, keep, xp = _prepare(x, w, r, mask, backwards, in_mask)
    if b is not None:
        xp += b[0]
        brec = np.ascontiguousarray(b[1])
    else:
        brec = np.zeros(3 * units, dtype)
    k = kr.steps(dtype, act, ract)
    hs = np.empty((steps + 1, batch, units), dtype)
    hs[0] = h0
    gates = np.empty((steps, batch, 4 * units), dtype)
    out = _outputs_buffer(steps, batch, units, dtype, seqs)
    zeros = np.zeros((batch, units), dtype)
    zero_out = _zero_output(p)
    rec = np.empty((batch, 3 * units), dtype)
    tmp = np.empty(3 * units, dtype)
    for t in range(steps):
        hd = hs[t] if rec_mask is None else hs[t] * rec_mask
        np.matmul(hd, r, out=rec)
        prev, cur = _out_slots(out, t, zeros, zero_out)
        k.gru_fwd(xp[t], rec, brec, hs[t], prev, keep[t], act, ract, gates[t], hs[t + 1], cur,
                  tmp)  # fmt: skip
    return _pack(out, [hs[steps]]), (xt, keep, hs, gates)


def _gru_after_bwd(g, packed, xs, res, p):
    mask, backwards, seqs, in_mask, rec_mask = _params(p)
    act, ract = p.get("act", 1), p.get("ract", 2)
    x, h0, w, r, b = xs
    dtype, (w, r) = _common(w, r)
    g = np.asarray(g, dtype)
    xt, keep, hs, gates = res
    steps, batch, units = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    dout, gout, (gh,) = _unpack_grad(g, steps, seqs, 1)
    zero_out = _zero_output(p)
    k = kr.steps(dtype, act, ract)
    dxp = np.empty((steps, batch, 3 * units), dtype)
    drec = np.empty((steps, batch, 3 * units), dtype)
    ghr = np.zeros((batch, units), dtype)
    tmp = np.empty((1, units), dtype)
    rt = np.ascontiguousarray(r.T)
    for t in range(steps - 1, -1, -1):
        k.gru_bwd(ghr if dout is None else dout[t], dout is not None, ghr, gh, gout, keep[t],
                  act, ract, gates[t], hs[t], dxp[t], drec[t], tmp)  # fmt: skip
        if zero_out:
            gout.fill(0)
        np.matmul(drec[t], rt, out=ghr)
        if rec_mask is not None:
            ghr *= rec_mask
    dx2 = dxp.reshape(steps * batch, 3 * units)
    dr2 = drec.reshape(steps * batch, 3 * units)
    hprev = hs[:steps] if rec_mask is None else hs[:steps] * rec_mask
    dr = _mm(hprev.reshape(steps * batch, units).T, dr2)
    dx, dw = _input_grads(dx2, xt, w, steps, batch, backwards, in_mask, p.get("need_dx", True))
    db = None if b is None else np.stack([dx2.sum(axis=0), dr2.sum(axis=0)])
    return dx, gh + ghr, dw, dr, db


def _gru_before_fwd(x, h0, w, r, b=None, **p):
    mask, backwards, seqs, in_mask, rec_mask = _params(p)
    act, ract = p.get("act", 1), p.get("ract", 2)
    dtype, (x, h0, w, r, b) = _common(x, h0, w, r, b)
    batch, steps, _ = x.shape
    units = r.shape[0]
    xt, keep, xp = _prepare(x, w, r, mask, backwards, in_mask)
    if b is not None:
        xp += b
    r_zr, r_h = np.ascontiguousarray(r[:, : 2 * units]), np.ascontiguousarray(r[:, 2 * units :])
    k = kr.steps(dtype, act, ract)
    hs = np.empty((steps + 1, batch, units), dtype)
    hs[0] = h0
    gates = np.empty((steps, batch, 3 * units), dtype)
    rins = np.empty((steps, batch, units), dtype)
    out = _outputs_buffer(steps, batch, units, dtype, seqs)
    zeros = np.zeros((batch, units), dtype)
    zero_out = _zero_output(p)
    rec = np.empty((batch, 2 * units), dtype)
    rh = np.empty((batch, units), dtype)
    for t in range(steps):
        hd = hs[t] if rec_mask is None else hs[t] * rec_mask
        np.matmul(hd, r_zr, out=rec)
        k.gru1_fwd_a(xp[t], rec, hd, ract, gates[t], rins[t])
        np.matmul(rins[t], r_h, out=rh)
        prev, cur = _out_slots(out, t, zeros, zero_out)
        k.gru1_fwd_b(xp[t], rh, hs[t], prev, keep[t], act, gates[t], hs[t + 1], cur)
    return _pack(out, [hs[steps]]), (xt, keep, hs, gates, rins)


def _gru_before_bwd(g, packed, xs, res, p):
    mask, backwards, seqs, in_mask, rec_mask = _params(p)
    act, ract = p.get("act", 1), p.get("ract", 2)
    x, h0, w, r, b = xs
    dtype, (w, r) = _common(w, r)
    g = np.asarray(g, dtype)
    xt, keep, hs, gates, rins = res
    steps, batch, units = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    dout, gout, (gh,) = _unpack_grad(g, steps, seqs, 1)
    zero_out = _zero_output(p)
    k = kr.steps(dtype, act, ract)
    rt_zr = np.ascontiguousarray(r[:, : 2 * units].T)
    rt_h = np.ascontiguousarray(r[:, 2 * units :].T)
    dxp = np.empty((steps, batch, 3 * units), dtype)
    ghr = np.zeros((batch, units), dtype)
    ghd = np.empty((batch, units), dtype)
    drin = np.empty((batch, units), dtype)
    tmp = np.empty((1, units), dtype)
    hds = hs[:steps] if rec_mask is None else hs[:steps] * rec_mask
    for t in range(steps - 1, -1, -1):
        k.gru1_bwd_a(ghr if dout is None else dout[t], dout is not None, ghr, gh, gout,
                     keep[t], act, ract, gates[t], hs[t], dxp[t], tmp)  # fmt: skip
        if zero_out:
            gout.fill(0)
        np.matmul(dxp[t, :, 2 * units :], rt_h, out=drin)
        k.gru1_bwd_b(drin, hds[t], ract, gates[t], dxp[t], ghd)
        np.matmul(dxp[t, :, : 2 * units], rt_zr, out=ghr)
        ghr += ghd
        if rec_mask is not None:
            ghr *= rec_mask
    dx2 = dxp.reshape(steps * batch, 3 * units)
    dr_zr = _mm(hds.reshape(steps * batch, units).T, dx2[:, : 2 * units])
    dr_h = _mm(rins.reshape(steps * batch, units).T, dx2[:, 2 * units :])
    dr = np.concatenate([dr_zr, dr_h], axis=1)
    dx, dw = _input_grads(dx2, xt, w, steps, batch, backwards, in_mask, p.get("need_dx", True))
    db = None if b is None else dx2.sum(axis=0)
    return dx, gh + ghr, dw, dr, db


gru_sequence = Primitive("gru_sequence", _gru_fwd, _gru_bwd)
