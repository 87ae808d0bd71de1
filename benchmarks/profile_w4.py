"""CPU time of W4's per-call work: ``train_on_batch`` of 32 and ``model.predict`` of one sample.

    KVIZ_BLAS_THREADS=1 KVIZ_NUM_THREADS=1 python benchmarks/profile_w4.py [--calls 200]
        [--repeats 5] [--profile] [--sort tottime] [--top 40]

The W1 model of ``benchmarks/worker_keras.py`` (784-512(relu)-Dropout(0.2)-512(relu)-
Dropout(0.2)-10(softmax), RMSprop, categorical cross-entropy, ``metrics=['accuracy']``) on the
benchmark suite's synthetic data. After a warm-up of 100 calls (so that the optimizer has left
its first-updates NumPy path, see ``docs/performance.md``), it times ``--calls`` consecutive
calls ``--repeats`` times and prints the median and the best CPU milliseconds per call
(``time.process_time``: the machine is shared, so wall time is noisy; with one BLAS thread the
CPU time of the process is the work done). ``--profile`` also runs one block of calls under
``cProfile`` and prints the top functions.

It prints also the CPU time of the matrix products alone (the eight forward/backward products
of one step, timed as plain NumPy on the same shapes and in the same forms as kviz computes
them), the floor that the step is measured against.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

os.environ.setdefault("KVIZ_BLAS_THREADS", "1")
os.environ.setdefault("KVIZ_NUM_THREADS", "1")

import _common as C  # noqa: E402
import numpy as np  # noqa: E402


def build():
    from kviz import layers, models, optimizers, utils

    utils.set_random_seed(C.SEED)
    model = models.Sequential(
        [
            layers.Input(shape=(784,)),
            layers.Dense(512, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(512, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        loss="categorical_crossentropy",
        optimizer=optimizers.RMSprop(learning_rate=0.001),
        metrics=["accuracy"],
    )
    return model


def cpu_ms_per_call(fn, calls, repeats):
    per = []
    for _ in range(repeats):
        t = time.process_time()
        for _ in range(calls):
            fn()
        per.append((time.process_time() - t) / calls * 1e3)
    return statistics.median(per), min(per)


def gemm_floor(calls, repeats):
    """The step's matrix products alone, as plain NumPy float32 products, one BLAS thread: three
    forward, three weight gradients, the input gradients of layers 2 and 3."""
    rng = np.random.default_rng(0)
    x = rng.random((32, 784), dtype=np.float32)
    w1 = rng.random((784, 512), dtype=np.float32)
    w2 = rng.random((512, 512), dtype=np.float32)
    w3 = rng.random((512, 10), dtype=np.float32)
    h = rng.random((32, 512), dtype=np.float32)
    g3 = rng.random((32, 10), dtype=np.float32)

    def step():
        a = x @ w1
        b = a @ w2
        b @ w3
        h.T @ g3
        g3 @ w3.T
        h.T @ h
        np.ascontiguousarray((w2 @ h.T).T)  # h @ w2.T, in the form kviz uses (ops.linalg)
        x.T @ h

    from kviz.kernels import blas

    with blas.compute():
        return cpu_ms_per_call(step, calls, repeats)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calls", type=int, default=200)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--profile", action="store_true")
    p.add_argument("--sort", default="tottime")
    p.add_argument("--top", type=int, default=40)
    a = p.parse_args()

    model = build()
    x, y, _ = C.mnist_like(64)
    xb, yb, x1 = x[:32], y[:32], x[:1]
    train = lambda: model.train_on_batch(xb, yb)  # noqa: E731
    predict = lambda: model.predict(x1, verbose=0)  # noqa: E731
    for _ in range(100):
        train()
        predict()
    tob = cpu_ms_per_call(train, a.calls, a.repeats)
    pred = cpu_ms_per_call(predict, a.calls, a.repeats)
    floor = gemm_floor(a.calls, a.repeats)
    print(f"train_on_batch(32): {tob[0]:.3f} ms CPU median, {tob[1]:.3f} best")
    print(f"predict(1):         {pred[0]:.4f} ms CPU median, {pred[1]:.4f} best")
    print(f"GEMM floor:         {floor[0]:.3f} ms CPU median, {floor[1]:.3f} best")
    if a.profile:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(a.calls):
            train()
        prof.disable()
        pstats.Stats(prof).sort_stats(a.sort).print_stats(a.top)


if __name__ == "__main__":
    main()
