"""What a network looks like inside while it trains, as plain NumPy data.

* :func:`confusion_matrix` - counts of (true class, predicted class) pairs;
* :func:`histogram`, :func:`weight_histograms` and :func:`gradient_histograms` - per-layer
  histograms of the weights and of the loss gradients on a sample batch (computed with
  :class:`kviz.autodiff.GradientTape` through the model's public call, in inference mode so
  that dropout is off and batch-norm statistics are not touched);
* :func:`dead_relu_fraction` - for each ReLU layer, the fraction of its units that output 0 for
  every sample of a batch ("dead" units: they pass no gradient, so they never recover);
* :func:`gradient_warnings` and :func:`dead_relu_warnings` - plain-language warnings;
  :func:`diagnose` runs everything on one batch.

The thresholds, all overridable per call:

* **exploding gradients**: a layer's gradient L2 norm (over all its trainable weights) is above
  ``EXPLODING_NORM`` (1e3), or is not finite (NaN/inf);
* **vanishing gradients**: a layer's gradient norm is below ``VANISHING_NORM`` (1e-7), or below
  ``VANISHING_RATIO`` (1e-4) times the largest layer gradient norm of the model (the early
  layers of a deep sigmoid network are the classic case);
* **dead ReLUs**: at least ``DEAD_RELU_FRACTION`` (0.5) of a ReLU layer's units are dead on the
  sample batch.

>>> confusion_matrix([0, 1, 1, 2], [0, 1, 0, 2])
array([[1, 0, 0],
       [1, 1, 0],
       [0, 0, 1]])
>>> gradient_warnings({'dense': 5e3, 'dense_1': 0.2})[0]['kind']
'exploding'
"""

from __future__ import annotations

import math

import numpy as np

from kviz import losses as _losses
from kviz import ops as _ops
from kviz.autodiff import GradientTape
from kviz.models import Model
from kviz.viz.node_details import histogram_range

EXPLODING_NORM = 1e3
VANISHING_NORM = 1e-7
VANISHING_RATIO = 1e-4
DEAD_RELU_FRACTION = 0.5


# --------------------------------------------------------------------------- confusion matrix
def _class_ids(y, name, binary_threshold=None):
    arr = np.asarray(y)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(
            f"{name} must hold numbers (class ids or scores); received dtype {arr.dtype}"
        )
    if arr.ndim == 2 and arr.shape[1] > 1:
        return np.argmax(arr, axis=1)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be class ids of shape (n,), or scores / one-hot rows of shape "
            f"(n, classes); received shape {np.shape(y)}"
        )
    if np.issubdtype(arr.dtype, np.floating):
        if binary_threshold is not None and arr.size and np.all((arr >= 0) & (arr <= 1)):
            non_integer = np.any(arr != np.round(arr))
            if non_integer:
                return (arr > binary_threshold).astype(np.int64)
        if np.any(arr != np.round(arr)) or not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be whole class ids; received non-integer values")
    return arr.astype(np.int64)


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Counts ``cm[i, j]`` of samples of true class ``i`` predicted as class ``j``.

    Each of ``y_true`` and ``y_pred`` may be class ids ``(n,)``, one-hot rows or per-class
    scores ``(n, classes)`` (the argmax is taken), or, for ``y_pred``, sigmoid scores ``(n,)``
    / ``(n, 1)`` in [0, 1] (thresholded at 0.5). ``num_classes`` defaults to the largest class
    id seen plus one (or the width of one-hot / score rows). Rows are true classes, columns
    predicted ones, as in ``tf.math.confusion_matrix``.

    >>> confusion_matrix([[1, 0], [0, 1], [0, 1]], [[0.8, 0.2], [0.6, 0.4], [0.1, 0.9]])
    array([[1, 0],
           [1, 1]])
    >>> confusion_matrix([0, 1], [0, 1, 1])
    Traceback (most recent call last):
    ...
    ValueError: y_true and y_pred must hold the same number of samples; received 2 and 3
    """
    t = _class_ids(y_true, "y_true")
    p = _class_ids(y_pred, "y_pred", binary_threshold=0.5)
    if t.shape[0] != p.shape[0]:
        raise ValueError(
            "y_true and y_pred must hold the same number of samples; received "
            f"{t.shape[0]} and {p.shape[0]}"
        )
    widths = [np.shape(a)[1] for a in (y_true, y_pred) if np.ndim(a) == 2 and np.shape(a)[1] > 1]
    if num_classes is None:
        seen = int(max(t.max(initial=-1), p.max(initial=-1))) + 1
        num_classes = max([seen, *widths, 1])
    else:
        if isinstance(num_classes, bool) or int(num_classes) != num_classes or num_classes < 1:
            raise ValueError(f"num_classes must be a positive integer; received {num_classes!r}")
        num_classes = int(num_classes)
    for name, ids in (("y_true", t), ("y_pred", p)):
        if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
            raise ValueError(
                f"{name} holds class ids outside [0, {num_classes}): min {ids.min()}, "
                f"max {ids.max()}"
            )
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (t, p), 1)
    return cm


# --------------------------------------------------------------------------- histograms
def histogram(values, bins=30):
    """Histogram and summary of an array, as a JSON-ready dict.

    Keys: ``counts`` (``bins`` ints), ``edges`` (``bins + 1`` floats), ``min``, ``max``,
    ``mean``, ``std``, ``norm`` (L2), ``size`` and ``nonfinite`` (NaN/inf entries, left out of
    the counts).

    >>> h = histogram([0.0, 0.5, 1.0, float('nan')], bins=2)
    >>> h['counts'], h['edges'], h['nonfinite']
    ([1, 2], [0.0, 0.5, 1.0], 1)
    """
    if isinstance(bins, bool) or int(bins) != bins or bins < 1:
        raise ValueError(f"bins must be a positive integer; received {bins!r}")
    arr = np.asarray(values, dtype=np.float64).ravel()
    finite = arr[np.isfinite(arr)]
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        rng = histogram_range(lo, hi, int(bins))  # values too close together: a wider range
        counts, edges = np.histogram(finite, bins=int(bins), range=rng)
        stats = {
            "min": lo,
            "max": hi,
            "mean": float(finite.mean()),
            "std": float(finite.std()),
            "norm": float(np.sqrt(np.dot(finite, finite))),
        }
    else:
        counts, edges = np.zeros(int(bins), dtype=np.int64), np.linspace(0.0, 1.0, int(bins) + 1)
        stats = {"min": None, "max": None, "mean": None, "std": None, "norm": None}
    if finite.size != arr.size:
        stats["norm"] = float("inf") if arr.size else stats["norm"]
    return {
        "counts": [int(c) for c in counts],
        "edges": [float(e) for e in edges],
        **stats,
        "size": int(arr.size),
        "nonfinite": int(arr.size - finite.size),
    }


def _weight_label(variable):
    name = getattr(variable, "name", "") or "weight"
    name = name.split("/")[-1]
    return name.split(":")[0]


def layers_with_weights(model):
    """``[(path, layer)]`` for every layer with trainable weights; nested models are entered and
    their layers named ``outer/inner``.

    >>> import kviz as keras
    >>> m = keras.Sequential([keras.layers.Dense(2, input_shape=(3,), name='d'),
    ...                       keras.layers.Dropout(0.1)])
    >>> [p for p, _ in layers_with_weights(m)]
    ['d']
    """
    out = []

    def walk(container, prefix):
        for layer in getattr(container, "layers", []):
            path = prefix + layer.name
            if getattr(layer, "layers", None) and isinstance(layer, Model):
                walk(layer, path + "/")
            elif layer.trainable_weights:
                out.append((path, layer))

    walk(model, "")
    return out


def weight_histograms(model, bins=30):
    """Histograms of every trainable weight, per layer:
    ``{layer path: {weight name: histogram dict}}`` (see :func:`histogram`).

    >>> import kviz as keras
    >>> m = keras.Sequential([keras.layers.Dense(4, input_shape=(3,), name='d')])
    >>> h = weight_histograms(m, bins=5)
    >>> sorted(h['d']), sum(h['d']['kernel']['counts'])
    (['bias', 'kernel'], 12)
    """
    _check_model(model)
    return {
        path: {_weight_label(w): histogram(_ops_value(w), bins) for w in layer.trainable_weights}
        for path, layer in layers_with_weights(model)
    }


def _ops_value(variable):
    value = getattr(variable, "numpy", None)
    return value() if callable(value) else np.asarray(variable)


def _check_model(model):
    if not isinstance(model, Model):
        raise TypeError(f"expected a kviz Model (Sequential or functional); received {model!r}")


def _loss_fns(model, loss, n_outputs):
    spec = getattr(model, "loss", None) if loss is None else loss
    if spec is None:
        raise ValueError(
            "layer_gradients needs a loss: compile the model first or pass loss=... "
            "(a loss name or function)"
        )
    if isinstance(spec, dict):
        names = list(getattr(model, "output_names", []) or [])
        missing = [n for n in names if n not in spec]
        if missing:
            raise ValueError(f"the loss dict has no entry for outputs {missing}")
        return [_losses.get(spec[n]) for n in names]
    if isinstance(spec, (list, tuple)):
        if len(spec) != n_outputs:
            raise ValueError(f"the model has {n_outputs} outputs but {len(spec)} losses were given")
        return [_losses.get(s) for s in spec]
    fn = _losses.get(spec)
    return [fn] * n_outputs


def layer_gradients(model, x, y, loss=None):
    """Gradients of the loss on ``(x, y)`` with respect to each layer's trainable weights:
    ``{layer path: {weight name: array}}``.

    The forward pass is ``model(x, training=False)`` inside a
    :class:`~kviz.autodiff.GradientTape` (inference mode: no dropout, batch-norm statistics
    untouched); the loss is the compiled one (``model.loss``) unless ``loss`` is given, averaged
    over the batch and summed over outputs, plus the model's regularization losses.
    A weight the loss does not depend on gets zeros.

    >>> import numpy as np, kviz as keras
    >>> m = keras.Sequential([keras.layers.Dense(2, input_shape=(3,), name='d')])
    >>> m.compile('sgd', 'mse')
    >>> g = layer_gradients(m, np.ones((4, 3)), np.zeros((4, 2)))
    >>> g['d']['kernel'].shape, g['d']['bias'].shape
    ((3, 2), (2,))
    """
    _check_model(model)
    pairs = [
        (path, _weight_label(w), w)
        for path, layer in layers_with_weights(model)
        for w in layer.trainable_weights
    ]
    n_out = len(getattr(model, "outputs", None) or [None])
    fns = _loss_fns(model, loss, n_out)
    with GradientTape() as tape:
        outputs = model(x, training=False)
        outs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        ys = list(y) if isinstance(y, (list, tuple)) and len(outs) > 1 else [y]
        if len(ys) != len(outs):
            raise ValueError(f"the model has {len(outs)} outputs but {len(ys)} targets were given")
        if len(fns) != len(outs):
            fns = _loss_fns(model, loss, len(outs))
        total = None
        for fn, yt, yp in zip(fns, ys, outs, strict=True):
            value = _ops.mean(fn(np.asarray(yt), yp))
            total = value if total is None else total + value
        for reg in model.losses:
            total = total + reg
    grads = tape.gradient(total, [w for _, _, w in pairs])
    out = {}
    for (path, label, w), g in zip(pairs, grads, strict=True):
        arr = np.zeros(np.shape(_ops_value(w))) if g is None else np.asarray(g)
        out.setdefault(path, {})[label] = arr
    return out


def gradient_histograms(model, x, y, bins=30, loss=None):
    """Histograms of :func:`layer_gradients`: ``{layer path: {weight name: histogram dict}}``."""
    grads = layer_gradients(model, x, y, loss=loss)
    return {
        path: {name: histogram(g, bins) for name, g in per.items()} for path, per in grads.items()
    }


def gradient_norms(grads):
    """L2 norm of each layer's gradients (all its weights together), from :func:`layer_gradients`
    (or :func:`gradient_histograms`, whose histograms carry the norms).

    >>> gradient_norms({'d': {'kernel': np.array([3.0]), 'bias': np.array([4.0])}})
    {'d': 5.0}
    """
    norms = {}
    for path, per in grads.items():
        total = 0.0
        for g in per.values():
            if isinstance(g, dict):
                n = g.get("norm")
                total += float("nan") if n is None else n * n
            else:
                a = np.asarray(g, dtype=np.float64).ravel()
                total += float(np.dot(a, a))
        norms[path] = math.sqrt(total) if math.isfinite(total) else float(total)
    return norms


def gradient_warnings(
    norms,
    exploding=EXPLODING_NORM,
    vanishing=VANISHING_NORM,
    vanishing_ratio=VANISHING_RATIO,
):
    """Warnings for exploding / vanishing gradients from per-layer gradient norms.

    Returns a list of ``{'layer', 'kind', 'norm', 'message'}`` dicts, ``kind`` being
    ``'exploding'`` or ``'vanishing'``. The rules (module docstring): exploding when a norm is
    above ``exploding`` or not finite; vanishing when a norm is below ``vanishing`` or below
    ``vanishing_ratio`` times the largest norm.

    >>> [w['kind'] for w in gradient_warnings({'a': 1e-9, 'b': 0.5, 'c': float('nan')})]
    ['vanishing', 'exploding']
    """
    finite = [n for n in norms.values() if math.isfinite(n)]
    largest = max(finite, default=0.0)
    out = []
    for layer, norm in norms.items():
        if not math.isfinite(norm) or norm > exploding:
            what = (
                "is not finite" if not math.isfinite(norm) else f"is {norm:.3g} (> {exploding:g})"
            )
            out.append(
                {
                    "layer": layer,
                    "kind": "exploding",
                    "norm": norm,
                    "message": f"exploding gradients in {layer}: the gradient norm {what}; "
                    "try a lower learning rate, gradient clipping (clipnorm) or normalization",
                }
            )
        elif norm < vanishing or (largest > 0 and norm < vanishing_ratio * largest):
            why = (
                f"< {vanishing:g}"
                if norm < vanishing
                else f"< {vanishing_ratio:g} x the largest layer norm {largest:.3g}"
            )
            out.append(
                {
                    "layer": layer,
                    "kind": "vanishing",
                    "norm": norm,
                    "message": f"vanishing gradients in {layer}: the gradient norm is "
                    f"{norm:.3g} ({why}); this layer barely learns - try ReLU activations, "
                    "better initialization, batch normalization or skip connections",
                }
            )
    return out


# --------------------------------------------------------------------------- dead ReLUs
def _is_relu(layer):
    if type(layer).__name__ == "ReLU":
        slope = getattr(layer, "negative_slope", 0.0)
        return not slope
    act = getattr(layer, "activation", None)
    return getattr(act, "__name__", None) == "relu"


def relu_layers(model):
    """The layers of ``model`` whose output goes through a ReLU (``activation='relu'``,
    ``Activation('relu')`` or ``ReLU()`` without a negative slope), as ``[(path, layer)]``."""
    out = []

    def walk(container, prefix):
        for layer in getattr(container, "layers", []):
            if getattr(layer, "layers", None) and isinstance(layer, Model):
                walk(layer, prefix + layer.name + "/")
            elif _is_relu(layer):
                out.append((prefix + layer.name, layer))

    walk(model, "")
    return out


def _nested_input(container, layer):
    """The tensor of ``container``'s graph that feeds the nested model ``layer`` (one of the
    tensors ``layer.get_input_at(k)`` of its calls), or None."""
    for k in range(64):
        try:
            tensor = layer.get_input_at(k)
        except (ValueError, IndexError, AttributeError, RuntimeError):
            return None
        if isinstance(tensor, (list, tuple)):
            continue  # nested models with several inputs are not entered
        if any(t is tensor for t in container.inputs):
            return tensor
        try:
            Model(container.inputs, tensor)
        except ValueError:
            continue
        return tensor
    return None


def _probe(container, inputs_value, prefix, wanted, results):
    """Run ``container`` on ``inputs_value`` collecting the outputs of ReLU layers (and of the
    inputs of nested models, which are then probed in turn)."""
    targets, nested = [], []
    for layer in getattr(container, "layers", []):
        path = prefix + layer.name
        if getattr(layer, "layers", None) and isinstance(layer, Model):
            if any(w.startswith(path + "/") for w in wanted):
                nested.append((path, layer))
        elif path in wanted:
            targets.append((path, layer))
    tensors, owners, direct = [], [], []
    inputs = list(container.inputs)
    values_in = inputs_value if isinstance(inputs_value, (list, tuple)) else [inputs_value]
    for path, layer in targets:
        try:
            tensors.append(layer.output)
            owners.append(("relu", path, layer))
        except (AttributeError, ValueError, RuntimeError):
            continue  # a layer called more than once has no single output
    for path, layer in nested:
        tensor = _nested_input(container, layer)
        if tensor is None:
            continue
        same = [i for i, t in enumerate(inputs) if t is tensor]
        if same:  # the nested model reads the container's own input
            direct.append((path, layer, values_in[same[0]]))
        else:
            tensors.append(tensor)
            owners.append(("nested", path, layer))
    for path, layer, value in direct:
        _probe(layer, value, path + "/", wanted, results)
    if not tensors:
        return
    probe = Model(container.inputs, tensors)
    values = probe.predict(inputs_value, verbose=0)
    if len(tensors) == 1:
        values = [values]
    for (kind, path, layer), value in zip(owners, values, strict=True):
        if kind == "relu":
            results[path] = (layer, np.asarray(value))
        else:
            _probe(layer, value, path + "/", wanted, results)


def dead_relu_fraction(model, x):
    """For each ReLU layer, the fraction of its units that output 0 for every sample of ``x``.

    A unit is one output channel: the last axis (the channel axis for ``channels_first`` conv
    layers), so a conv filter is dead when it is 0 at every position of every sample.
    Needs a Sequential or functional model (the outputs are read through a probe
    ``Model(model.inputs, [layer.output, ...])``); nested models are entered.

    >>> import numpy as np, kviz as keras
    >>> m = keras.Sequential([keras.layers.Dense(4, activation='relu', input_shape=(2,),
    ...     bias_initializer=keras.initializers.Constant(-100.0), name='d')])
    >>> dead_relu_fraction(m, np.random.rand(8, 2))
    {'d': 1.0}
    """
    _check_model(model)
    if not getattr(model, "inputs", None):
        raise ValueError(
            "dead_relu_fraction needs a Sequential or functional model with known inputs "
            "(build it, or give the first layer an input_shape); received a model without inputs"
        )
    wanted = {path for path, _ in relu_layers(model)}
    results = {}
    if wanted:
        _probe(model, x, "", wanted, results)
    out = {}
    for path, _ in relu_layers(model):
        if path not in results:
            continue
        layer, value = results[path]
        axis = 1 if getattr(layer, "data_format", None) == "channels_first" else -1
        moved = np.moveaxis(value, axis, -1).reshape(-1, value.shape[axis])
        dead = np.all(moved <= 0, axis=0)
        out[path] = float(dead.mean()) if dead.size else 0.0
    return out


def dead_relu_warnings(fractions, threshold=DEAD_RELU_FRACTION):
    """Warnings for ReLU layers with at least ``threshold`` of their units dead.

    >>> dead_relu_warnings({'dense': 0.75, 'dense_1': 0.1})[0]['message'][:28]
    'dead ReLUs in dense: 75% of '
    """
    return [
        {
            "layer": layer,
            "kind": "dead_relu",
            "fraction": frac,
            "message": f"dead ReLUs in {layer}: {frac:.0%} of its units output 0 for every "
            "sample; try a lower learning rate, He initialization or LeakyReLU",
        }
        for layer, frac in fractions.items()
        if frac >= threshold
    ]


def diagnose(model, x, y, bins=30, loss=None, **thresholds):
    """Weight and gradient histograms, gradient norms, dead-ReLU fractions and warnings for
    one sample batch ``(x, y)``, as one JSON-ready dict with keys ``weights``, ``gradients``
    (both ``{layer: {weight: histogram}}``), ``gradient_norms``, ``dead_relu`` and
    ``warnings``. ``thresholds`` may set ``exploding``, ``vanishing``, ``vanishing_ratio`` and
    ``dead_relu``. Dead-ReLU detection is skipped (``dead_relu={}``) for models without a
    graph (subclassed models).
    """
    unknown = set(thresholds) - {"exploding", "vanishing", "vanishing_ratio", "dead_relu"}
    if unknown:
        raise TypeError(f"diagnose() got unexpected threshold names {sorted(unknown)}")
    grads = gradient_histograms(model, x, y, bins=bins, loss=loss)
    norms = gradient_norms(grads)
    try:
        dead = dead_relu_fraction(model, x)
    except ValueError:
        dead = {}
    warns = gradient_warnings(
        norms,
        exploding=thresholds.get("exploding", EXPLODING_NORM),
        vanishing=thresholds.get("vanishing", VANISHING_NORM),
        vanishing_ratio=thresholds.get("vanishing_ratio", VANISHING_RATIO),
    ) + dead_relu_warnings(dead, thresholds.get("dead_relu", DEAD_RELU_FRACTION))
    return {
        "weights": weight_histograms(model, bins=bins),
        "gradients": grads,
        "gradient_norms": norms,
        "dead_relu": dead,
        "warnings": warns,
    }


# --------------------------------------------------------------------------- drawing
def draw_confusion_matrix(ax, cm, class_names=None, title="confusion matrix (validation)"):
    """Draw ``cm`` on a matplotlib ``Axes`` (rows: true class, columns: predicted)."""
    cm = np.asarray(cm)
    ax.imshow(cm, cmap="Blues")
    n = cm.shape[0]
    names = list(class_names) if class_names is not None else [str(i) for i in range(n)]
    ticks = range(n)
    ax.set_xticks(ticks, names[:n], fontsize=7)
    ax.set_yticks(ticks, names[:n], fontsize=7)
    if n <= 12:
        top = cm.max() if cm.size else 0
        for i in range(n):
            for j in range(n):
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if top and cm[i, j] > top / 2 else "black")  # fmt: skip
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)


def draw_histogram(ax, hist, label=None, color=None, alpha=1.0):
    """Draw one :func:`histogram` dict as a step line on ``ax``."""
    edges = np.asarray(hist["edges"])
    counts = np.asarray(hist["counts"])
    ax.stairs(counts, edges, color=color, alpha=alpha, label=label)
