"""NumPy versions of the recurrent step functions in :mod:`kviz.kernels.rnn` (same signatures).

They take every activation code (:data:`kviz.kernels.rnn.ACTIVATIONS`) and any float dtype,
use NumPy's exact ``tanh``/``exp``, and are what runs for float64 (gradient checks), for
activations other than tanh/sigmoid (Keras 2.2's ``hard_sigmoid``, ``relu``...) and without
numba. Masked rows (``keep`` False) keep their state and repeat their previous output.

>>> import numpy as np
>>> derivative(activate(np.zeros(2), 2), 2).tolist()   # sigmoid'(0)
[0.25, 0.25]
"""

from __future__ import annotations

import numpy as np

__all__ = ["activate", "derivative"]


def activate(x, code):
    """NumPy activation by code (exact ``exp``/``tanh``)."""
    if code == 1:
        return np.tanh(x)
    if code == 2:
        one = x.dtype.type(1)
        return one / (one + np.exp(-x))
    if code == 3:
        return np.clip(x * x.dtype.type(0.2) + x.dtype.type(0.5), 0, 1).astype(x.dtype, copy=False)
    if code == 4:
        return np.maximum(x, 0)
    return x


def derivative(y, code):
    """``act'(x)`` from ``y = act(x)``, in NumPy."""
    one = y.dtype.type(1)
    if code == 1:
        return one - y * y
    if code == 2:
        return y * (one - y)
    if code == 3:
        return np.where((y > 0) & (y < 1), y.dtype.type(0.2), y.dtype.type(0))
    if code == 4:
        return (y > 0).astype(y.dtype)
    return np.ones_like(y)


def _rows(keep, new, old):
    """``new`` where ``keep`` (per row), else ``old``."""
    return np.where(keep[:, None], new, old)


def simple_fwd_numpy(xp, rec, h_prev, out_prev, keep, act, h, out):
    hn = activate(xp + rec, act)
    h[...] = _rows(keep, hn, h_prev)
    out[...] = _rows(keep, hn, out_prev)


def _total(ghr, gh, gout, dout, has_dout):
    go = gout + dout if has_dout else gout
    return gh + ghr, go


def _carry(keep, gstate, go, gh, gout, direct=None):
    """Update the carries: kept rows pass ``direct`` (or 0) on, masked rows pass everything."""
    gh[...] = _rows(keep, 0 if direct is None else direct, gstate)
    gout[...] = _rows(keep, 0, go)


def simple_bwd_numpy(dout, has_dout, ghr, gh, gout, keep, act, h, dz):
    gs, go = _total(ghr, gh, gout, dout, has_dout)
    dz[...] = _rows(keep, (gs + go) * derivative(h, act), 0)
    _carry(keep, gs, go, gh, gout)


def lstm_fwd_numpy(xp, rec, h_prev, c_prev, out_prev, keep, act, ract, gates, ac, h, c, out):
    u = h.shape[1]
    z = xp + rec
    gates[:, : 2 * u] = activate(z[:, : 2 * u], ract)
    gates[:, 2 * u : 3 * u] = activate(z[:, 2 * u : 3 * u], act)
    gates[:, 3 * u :] = activate(z[:, 3 * u :], ract)
    i, f, g, o = gates[:, :u], gates[:, u : 2 * u], gates[:, 2 * u : 3 * u], gates[:, 3 * u :]
    cn = f * c_prev + i * g
    ac[...] = activate(cn, act)
    hn = o * ac
    h[...] = _rows(keep, hn, h_prev)
    c[...] = _rows(keep, cn, c_prev)
    out[...] = _rows(keep, hn, out_prev)


def lstm_bwd_numpy(dout, has_dout, ghr, gh, gc, gout, keep, act, ract, gates, ac, c_prev, dz, tmp):
    u = gh.shape[1]
    gs, go = _total(ghr, gh, gout, dout, has_dout)
    dh = gs + go
    i, f, g, o = gates[:, :u], gates[:, u : 2 * u], gates[:, 2 * u : 3 * u], gates[:, 3 * u :]
    dc = gc + dh * o * derivative(ac, act)
    d = np.concatenate(
        [
            dc * g * derivative(i, ract),
            dc * c_prev * derivative(f, ract),
            dc * i * derivative(g, act),
            dh * ac * derivative(o, ract),
        ],
        axis=1,
    )
    dz[...] = _rows(keep, d, 0)
    gc[...] = _rows(keep, dc * f, gc)
    _carry(keep, gs, go, gh, gout)


def gru_fwd_numpy(xp, rec, brec, h_prev, out_prev, keep, act, ract, gates, h, out, tmp):
    u = h.shape[1]
    rb = rec + brec
    zr = activate(xp[:, : 2 * u] + rb[:, : 2 * u], ract)
    z, r = zr[:, :u], zr[:, u:]
    rh = rb[:, 2 * u :]
    hh = activate(xp[:, 2 * u :] + r * rh, act)
    gates[...] = np.concatenate([z, r, hh, rh], axis=1)
    hn = z * h_prev + (1 - z) * hh
    h[...] = _rows(keep, hn, h_prev)
    out[...] = _rows(keep, hn, out_prev)


def gru_bwd_numpy(dout, has_dout, ghr, gh, gout, keep, act, ract, gates, h_prev, dxp, drec, tmp):
    u = gh.shape[1]
    gs, go = _total(ghr, gh, gout, dout, has_dout)
    dh = gs + go
    z, r, hh, rh = (gates[:, k * u : (k + 1) * u] for k in range(4))
    dzp = dh * (h_prev - hh) * derivative(z, ract)
    dah = dh * (1 - z) * derivative(hh, act)
    drp = dah * rh * derivative(r, ract)
    dxp[...] = _rows(keep, np.concatenate([dzp, drp, dah], axis=1), 0)
    drec[...] = _rows(keep, np.concatenate([dzp, drp, dah * r], axis=1), 0)
    _carry(keep, gs, go, gh, gout, direct=dh * z)


def gru1_fwd_a_numpy(xp, rec, hd, ract, gates, rin):
    u = hd.shape[1]
    gates[:, : 2 * u] = activate(xp[:, : 2 * u] + rec, ract)
    rin[...] = gates[:, u : 2 * u] * hd


def gru1_fwd_b_numpy(xp, rh, h_prev, out_prev, keep, act, gates, h, out):
    u = h.shape[1]
    hh = activate(xp[:, 2 * u :] + rh, act)
    gates[:, 2 * u : 3 * u] = hh
    z = gates[:, :u]
    hn = z * h_prev + (1 - z) * hh
    h[...] = _rows(keep, hn, h_prev)
    out[...] = _rows(keep, hn, out_prev)


def gru1_bwd_a_numpy(dout, has_dout, ghr, gh, gout, keep, act, ract, gates, h_prev, dxp, tmp):
    u = gh.shape[1]
    gs, go = _total(ghr, gh, gout, dout, has_dout)
    dh = gs + go
    z, hh = gates[:, :u], gates[:, 2 * u : 3 * u]
    dxp[:, :u] = _rows(keep, dh * (h_prev - hh) * derivative(z, ract), 0)
    dxp[:, 2 * u :] = _rows(keep, dh * (1 - z) * derivative(hh, act), 0)
    _carry(keep, gs, go, gh, gout, direct=dh * z)


def gru1_bwd_b_numpy(drin, hd, ract, gates, dxp, ghd):
    u = hd.shape[1]
    r = gates[:, u : 2 * u]
    dxp[:, u : 2 * u] = drin * hd * derivative(r, ract)
    ghd[...] = drin * r
