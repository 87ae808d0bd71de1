"""Dev tool: CPU time of one W3 training step (``Embedding(20000,128)-LSTM(128)-Dense(1)``, Adam,
batch 32, sequences of 80) and of the LSTM primitive's forward and backward passes alone.

CPU time (``time.process_time``), not wall time, so that the figures do not depend on what
other processes do on a shared machine; run it on one thread for load-independent figures::

    KVIZ_BLAS_THREADS=1 KVIZ_NUM_THREADS=1 .venv/bin/python benchmarks/profile_w3.py
    .venv/bin/python benchmarks/profile_w3.py --calls 40       # default threading (2 workers)

It prints the median (and the lower quartile) in ms over ``--calls`` calls after a few warm-up
calls: ``train_on_batch`` (forward + backward + update), then ``lstm_sequence`` forward and
backward on W3-shaped float32 arrays. With more than one thread CPU time adds up the threads;
``--wall`` reports wall time instead. ``--ab`` alternates, call by call, the whole-sequence
kernels with the per-step Python loop (``kviz.kernels.rnn.set_gemm_address(0)``), so that both
see the same load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as C  # noqa: E402
import numpy as np  # noqa: E402


def _stats(times):
    ms = sorted(1000 * t for t in times)
    return f"median {statistics.median(ms):7.2f} ms  q1 {ms[len(ms) // 4]:7.2f} ms  (n={len(ms)})"


def _timed(fn, calls, warmup, clock):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(calls):
        t0 = clock()
        fn()
        out.append(clock() - t0)
    return out


def _report(name, fn, args, clock):
    """Time ``fn``; with ``--ab`` alternately with and without the sequence kernels."""
    if not args.ab:
        print(f"{name:24s}", _stats(_timed(fn, args.calls, args.warmup, clock)))
        return
    from kviz.kernels import rnn as kr

    times = {"sequence kernels": [], "per-step loop": []}
    addr = kr.gemm_address()
    for i in range(2 * (args.calls + args.warmup)):
        label = "per-step loop" if i % 2 else "sequence kernels"
        kr.set_gemm_address(0 if i % 2 else addr)
        t0 = clock()
        fn()
        if i >= 2 * args.warmup:
            times[label].append(clock() - t0)
    kr.set_gemm_address(None)
    for label, ts in times.items():
        print(f"{name:24s}", _stats(ts), label)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--wall", action="store_true", help="wall time instead of CPU time")
    ap.add_argument("--skip-model", action="store_true", help="only the LSTM primitive")
    ap.add_argument("--ab", action="store_true", help="sequence kernels vs per-step loop")
    args = ap.parse_args(argv)
    clock = time.perf_counter if args.wall else time.process_time

    from kviz import layers as L
    from kviz import models, optimizers, utils
    from kviz.kernels import blas
    from kviz.ops import rnn_sequence as rs

    utils.set_random_seed(C.SEED)
    vocab, maxlen, batch = C.SIZES["W3"]["vocab"], C.SIZES["W3"]["maxlen"], 32
    x, y = C.imdb_like(batch * 8, vocab, maxlen)
    print(f"threads: {blas.describe()}")
    if not args.skip_model:
        model = models.Sequential(
            [
                L.Input(shape=(maxlen,), dtype="int32"),
                L.Embedding(vocab, 128),
                L.LSTM(128),
                L.Dense(1, activation="sigmoid"),
            ]
        )
        model.compile(loss="binary_crossentropy", optimizer=optimizers.Adam(learning_rate=0.001))
        step = iter(range(10**9))

        def train():
            i = next(step) % 8
            model.train_on_batch(x[i * batch : (i + 1) * batch], y[i * batch : (i + 1) * batch])

        _report("train_on_batch(32)", train, args, clock)

    rng = np.random.default_rng(0)
    units = 128
    xs = rng.standard_normal((batch, maxlen, 128)).astype(np.float32)
    h0 = np.zeros((batch, units), np.float32)
    w = (0.1 * rng.standard_normal((128, 4 * units))).astype(np.float32)
    r = (0.1 * rng.standard_normal((units, 4 * units))).astype(np.float32)
    b = np.zeros(4 * units, np.float32)
    p = {"need_dx": True, "mask": None, "go_backwards": False, "return_sequences": False}
    inputs = (xs, h0, h0, w, r, b)
    prim = rs.lstm_sequence
    g = np.zeros((batch, 3, units), np.float32)
    g[:, 0] = rng.standard_normal((batch, units)).astype(np.float32)
    res = {}

    def fwd():
        with blas.compute():
            res["out"] = prim.forward(*inputs, **p)

    def bwd():
        packed, saved = res["out"]
        with blas.compute():
            prim.backward(g, packed, inputs, saved, p)

    _report("lstm_sequence forward", fwd, args, clock)
    if args.ab:
        fwd()  # the residuals of the path measured last
    _report("lstm_sequence backward", bwd, args, clock)


if __name__ == "__main__":
    main()
