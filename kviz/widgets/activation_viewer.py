"""``ActivationViewer(model, x)``: what each layer computes for a chosen sample.

Pick a layer (dropdown, nested layers as ``'inner/conv'``) and a sample of ``x`` (slider):

* conv layers (outputs ``(h, w, channels)``) show a grid of their feature maps, each scaled on
  its own (at most 64);
* Dense-like layers (a vector per sample) show a bar chart of their units (a heatmap grid
  above 64 units);
* recurrent layers show the hidden state over time (a time x units heatmap), also when they
  were built with ``return_sequences=False`` (:func:`kviz.viz.hidden_states`);
* other shapes are drawn as a 2-D heatmap.

The values come from :func:`kviz.viz.activations` (one pass for every layer of one sample,
cached). Pictures travel as PNG bytes in an ``ipywidgets.Image`` whose value is replaced in
place when a control changes (no flicker). A saved notebook keeps a PNG of the view at display
time next to the widget (``image/png`` in the display data), and outside Jupyter ``str(viewer)``
describes the view and ``viewer.save('view.png')`` writes it.

>>> import numpy as np
>>> from kviz import layers, models
>>> model = models.Sequential([
...     layers.Conv2D(4, 3, activation='relu', input_shape=(8, 8, 1), name='conv'),
...     layers.Flatten(name='flat'), layers.Dense(3, name='out')])
>>> viewer = ActivationViewer(model, np.random.rand(5, 8, 8, 1))
>>> viewer.layer.options, viewer.layer.value, viewer.sample.max
(('conv', 'flat', 'out'), 'conv', 4)
>>> viewer.view_kind, viewer.values.shape
('maps', (6, 6, 4))
>>> viewer.layer.value = 'out'
>>> viewer.view_kind, bytes(viewer.image.value[:4])
('bars', b'\\x89PNG')
"""

from __future__ import annotations

from collections import OrderedDict

import ipywidgets as W
import numpy as np

from kviz.layers.recurrent.base_rnn import RNN
from kviz.layers.wrappers.bidirectional import Bidirectional
from kviz.viz.activations import activations, hidden_states
from kviz.viz.layer_lookup import graph_model, resolve, walk
from kviz.widgets import layer_pictures as pics

CACHE_SAMPLES = 16


def _n_samples(x):
    first = x[0] if isinstance(x, (list, tuple)) else x
    return int(np.shape(first)[0])


def _take(x, i):
    if isinstance(x, (list, tuple)):
        return [np.asarray(a)[i : i + 1] for a in x]
    return np.asarray(x)[i : i + 1]


def _is_recurrent(layer):
    return isinstance(layer, (RNN, Bidirectional))


class ActivationViewer(pics.PictureSnapshot, W.VBox):
    """A layer dropdown, a sample slider and the picture of that layer's output for the sample.

    Args:
        model: a Sequential or functional model (nested models are listed layer by layer).
        x: input data (an array, or a list of arrays for several inputs), batch first.
        layer: the layer shown first (name, path, index or Layer); the first layer by default.
        sample: the sample shown first.

    Attributes: ``layer`` (Dropdown), ``sample`` (IntSlider), ``info`` (HTML), ``image`` (the
    activation picture), ``input_image`` (the sample, when it looks like an image),
    ``values`` (the array drawn), ``view_kind``.
    """

    def __init__(self, model, x, layer=None, sample=0):
        model = graph_model(model, x)
        n = _n_samples(x)
        if n < 1:
            raise ValueError(f"ActivationViewer needs at least one sample in x; received {n}")
        if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)):
            raise TypeError(f"sample must be an integer; received {sample!r}")
        if not 0 <= sample < n:
            raise ValueError(f"sample must be in [0, {n}); received {sample}")
        refs = list(walk(model))
        if not refs:
            raise ValueError(f"Model {model.name!r} has no layers to show")
        first = resolve(model, layer) if layer is not None else refs[0]
        activations(model, _take(x, 0), [first])  # checks x against the model's inputs now
        self.model = model
        self.x = x
        self._refs = {ref.key: ref for ref in refs}
        self._cache: OrderedDict = OrderedDict()
        self._sequence_cache: dict = {}
        self.layer = W.Dropdown(
            options=[ref.key for ref in refs], value=first.key, description="layer"
        )
        self.sample = W.IntSlider(
            value=int(sample),
            min=0,
            max=n - 1,
            description="sample",
            continuous_update=False,
            disabled=n == 1,
        )
        self.info = W.HTML()
        self.image = W.Image(format="png")
        self.input_image = W.Image(format="png")
        self.image.add_class("kviz-activation-image")
        self.input_image.add_class("kviz-activation-input")
        self.layer.add_class("kviz-activation-layer")
        self.sample.add_class("kviz-activation-sample")
        self.values = None
        self.view_kind = None
        self._picture = None
        self._input_picture = None
        self.layer.observe(self._on_change, names="value")
        self.sample.observe(self._on_change, names="value")
        super().__init__(
            [
                W.HBox([self.layer, self.sample]),
                self.info,
                W.HBox([self.input_image, self.image]),
            ]
        )
        self.add_class("kviz-activation-viewer")
        self.refresh()

    # ------------------------------------------------------------------ data
    def _sample_activations(self, i):
        acts = self._cache.get(i)
        if acts is None:
            acts = activations(self.model, _take(self.x, i))
            self._cache[i] = acts
            while len(self._cache) > CACHE_SAMPLES:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(i)
        return acts

    def layer_values(self, key=None, sample=None):
        """``(values, kind)`` drawn for layer ``key`` and ``sample`` (defaults: the current)."""
        key = self.layer.value if key is None else key
        i = self.sample.value if sample is None else sample
        ref = self._refs[key]
        if _is_recurrent(ref.layer):
            states = self._sequence_cache.get((key, i))
            if states is None:
                states = hidden_states(self.model, _take(self.x, i), ref)[0]
                self._sequence_cache[(key, i)] = states
            return states, "sequence"
        value = self._sample_activations(i)[key]
        if isinstance(value, list):  # several outputs: the first one
            value = value[0]
        value = np.asarray(value)[0]
        if value.ndim == 3:
            fmt = getattr(ref.layer, "data_format", None)
            if fmt == "channels_first":
                value = np.moveaxis(value, 0, -1)
            return value, "maps"
        if value.ndim <= 1:
            return np.atleast_1d(value), "bars"
        if value.ndim == 2:
            return value, "sequence"
        return value, "heatmap"

    # ---------------------------------------------------------------- drawing
    def refresh(self):
        """Recompute and redraw the current view (the controls call this)."""
        key, i = self.layer.value, self.sample.value
        values, kind = self.layer_values(key, i)
        ref = self._refs[key]
        title = f"{key} ({type(ref.layer).__name__}), sample {i}"
        self._picture = pics.activation_picture(values, kind, title)
        self.values, self.view_kind = values, kind
        first = self.x[0] if isinstance(self.x, (list, tuple)) else self.x
        self._input_picture = pics.input_picture(np.asarray(first)[i])
        pics.show(self.image, self._picture)
        if self._input_picture is not None:
            pics.show(self.input_image, self._input_picture)
            self.input_image.layout.display = None
        else:
            self.input_image.layout.display = "none"
        self.info.value = (
            f"<b>{key}</b> ({type(ref.layer).__name__}) &middot; {self._describe_values()}"
        )

    def _describe_values(self):
        v = self.values
        if self.view_kind == "maps":
            what = f"{v.shape[-1]} feature maps of {v.shape[0]}x{v.shape[1]}"
        elif self.view_kind == "bars":
            what = f"{v.size} units"
        elif self.view_kind == "sequence":
            what = f"{v.shape[0]} time steps x {v.shape[1]} units"
        else:
            what = f"shape {v.shape}"
        return (
            f"{what}; min {v.min():.3g}, mean {v.mean():.3g}, max {v.max():.3g} "
            f"(sample {self.sample.value} of {self.sample.max + 1})"
        )

    def _on_change(self, change):
        self.refresh()

    def picture(self):
        """The current view as an RGB array (the sample beside the activation picture)."""
        return pics.side_by_side([self._input_picture, self._picture])

    def png(self) -> bytes:
        """PNG bytes of :meth:`picture`."""
        return pics.png(self.picture())

    def save(self, path):
        """Write the current view to ``path`` as a PNG file."""
        pics.save_png(self.picture(), path)

    def text(self) -> str:
        """A plain-text description of the current view."""
        ref = self._refs[self.layer.value]
        return (
            f"ActivationViewer of model {self.model.name!r}: layer {ref.key!r} "
            f"({type(ref.layer).__name__}), {self._describe_values()}"
        )


__all__ = ["ActivationViewer"]
