"""A Keras-style progress bar for the terminal and for notebooks.

In a terminal or a notebook it rewrites one line in place (``\\r``), throttled to a few
updates per second, so Jupyter output does not grow a line per batch. Elsewhere (files,
CI logs) it prints the final line of each epoch only.

>>> import io
>>> out = io.StringIO()
>>> bar = Progbar(3, stream=out, dynamic=False)
>>> for i in range(1, 4):
...     bar.update(i, [('loss', 0.5)])
>>> 'loss: 0.5000' in out.getvalue()
True
"""

from __future__ import annotations

import os
import sys
import time


def _format_value(v):
    """tf.keras's number format: ``.4f``, or ``.4e`` when ``|v| <= 1e-3`` (zero included:
    ``0.0000e+00``)."""
    if isinstance(v, str):
        return v
    v = float(v)
    return f"{v:.4f}" if abs(v) > 1e-3 else f"{v:.4e}"


def _format_time(seconds_per_unit, unit_name="step"):
    """tf.keras's duration format: ``2s/step``, ``15ms/step``, ``870us/step`` (and ``0s``)."""
    if seconds_per_unit >= 1 or seconds_per_unit == 0:
        return f"{seconds_per_unit:.0f}s/{unit_name}"
    if seconds_per_unit >= 1e-3:
        return f"{seconds_per_unit * 1e3:.0f}ms/{unit_name}"
    return f"{seconds_per_unit * 1e6:.0f}us/{unit_name}"


def dynamic_display_available(stream=None) -> bool:
    stream = stream or sys.stdout
    return (
        (hasattr(stream, "isatty") and stream.isatty())
        or "ipykernel" in sys.modules
        or "posix" in os.environ.get("KVIZ_PROGBAR", "")
    )


class Progbar:
    """``Progbar(target, width=30, verbose=1, interval=0.05, stateful_metrics=None, unit_name='step')``."""

    def __init__(
        self,
        target,
        width=30,
        verbose=1,
        interval=0.05,
        stateful_metrics=None,
        unit_name="step",
        stream=None,
        dynamic=None,
    ):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stream = stream or sys.stdout
        self.stateful_metrics = set(stateful_metrics or ())
        self._dynamic = dynamic_display_available(self.stream) if dynamic is None else dynamic
        self._values: dict = {}
        self._order: list = []
        self._start = time.time()
        self._last_update = 0.0
        self._seen = 0
        self._last_len = 0

    def update(self, current, values=None, finalize=None):
        """Advance to step ``current``; ``values`` are (name, value) pairs already averaged."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            if name not in self._values:
                self._order.append(name)
            self._values[name] = value
        self._seen = current
        now = time.time()
        if self.verbose == 1:
            if not finalize and now - self._last_update < self.interval:
                return
            if not self._dynamic and not finalize:
                return
            line = self._bar_line(current, now, finalize)
            if self._dynamic:
                pad = max(self._last_len - len(line), 0)
                self.stream.write("\r" + line + " " * pad)
                self._last_len = len(line)
                if finalize:
                    self.stream.write("\n")
            else:
                self.stream.write(line + "\n")
            self.stream.flush()
        elif self.verbose == 2 and finalize:
            elapsed = now - self._start
            parts = [f"{current}/{self.target}" if self.target else f"{current}"]
            parts.append(f"{elapsed:.0f}s")
            parts += [f"{k}: {_format_value(self._values[k])}" for k in self._order]
            parts.append(_format_time(elapsed, "epoch"))
            parts.append(_format_time(elapsed / max(current, 1), self.unit_name))
            self.stream.write(" - ".join(parts) + "\n")
            self.stream.flush()
        self._last_update = now

    def add(self, n, values=None):
        self.update(self._seen + n, values)

    def _bar_line(self, current, now, finalize):
        elapsed = now - self._start
        if self.target is not None:
            digits = len(str(self.target))
            bar = f"{current:{digits}d}/{self.target} ["
            done = int(self.width * current / self.target) if self.target else self.width
            if done > 0:
                bar += "=" * (done - 1) + (">" if current < self.target else "=")
            bar += "." * (self.width - done) + "]"
        else:
            bar = f"{current:7d}/Unknown"
        per_step = elapsed / max(current, 1)
        if finalize:
            info = f" - {elapsed:.0f}s {_format_time(per_step, self.unit_name)}"
        else:
            eta = per_step * (self.target - current) if self.target else 0
            info = f" - ETA: {_format_eta(eta)}"
        for k in self._order:
            info += f" - {k}: {_format_value(self._values[k])}"
        return bar + info


def _format_eta(eta):
    if eta > 3600:
        return f"{int(eta // 3600)}:{int(eta % 3600) // 60:02d}:{int(eta % 60):02d}"
    if eta > 60:
        return f"{int(eta // 60)}:{int(eta % 60):02d}"
    return f"{int(eta)}s"
