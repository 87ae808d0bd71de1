"""Where a W2 (``mnist_cnn``) training step of kviz spends its time: a developer's tool.

    KVIZ_NUM_THREADS=1 KVIZ_BLAS_THREADS=1 python benchmarks/profile_w2.py [--steps 20] [--profile]

Builds the W2 model of ``benchmarks/run.py`` (Conv32-Conv64-MaxPool-Dropout-Dense128-Dense10,
Adadelta, batch 128) in kviz, runs ``train_on_batch`` on synthetic 28x28x1 images and prints
the median wall and CPU time of a step. On a shared machine compare CPU times with one worker
and one BLAS thread (as above): they do not depend on what else runs. ``--profile`` adds a
cProfile table of the functions with the most own time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import _common as C  # noqa: E402


def build():
    import worker_keras

    import kviz

    return worker_keras.cnn(kviz)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args(argv)
    x, y, _ = C.mnist_like(128 * 4, flat=False)
    model = build()
    batches = [(x[i : i + 128], y[i : i + 128]) for i in range(0, len(x), 128)]
    for xb, yb in batches:  # warm-up: compile / load kernels
        model.train_on_batch(xb, yb)
    walls, cpus = [], []
    prof = cProfile.Profile() if args.profile else None
    for i in range(args.steps):
        xb, yb = batches[i % len(batches)]
        w0, c0 = time.perf_counter(), time.process_time()
        if prof:
            prof.enable()
        model.train_on_batch(xb, yb)
        if prof:
            prof.disable()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    print(
        f"W2 step (batch 128): wall {1e3 * statistics.median(walls):.1f} ms, "
        f"CPU {1e3 * statistics.median(cpus):.1f} ms (median of {args.steps})"
    )
    if prof:
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
