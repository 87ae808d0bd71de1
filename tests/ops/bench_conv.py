"""Benchmark of kviz's convolution and pooling (not collected by pytest; run it by hand).

    python tests/ops/bench_conv.py [--repeats 7] [--no-compile] [--epoch]

1. The W2 (``mnist_cnn``) convolutions at batch 128, float32, with bias and ReLU as the layers
   run them, forward and forward+backward (the backward of the first layer computes no input
   gradient, as in training):
   Conv2D(32, 3x3) on 128x28x28x1 and Conv2D(64, 3x3) on 128x26x26x32, and MaxPool(2) on
   128x24x24x64; median of ``--repeats`` runs, with the chunk workers of
   ``kviz.kernels.threads`` at 1 thread and at the default count. Wall-clock and process CPU
   time (all threads) are printed: on a shared machine the wall-clock time includes waiting for
   a core, the CPU time does not.
2. In fresh processes with an empty ``NUMBA_CACHE_DIR``, the time to the end of the first
   conv + pooling forward/backward (compile, cold cache: import numba included), and again
   with that cache filled (warm).
3. ``--epoch``: one W2 epoch (10,000 samples of 28x28x1, batch 128, Adadelta as in the Keras
   example) with ``model.fit``, after a warm-up epoch on 1,280 samples.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def _median(fn, repeats):
    """``(wall, cpu)``: median wall-clock seconds and median CPU seconds of the process (all
    threads). On a shared machine the CPU time is the better measure of the work done."""
    fn()
    walls, cpus = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return float(np.median(walls)), float(np.median(cpus))


def bench_layers(repeats):
    from kviz import ops
    from kviz.autodiff import GradientTape, Variable, gradients
    from kviz.kernels import threads

    rng = np.random.default_rng(0)
    cases = [
        ("Conv2D(32, 3x3) on 128x28x28x1", (128, 28, 28, 1), 32, False),
        ("Conv2D(64, 3x3) on 128x26x26x32", (128, 26, 26, 32), 64, True),
    ]
    default = threads.num_workers()
    rows = []
    for workers in sorted({1, default}):
        threads.set_num_workers(workers)
        for name, shape, filters, need_dx in cases:
            x = rng.standard_normal(shape).astype("float32")
            w = Variable((rng.standard_normal((3, 3, shape[-1], filters)) * 0.1).astype("float32"))
            b = Variable(np.zeros(filters, "float32"))

            def fwd(x=x, w=w, b=b):
                return ops.conv(x, w.data, bias=b.data, activation="relu")

            def fwd_bwd(x=x, w=w, b=b, need_dx=need_dx):
                xv = Variable(x) if need_dx else x
                with GradientTape():
                    y = ops.conv(xv, w, bias=b, activation="relu")
                srcs = [w, b] + ([xv] if need_dx else [])
                return gradients(y, srcs, output_gradient=np.ones(y.shape, "float32"))

            rows.append((name, workers, _median(fwd, repeats), _median(fwd_bwd, repeats)))
        x = Variable(rng.standard_normal((128, 24, 24, 64)).astype("float32"))

        def pool_fb(x=x):
            with GradientTape():
                y = ops.max_pool(x, (2, 2))
            return gradients(y, [x], output_gradient=np.ones(y.shape, "float32"))

        rows.append(
            (
                "MaxPool(2) on 128x24x24x64",
                workers,
                _median(lambda x=x: ops.max_pool(x.data, (2, 2)), repeats),
                _median(pool_fb, repeats),
            )
        )
    threads.set_num_workers(None)
    print(
        f"{'operation':32s} {'workers':>7s} {'forward ms':>11s} {'(cpu ms)':>9s} "
        f"{'fwd+bwd ms':>11s} {'(cpu ms)':>9s}"
    )
    for name, workers, f, fb in rows:
        print(
            f"{name:32s} {workers:7d} {f[0] * 1e3:11.1f} {f[1] * 1e3:9.1f} "
            f"{fb[0] * 1e3:11.1f} {fb[1] * 1e3:9.1f}"
        )


_FIRST_CALL = r"""
import json, time
t0 = time.perf_counter()
import numpy as np
from kviz import ops
from kviz.autodiff import GradientTape, Variable, gradients
t1 = time.perf_counter()
x = Variable(np.ones((2, 8, 8, 3), "float32")); w = Variable(np.ones((3, 3, 3, 4), "float32"))
with GradientTape():
    y = ops.max_pool(ops.conv(x, w, padding="same"), (2, 2))
    z = ops.average_pool(y, (2, 2))
gradients(z, [x, w])
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first_call": t2 - t1}))
"""


def bench_compile():
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=str(REPO))
        for label in ("cold cache", "warm cache", "warm cache"):
            out = subprocess.run(
                [sys.executable, "-c", _FIRST_CALL], env=env, capture_output=True, text=True
            )
            res = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"first conv+pool forward/backward, {label}: {res['first_call']:.2f} s "
                f"(import kviz.ops {res['import']:.2f} s)"
            )


def bench_epoch():
    import kviz
    from kviz import layers as L

    rng = np.random.default_rng(0)
    x = rng.random((10000, 28, 28, 1)).astype("float32")
    y = np.eye(10, dtype="float32")[rng.integers(0, 10, 10000)]
    model = kviz.models.Sequential(
        [
            L.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
            L.Conv2D(64, (3, 3), activation="relu"),
            L.MaxPooling2D((2, 2)),
            L.Dropout(0.25),
            L.Flatten(),
            L.Dense(128, activation="relu"),
            L.Dropout(0.5),
            L.Dense(10, activation="softmax"),
        ]
    )
    model.compile("adadelta", "categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:1280], y[:1280], batch_size=128, epochs=1, verbose=0)
    t, c = time.perf_counter(), time.process_time()
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    print(
        f"W2 epoch (10,000 samples, batch 128): {time.perf_counter() - t:.2f} s "
        f"(process CPU time {time.process_time() - c:.2f} s)"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--epoch", action="store_true")
    args = parser.parse_args()
    bench_layers(args.repeats)
    if not args.no_compile:
        bench_compile()
    if args.epoch:
        bench_epoch()


if __name__ == "__main__":
    main()
