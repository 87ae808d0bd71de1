"""What ``LivePlot`` costs on a fast fit: the W1 ``mnist_mlp`` epoch with and without it.

    python benchmarks/liveplot_overhead.py [--quick] [--repeats 3] [--interval 0.3]

W1: 784-512-512-10 MLP, dropout 0.2, RMSprop, 60,000 synthetic MNIST-like samples (the
benchmark suite's teacher data), batch 128 (469 steps an epoch). No Jupyter is needed: the
widget runs with a fake comm that does what a kernel's comm does with every message, JSON
encoding of the content plus the binary buffers (``json.dumps``), and drops the result; the
display calls are replaced by functions that build the same mime bundles. So the measured cost
is all of the callback's Python work, payload building and trait serialization included, but
not the browser's.

The machine this runs on is shared and loaded, so every figure is **CPU time of this process**
(``time.process_time``), not wall time, and each is the median of ``--repeats`` runs:

* ``epoch`` - one epoch of ``fit`` without LivePlot, and with LivePlot (A/B, interleaved);
* ``hooks`` - the CPU time spent inside LivePlot's hooks during one epoch, measured directly
  around each hook call (less noisy than the A/B difference); the train-end work (drawing the
  final figure as PNG, once per ``fit``) is reported on its own.

The overhead printed is ``hooks / epoch`` (and the A/B difference for comparison).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as C  # noqa: E402


class JsonComm:
    """Stands in for ipykernel's comm: serializes each message as the kernel would."""

    comm_id = "liveplot-benchmark"
    kernel = True

    def __init__(self):
        self.messages = 0
        self.bytes = 0

    def on_msg(self, callback):
        pass

    def send(self, data=None, metadata=None, buffers=None):
        self.messages += 1
        self.bytes += len(json.dumps(data, separators=(",", ":"), default=str))
        self.bytes += sum(len(memoryview(b).cast("B")) for b in buffers or [])

    def close(self, *args, **kwargs):
        pass


HOOKS = ("on_train_begin", "on_epoch_begin", "on_train_batch_end", "on_epoch_end")


def timed_liveplot(interval, comm):
    """A LivePlot whose hooks add their CPU time to ``plot.cpu`` (train end to ``plot.cpu_end``)."""
    from kviz.widgets import live_plot
    from kviz.widgets.live_plot import LivePlot

    live_plot._display = lambda bundle, display_id: None
    live_plot._update_display = lambda bundle, display_id: None

    class Timed(LivePlot):
        cpu = 0.0
        cpu_end = 0.0

    def wrap(name):
        base = getattr(LivePlot, name)

        def hook(self, *args, **kwargs):
            t = time.process_time()
            try:
                return base(self, *args, **kwargs)
            finally:
                self.cpu += time.process_time() - t

        return hook

    for name in HOOKS:
        setattr(Timed, name, wrap(name))

    def on_train_end(self, logs=None):
        t = time.process_time()
        LivePlot.on_train_end(self, logs)
        self.cpu_end += time.process_time() - t

    Timed.on_train_end = on_train_end
    plot = Timed(mode="widget", update_interval=interval)
    plot.widget.comm = comm
    return plot


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="6,000 samples instead of 60,000")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--interval", type=float, default=0.3, help="LivePlot update_interval (s)")
    args = ap.parse_args()

    import kviz
    from kviz import layers, models, optimizers, utils

    n = C.size("W1", "n", args.quick)
    batch = C.size("W1", "batch", args.quick)
    x, y, _ = C.mnist_like(n)
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
    print(f"kviz {getattr(kviz, '__version__', '?')}: W1 mnist_mlp, {n} samples, batch {batch}")
    print("all times are CPU times of this process (time.process_time), medians of "
          f"{args.repeats} runs")  # fmt: skip

    def epoch(callbacks):
        t = time.process_time()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, callbacks=callbacks)
        return time.process_time() - t

    epoch([])  # warm-up: Numba kernels, BLAS, first-call caches
    plain, with_plot, hooks, ends, msgs, sent = [], [], [], [], [], []
    for _ in range(args.repeats):
        plain.append(epoch([]))
        comm = JsonComm()
        plot = timed_liveplot(args.interval, comm)
        with_plot.append(epoch([plot]))
        hooks.append(plot.cpu)
        ends.append(plot.cpu_end)
        msgs.append(comm.messages)
        sent.append(comm.bytes)
    med = statistics.median
    base, with_lp = med(plain), med(with_plot)
    hook_cpu, end_cpu = med(hooks), med(ends)
    result = {
        "samples": n,
        "epoch_cpu_s": base,
        "epoch_with_liveplot_cpu_s": with_lp,
        "liveplot_hooks_cpu_s": hook_cpu,
        "liveplot_final_figure_cpu_s": end_cpu,
        "overhead_pct": 100.0 * hook_cpu / base,
        "ab_difference_pct": 100.0 * (with_lp - end_cpu - base) / base,
        "messages_per_epoch": med(msgs),
        "bytes_per_epoch": med(sent),
        "update_interval_s": args.interval,
    }
    print(f"  epoch without LivePlot:       {base:7.3f} s CPU   (runs: "
          + ", ".join(f"{v:.3f}" for v in plain) + ")")  # fmt: skip
    print(f"  epoch with LivePlot:          {with_lp:7.3f} s CPU   (runs: "
          + ", ".join(f"{v:.3f}" for v in with_plot) + ")")  # fmt: skip
    print(f"  LivePlot hooks in the epoch:  {hook_cpu:7.4f} s CPU   "
          f"({result['messages_per_epoch']} messages, {result['bytes_per_epoch'] / 1e3:.1f} kB)")  # fmt: skip
    print(f"  final figure at train end:    {end_cpu:7.3f} s CPU   (once per fit)")
    print(f"LivePlot overhead per epoch: {result['overhead_pct']:.2f} % "
          f"(hooks / epoch; A/B difference without the final figure: "
          f"{result['ab_difference_pct']:+.2f} %)")  # fmt: skip
    C.emit(result)


if __name__ == "__main__":
    main()
