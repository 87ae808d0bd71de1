"""``FilterViewer(model, layer=None, x=None)``: what the filters of a layer look for.

Three panels in one widget:

* **kernels** - the layer's kernels as an image grid (:func:`kviz.viz.kernel_images`; the first
  conv layer of an RGB model in colour, others one gray picture per input channel); the
  ``filter`` slider picks a filter, framed in orange;
* **maximize** - the button runs :func:`kviz.viz.maximize_activation` for the chosen filter
  with the ``steps``, ``step size``, ``jitter``, ``blur`` and ``L2`` controls and shows the
  synthesized input with the filter's mean activation on it;
* **saliency / Grad-CAM** (only when ``x`` is given) - for a chosen sample of ``x`` and class,
  the saliency map (:func:`kviz.viz.saliency`) or Grad-CAM heatmap (:func:`kviz.viz.grad_cam`,
  on the model's last conv layer) drawn over the image (:func:`kviz.viz.overlay`), next to
  the image itself.

Pictures travel as PNG bytes in ``ipywidgets.Image`` widgets updated in place. A saved notebook
keeps a PNG of the panels at display time (``image/png`` in the display data); outside Jupyter
``str(viewer)`` describes them and ``viewer.save('filters.png')`` writes them.

>>> import numpy as np
>>> from kviz import layers, models
>>> model = models.Sequential([
...     layers.Conv2D(4, 3, activation='relu', input_shape=(8, 8, 3), name='conv'),
...     layers.GlobalAveragePooling2D(), layers.Dense(2, activation='softmax')])
>>> viewer = FilterViewer(model, x=np.random.rand(3, 8, 8, 3))
>>> viewer.layer.value, viewer.filter.max, viewer.kernels.shape
('conv', 3, (4, 1, 3, 3, 3))
>>> viewer.steps.value = 5
>>> viewer.maximize()
>>> viewer.maximized.shape, bytes(viewer.maximized_image.value[:4])
((8, 8, 3), b'\\x89PNG')
>>> viewer.method.value = 'Grad-CAM'
>>> viewer.heatmap.shape
(8, 8)
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from kviz.layers.convolutional.base_conv import Conv
from kviz.layers.core.dense import Dense
from kviz.viz.activations import activations
from kviz.viz.filters import deprocess_image, kernel_images, maximize_activation
from kviz.viz.images import normalize01, upscale
from kviz.viz.layer_lookup import graph_model, resolve, walk
from kviz.viz.saliency import grad_cam, last_conv_layer, overlay, saliency
from kviz.widgets import layer_pictures as pics


def _kernel_layers(model):
    return [ref for ref in walk(model) if isinstance(ref.layer, (Conv, Dense)) and ref.layer.built]


def _image_like(a):
    a = np.asarray(a)
    return a.ndim == 2 or (a.ndim == 3 and a.shape[-1] in (1, 3))


def _as_rgb_picture(a, target=128):
    """An input-shaped array as an RGB picture (values scaled to [0, 1] when outside)."""
    a = np.asarray(a, dtype="float64")
    if a.ndim == 1:
        a = a[None]
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim == 3 and a.shape[-1] != 3:
        a = a.reshape(a.shape[0], -1)
    if a.min() < 0 or a.max() > 1:
        a = normalize01(a)
    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, axis=-1)
    k = int(max(1, min(16, target // max(a.shape[:2]))))
    return upscale(a, k)


class FilterViewer(pics.PictureSnapshot, W.VBox):
    """Kernels of a layer, activation maximization, and (with ``x``) saliency / Grad-CAM.

    Args:
        model: a Sequential or functional model.
        layer: the layer whose filters are shown (name, path, index or Layer); by default the
            first layer with a convolution or Dense kernel. The dropdown lists all of them.
        x: optional input images (batch first) for the saliency / Grad-CAM panel.
        class_index: the class first explained (default: the predicted class of sample 0).

    Attributes: ``layer`` (Dropdown), ``filter`` (IntSlider), ``kernel_image``; ``steps``,
    ``step_size``, ``jitter``, ``blur``, ``l2``, ``maximize_button``, ``maximized_image``,
    ``maximize_info``; with ``x``: ``sample``, ``class_index``, ``method`` (ToggleButtons
    ``'saliency'``/``'Grad-CAM'``), ``attribution_image``, ``attribution_info``. Arrays:
    ``kernels``, ``maximized`` (raw input found, None before the first run), ``heatmap``.
    """

    def __init__(self, model, layer=None, x=None, class_index=None):
        model = graph_model(model, x)
        refs = _kernel_layers(model)
        if not refs:
            raise ValueError(
                f"Model {model.name!r} has no layer with a convolution or Dense kernel to show"
            )
        first = resolve(model, layer) if layer is not None else refs[0]
        if first.key not in [r.key for r in refs]:
            raise ValueError(
                f"Layer {first.key!r} ({type(first.layer).__name__}) has no kernel to show; "
                f"layers with kernels: {[r.key for r in refs]}"
            )
        self.model = model
        self._refs = {r.key: r for r in refs}
        self.kernels = None
        self._runs = 0
        self.maximized = None
        self.heatmap = None
        self._kernel_picture = self._max_picture = self._attr_picture = None

        self.layer = W.Dropdown(options=[r.key for r in refs], value=first.key, description="layer")
        self.filter = W.IntSlider(value=0, min=0, max=0, description="filter")
        self.kernel_image = W.Image(format="png")
        self.kernel_info = W.HTML()
        self.steps = W.IntSlider(value=20, min=1, max=200, description="steps")
        self.step_size = W.FloatLogSlider(
            value=0.1, base=10, min=-3, max=1, description="step size"
        )
        self.jitter = W.IntSlider(value=1, min=0, max=8, description="jitter")
        self.blur = W.FloatSlider(value=0.5, min=0.0, max=3.0, step=0.1, description="blur")
        self.l2 = W.FloatSlider(value=0.01, min=0.0, max=0.2, step=0.005, description="L2")
        self.maximize_button = W.Button(description="maximize", icon="bolt")
        self.maximized_image = W.Image(format="png")
        self.maximize_info = W.HTML("Press <i>maximize</i> to synthesize an input for the filter.")
        for w, cls in (
            (self.layer, "kviz-filter-layer"),
            (self.filter, "kviz-filter-index"),
            (self.kernel_image, "kviz-filter-kernels"),
            (self.maximize_button, "kviz-filter-maximize"),
            (self.maximized_image, "kviz-filter-maximized"),
        ):
            w.add_class(cls)
        self.layer.observe(self._on_layer, names="value")
        self.filter.observe(self._on_filter, names="value")
        self.maximize_button.on_click(self._on_maximize)
        self.maximized_image.layout.display = "none"
        kernels_panel = W.VBox(
            [
                W.HTML("<b>Kernels</b>"),
                self.layer,
                self.filter,
                self.kernel_info,
                self.kernel_image,
            ]
        )
        maximize_panel = W.VBox(
            [
                W.HTML("<b>Activation maximization</b>"),
                self.steps,
                self.step_size,
                self.jitter,
                self.blur,
                self.l2,
                self.maximize_button,
                self.maximize_info,
                self.maximized_image,
            ]
        )
        kernels_panel.layout.margin = "0 24px 0 0"
        kernels_panel.layout.max_width = "55%"
        children = [W.HBox([kernels_panel, maximize_panel])]
        self.x = None
        if x is not None:
            children += self._attribution_controls(x, class_index)
        super().__init__(children)
        self.add_class("kviz-filter-viewer")
        self._show_layer()
        if self.x is not None:
            self.refresh_attribution()

    # --------------------------------------------------------------- kernels
    def _show_layer(self):
        ref = self._refs[self.layer.value]
        self.kernels = kernel_images(self.model, ref)
        n = self.kernels.shape[0]
        with self.filter.hold_trait_notifications():
            self.filter.max = n - 1
            self.filter.value = min(self.filter.value, n - 1)
        self._draw_kernels()

    def _draw_kernels(self):
        ref = self._refs[self.layer.value]
        f, n, h, w, colours = self.kernels.shape
        self._kernel_picture = pics.kernel_grid(self.kernels, chosen=self.filter.value)
        pics.show(self.kernel_image, self._kernel_picture)
        look = "RGB" if colours == 3 else f"{n} gray picture(s) per filter"
        shown = f" (first {pics.MAX_MAPS} drawn)" if f > pics.MAX_MAPS else ""
        self.kernel_info.value = (
            f"<b>{ref.key}</b> ({type(ref.layer).__name__}): {f} filters of {h}x{w}, {look}"
            f"{shown}; filter <b>{self.filter.value}</b> framed"
        )

    def _on_layer(self, change):
        self._show_layer()

    def _on_filter(self, change):
        self._draw_kernels()

    # -------------------------------------------------------------- maximize
    def maximize(self, seed=None):
        """Run :func:`kviz.viz.maximize_activation` for the chosen filter with the controls'
        settings and show the result (the ``maximize`` button calls this).

        ``seed`` picks the starting noise; by default 0 on the first run, 1 on the next...
        so that pressing the button again tries another start."""
        if seed is None:
            seed = self._runs
        self._runs += 1
        ref = self._refs[self.layer.value]
        index = self.filter.value
        self.maximize_info.value = f"maximizing filter {index} of {ref.key}..."
        raw = maximize_activation(
            self.model,
            ref,
            index,
            steps=self.steps.value,
            step_size=self.step_size.value,
            jitter=self.jitter.value,
            blur=self.blur.value,
            l2=self.l2.value,
            seed=seed,
            deprocess=False,
        )
        self.maximized = raw
        owner = ref.owners[-1]
        out = activations(owner, raw[None], [ref.layer])[ref.layer.name]
        out = out[0] if isinstance(out, list) else out
        axis = 1 if getattr(ref.layer, "data_format", None) == "channels_first" else -1
        mean = float(np.take(np.asarray(out), index, axis=axis).mean())
        self._max_picture = _as_rgb_picture(deprocess_image(raw))
        pics.show(self.maximized_image, self._max_picture)
        self.maximized_image.layout.display = None
        self.maximize_info.value = (
            f"filter <b>{index}</b> of <b>{ref.key}</b> after {self.steps.value} steps: "
            f"mean activation {mean:.4g} (start seed {seed})"
        )
        if mean == 0:
            self.maximize_info.value += (
                "<br>The filter never fired from this start (its ReLU stays at 0, so the "
                "gradient is 0): press again for another start, or pick another filter."
            )

    def _on_maximize(self, button):
        try:
            self.maximize()
        except Exception as err:  # shown in the widget rather than lost in a callback
            self.maximize_info.value = (
                f"<span style='color:#b00'>{type(err).__name__}: {err}</span>"
            )
            raise

    # ----------------------------------------------------- saliency / Grad-CAM
    def _attribution_controls(self, x, class_index):
        x = np.asarray(x)
        want = tuple(self.model.inputs[0].shape)
        if len(self.model.inputs) != 1 or x.ndim != len(want):
            raise ValueError(
                f"FilterViewer's x must be a batch for the model's single input of shape {want}; "
                f"received shape {x.shape}"
            )
        self.x = x
        classes = int(self.model.outputs[0].shape[-1])
        if class_index is None:
            class_index = int(np.argmax(self.model.predict(x[:1], verbose=0)[0]))
        if not 0 <= class_index < classes:
            raise ValueError(f"class_index must be in [0, {classes}); received {class_index}")
        try:
            self._cam_layer = last_conv_layer(self.model)
        except ValueError:
            self._cam_layer = None
        self.sample = W.IntSlider(
            value=0, min=0, max=len(x) - 1, description="sample", disabled=len(x) == 1
        )
        self.class_index = W.IntSlider(
            value=class_index, min=0, max=classes - 1, description="class"
        )
        options = ["saliency", "Grad-CAM"] if self._cam_layer else ["saliency"]
        self.method = W.ToggleButtons(options=options, value="saliency")
        self.attribution_image = W.Image(format="png")
        self.attribution_info = W.HTML()
        self.attribution_image.add_class("kviz-filter-attribution")
        for w in (self.sample, self.class_index, self.method):
            w.observe(self._on_attribution, names="value")
        return [
            W.HTML("<b>Saliency / Grad-CAM</b>"),
            W.HBox([self.sample, self.class_index, self.method]),
            self.attribution_info,
            self.attribution_image,
        ]

    def refresh_attribution(self):
        """Recompute the saliency map or Grad-CAM for the chosen sample and class."""
        i, c = self.sample.value, self.class_index.value
        sample = self.x[i]
        if self.method.value == "Grad-CAM":
            self.heatmap = grad_cam(self.model, sample, c, layer_name=self._cam_layer)
            where = f" on layer {self._cam_layer}"
        else:
            self.heatmap = saliency(self.model, sample, c)
            where = ""
        probs = self.model.predict(sample[None], verbose=0)[0]
        image = sample if _image_like(sample) else None
        heat = self.heatmap if self.heatmap.ndim == 2 else self.heatmap.reshape(1, -1)
        if image is not None:
            over = overlay(image, heat)
            base = _as_rgb_picture(image)
        else:
            over = overlay(np.zeros(heat.shape), heat, alpha=1.0)
            base = None
        self._attr_picture = pics.side_by_side([base, _as_rgb_picture(over)])
        pics.show(self.attribution_image, self._attr_picture)
        self.attribution_info.value = (
            f"{self.method.value}{where} for class <b>{c}</b> on sample <b>{i}</b> "
            f"(model output for that class: {float(probs[c]):.3g}; predicted class "
            f"{int(np.argmax(probs))})"
        )

    def _on_attribution(self, change):
        self.refresh_attribution()

    # -------------------------------------------------------- static output
    def picture(self):
        """The panels as one RGB array: kernels, the last maximized input, the overlay."""
        return pics.stack([self._kernel_picture, self._max_picture, self._attr_picture])

    def png(self) -> bytes:
        """PNG bytes of :meth:`picture`."""
        return pics.png(self.picture())

    def save(self, path):
        """Write :meth:`picture` to ``path`` as a PNG file."""
        pics.save_png(self.picture(), path)

    def text(self) -> str:
        """A plain-text description of what the viewer shows."""
        ref = self._refs[self.layer.value]
        lines = [
            f"FilterViewer of model {self.model.name!r}: layer {ref.key!r} "
            f"({type(ref.layer).__name__}), {self.kernels.shape[0]} filters, filter "
            f"{self.filter.value} chosen"
        ]
        if self.maximized is not None:
            lines.append(f"maximized input: shape {self.maximized.shape}")
        if self.x is not None:
            lines.append(
                f"{self.method.value} for class {self.class_index.value} on sample "
                f"{self.sample.value}"
            )
        return "; ".join(lines)


__all__ = ["FilterViewer"]
