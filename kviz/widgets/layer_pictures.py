"""Pictures (RGB arrays, floats in [0, 1]) that ActivationViewer and FilterViewer show.

Feature-map grids and kernel grids are composed in NumPy (fast, pixel-exact); bar charts and
heatmaps with axes are drawn with matplotlib's object API on an Agg canvas (no pyplot, no
global figure state). :func:`png` turns any picture into PNG bytes.

>>> import numpy as np
>>> feature_maps(np.ones((6, 6, 4))).shape[2]
3
>>> png(bar_chart(np.arange(5.0), 'dense'))[:4]
b'\\x89PNG'
"""

from __future__ import annotations

import base64
import io

import numpy as np

from kviz.viz.images import colorize, normalize01, tile, to_png, upscale

MAX_MAPS = 64  # feature maps / filters drawn at most
MAX_CHANNELS = 16  # input channels drawn per gray filter
HIGHLIGHT = (1.0, 0.55, 0.0)  # the chosen filter's frame (orange)
BACKGROUND = 1.0


def png(picture) -> bytes:
    """PNG bytes of a picture."""
    return to_png(picture)


def _factor(size, target=64, most=16):
    return int(max(1, min(most, target // max(1, size))))


def feature_maps(maps, cmap="viridis"):
    """A grid of the feature maps of one sample: ``maps`` is ``(h, w, channels)``.

    Each map is scaled to [0, 1] on its own and coloured with ``cmap``; at most
    :data:`MAX_MAPS` maps are drawn.
    """
    maps = np.asarray(maps, dtype="float64")[..., :MAX_MAPS]
    per_map = np.moveaxis(normalize01(maps, axis=(0, 1)), -1, 0)  # (c, h, w)
    k = _factor(max(per_map.shape[1:]))
    big = np.stack([upscale(m, k) for m in per_map])
    return tile(colorize(big, cmap), pad=2, fill=BACKGROUND)


def _figure(width, height):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=80)


def _to_rgb(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    return rgba[..., :3].astype("float64") / 255.0


def bar_chart(values, title=""):
    """Bars of a vector (a Dense layer's units), with unit numbers and values on the axes."""
    values = np.asarray(values, dtype="float64").ravel()
    from matplotlib.ticker import MaxNLocator

    fig = _figure(max(4.0, min(10.0, 0.18 * len(values) + 2)), 2.6)
    ax = fig.add_subplot(1, 1, 1)
    colors = np.where(values >= 0, "#3b75af", "#d1603d")
    ax.bar(np.arange(len(values)), values, color=colors, width=0.8)
    ax.axhline(0, color="#444", lw=0.6)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("unit")
    ax.set_ylabel("activation")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return _to_rgb(fig)


def heatmap(values, title="", xlabel="unit", ylabel="time step", cmap="viridis"):
    """A 2-D array as a heatmap with axes and a colour bar (rows = ``ylabel``)."""
    values = np.asarray(values, dtype="float64")
    if values.ndim == 1:
        values = values[None]
    rows, cols = values.shape
    fig = _figure(max(4.0, min(10.0, 0.25 * cols + 2.5)), max(2.4, min(7.0, 0.22 * rows + 1.6)))
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(values, aspect="auto", cmap=cmap, interpolation="nearest")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.05)
    fig.tight_layout()
    return _to_rgb(fig)


def activation_picture(values, kind, title=""):
    """The picture of one sample's activation ``values`` for a view ``kind``.

    ``kind``: ``'maps'`` ((h, w, c) feature maps), ``'bars'`` (a vector; over 64 units a
    heatmap strip), ``'sequence'`` ((time, units) heatmap), ``'heatmap'`` (anything else,
    flattened to 2-D).
    """
    values = np.asarray(values, dtype="float64")
    if kind == "maps":
        return feature_maps(values)
    if kind == "bars":
        if values.size <= 64:
            return bar_chart(values, title)
        side = int(np.ceil(np.sqrt(values.size)))
        grid = np.full(side * side, np.nan)
        grid[: values.size] = values.ravel()
        return heatmap(grid.reshape(side, side), title, xlabel="unit % side", ylabel="unit // side")
    if kind == "sequence":
        return heatmap(values, title)
    flat = values.reshape(-1, values.shape[-1]) if values.ndim > 1 else values[None]
    return heatmap(flat, title, xlabel="channel", ylabel="position")


def input_picture(sample):
    """A sample input as a picture when it looks like an image, else None.

    Images: ``(h, w, 1|3)``, and ``(h, w)`` when both sides are >= 8 and within a factor 4.
    """
    a = np.asarray(sample, dtype="float64")
    if a.ndim == 3 and a.shape[-1] in (1, 3):
        a = a[..., 0] if a.shape[-1] == 1 else a
    if a.ndim not in (2, 3) or min(a.shape[:2]) < 2:
        return None
    if np.asarray(sample).ndim == 2 and (min(a.shape) < 8 or max(a.shape) > 4 * min(a.shape)):
        return None  # (time, features) sequences and tables rather than pictures
    a = normalize01(a) if (a.min() < 0 or a.max() > 1) else a
    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, axis=-1)
    return upscale(a, _factor(max(a.shape[:2]), target=128))


def _frame(cell, color, width=2):
    h, w = cell.shape[:2]
    out = np.empty((h + 2 * width, w + 2 * width, 3))
    out[:] = color
    out[width : width + h, width : width + w] = cell
    return out


def kernel_grid(images, chosen=None):
    """A grid of kernel images from ``kernel_images`` (``(filters, n, h, w, 1|3)``).

    A gray filter's channel pictures form one cell (at most :data:`MAX_CHANNELS` of them);
    filter ``chosen`` gets an orange frame. At most :data:`MAX_MAPS` filters are drawn.
    """
    images = np.asarray(images, dtype="float64")[:MAX_MAPS]
    f, n, h, w, colours = images.shape
    k = _factor(max(h, w), target=48 if n == 1 else 24)
    cells = []
    for i in range(f):
        if colours == 3:
            cell = upscale(images[i, 0], k)
        else:
            pics = np.stack([upscale(p[..., 0], k) for p in images[i, :MAX_CHANNELS]])
            cell = tile(pics, pad=1, fill=BACKGROUND)
            cell = np.repeat(cell[..., None], 3, axis=-1)
        color = HIGHLIGHT if i == chosen else (BACKGROUND,) * 3
        cells.append(_frame(cell, color))
    return tile(np.stack(cells), pad=4, fill=BACKGROUND)


def stack(pictures, pad=8):
    """Pictures one above the other on a white background (left-aligned)."""
    pictures = [p for p in pictures if p is not None]
    if not pictures:
        raise ValueError("stack needs at least one picture")
    width = max(p.shape[1] for p in pictures)
    rows = []
    for i, p in enumerate(pictures):
        row = np.full((p.shape[0], width, 3), BACKGROUND)
        row[:, : p.shape[1]] = p
        rows.append(row)
        if i < len(pictures) - 1:
            rows.append(np.full((pad, width, 3), BACKGROUND))
    return np.concatenate(rows, axis=0)


def side_by_side(pictures, pad=8):
    """Pictures next to each other on a white background (top-aligned)."""
    pictures = [p for p in pictures if p is not None]
    height = max(p.shape[0] for p in pictures)
    cols = []
    for i, p in enumerate(pictures):
        col = np.full((height, p.shape[1], 3), BACKGROUND)
        col[: p.shape[0]] = p
        cols.append(col)
        if i < len(pictures) - 1:
            cols.append(np.full((height, pad, 3), BACKGROUND))
    return np.concatenate(cols, axis=1)


def show(image_widget, picture):
    """Put ``picture`` into an ``ipywidgets.Image`` as PNG, at its own pixel size (so that the
    browser neither stretches nor smooths it)."""
    image_widget.value = png(picture)
    image_widget.layout.width = f"{picture.shape[1]}px"
    image_widget.layout.height = "auto"


def save_png(picture, path):
    """Write ``picture`` as a PNG file at ``path``."""
    data = png(picture)
    if isinstance(path, io.IOBase):
        path.write(data)
        return
    with open(path, "wb") as fh:
        fh.write(data)


__all__ = [
    "activation_picture",
    "bar_chart",
    "feature_maps",
    "heatmap",
    "input_picture",
    "kernel_grid",
    "png",
    "save_png",
    "show",
    "side_by_side",
    "stack",
]


class PictureSnapshot:
    """Mixin for a picture widget with ``text()`` and ``png()``: ``str``/``repr`` say what it
    shows, and its display data carries a PNG of the current view beside the widget view, so
    a saved notebook (or a front end without widgets) still shows the picture."""

    def __str__(self):
        return self.text()

    def __repr__(self):
        return f"<{self.text()}>"

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        data = dict(data or {})
        data["text/plain"] = self.text()
        data["image/png"] = base64.b64encode(self.png()).decode("ascii")
        return data, metadata
