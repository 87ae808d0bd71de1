"""What ``compile`` turns its arguments into: one loss per output (with weights) and the
metrics of each output, with Keras's log-key names.

Naming (documented in docs/keras-compat.md): a metric logs under the string the user gave
(``'acc'`` -> ``acc``, ``'accuracy'`` -> ``accuracy``, as tf.keras); functions under their
``__name__``, metric objects under ``.name``; multi-output models prefix the output name
(``out1_loss``, ``out1_accuracy``). How ``'accuracy'`` resolves follows Keras 2.2 (the loss is
taken into account), see :func:`kviz.metrics.resolve_accuracy`.
"""

from __future__ import annotations

import copy

import numpy as np

from kviz import losses as losses_mod
from kviz import metrics as metrics_mod
from kviz import ops
from kviz.autodiff.tensor import Tensor
from kviz.errors import format_shape


def _raw(x):
    return x.data if isinstance(x, Tensor) else x


def _per_output(spec, output_names, what):
    """Spread a compile argument over the outputs: a single value, a list, or a dict."""
    n = len(output_names)
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in output_names]
        if unknown:
            raise ValueError(
                f"Unknown entries in {what} dictionary: {unknown}. Only expected the following "
                f"keys: {output_names}"
            )
        return [spec.get(name) for name in output_names]
    if isinstance(spec, (list, tuple)) and what in ("metrics", "weighted_metrics"):
        # a flat list (['acc', 'mse']) is for every output; a nested one ([['acc'], ['mse']],
        # tf.keras) has one entry per output
        if not any(isinstance(s, (list, tuple, dict)) for s in spec):
            return [spec] * n
    if isinstance(spec, (list, tuple)):
        if len(spec) != n:
            raise ValueError(
                f"When passing a list as {what}, it should have one entry per model output. "
                f"The model has {n} outputs ({output_names}), but you passed {what}={spec!r}"
            )
        return list(spec)
    return [spec] * n


def loss_name(fn):
    if isinstance(fn, str):
        return fn
    return getattr(fn, "name", None) or getattr(fn, "__name__", type(fn).__name__)


class LossesContainer:
    """The compiled losses: ``total, per_output = container(y_true, y_pred, sample_weights)``."""

    def __init__(self, loss, loss_weights, output_names, sample_weight_mode=None):
        self.output_names = list(output_names)
        specs = _per_output(loss, self.output_names, "loss")
        self.fns = [None if s is None else losses_mod.get(s) for s in specs]
        self.identifiers = specs
        if all(f is None for f in self.fns):
            raise ValueError(
                "The model cannot be compiled without a loss: pass `loss=` (a name such as "
                "'categorical_crossentropy', a function, or a kviz.losses.Loss)."
            )
        if loss_weights is None:
            self.weights = [1.0] * len(self.fns)
        else:
            self.weights = [
                1.0 if w is None else float(w)
                for w in _per_output(loss_weights, self.output_names, "loss_weights")
            ]
        modes = _per_output(sample_weight_mode, self.output_names, "sample_weight_mode")
        for m in modes:
            if m not in (None, "temporal"):
                raise ValueError(f"sample_weight_mode must be None or 'temporal'; received {m!r}")
        self.sample_weight_modes = modes

    @property
    def names(self):
        if len(self.output_names) == 1:
            return []
        return [
            f"{n}_loss" for n, f in zip(self.output_names, self.fns, strict=True) if f is not None
        ]

    def check_targets(self, ys, out_shapes):
        """Raise a clear error for targets that cannot match an output under its loss."""
        fixed = []
        for i, (y, oshape) in enumerate(zip(ys, out_shapes, strict=True)):
            fixed.append(
                check_target(
                    self.fns[i], self.identifiers[i], y, tuple(oshape), self.output_names[i]
                )
            )
        return fixed

    def __call__(self, y_true, y_pred, sample_weights=None):
        total = None
        values = []
        for i, fn in enumerate(self.fns):
            if fn is None:
                continue
            yt = None if y_true is None else y_true[i]
            sw = None if sample_weights is None else sample_weights[i]
            value = compute_loss(fn, yt, y_pred[i], sw)
            values.append(value)
            weighted = value if self.weights[i] == 1.0 else ops.multiply(value, self.weights[i])
            total = weighted if total is None else ops.add(total, weighted)
        return total, values


def _loss_key(fn, identifier):
    name = identifier if isinstance(identifier, str) else loss_name(fn)
    return str(name).lower().replace("_", "")


def check_target(fn, identifier, y, out_shape, output_name):
    """Validate one target array against its output shape and loss (Keras 2.2 wording)."""
    if fn is None or y is None:
        return y
    y_shape = tuple(y.shape)
    key = _loss_key(fn, identifier)
    sparse = "sparsecategorical" in key
    if sparse:
        if len(y_shape) == len(out_shape) and y_shape[-1] == out_shape[-1] and out_shape[-1] != 1:
            raise ValueError(
                f"You are passing a target array of shape {y_shape} while using as loss "
                "`sparse_categorical_crossentropy`, which expects integer class indices of shape "
                f"{format_shape((y_shape[0],))} or {format_shape((y_shape[0], 1))}. Your targets "
                "look one-hot encoded: use `categorical_crossentropy` instead, or pass "
                "`y.argmax(axis=-1)`."
            )
        return y
    if key in ("categoricalcrossentropy", "categoricalcrossentropyloss") or key.startswith(
        "categoricalcrossentropy"
    ):
        if (
            y_shape[-1:] == (1,)
            and out_shape[-1] not in (None, 1)
            or (len(y_shape) == len(out_shape) - 1 and out_shape[-1] not in (None, 1))
        ):
            raise ValueError(
                f"You are passing a target array of shape {y_shape} while using as loss "
                "`categorical_crossentropy`. `categorical_crossentropy` expects targets to be "
                f"binary matrices (1s and 0s) of shape (samples, {out_shape[-1]}). If your "
                "targets are integer classes, you can convert them to the expected format via:\n"
                "```\nfrom kviz.utils import to_categorical\ny_binary = to_categorical(y_int)\n```"
                "\nAlternatively, you can use the loss function "
                "`sparse_categorical_crossentropy` instead, which does expect integer targets."
            )
    if len(y_shape) == len(out_shape) - 1 and out_shape[-1] == 1:
        y = y.reshape(y_shape + (1,)) if hasattr(y, "reshape") else y
        y_shape = y_shape + (1,)
    if len(y_shape) != len(out_shape):
        raise ValueError(
            f"Error when checking target: expected {output_name} to have {len(out_shape)} "
            f"dimensions, but got array with shape {y_shape}"
        )
    for want, got in zip(out_shape[1:], y_shape[1:], strict=True):
        if want is not None and want != got:
            raise ValueError(
                f"Error when checking target: expected {output_name} to have shape "
                f"{format_shape(out_shape[1:])} but got array with shape "
                f"{format_shape(y_shape[1:])}"
            )
    return y


def compute_loss(fn, y_true, y_pred, sample_weight=None):
    """The scalar loss of one output: mean of per-sample losses, weighted as tf.keras
    (``sum(w * l) / number of loss values``)."""
    if isinstance(fn, losses_mod.Loss):
        return fn(y_true, y_pred, sample_weight=sample_weight)
    per_sample = fn(y_true, y_pred)
    if sample_weight is not None:
        sw = np.asarray(sample_weight, dtype=_raw(per_sample).dtype)
        ps_shape = np.shape(_raw(per_sample))
        if sw.ndim < len(ps_shape):
            sw = sw.reshape(sw.shape + (1,) * (len(ps_shape) - sw.ndim))
        elif sw.ndim > len(ps_shape) and sw.shape[len(ps_shape) :] == (1,) * (
            sw.ndim - len(ps_shape)
        ):
            sw = sw.reshape(sw.shape[: len(ps_shape)])
        per_sample = ops.multiply(per_sample, sw)
    return ops.mean(per_sample)


class _MeanAccumulator:
    """Weighted running mean of a per-sample metric function, accumulated in float32 like
    tf.keras's ``MeanMetricWrapper`` (so logged values are float32 results)."""

    def __init__(self, name, fn, weighted=False):
        self.name = name
        self.fn = fn
        self.weighted = weighted
        self.reset_state()

    def reset_state(self):
        self.total = np.float32(0.0)
        self.count = np.float32(0.0)

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = np.asarray(_raw(self.fn(y_true, y_pred)), dtype=np.float32)
        if self.weighted and sample_weight is not None:
            w = np.asarray(sample_weight, dtype="float32")
            w = np.broadcast_to(w.reshape(w.shape + (1,) * (values.ndim - w.ndim)), values.shape)
            self.total = np.float32(self.total + np.sum(values * w, dtype="float32"))
            self.count = np.float32(self.count + np.sum(w, dtype="float32"))
        else:  # np.add.reduce: what np.sum runs for an ndarray
            self.total = self.total + np.add.reduce(values, axis=None, dtype=np.float32)
            self.count = self.count + np.float32(values.size)

    def result(self):
        return np.float32(self.total / self.count) if self.count else np.float32(0.0)


class MetricsContainer:
    """All metrics of all outputs, keyed by their log names, with running means."""

    def __init__(self, metrics, weighted_metrics, output_names, losses: LossesContainer):
        self.output_names = list(output_names)
        self.losses = losses
        self._specs = [
            _metric_list(m, "metrics") for m in _per_output(metrics, self.output_names, "metrics")
        ]
        self._weighted_specs = [
            _metric_list(m, "weighted_metrics")
            for m in _per_output(weighted_metrics, self.output_names, "weighted_metrics")
        ]
        self.built = False
        self.entries: list = []  # (output index, name, metric object)
        self._weighted_flags: list = []

    def build(self, y_true, y_pred):
        entries = []
        weighted_flags = []  # only weighted_metrics see the sample weights (Keras 2.2, tf.keras)
        names = iter(self.log_names())
        used = set()
        for i in range(len(self.output_names)):
            target_shape = None if y_true is None else np.shape(y_true[i])
            output_shape = np.shape(_raw(y_pred[i]))
            for spec_list, weighted in ((self._specs[i], False), (self._weighted_specs[i], True)):
                for spec in spec_list:
                    metric, _ = self._resolve(spec, i, output_shape, target_shape, weighted)
                    if id(metric) in used:  # one Metric object for several outputs: a copy each
                        metric = _fresh_copy(metric)
                    used.add(id(metric))
                    entries.append((i, next(names), metric))
                    weighted_flags.append(weighted)
        self.entries = entries
        self._weighted_flags = weighted_flags
        self.built = True

    def log_names(self):
        """The log keys of all metrics, in order (known at compile time, before ``build``).

        tf.keras's rules: multi-output models prefix the output name (``out1_accuracy``); a
        weighted metric gets ``weighted_`` only when its name is already taken by an unweighted
        one (``weighted_accuracy``, ``out1_weighted_accuracy``), else the plain name. Where
        tf.keras raises on a duplicate name, kviz appends ``_1``, ``_2`` (Keras 2.2).
        """
        multi = len(self.output_names) > 1
        taken: set = set()
        names = []

        def unique(name):
            base, j = name, 1
            while name in taken:
                name = f"{base}_{j}"
                j += 1
            taken.add(name)
            names.append(name)

        for i, out in enumerate(self.output_names):
            for spec in self._specs[i]:
                n = _spec_name(spec)
                unique(f"{out}_{n}" if multi else n)
            for spec in self._weighted_specs[i]:
                n = _spec_name(spec)
                if multi:
                    n = f"{out}_weighted_{n}" if f"{out}_{n}" in taken else f"{out}_{n}"
                elif n in taken:
                    n = f"weighted_{n}"
                unique(n)
        return names

    def _resolve(self, spec, i, output_shape, target_shape, weighted):
        if isinstance(spec, str):
            name = spec
            if spec in ("accuracy", "acc", "crossentropy", "ce"):
                fn = metrics_mod.resolve_accuracy(
                    spec, self.losses.identifiers[i], output_shape, target_shape
                )
            else:
                fn = metrics_mod.get(spec)
            if isinstance(fn, metrics_mod.Metric):
                return fn, name
            return _MeanAccumulator(name, fn, weighted), name
        if isinstance(spec, metrics_mod.Metric):
            return spec, spec.name
        if callable(spec):
            name = getattr(spec, "__name__", type(spec).__name__)
            return _MeanAccumulator(name, spec, weighted), name
        raise ValueError(
            f"Unknown metric {spec!r}: pass a metric name string, a function "
            "(y_true, y_pred) or a kviz.metrics.Metric"
        )

    @property
    def names(self):
        return [name for _, name, _ in self.entries]

    def reset_state(self):
        for _, _, m in self.entries:
            if hasattr(m, "reset_state"):
                m.reset_state()
            else:
                m.reset_states()

    def update_state(self, y_true, y_pred, sample_weights=None):
        if not self.built:
            self.build(y_true, y_pred)
        for (i, _, metric), weighted in zip(self.entries, self._weighted_flags, strict=True):
            yt = None if y_true is None else y_true[i]
            yp = np.asarray(_raw(y_pred[i]))
            sw = None if sample_weights is None or not weighted else sample_weights[i]
            metric.update_state(yt, yp, sample_weight=sw)

    def results(self):
        return {name: float(np.asarray(m.result())) for _, name, m in self.entries}


def _fresh_copy(metric):
    """A new metric like ``metric``, with zero state (tf.keras copies a Metric object given for
    several outputs, so that their states stay apart)."""
    try:
        return type(metric).from_config(metric.get_config())
    except Exception:  # a subclass whose config does not rebuild it
        clone = copy.deepcopy(metric)
        clone.reset_state()
        return clone


def _spec_name(spec):
    """The base log name of one metric spec: the string given, ``.name`` of a Metric object,
    ``__name__`` of a function."""
    if isinstance(spec, str):
        return spec
    if isinstance(spec, metrics_mod.Metric):
        return spec.name
    return getattr(spec, "__name__", type(spec).__name__)


def _metric_list(spec, what):
    if spec is None:
        return []
    if isinstance(spec, (list, tuple)):
        return list(spec)
    return [spec]
