"""Training histories as plain data, and :func:`plot_history` (a matplotlib figure of a finished fit).

What :func:`plot_history` and the live ``kviz.widgets.LivePlot`` share:

* :func:`metric_panels` groups log keys into panels: ``loss`` with ``val_loss``, ``accuracy``
  with ``val_accuracy`` (or Keras 2.2's ``acc`` with ``val_acc``), one panel per metric, loss
  first;
* :class:`TrainingLog` records per-batch and per-epoch points while ``fit`` runs and hands out
  only the points added since the last call (:meth:`TrainingLog.take_new`);
* :class:`Throttle` decides when an update is due (at most one per ``interval`` seconds, with an
  injectable clock so that tests need no sleeping);
* :func:`progress` - fraction done and ETA of the epoch and of the whole fit.

>>> panels = metric_panels(['loss', 'acc', 'val_loss', 'val_acc'])
>>> [(p['title'], p['train'], p['val']) for p in panels]
[('loss', 'loss', 'val_loss'), ('acc', 'acc', 'val_acc')]
>>> fig = plot_history({'loss': [1.0, 0.5, 0.25], 'val_loss': [1.1, 0.7, 0.6]})
>>> [ax.get_title() for ax in fig.axes]
['loss']

Everything here works without Jupyter; matplotlib is imported only when a figure is drawn.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

import numpy as np

#: Log entries that are bookkeeping, not metrics (never plotted).
IGNORED_KEYS = frozenset({"batch", "size"})

TRAIN_COLOR = "#1f77b4"
VAL_COLOR = "#ff7f0e"


# --------------------------------------------------------------------------- grouping keys
def _base(key):
    return key[4:] if key.startswith("val_") else key


def _same_metric(a, b):
    """``acc`` and ``accuracy`` (and ``x_acc``/``x_accuracy``) name the same metric."""
    if a == b:
        return True
    for long, short in (("accuracy", "acc"), ("acc", "accuracy")):
        if a == long and b == short:
            return True
        if a.endswith("_" + long) and b == a[: -len(long)] + short:
            return True
    return False


def metric_panels(keys, metrics=None):
    """Group log keys into plot panels: one per metric, with its ``val_`` twin.

    ``keys`` is an iterable of log keys (a ``History.history`` dict works too); bookkeeping keys
    (``batch``, ``size``) and non-string keys are skipped. Returns a list of dicts
    ``{'title': name, 'train': key or None, 'val': key or None}``, the loss panel first, the
    others in order of first appearance. ``metrics`` (optional) keeps only the named panels, in
    that order; ``'acc'`` selects ``accuracy`` and the other way round.

    >>> [p['title'] for p in metric_panels(['accuracy', 'loss', 'val_accuracy', 'lr'])]
    ['loss', 'accuracy', 'lr']
    >>> metric_panels(['loss', 'val_loss'], metrics=['val_loss'])[0]['train'] is None
    True
    >>> metric_panels(['loss'], metrics=['mae'])
    Traceback (most recent call last):
    ...
    ValueError: metrics=['mae'] names no logged metric; the logs have: ['loss'].
    """
    panels = []
    by_base = {}
    for key in keys:
        if not isinstance(key, str) or key in IGNORED_KEYS:
            continue
        base = _base(key)
        panel = by_base.get(base)
        if panel is None:
            panel = next((p for p in panels if _same_metric(p["title"], base)), None)
        if panel is None:
            panel = {"title": base, "train": None, "val": None}
            panels.append(panel)
        by_base[base] = panel
        slot = "val" if key.startswith("val_") else "train"
        if panel[slot] is None:
            panel[slot] = key
    panels.sort(key=lambda p: 0 if p["title"] == "loss" else 1)  # stable: loss first
    if metrics is None:
        return panels
    if isinstance(metrics, str):
        metrics = [metrics]
    chosen = []
    for name in metrics:
        if not isinstance(name, str):
            raise TypeError(f"metrics must be a list of log key names; received {name!r}")
        want = _base(name)
        for p in panels:
            if _same_metric(p["title"], want) or _same_metric(want, p["title"]):
                if name.startswith("val_"):
                    p = {"title": p["title"], "train": None, "val": p["val"]}
                if p not in chosen:
                    chosen.append(p)
                break
    if not chosen:
        logged = sorted(k for k in keys if isinstance(k, str) and k not in IGNORED_KEYS)
        raise ValueError(
            f"metrics={list(metrics)!r} names no logged metric; the logs have: {logged!r}."
        )
    return chosen


def _scalar(value):
    """``float(value)`` for a finite-or-not scalar log value; None for arrays and non-numbers."""
    try:
        if np.ndim(value) != 0:
            return None
        return float(value)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- recording
class TrainingLog:
    """Per-batch and per-epoch points of one or more ``fit`` runs.

    The x axis is in epochs: batch ``b`` (0-based) of epoch ``e`` with ``steps`` batches an
    epoch is at ``e + (b + 1) / steps``, the end of epoch ``e`` at ``e + 1``. When the number of
    steps is unknown (a generator without ``steps_per_epoch``) batch ``b`` of the first epoch
    sits at ``(b + 1) / (b + 2)`` and later epochs use the count seen in the first.

    >>> log = TrainingLog()
    >>> log.begin(epochs=2, steps=2)
    >>> log.add_batch(0, 0, {'loss': 1.0, 'batch': 0, 'size': 8})
    >>> log.add_batch(0, 1, {'loss': 0.8})
    >>> log.add_epoch(0, {'loss': 0.8, 'val_loss': 0.9})
    >>> log.batch['loss'], log.epoch['val_loss']
    (([0.5, 1.0], [1.0, 0.8]), ([1.0], [0.9]))
    >>> sorted(log.take_new()['batch']), log.take_new()
    (['loss'], {'batch': {}, 'epoch': {}})
    """

    def __init__(self):
        self.batch = {}  # key -> ([x...], [y...])
        self.epoch = {}
        self.keys = []  # every key seen, in order of first appearance
        self.epochs = None
        self.steps = None
        self._sent = {"batch": {}, "epoch": {}}
        self._seen_steps = 0

    def begin(self, epochs=None, steps=None):
        """Start (or continue) a fit of ``epochs`` epochs of ``steps`` batches."""
        self.epochs = epochs
        self.steps = steps if steps else None

    def _note_key(self, key):
        if key not in self.keys:
            self.keys.append(key)

    def x_of_batch(self, epoch, batch):
        steps = self.steps or (self._seen_steps if epoch > 0 else None)
        if steps:
            return epoch + (batch + 1) / max(steps, batch + 1)
        return epoch + (batch + 1) / (batch + 2)  # unknown length: creeps towards the epoch end

    def add_batch(self, epoch, batch, logs):
        """Record the scalar entries of one ``on_train_batch_end`` log."""
        if not logs:
            return
        x = self.x_of_batch(epoch, batch)
        for key, value in logs.items():
            if key in IGNORED_KEYS:
                continue
            y = _scalar(value)
            if y is None:
                continue
            series = self.batch.get(key)
            if series is None:
                series = self.batch[key] = ([], [])
                self._note_key(key)
            series[0].append(x)
            series[1].append(y)
        if not self.steps and batch + 1 > self._seen_steps and epoch == 0:
            self._seen_steps = batch + 1

    def add_epoch(self, epoch, logs):
        """Record the scalar entries of one ``on_epoch_end`` log (train and ``val_`` keys)."""
        x = float(epoch + 1)
        for key, value in (logs or {}).items():
            if key in IGNORED_KEYS:
                continue
            y = _scalar(value)
            if y is None:
                continue
            series = self.epoch.get(key)
            if series is None:
                series = self.epoch[key] = ([], [])
                self._note_key(key)
            series[0].append(x)
            series[1].append(y)

    def points(self):
        """How many batch and epoch points are recorded, over all keys."""
        return (
            sum(len(s[0]) for s in self.batch.values()),
            sum(len(s[0]) for s in self.epoch.values()),
        )

    def take_new(self):
        """The points added since the last call: ``{'batch': {key: (start, xs, ys)}, 'epoch': ...}``.

        ``start`` is the index of the first new point in that series, so a receiver that holds
        fewer points can tell that it missed some and ask for everything (:meth:`snapshot`).
        """
        out = {}
        for kind, store in (("batch", self.batch), ("epoch", self.epoch)):
            sent = self._sent[kind]
            new = {}
            for key, (xs, ys) in store.items():
                start = sent.get(key, 0)
                if len(xs) > start:
                    new[key] = (start, xs[start:], ys[start:])
                    sent[key] = len(xs)
            out[kind] = new
        return out

    def snapshot(self):
        """Every point, in the same form as :meth:`take_new` (each series from ``start=0``)."""
        return {
            kind: {key: (0, list(xs), list(ys)) for key, (xs, ys) in store.items()}
            for kind, store in (("batch", self.batch), ("epoch", self.epoch))
        }

    def as_history(self):
        """The per-epoch series as a ``History.history``-style dict of lists."""
        return {key: list(ys) for key, (_, ys) in self.epoch.items()}


# --------------------------------------------------------------------------- timing
class Throttle:
    """At most one update per ``interval`` seconds, measured on ``clock`` (a no-arg callable).

    >>> now = [0.0]
    >>> t = Throttle(0.25, clock=lambda: now[0])
    >>> t.ready(), t.ready()          # the first update is due at once
    (True, False)
    >>> now[0] = 0.3
    >>> t.ready(), t.ready(force=True)
    (True, True)
    """

    def __init__(self, interval=0.3, clock=None):
        interval = float(interval)
        if not math.isfinite(interval) or interval < 0:
            raise ValueError(f"interval must be a number of seconds >= 0; received {interval!r}")
        self.interval = interval
        self.clock = clock or time.monotonic
        self.last = None
        self.count = 0

    def ready(self, force=False):
        """True (and restart the interval) when an update is due or ``force`` is set."""
        now = self.clock()
        if force or self.last is None or now - self.last >= self.interval:
            self.last = now
            self.count += 1
            return True
        return False


def format_seconds(seconds):
    """``'1:02:03'``, ``'2:05'`` or ``'7s'``; ``'?'`` when unknown.

    >>> format_seconds(7.2), format_seconds(125), format_seconds(3723), format_seconds(None)
    ('7s', '2:05', '1:02:03', '?')
    """
    if seconds is None or not math.isfinite(seconds):
        return "?"
    seconds = int(round(max(seconds, 0.0)))
    if seconds < 60:
        return f"{seconds}s"
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def progress(epoch, epochs, step, steps, epoch_elapsed, total_elapsed, first_epoch=0):
    """Progress of a fit as a JSON-ready dict: fractions done and ETAs (seconds, or None).

    ``epoch`` is 0-based, ``step`` is the number of batches done in it, ``steps`` the batches
    an epoch (None when unknown). The ETA assumes the remaining batches take as long as the
    ones done so far.

    >>> p = progress(epoch=1, epochs=4, step=5, steps=10, epoch_elapsed=2.0, total_elapsed=6.0)
    >>> p['epoch_fraction'], p['fraction'], p['epoch_eta'], p['eta']
    (0.5, 0.375, 2.0, 10.0)
    """
    epochs = max(int(epochs or 1), 1)
    frac_epoch = min(step / steps, 1.0) if steps else None
    runs = max(epochs - first_epoch, 1)
    done = (epoch - first_epoch) + (frac_epoch if frac_epoch is not None else 0.0)
    fraction = min(max(done / runs, 0.0), 1.0)
    epoch_eta = None
    if frac_epoch and frac_epoch > 0:
        epoch_eta = epoch_elapsed / frac_epoch - epoch_elapsed
    eta = None
    if fraction > 0:
        eta = total_elapsed / fraction - total_elapsed
    return {
        "epoch": int(epoch),
        "epochs": epochs,
        "step": int(step),
        "steps": int(steps) if steps else None,
        "epoch_fraction": frac_epoch,
        "fraction": fraction,
        "epoch_eta": epoch_eta,
        "eta": eta,
        "elapsed": total_elapsed,
    }


# --------------------------------------------------------------------------- drawing
def _history_dict(history):
    if isinstance(history, TrainingLog):
        return history.as_history()
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping):
        raise TypeError(
            "plot_history expects a History (what fit returns), its .history dict or a "
            f"TrainingLog; received {type(history).__name__}"
        )
    out = {}
    for key, values in data.items():
        if not isinstance(key, str) or key in IGNORED_KEYS:
            continue
        try:
            arr = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            continue
        if arr.ndim == 1:
            out[key] = arr
    return out


def plot_history(history, metrics=None, *, figsize=None, ncols=None, title=None, fig=None):
    """Draw a finished fit: one panel per metric with its train and ``val_`` curves.

    ``history`` is the :class:`~kviz.callbacks.History` that ``fit`` returns, its ``.history``
    dict, or a :class:`TrainingLog` (then the per-batch points are drawn too, as a thin line
    under the per-epoch markers). ``metrics`` keeps only some panels (see :func:`metric_panels`).
    ``ncols`` panels per row (default: all in one row, up to 3), ``figsize`` in inches,
    ``title`` a figure title. ``fig`` draws into an existing matplotlib ``Figure`` or
    ``SubFigure`` instead of a new one. Returns the figure; Jupyter shows it inline, and
    ``fig.savefig('history.png')`` saves it. No Jupyter or pyplot needed.

    >>> fig = plot_history({'loss': [0.9, 0.4], 'accuracy': [0.6, 0.8],
    ...                     'val_loss': [1.0, 0.6], 'val_accuracy': [0.5, 0.7]})
    >>> [(ax.get_title(), len(ax.get_lines())) for ax in fig.axes]
    [('loss', 2), ('accuracy', 2)]
    """
    data = _history_dict(history)
    log = history if isinstance(history, TrainingLog) else None
    keys = list(log.keys) if log is not None else list(data)
    if not keys:
        raise ValueError("plot_history: the history has no metric values to plot (was fit run?)")
    panels = metric_panels(keys, metrics)
    if ncols is None:
        ncols = min(len(panels), 3)
    ncols = max(int(ncols), 1)
    nrows = math.ceil(len(panels) / ncols)
    if fig is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize or (4.2 * ncols, 3.0 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= len(panels):
            ax.set_visible(False)
            continue
        panel = panels[i]
        for slot, color, label in (("train", TRAIN_COLOR, "train"), ("val", VAL_COLOR, "val")):
            key = panel[slot]
            if key is None:
                continue
            if log is not None:
                if key in log.batch:
                    xs, ys = log.batch[key]
                    ax.plot(xs, ys, color=color, lw=0.8, alpha=0.45, label=f"{label} (batch)")
                if key in log.epoch:
                    xs, ys = log.epoch[key]
                    ax.plot(xs, ys, color=color, marker="o", ms=3.5, lw=1.6, label=label)
            elif key in data:
                ys = data[key]
                ax.plot(np.arange(1, len(ys) + 1), ys, color=color, marker="o", ms=3.5,
                        lw=1.6, label=label)  # fmt: skip
        ax.set_title(panel["title"])
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        if ax.get_lines():
            ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def figure_png(fig, dpi=96):
    """PNG bytes of a matplotlib figure (no pyplot, no display needed)."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
