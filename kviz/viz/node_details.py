"""What a model diagram shows about one node when it is clicked: pure data, no Jupyter.

:func:`node_details` gathers, through the layer's public API only (``get_config()``,
``get_weights()``, ``weights``, ``trainable_weights``, ``count_params()``), a layer's
configuration, parameter counts, weight shapes and a small histogram of each weight's values,
and its output shape from the graph description; given the layer's output on a sample batch
(:func:`layer_activation` for a model, :func:`sequence_activation` for a list of layers), it also
summarizes the activations and draws them as a heatmap. Everything returned is JSON: histograms
come as counts and bin edges plus a small inline SVG, heatmaps as ``data:image/png;base64`` URLs
(PNG written here with :mod:`zlib`, no matplotlib needed).

>>> import numpy as np
>>> from kviz.layers import Dense, Input
>>> from kviz.models import Model
>>> from kviz.viz import graph
>>> x = Input(shape=(4,), name='x')
>>> model = Model(x, Dense(3, activation='relu', name='hidden')(x))
>>> node = graph(model)['nodes'][1]
>>> layer = find_layer(model, node['id'])
>>> act = layer_activation(model, node['id'], np.ones((2, 4), 'float32'))
>>> d = node_details(node, layer, activation=act)
>>> d['params'], d['config']['units'], [w['shape'] for w in d['weights']]
(15, 3, [[4, 3], [3]])
>>> sum(d['weights'][0]['histogram']['counts']), d['activations']['shape']
(12, [2, 3])
>>> d['activations']['image'].startswith('data:image/png;base64,')
True
"""

from __future__ import annotations

import base64
import math
import struct
import zlib

import numpy as np

from kviz.layers.input_layer import InputLayer
from kviz.models.functional import Model

HISTOGRAM_BINS = 20
MAX_WEIGHT_HISTOGRAMS = 24  # weights after these are listed without a histogram
MAX_CHANNELS = 16  # feature maps tiled in an activation heatmap
MAX_SAMPLES = 16  # rows of a dense layer's heatmap (one per sample)
IMAGE_WIDTH = 240  # heatmaps are scaled up (nearest pixel) to about this size
IMAGE_HEIGHT = 160

# viridis-like anchors (dark blue -> green -> yellow) for heatmaps
_ANCHORS = np.array(
    [
        [68, 1, 84],
        [59, 82, 139],
        [33, 145, 140],
        [94, 201, 98],
        [253, 231, 37],
    ],
    dtype=np.float64,
)
_GAP_RGB = (255, 255, 255)


# ------------------------------------------------------------------------------- JSON
def json_safe(value, _depth=0):
    """``value`` (a layer config, a shape...) as JSON: tuples become lists, NumPy scalars
    numbers, small arrays lists, NaN/inf strings, anything else its ``repr``."""
    if _depth > 20:
        return repr(value)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else str(f)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v, _depth + 1) for v in value]
    if isinstance(value, np.ndarray):
        if value.size <= 16:
            return json_safe(value.tolist(), _depth + 1)
        return f"array of shape {tuple(value.shape)} ({value.dtype})"
    if isinstance(value, np.dtype):
        return str(value)
    return repr(value)


# -------------------------------------------------------------------------- histograms
def histogram_range(lo, hi, bins) -> tuple:
    """A ``(lo, hi)`` range that NumPy can split into ``bins`` bins of finite width.

    The data range itself when it is wide enough; else (constant values, or values that differ
    by a few rounding steps, such as ``1e6`` and ``1e6 + 1e-9``) a range centred on them:
    width 1 for values near 1 (NumPy's own choice for constant data), wider for large values.

    >>> histogram_range(0.0, 2.0, 4), histogram_range(3.0, 3.0, 4)
    ((0.0, 2.0), (2.5, 3.5))
    >>> lo, hi = histogram_range(1e20, 1e20, 30)
    >>> lo < 1e20 < hi
    True
    """
    lo, hi = float(lo), float(hi)
    scale = max(abs(lo), abs(hi))
    min_width = 4.0 * bins * float(np.spacing(scale))
    if hi - lo > min_width:
        return lo, hi
    mid = lo / 2 + hi / 2
    half = max(0.5, scale * 1e-6, min_width)
    return mid - half, mid + half


def histogram(values, bins=HISTOGRAM_BINS) -> dict:
    """Histogram of the finite values of ``values``: ``{"counts", "edges", "count",
    "nonfinite"}`` with ``len(edges) == len(counts) + 1``. Constant values get one bin of width
    1 around the value; no finite value gives ``bins`` empty bins on ``[0, 1]``."""
    if not isinstance(bins, (int, np.integer)) or isinstance(bins, bool) or bins < 1:
        raise ValueError(f"bins must be a positive integer; received {bins!r}")
    a = np.asarray(values, dtype=np.float64).ravel()
    finite = a[np.isfinite(a)]
    if finite.size == 0:
        lo, hi = 0.0, 1.0
    else:
        lo, hi = histogram_range(finite.min(), finite.max(), bins)
    counts, edges = np.histogram(finite, bins=int(bins), range=(lo, hi))
    return {
        "counts": [int(c) for c in counts],
        "edges": [float(e) for e in edges],
        "count": int(finite.size),
        "nonfinite": int(a.size - finite.size),
    }


def _num(v) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1e4 or abs(v) < 1e-3:
        return f"{v:.2e}"
    return f"{v:.3g}"


def histogram_svg(hist, width=160, height=44, color="#5c6bc0") -> str:
    """A small standalone SVG of a :func:`histogram` (one ``<rect class="bar">`` per bin, the
    range written below)."""
    counts = hist["counts"]
    edges = hist["edges"]
    top = max(counts) if counts and max(counts) > 0 else 1
    label_h = 11
    plot_h = height - label_h
    bar_w = width / max(len(counts), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="kviz-histogram" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">',
        f"<title>{hist['count']} values from {_num(edges[0])} to {_num(edges[-1])}</title>",
    ]
    for i, c in enumerate(counts):
        h = plot_h * c / top
        if c and h < 1:
            h = 1.0
        parts.append(
            f'<rect class="bar" x="{i * bar_w:.2f}" y="{plot_h - h:.2f}" '
            f'width="{max(bar_w - 1, 0.5):.2f}" height="{h:.2f}" fill="{color}"/>'
        )
    parts.append(
        f'<line x1="0" y1="{plot_h + 0.5:.1f}" x2="{width}" y2="{plot_h + 0.5:.1f}" '
        'stroke="#9e9e9e" stroke-width="1"/>'
    )
    style = 'font-size="9" font-family="sans-serif" fill="#616161"'
    parts.append(f'<text x="0" y="{height - 1}" {style}>{_num(edges[0])}</text>')
    parts.append(
        f'<text x="{width}" y="{height - 1}" text-anchor="end" {style}>{_num(edges[-1])}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def stats(values) -> dict:
    """``{"mean", "std", "min", "max", "zeros"}`` of the finite values (``zeros``: the fraction
    exactly 0, e.g. ReLU units that are off); None entries when there is no finite value."""
    a = np.asarray(values, dtype=np.float64).ravel()
    finite = a[np.isfinite(a)]
    if finite.size == 0:
        return {"mean": None, "std": None, "min": None, "max": None, "zeros": None}
    return {
        "mean": float(finite.mean()),
        "std": float(finite.std()),
        "min": float(finite.min()),
        "max": float(finite.max()),
        "zeros": float(np.mean(finite == 0.0)),
    }


# ------------------------------------------------------------------------------- PNG
def png_bytes(rgb) -> bytes:
    """PNG file bytes for an ``(height, width, 3)`` uint8 array (8-bit RGB, no interlace)."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.shape[0] < 1 or rgb.shape[1] < 1:
        raise ValueError(f"png_bytes() expects an (height, width, 3) array; received {rgb.shape}")
    h, w, _ = rgb.shape
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rgb.reshape(h, w * 3)], axis=1)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def colorize(values) -> np.ndarray:
    """Values in [0, 1] (NaN: a white gap) as uint8 RGB through a viridis-like colormap."""
    v = np.asarray(values, dtype=np.float64)
    gap = ~np.isfinite(v)
    t = np.clip(np.where(gap, 0.0, v), 0.0, 1.0) * (len(_ANCHORS) - 1)
    i = np.minimum(t.astype(int), len(_ANCHORS) - 2)
    f = (t - i)[..., None]
    rgb = _ANCHORS[i] * (1 - f) + _ANCHORS[i + 1] * f
    rgb[gap] = _GAP_RGB
    return np.round(rgb).astype(np.uint8)


def heatmap_png(table, width=IMAGE_WIDTH, height=IMAGE_HEIGHT) -> bytes:
    """PNG bytes of a 2-D array drawn as a heatmap (min -> dark blue, max -> yellow, NaN ->
    white), each cell scaled up to square pixels (at most 32) so the picture fits in about
    ``width`` × ``height``."""
    t = np.asarray(table, dtype=np.float64)
    if t.ndim != 2 or t.size == 0:
        raise ValueError(f"heatmap_png() expects a non-empty 2-D array; received shape {t.shape}")
    finite = t[np.isfinite(t)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    norm = (t - lo) / (hi - lo) if hi > lo else np.where(np.isfinite(t), 0.5, np.nan)
    rgb = colorize(norm)
    scale = max(1, min(width // t.shape[1], height // t.shape[0], 32))
    rgb = np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1)
    return png_bytes(rgb)


def png_data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _grid(maps):
    """Tile ``(n, h, w)`` maps into one 2-D array with NaN gaps between them."""
    n, h, w = maps.shape
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan)
    for k in range(n):
        r, c = divmod(k, cols)
        out[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = maps[k]
    return out


def activation_table(batch):
    """The 2-D array to draw for a batch of activations, and a caption: a dense output is
    ``samples × units``, a sequence (first sample) ``steps × features``, an image-like output
    (first sample) its first feature maps side by side."""
    a = np.asarray(batch, dtype=np.float64)
    if a.ndim <= 1:
        return a.reshape(1, -1), "one row of values"
    if a.ndim == 2:
        n = min(a.shape[0], MAX_SAMPLES)
        return a[:n], f"rows: the first {n} sample(s), columns: the {a.shape[1]} units"
    sample = a[0]
    if sample.ndim == 2:
        return sample, f"sample 0: {sample.shape[0]} steps (rows) × {sample.shape[1]} features"
    maps = sample.reshape(-1, sample.shape[-2], sample.shape[-1]) if sample.ndim > 3 else sample
    maps = np.moveaxis(maps, -1, 0)[:MAX_CHANNELS]  # channels last
    return _grid(maps), (
        f"sample 0: the first {maps.shape[0]} of {sample.shape[-1]} feature maps "
        f"({maps.shape[1]}×{maps.shape[2]})"
    )


def activation_details(output, bins=HISTOGRAM_BINS) -> dict:
    """Summary of a layer's output on a sample batch: shape, statistics, histogram (counts and
    a small SVG) and a heatmap (a PNG data URL) with its caption. A layer with several outputs
    is summarized on its first one."""
    outputs = output if isinstance(output, (list, tuple)) else [output]
    a = np.asarray(outputs[0])
    hist = histogram(a, bins)
    table, caption = activation_table(a)
    return {
        "shape": [int(d) for d in a.shape],
        "outputs": len(outputs),
        "stats": stats(a),
        "histogram": hist,
        "histogram_svg": histogram_svg(hist, color="#26a69a"),
        "image": png_data_url(heatmap_png(table)),
        "caption": caption,
    }


# ---------------------------------------------------------------------- weights, config
def weight_details(layer, bins=HISTOGRAM_BINS) -> list:
    """``[{"name", "shape", "dtype", "trainable", "size", "stats", "histogram",
    "histogram_svg"}]`` for each weight of ``layer`` (``weights`` zipped with
    ``get_weights()``)."""
    try:
        variables = list(layer.weights)
        values = list(layer.get_weights())
        trainable = {id(w) for w in layer.trainable_weights}
    except Exception:  # an unbuilt layer, a layer without the weights API
        return []
    out = []
    for i, (var, value) in enumerate(zip(variables, values, strict=False)):
        value = np.asarray(value)
        entry = {
            "name": str(getattr(var, "name", f"weight_{i}")),
            "shape": [int(d) for d in value.shape],
            "dtype": str(value.dtype),
            "trainable": id(var) in trainable,
            "size": int(value.size),
            "stats": stats(value),
            "histogram": None,
            "histogram_svg": None,
        }
        if i < MAX_WEIGHT_HISTOGRAMS:
            entry["histogram"] = histogram(value, bins)
            entry["histogram_svg"] = histogram_svg(entry["histogram"])
        out.append(entry)
    return out


def _param_split(layer):
    try:
        trainable = sum(int(np.prod(w.shape)) for w in layer.trainable_weights)
        total = int(layer.count_params()) if getattr(layer, "built", True) else 0
    except Exception:
        return None, None
    return trainable, total - trainable


def node_details(node, layer=None, activation=None, bins=HISTOGRAM_BINS) -> dict:
    """Everything to show for the graph-description ``node`` (see :func:`kviz.viz.graph`):
    the node's own entries (name, class, shapes, status, error) and, when ``layer`` is given,
    its config, parameter counts and weights; when ``activation`` (the layer's output on a
    sample batch) is given, an ``activations`` summary (:func:`activation_details`)."""
    details = {
        "id": node["id"],
        "name": node.get("name"),
        "class_name": node.get("class_name"),
        "kind": node.get("kind"),
        "status": node.get("status", "ok"),
        "error": node.get("error"),
        "input_shape": node.get("input_shape"),
        "output_shape": node.get("output_shape"),
        "dtype": node.get("dtype"),
        "activation": node.get("activation"),
        "trainable": node.get("trainable"),
        "calls": node.get("calls", 1),
        "is_model": bool(node.get("is_model")),
        "params": int(node.get("params") or 0),
        "trainable_params": None,
        "non_trainable_params": None,
        "config": None,
        "weights": [],
        "activations": None,
    }
    if layer is not None:
        try:
            details["config"] = json_safe(layer.get_config())
        except Exception as exc:  # a custom layer without get_config
            details["config"] = {"error": f"get_config() raised {type(exc).__name__}: {exc}"}
        details["weights"] = weight_details(layer, bins)
        trainable, frozen = _param_split(layer)
        if trainable is not None:
            details["trainable_params"] = trainable
            details["non_trainable_params"] = frozen
            details["params"] = trainable + frozen
    if activation is not None:
        details["activations"] = activation_details(activation, bins)
    return details


# ------------------------------------------------------------------ finding the layers
def _split_id(node_id):
    """``'block/dense#2'`` -> ``[('block', 1), ('dense', 2)]`` (names and occurrence)."""
    out = []
    for part in str(node_id).split("/"):
        name, _, k = part.partition("#")
        out.append((name, int(k) if k.isdigit() else 1))
    return out


def _child(model, name, k):
    matches = [layer for layer in model.layers if layer.name == name]
    return matches[k - 1] if len(matches) >= k else None


def find_path(model, node_id) -> list:
    """The layers from the top model down to the node ``node_id`` of ``graph(model, ...)``
    (one layer for a top-level node; the nested models first for a node inside an expanded
    nested model); an empty list when there is no such layer."""
    path, current = [], model
    for name, k in _split_id(node_id):
        if not isinstance(current, Model):
            return []
        layer = _child(current, name, k)
        if layer is None:
            return []
        path.append(layer)
        current = layer
    return path


def find_layer(model, node_id):
    """The layer drawn as node ``node_id`` in ``graph(model, ...)``, or None."""
    path = find_path(model, node_id)
    return path[-1] if path else None


def _first(value):
    return value[0] if isinstance(value, (list, tuple)) and len(value) == 1 else value


def _evaluate(model, outputs, x):
    """``outputs`` (symbolic tensors of ``model``'s graph) computed on ``x``."""
    inputs = list(model.inputs)
    xs = list(x) if isinstance(x, (list, tuple)) else [x]
    for tensor, value in zip(inputs, xs, strict=False):
        if tensor is outputs:
            return np.asarray(value)
    sub = Model(inputs if len(inputs) > 1 else inputs[0], outputs)
    return sub.predict(x if len(inputs) > 1 else xs[0], verbose=0)


def layer_activation(model, node_id, x):
    """The output of the layer drawn as node ``node_id`` (in ``graph(model, ...)``) when
    ``model`` runs on the batch ``x`` (its first call, for a shared layer). Nodes inside an
    expanded nested model work too: the nested model's input is computed first."""
    path = find_path(model, node_id)
    if not path:
        raise ValueError(f"{node_id!r} is not a layer of model {model.name!r}")
    current, value = model, x
    for depth, layer in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(layer, InputLayer) and last:
            output = layer.get_output_at(0)
            xs = list(value) if isinstance(value, (list, tuple)) else [value]
            for tensor, v in zip(current.inputs, xs, strict=False):
                if tensor is output:
                    return np.asarray(v)
            return np.asarray(xs[0])
        if last:
            return _evaluate(current, _first(layer.get_output_at(0)), value)
        value = _evaluate(current, _first(layer.get_input_at(0)), value)
        current = layer
    return None


def sequence_activation(layers, index, x):
    """The output of ``layers[index]`` when ``layers[0] .. layers[index]`` are called one after
    the other on the batch ``x`` (eagerly: the layers must already be built for these shapes).
    ``index`` -1 gives ``x`` itself (the input)."""
    value = x
    for layer in list(layers)[: index + 1]:
        value = layer(value)
    return np.asarray(value)


__all__ = [
    "activation_details",
    "activation_table",
    "colorize",
    "find_layer",
    "find_path",
    "heatmap_png",
    "histogram",
    "histogram_range",
    "histogram_svg",
    "json_safe",
    "layer_activation",
    "node_details",
    "png_bytes",
    "png_data_url",
    "sequence_activation",
    "stats",
    "weight_details",
]
