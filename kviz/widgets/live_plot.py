"""``LivePlot``: loss and metrics drawn live while ``fit`` runs.

``LivePlot`` is a Keras :class:`~kviz.callbacks.Callback`::

    model.fit(x, y, validation_split=0.2, epochs=10, verbose=0, callbacks=[LivePlot()])

In Jupyter (JupyterLab, Notebook 7, VS Code: any front end with ipywidgets) it shows one panel
per metric (loss first) with the train curve per batch (thin) and per epoch (dots) and the
``val_`` curve per epoch, a progress bar with the ETA of the epoch and of the fit, and, when
switched on, a confusion matrix of the validation data at each epoch end
(``confusion_matrix=True``) and per-layer histograms of the weights and of the gradients over
the epochs with warnings for dead ReLUs and exploding / vanishing gradients
(``histograms=True``; see :mod:`kviz.viz.training_stats` for the thresholds). Both need
``validation_data=(x_val, y_val)``.

How it stays cheap and flicker-free: the callback only appends numbers to a
:class:`~kviz.viz.history.TrainingLog`; at most once per ``update_interval`` seconds (and at
each epoch end) it sends the *new* points to the browser as one binary message, and the browser
side (``_live_plot.js``, plain SVG) moves the existing polylines in place. At each epoch end
the whole log is also stored in the widget state (``data_header`` / ``data_blob``), so a view
opened later, a reloaded page or an HTML export with widget state draws everything.

At the end of training the display is updated with a static PNG of the final figure (plus the
same image as ``text/html``) beside the widget, so a saved notebook shows the figure without a
kernel (nbviewer, GitHub, ``nbconvert`` HTML). Outside Jupyter (no IPython kernel) it prints
one line per epoch instead (``mode='text'``), and ``save_to='curves.png'`` saves the final
figure in either mode.

>>> import numpy as np, kviz as keras
>>> model = keras.Sequential([keras.layers.Dense(2, activation='softmax', input_shape=(3,))])
>>> model.compile('sgd', 'categorical_crossentropy', metrics=['accuracy'])
>>> x, y = np.ones((8, 3), 'float32'), np.eye(2, dtype='float32')[[0, 1] * 4]
>>> _ = model.fit(x, y, epochs=2, batch_size=4, verbose=0, callbacks=[LivePlot(mode='text')])
... # doctest: +ELLIPSIS
Epoch 1/2 - ... - loss: ... - accuracy: ...
Epoch 2/2 - ... - loss: ... - accuracy: ...
"""

from __future__ import annotations

import base64
import pathlib
import sys
import time
import uuid

import numpy as np
import traitlets as t
from anywidget import AnyWidget

from kviz.callbacks import Callback
from kviz.viz.history import (
    Throttle,
    TrainingLog,
    figure_png,
    format_seconds,
    metric_panels,
    plot_history,
    progress,
)
from kviz.viz.training_stats import (
    DEAD_RELU_FRACTION,
    EXPLODING_NORM,
    VANISHING_NORM,
    VANISHING_RATIO,
    confusion_matrix,
    diagnose,
    draw_confusion_matrix,
    draw_histogram,
)

_HERE = pathlib.Path(__file__).parent
MODES = ("auto", "widget", "text")


# --------------------------------------------------------------------------- encoding
def encode_points(points):
    """Pack ``{'batch': {key: (start, xs, ys)}, 'epoch': {...}}`` (see
    :meth:`TrainingLog.take_new`) as ``(header, blob)``: ``header`` lists
    ``{'kind', 'key', 'start', 'n'}`` and ``blob`` holds, series after series, ``n`` float32 x
    values then ``n`` float32 y values.

    >>> header, blob = encode_points({'batch': {'loss': (0, [0.5, 1.0], [2.0, 1.0])}, 'epoch': {}})
    >>> header, len(blob)
    ([{'kind': 'batch', 'key': 'loss', 'start': 0, 'n': 2}], 16)
    >>> decode_points(header, blob)['batch']['loss']
    (0, [0.5, 1.0], [2.0, 1.0])
    """
    header, parts = [], []
    for kind in ("batch", "epoch"):
        for key, (start, xs, ys) in points.get(kind, {}).items():
            n = len(xs)
            if not n:
                continue
            header.append({"kind": kind, "key": key, "start": int(start), "n": n})
            parts.append(np.asarray(xs, dtype=np.float32))
            parts.append(np.asarray(ys, dtype=np.float32))
    blob = np.concatenate(parts).tobytes() if parts else b""
    return header, blob


def decode_points(header, blob):
    """The inverse of :func:`encode_points` (values come back as float32-rounded floats)."""
    arr = np.frombuffer(bytes(blob), dtype=np.float32)
    out = {"batch": {}, "epoch": {}}
    pos = 0
    for item in header:
        n = item["n"]
        xs = arr[pos : pos + n].astype(float).tolist()
        ys = arr[pos + n : pos + 2 * n].astype(float).tolist()
        pos += 2 * n
        out[item["kind"]][item["key"]] = (item["start"], xs, ys)
    return out


def _in_kernel():
    """True inside a Jupyter kernel (JupyterLab, Notebook, VS Code), False in a terminal."""
    ip = None
    try:
        from IPython import get_ipython

        ip = get_ipython()
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    return ip is not None and getattr(ip, "kernel", None) is not None


def _display(bundle, display_id):
    from IPython.display import display

    display(bundle, raw=True, display_id=display_id)


def _update_display(bundle, display_id):
    from IPython.display import update_display

    update_display(bundle, raw=True, display_id=display_id)


def _take(x, n):
    if isinstance(x, (list, tuple)):
        return type(x)(_take(v, n) for v in x)
    if isinstance(x, dict):
        return {k: _take(v, n) for k, v in x.items()}
    return np.asarray(x)[:n]


def _n_samples(x):
    if isinstance(x, (list, tuple)):
        return _n_samples(x[0]) if x else 0
    if isinstance(x, dict):
        return _n_samples(next(iter(x.values()))) if x else 0
    return len(np.asarray(x))


def _fmt(value):
    v = float(value)
    return f"{v:.4e}" if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e4) else f"{v:.4f}"


# --------------------------------------------------------------------------- the widget
class LivePlotWidget(AnyWidget):
    """The browser side of :class:`LivePlot` (traits only; all numbers come from Python)."""

    _esm = _HERE / "_live_plot.js"

    title = t.Unicode("").tag(sync=True)
    panels = t.List().tag(sync=True)  # [{'title', 'train', 'val'}]
    status = t.Unicode("waiting").tag(sync=True)  # waiting | training | done
    progress = t.Dict().tag(sync=True)
    data_header = t.List().tag(sync=True)  # the whole log at the last epoch end
    data_blob = t.Bytes(b"").tag(sync=True)
    sent = t.Dict().tag(sync=True)  # {'batch': n, 'epoch': n} points sent so far
    show = t.List().tag(sync=True)  # panels switched on: 'confusion', 'histograms'
    confusion = t.Dict().tag(sync=True)
    histograms = t.Dict().tag(sync=True)
    warnings = t.List().tag(sync=True)
    final_png = t.Unicode("").tag(sync=True)  # base64 PNG of the final figure

    def __repr__(self):
        return f"<LivePlotWidget status={self.status!r} panels={[p['title'] for p in self.panels]}>"


class LivePlot(Callback):
    """Live training curves in Jupyter (a widget), one line per epoch elsewhere.

    Arguments:
        metrics: log keys to plot (default: every metric logged, loss first; ``'acc'`` and
            ``'accuracy'`` are one metric; a ``val_`` twin joins its metric's panel).
        validation_data: ``(x_val, y_val)`` for the confusion matrix and a sample batch for the
            histograms (``fit``'s own validation data is not handed to callbacks).
        confusion_matrix: draw the confusion matrix of ``validation_data`` at each epoch end.
        histograms: draw per-layer weight and gradient histograms over the epochs, with dead
            ReLU and exploding / vanishing gradient warnings (gradients of the compiled loss on
            the first ``sample_size`` validation samples).
        class_names: labels of the confusion matrix rows/columns.
        update_interval: seconds between two updates of the plot while an epoch runs
            (default 0.3; every epoch end updates too).
        mode: ``'auto'`` (a widget inside a Jupyter kernel, text otherwise), ``'widget'`` or
            ``'text'``.
        save_to: a path; the final figure is saved there as PNG at the end of training.
        sample_size, bins: samples used for the histograms and their number of bins.
        max_epochs_kept: histograms of this many most recent epochs are kept and drawn.
        exploding, vanishing, vanishing_ratio, dead_relu: warning thresholds (see
            :mod:`kviz.viz.training_stats`).
        clock: a no-argument callable returning seconds (tests pass a fake clock).
        stream: where text mode prints (default ``sys.stdout``).
    """

    def __init__(
        self,
        metrics=None,
        validation_data=None,
        confusion_matrix=False,
        histograms=False,
        class_names=None,
        update_interval=0.3,
        mode="auto",
        save_to=None,
        sample_size=256,
        bins=30,
        max_epochs_kept=10,
        exploding=EXPLODING_NORM,
        vanishing=VANISHING_NORM,
        vanishing_ratio=VANISHING_RATIO,
        dead_relu=DEAD_RELU_FRACTION,
        title="",
        clock=None,
        stream=None,
    ):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}; received {mode!r}")
        if metrics is not None and not isinstance(metrics, (str, list, tuple)):
            raise TypeError(f"metrics must be a list of log key names; received {metrics!r}")
        if (confusion_matrix or histograms) and validation_data is None:
            wanted = "confusion_matrix=True" if confusion_matrix else "histograms=True"
            raise ValueError(
                f"{wanted} needs validation_data=(x_val, y_val): fit does not hand its "
                "validation data to callbacks"
            )
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) < 2:
                raise ValueError(
                    "validation_data must be a tuple (x_val, y_val); received "
                    f"{type(validation_data).__name__}"
                )
            if _n_samples(validation_data[0]) != _n_samples(validation_data[1]):
                raise ValueError(
                    "validation_data: x_val and y_val must hold the same number of samples; "
                    f"received {_n_samples(validation_data[0])} and "
                    f"{_n_samples(validation_data[1])}"
                )
        for name, value in (("sample_size", sample_size), ("bins", bins)):
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise ValueError(f"{name} must be a positive integer; received {value!r}")
        self.metrics = [metrics] if isinstance(metrics, str) else metrics
        self.validation_data = None if validation_data is None else tuple(validation_data[:2])
        self.show_confusion = bool(confusion_matrix)
        self.show_histograms = bool(histograms)
        self.class_names = None if class_names is None else [str(c) for c in class_names]
        self.clock = clock or time.monotonic
        self.throttle = Throttle(update_interval, clock=self.clock)
        self.mode = mode
        self.save_to = save_to
        self.sample_size = int(sample_size)
        self.bins = int(bins)
        self.max_epochs_kept = int(max_epochs_kept)
        self.thresholds = {
            "exploding": exploding,
            "vanishing": vanishing,
            "vanishing_ratio": vanishing_ratio,
            "dead_relu": dead_relu,
        }
        self.stream = stream
        self.log = TrainingLog()
        self.confusion = None  # the latest matrix (np.ndarray)
        self.diagnostics = []  # [(epoch, diagnose() dict)], the last max_epochs_kept
        self.final_png = None
        self._title = title
        self._widget = None
        self._display_id = None
        self._n_keys = 0
        self._epoch = 0
        self._epoch_offset = 0
        self._step = 0
        self._t0 = self._t_epoch = None
        self._first_epoch = 0

    # ------------------------------------------------------------------ modes and display
    @property
    def text_mode(self):
        """Whether this LivePlot prints text instead of drawing a widget."""
        if self.mode == "auto":
            self.mode = "widget" if _in_kernel() else "text"
        return self.mode == "text"

    @property
    def widget(self):
        """The :class:`LivePlotWidget` (created on first use)."""
        if self._widget is None:
            show = [n for n, on in (("confusion", self.show_confusion),
                                    ("histograms", self.show_histograms)) if on]  # fmt: skip
            self._widget = LivePlotWidget(title=self._title, show=show)
        return self._widget

    def _bundle(self):
        data, metadata = self.widget._repr_mimebundle_()
        data = dict(data)
        data["text/plain"] = self._text_summary()
        if self.final_png is not None:
            b64 = base64.b64encode(self.final_png).decode("ascii")
            data["image/png"] = b64
            data["text/html"] = (
                '<img class="kviz-liveplot-final" alt="training curves" '
                f'src="data:image/png;base64,{b64}"/>'
            )
        return data

    def _ipython_display_(self):
        if self.text_mode:
            print(self._text_summary(), file=self.stream or sys.stdout)
            return
        if self._display_id is None:
            self._display_id = uuid.uuid4().hex
        _display(self._bundle(), self._display_id)

    @property
    def displayed(self):
        return self._display_id is not None

    def _text_summary(self):
        n_batch, n_epoch = self.log.points()
        state = self._widget.status if self._widget is not None else "text"
        return f"LivePlot({state}: {n_epoch} epoch points, {n_batch} batch points)"

    def __repr__(self):
        return f"<{self._text_summary()}>"

    # ------------------------------------------------------------------ callback hooks
    def on_train_begin(self, logs=None):
        self.log.begin(epochs=self.params.get("epochs"), steps=self.params.get("steps"))
        self._t0 = self.clock()
        self._first_epoch = None
        self._finished = False
        self._epoch_offset = len(next(iter(self.log.epoch.values()), ([], []))[0])
        if self.text_mode:
            return
        w = self.widget
        w.status = "training"
        if not self.displayed:
            self._ipython_display_()

    def on_epoch_begin(self, epoch, logs=None):
        if self._first_epoch is None:
            self._first_epoch = epoch
            # a new fit that restarts at epoch 0 continues the x axis after the earlier epochs
            if epoch >= self._epoch_offset:
                self._epoch_offset = 0
        self._epoch = epoch + self._epoch_offset
        self._step = 0
        self._t_epoch = self.clock()

    def on_train_batch_end(self, batch, logs=None):
        self.log.add_batch(self._epoch, batch, logs)
        self._step = batch + 1
        if self.mode != "text" and self.throttle.ready():
            self._flush()

    def on_epoch_end(self, epoch, logs=None):
        self.log.add_epoch(self._epoch, logs)
        extras = self._epoch_extras()
        if self.text_mode:
            self._print_epoch(epoch, logs, extras)
            return
        self.throttle.ready(force=True)
        self._flush(checkpoint=True)

    def on_train_end(self, logs=None):
        if self.log.keys:
            try:
                self.final_png = figure_png(self.figure())
            except Exception as e:  # a figure must never break the end of a fit
                print(f"LivePlot: could not draw the final figure: {e}", file=sys.stderr)
                self.final_png = None
        if self.save_to is not None and self.final_png is not None:
            pathlib.Path(self.save_to).write_bytes(self.final_png)
        if self.text_mode:
            if self.save_to is not None and self.final_png is not None:
                print(f"LivePlot: final figure saved to {self.save_to}", file=self._out)
            return
        self._finished = True
        w = self.widget
        with w.hold_sync():
            self._flush(checkpoint=True, hold=False)
            w.final_png = (
                "" if self.final_png is None else base64.b64encode(self.final_png).decode()
            )
            w.status = "done"
        if self.displayed:
            _update_display(self._bundle(), self._display_id)

    # ------------------------------------------------------------------ payloads
    def _progress(self):
        now = self.clock()
        epochs = (self.params.get("epochs") or 1) + self._epoch_offset
        first = (self._first_epoch or 0) + self._epoch_offset
        p = progress(
            self._epoch,
            epochs,
            self._step,
            self.log.steps or None,
            now - (self._t_epoch if self._t_epoch is not None else now),
            now - (self._t0 if self._t0 is not None else now),
            first_epoch=first,
        )
        p["text"] = (
            f"Epoch {self._epoch + 1}/{epochs}"
            + (f" - {self._step}/{p['steps']}" if p["steps"] else f" - {self._step} batches")
            + f" - ETA {format_seconds(p['epoch_eta'])} (fit {format_seconds(p['eta'])})"
        )
        if getattr(self, "_finished", False):
            # the fit is over: the bar is full, and it says how many epochs really ran
            # (EarlyStopping / TerminateOnNaN end a fit before params['epochs'])
            run = self._epoch - first + 1 if self._first_epoch is not None else 0
            planned = epochs - first
            p.update(fraction=1.0, epoch_fraction=1.0, epoch_eta=0.0, eta=0.0)
            p["epochs_run"] = run
            p["planned"] = planned
            p["stopped_early"] = run < planned
            p["text"] = f"done: {run} epoch(s)" + (
                f" (stopped early; {planned} planned)" if run < planned else ""
            )
        return p

    def _flush(self, checkpoint=False, hold=True):
        """Send the new points (one binary message), the progress and, at epoch ends, the whole
        log as widget state."""
        w = self.widget
        header, blob = encode_points(self.log.take_new())
        n_batch, n_epoch = self.log.points()

        def apply():
            if len(self.log.keys) != self._n_keys:
                self._n_keys = len(self.log.keys)
                w.panels = self._panels()
            w.progress = self._progress()
            w.sent = {"batch": n_batch, "epoch": n_epoch}
            if checkpoint:
                w.data_header, w.data_blob = encode_points(self.log.snapshot())

        if hold:
            with w.hold_sync():
                apply()
        else:
            apply()
        if header:
            w.send({"type": "points", "series": header}, buffers=[blob])

    def _panels(self):
        try:
            return metric_panels(self.log.keys, self.metrics)
        except ValueError:
            return metric_panels(self.log.keys)

    # ------------------------------------------------------------------ epoch-end panels
    def _epoch_extras(self):
        extras = {}
        if self.show_confusion and self.model is not None:
            xv, yv = self.validation_data
            pred = self.model.predict(xv, verbose=0)
            if isinstance(pred, (list, tuple)):
                pred = pred[0]
                yv = yv[0] if isinstance(yv, (list, tuple)) else yv
            width = pred.shape[1] if np.ndim(pred) == 2 and pred.shape[1] > 1 else 2
            cm = confusion_matrix(yv, pred, num_classes=max(width, len(self.class_names or [])))
            self.confusion = cm
            extras["confusion"] = cm
            if not self.text_mode:
                n = cm.shape[0]
                self.widget.confusion = {
                    "epoch": self._epoch,
                    "matrix": cm.tolist(),
                    "labels": (self.class_names or [str(i) for i in range(n)])[:n],
                }
        if self.show_histograms and self.model is not None:
            xv, yv = self.validation_data
            d = diagnose(
                self.model,
                _take(xv, self.sample_size),
                _take(yv, self.sample_size),
                bins=self.bins,
                **self.thresholds,
            )
            self.diagnostics.append((self._epoch, d))
            del self.diagnostics[: -self.max_epochs_kept]
            extras["warnings"] = d["warnings"]
            if not self.text_mode:
                self.widget.histograms = self._histogram_payload()
                self.widget.warnings = [dict(w, epoch=self._epoch) for w in d["warnings"]]
        return extras

    def _histogram_payload(self):
        """Per layer, the main weight's (kernel's) histograms over the kept epochs, for both
        weights and gradients, and the gradient norms and dead-ReLU fractions."""
        layers = {}
        for epoch, d in self.diagnostics:
            for path, per in d["weights"].items():
                name = "kernel" if "kernel" in per else next(iter(per))
                entry = layers.setdefault(
                    path,
                    {"layer": path, "weight": name, "weights": [], "gradients": [],
                     "grad_norm": [], "dead_relu": []},
                )  # fmt: skip
                keep = ("counts", "edges", "min", "max", "mean", "std")
                entry["weights"].append({"epoch": epoch, **{k: per[name][k] for k in keep}})
                g = d["gradients"].get(path, {}).get(name)
                if g is not None:
                    entry["gradients"].append({"epoch": epoch, **{k: g[k] for k in keep}})
                entry["grad_norm"].append(d["gradient_norms"].get(path))
                entry["dead_relu"].append(d["dead_relu"].get(path))
        return {"epochs": [e for e, _ in self.diagnostics], "layers": list(layers.values())}

    # ------------------------------------------------------------------ text mode
    @property
    def _out(self):
        return self.stream or sys.stdout

    def _print_epoch(self, epoch, logs, extras):
        epochs = (self.params.get("epochs") or 1) + self._epoch_offset
        now = self.clock()
        took = now - self._t_epoch if self._t_epoch is not None else 0.0
        keys = [p[slot] for p in self._panels() for slot in ("train", "val") if p[slot]]
        items = [f"{k}: {_fmt(logs[k])}" for k in keys if logs and k in logs]
        print(
            f"Epoch {self._epoch + 1}/{epochs} - {format_seconds(took)} - " + " - ".join(items),
            file=self._out,
            flush=True,
        )
        if "confusion" in extras:
            print("  confusion matrix (rows: true, columns: predicted):", file=self._out)
            for row in extras["confusion"]:
                print("   " + " ".join(f"{v:5d}" for v in row), file=self._out)
        for w in extras.get("warnings", []):
            print(f"  warning: {w['message']}", file=self._out)

    # ------------------------------------------------------------------ final figure
    def figure(self):
        """The final figure (matplotlib): the curves, then the confusion matrix and the last
        epoch's weight and gradient histograms when those panels are on."""
        from matplotlib.figure import Figure

        panels = self._panels()
        ncols = min(len(panels), 3) or 1
        nrows = -(-len(panels) // ncols)
        extra_rows = 0
        hist_layers = []
        if self.diagnostics:
            hist_layers = self._histogram_payload()["layers"][:6]
        if self.confusion is not None or hist_layers:
            extra_rows = 1
        fig = Figure(figsize=(4.2 * max(ncols, 2), 3.0 * nrows + 3.2 * extra_rows),
                     layout="constrained")  # fmt: skip
        if not extra_rows:
            return plot_history(self.log, self.metrics, fig=fig, title=self._title or None)
        top, bottom = fig.subfigures(2, 1, height_ratios=[3.0 * nrows, 3.2])
        plot_history(self.log, self.metrics, fig=top, title=self._title or None)
        n_axes = (1 if self.confusion is not None else 0) + (2 if hist_layers else 0)
        axes = bottom.subplots(1, n_axes, squeeze=False)[0]
        i = 0
        if self.confusion is not None:
            draw_confusion_matrix(axes[0], self.confusion, self.class_names)
            i = 1
        if hist_layers:
            colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
            for ax, kind in ((axes[i], "weights"), (axes[i + 1], "gradients")):
                for color, layer in zip(colors, hist_layers, strict=False):
                    if layer[kind]:
                        draw_histogram(ax, layer[kind][-1], label=layer["layer"], color=color)
                ax.set_title(f"{kind} (last epoch)")
                ax.legend(fontsize=7)
            warns = [w["message"] for w in self.diagnostics[-1][1]["warnings"]]
            if warns:
                bottom.suptitle("; ".join(warns)[:160], color="#b71c1c", fontsize=8)
        return fig


__all__ = ["LivePlot", "LivePlotWidget", "decode_points", "encode_points"]
