"""``ModelGraph``: a model's diagram as a live notebook widget.

The diagram is the one ``kviz.utils.plot_model`` draws without Graphviz (the graph description of
:func:`kviz.viz.graph`, laid out by :mod:`kviz.viz.layout` and drawn by :mod:`kviz.viz.svg`).
In the notebook it can be panned (drag) and zoomed (mouse wheel, the ``+``/``−`` buttons,
``Fit`` to reset); clicking a layer shows its details beside the diagram (configuration,
parameter counts, weight shapes with a histogram of each weight's values, output shape and,
given a sample batch ``x``, a summary and heatmap of its activations); nested models open and
close in place (the layout is recomputed in Python).

Everything shown is computed in Python through the layers' public API
(:mod:`kviz.viz.node_details`) and sent to the browser as widget state: the SVG text and the
node boxes (``svg``, ``nodes``, ``clusters``), the ``details`` of the ``selected`` node. The
browser side (``_model_graph.js``, plain SVG and pointer events) only draws and reports clicks.

A model that cannot be built (a list of layers, or an unbuilt ``Sequential``, whose shapes do
not fit) is drawn up to the layer that fails, which is highlighted and selected, with the error
explained in plain words (:func:`kviz.viz.partial_graph`).

Saved notebooks keep a static SVG snapshot next to the widget (``text/html`` and
``image/svg+xml`` in the display data), so the diagram still shows where no widget can be
rendered: without a kernel, on nbviewer or GitHub, in ``nbconvert`` HTML exports.

>>> import numpy as np
>>> from kviz.layers import Dense, Input
>>> from kviz.models import Model
>>> x = Input(shape=(4,), name='x')
>>> model = Model(x, Dense(2, name='out')(Dense(3, activation='relu', name='hidden')(x)))
>>> g = ModelGraph(model, x=np.ones((2, 4), 'float32'))
>>> [n['id'] for n in g.nodes]
['x', 'hidden', 'out']
>>> g.select('hidden')
>>> g.details['params'], g.details['output_shape'], g.details['activations']['shape']
(15, [None, 3], [2, 3])
"""

from __future__ import annotations

import html
import pathlib

import numpy as np
import traitlets as t
from anywidget import AnyWidget

from kviz.layers.base import Layer
from kviz.layers.input_layer import InputLayer
from kviz.models.functional import Model
from kviz.models.sequential import Sequential
from kviz.viz.dot import check_rankdir, format_shape
from kviz.viz.graph import graph
from kviz.viz.nested import collapse, expandable
from kviz.viz.node_details import (
    find_layer,
    layer_activation,
    node_details,
    sequence_activation,
)
from kviz.viz.partial import partial_graph
from kviz.viz.svg import scene, scene_to_svg

_HERE = pathlib.Path(__file__).parent
MAX_SAMPLES = 64  # activations are computed on at most this many samples of ``x``
DPI = 96


def _batch_len(x):
    first = x[0] if isinstance(x, (list, tuple)) else x
    return np.shape(first)[0] if np.ndim(first) else 0


def _head(x, n=MAX_SAMPLES):
    if isinstance(x, (list, tuple)):
        return [np.asarray(a)[:n] for a in x]
    return np.asarray(x)[:n]


def _check_sample(x, shapes, what):
    """Raise ValueError unless the batch ``x`` matches the input ``shapes`` (with batch axis)."""
    xs = list(x) if isinstance(x, (list, tuple)) else [x]
    if len(xs) != len(shapes):
        raise ValueError(
            f"x must hold one array per input of {what} ({len(shapes)}); received {len(xs)}"
        )
    for i, (a, shape) in enumerate(zip(xs, shapes, strict=False)):
        got = np.shape(a)
        want = tuple(shape)
        ok = len(got) == len(want) and all(
            w is None or g == w for g, w in zip(got[1:], want[1:], strict=False)
        )
        if not ok or (got and got[0] == 0):
            where = f"input {i}" if len(shapes) > 1 else "the input"
            raise ValueError(
                f"x must be a non-empty batch shaped like {where} of {what}, "
                f"{format_shape(list(want))} (the first axis is the batch); received an array of "
                f"shape {got}"
            )


class ModelGraph(AnyWidget):
    """The diagram of ``model`` as an interactive widget (see the module docstring).

    ``model``: a built model (functional, ``Sequential``, or a subclassed model that has been
    called); or something that may not build — an unbuilt ``Sequential``, a list of layers, a
    layer — whose partial graph is drawn (then the input shape comes from ``input_shape``, from
    ``x``, or from the first layer's ``input_shape=`` argument).
    ``x``: an optional sample batch (an array, or a list of arrays for several inputs); its
    first 64 samples are run through the model to show each layer's activations.
    ``show_shapes``, ``show_dtype``, ``show_layer_activations``, ``show_trainable`` and
    ``rankdir`` (``'TB'``, ``'LR'``, ``'BT'``, ``'RL'``) are ``plot_model``'s options;
    ``expand_nested=True`` opens every nested model at first; ``height`` is the height of the
    drawing area in pixels (0: fit the diagram, up to 560).

    Traits the browser sees: ``svg``, ``nodes``, ``clusters``, ``size`` (the diagram in points),
    ``expandable``, ``expanded`` (the open nested models; set it to open or close some),
    ``selected`` (the clicked node's id), ``details`` (what to show for it), ``error`` (the
    partial graph's error, or ``{}``).
    """

    _esm = _HERE / "_model_graph.js"
    _css = _HERE / "_model_graph.css"

    title = t.Unicode("").tag(sync=True)
    svg = t.Unicode("").tag(sync=True)
    nodes = t.List(t.Dict()).tag(sync=True)
    clusters = t.List(t.Dict()).tag(sync=True)
    size = t.Dict().tag(sync=True)
    expandable = t.List(t.Unicode()).tag(sync=True)
    expanded = t.List(t.Unicode()).tag(sync=True)
    selected = t.Unicode("").tag(sync=True)
    details = t.Dict().tag(sync=True)
    error = t.Dict().tag(sync=True)
    has_sample = t.Bool(False).tag(sync=True)
    height = t.Int(0).tag(sync=True)
    rankdir = t.Unicode("TB").tag(sync=True)
    show_shapes = t.Bool(True).tag(sync=True)
    show_dtype = t.Bool(False).tag(sync=True)
    show_layer_activations = t.Bool(False).tag(sync=True)
    show_trainable = t.Bool(False).tag(sync=True)

    def __init__(
        self,
        model,
        x=None,
        show_shapes=True,
        rankdir="TB",
        expand_nested=False,
        show_dtype=False,
        show_layer_activations=False,
        show_trainable=False,
        input_shape=None,
        height=0,
        **kwargs,
    ):
        check_rankdir(rankdir)
        if not isinstance(height, (int, np.integer)) or isinstance(height, bool) or height < 0:
            raise ValueError(f"height must be a number of pixels >= 0; received {height!r}")
        self._model, self._layers = None, None
        full = self._describe(model, x, input_shape)
        self._full = full
        self._x = None if x is None else _head(x)
        self._by_name = {}
        if self._layers is not None:
            self._by_name = {layer.name: layer for layer in self._layers}
        opened = expandable(full) if expand_nested else []
        self._ready = False
        super().__init__(
            title=str(full.get("name") or getattr(model, "name", "") or "layers"),
            expandable=expandable(full),
            expanded=opened,
            error=full.get("error") or {},
            has_sample=x is not None,
            height=int(height),
            rankdir=rankdir,
            show_shapes=bool(show_shapes),
            show_dtype=bool(show_dtype),
            show_layer_activations=bool(show_layer_activations),
            show_trainable=bool(show_trainable),
            **kwargs,
        )
        self._ready = True
        self._render()
        if full.get("error"):
            self.selected = full["error"]["node"]

    # ------------------------------------------------------------------ description
    def _describe(self, model, x, input_shape):
        """The fully expanded description; sets ``_model`` (built model) or ``_layers``."""
        if isinstance(model, Model) and model.built and getattr(model, "outputs", None):
            g = graph(model, expand_nested=True)
            if x is not None:
                shapes = [tuple(t_.shape) for t_ in model.inputs]
                _check_sample(x, shapes, f"model {model.name!r}")
            self._model = model
            return g
        if isinstance(model, Model) and not isinstance(model, Sequential):
            raise ValueError(
                f"ModelGraph needs model {model.name!r} to be built: call it on a batch of data "
                "first (a subclassed model has no graph until it runs), or pass its layers as a "
                "list with input_shape=..."
            )
        if isinstance(model, Sequential):
            layers = list(model.layers)
        elif isinstance(model, Layer):
            layers = [model]
        elif isinstance(model, (list, tuple)) and all(isinstance(a, Layer) for a in model):
            layers = list(model)
        else:
            raise TypeError(
                "ModelGraph expects a kviz model, a layer or a list of layers; received "
                f"{model!r} of type {type(model).__name__}"
            )
        if not layers:
            raise ValueError("ModelGraph needs at least one layer; received an empty model")
        if x is not None and not isinstance(x, (list, tuple)):
            sample_shape = tuple(np.shape(x))[1:]
            if np.ndim(x) < 1 or np.shape(x)[0] == 0:
                raise ValueError(
                    f"x must be a non-empty batch (first axis: samples); received shape "
                    f"{np.shape(x)}"
                )
            if input_shape is None and not isinstance(layers[0], InputLayer):
                input_shape = sample_shape
            elif input_shape is not None:
                want = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
                if tuple(want) != sample_shape:
                    raise ValueError(
                        f"x holds samples of shape {sample_shape} but input_shape is {want}; "
                        "they must agree"
                    )
        elif isinstance(x, (list, tuple)):
            raise ValueError("a list of layers has one input: pass x as one array")
        g = partial_graph(layers, input_shape=input_shape)
        self._layers = [a for a in layers if not isinstance(a, InputLayer)]
        return g

    @property
    def graph(self) -> dict:
        """The graph description as drawn now (open nested models expanded)."""
        return collapse(self._full, self.expanded)

    # ----------------------------------------------------------------------- drawing
    @t.validate("rankdir")
    def _valid_rankdir(self, proposal):
        return check_rankdir(proposal["value"])

    @t.validate("expanded")
    def _valid_expanded(self, proposal):
        value = list(dict.fromkeys(proposal["value"]))
        collapse(self._full, value)  # raises ValueError for unknown ids
        return value

    @t.validate("selected")
    def _valid_selected(self, proposal):
        value = proposal["value"]
        if value and value not in {n["id"] for n in self._full["nodes"]}:
            raise ValueError(
                f"selected must be the id of a node of this graph (or ''); received {value!r}"
            )
        return value

    @t.observe(
        "expanded",
        "rankdir",
        "show_shapes",
        "show_dtype",
        "show_layer_activations",
        "show_trainable",
    )
    def _redraw(self, change):
        if self._ready:
            self._render()

    def _render(self):
        g = collapse(self._full, self.expanded)
        sc = scene(
            g,
            show_shapes=self.show_shapes,
            show_dtype=self.show_dtype,
            rankdir=self.rankdir,
            show_layer_activations=self.show_layer_activations,
            show_trainable=self.show_trainable,
        )
        by_id = {n["id"]: n for n in g["nodes"]}
        openable = set(self.expandable)
        nodes = []
        for box in sc["nodes"]:
            n = by_id[box["id"]]
            nodes.append(
                {
                    "id": n["id"],
                    "name": n["name"],
                    "class_name": n["class_name"],
                    "kind": n["kind"],
                    "status": n.get("status", "ok"),
                    "parent": n.get("parent"),
                    "params": n.get("params", 0),
                    "expandable": n["id"] in openable,
                    "x": box["x"],
                    "y": box["y"],
                    "w": box["w"],
                    "h": box["h"],
                }
            )
        clusters = [
            {"id": c["id"], "label": c["label"], "x": c["x"], "y": c["y"], "w": c["w"], "h": c["h"]}
            for c in sc["clusters"]
        ]
        visible = set(by_id)
        with self.hold_sync():
            self.svg = scene_to_svg(sc, dpi=DPI)
            self.nodes = nodes
            self.clusters = clusters
            self.size = {"width": sc["width"], "height": sc["height"], "scale": DPI / 72}
            if self.selected and self.selected not in visible:
                self.selected = self._shown_as(self.selected, visible)
            elif self.details.get("expandable"):
                self.details = {**self.details, "expanded": self.selected in self.expanded}

    def _shown_as(self, node_id, visible):
        parents = {n["id"]: n.get("parent") for n in self._full["nodes"]}
        while node_id and node_id not in visible:
            node_id = parents.get(node_id) or ""
        return node_id

    # ----------------------------------------------------------------------- details
    @t.observe("selected")
    def _on_select(self, change):
        self.details = self._details(change["new"]) if change["new"] else {}

    def _layer(self, node_id):
        if self._model is not None:
            return find_layer(self._model, node_id)
        name, _, _ = node_id.partition("#")
        return self._by_name.get(name)

    def _activation(self, node, layer):
        if self._x is None or node.get("status", "ok") != "ok":
            return None
        if self._model is not None:
            return layer_activation(self._model, node["id"], self._x)
        if layer is None:  # the input of a list of layers
            return np.asarray(self._x)
        return sequence_activation(self._layers, self._layers.index(layer), self._x)

    def _details(self, node_id) -> dict:
        node = next(n for n in self._full["nodes"] if n["id"] == node_id)
        layer = self._layer(node_id)
        problem = None
        try:
            activation = self._activation(node, layer)
        except Exception as exc:  # shown in the panel: a widget callback has no caller
            activation = None
            problem = f"Could not compute the activations: {type(exc).__name__}: {exc}"
        details = node_details(node, layer, activation=activation)
        details["activations_error"] = problem
        details["expandable"] = node_id in self.expandable
        details["expanded"] = node_id in self.expanded
        details["label"] = node.get("label")
        return details

    # ------------------------------------------------------------------- public API
    def select(self, node_id):
        """Show the details of node ``node_id`` (as a click on it does); ``''`` clears."""
        self.selected = node_id

    def expand(self, node_id=None):
        """Open the nested model ``node_id`` (and the models around it); None: open all."""
        ids = self.expandable if node_id is None else [node_id]
        parents = {n["id"]: n.get("parent") for n in self._full["nodes"]}
        opened = list(self.expanded)
        for i in ids:
            chain = []
            while i:
                chain.append(i)
                i = parents.get(i)
            opened += chain[::-1]
        self.expanded = opened

    def collapse(self, node_id=None):
        """Close the nested model ``node_id`` (the models inside it stay as they are, hidden);
        None: close all."""
        if node_id is None:
            self.expanded = []
            return
        if node_id not in self.expandable:
            collapse(self._full, [node_id])  # raises the ValueError that names the choices
        self.expanded = [i for i in self.expanded if i != node_id]

    def refresh(self):
        """Recompute the details shown (after training changed the weights, for example)."""
        if self.selected:
            self.details = self._details(self.selected)

    def to_svg(self) -> str:
        """The diagram as drawn now: a standalone SVG document (the static snapshot)."""
        return self.svg

    # -------------------------------------------------------------- static snapshot
    def _static_html(self) -> str:
        parts = [
            '<div class="kviz-model-graph-static" style="max-width:100%;overflow:auto">',
            self.svg,
        ]
        if self.error:
            text = html.escape(self.error.get("explanation") or self.error.get("message", ""))
            parts.append(
                '<pre class="kviz-model-graph-error" style="color:#b71c1c;white-space:pre-wrap">'
                f"{text}</pre>"
            )
        parts.append("</div>")
        return "".join(parts)

    def _text(self) -> str:
        head = f"ModelGraph of {self.title!r}: {len(self.nodes)} nodes"
        if self.error:
            head += f"; cannot be built at {self.error['node']!r}"
        return head

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        data = dict(data)
        data["text/plain"] = self._text()
        data["text/html"] = self._static_html()
        data["image/svg+xml"] = self.svg
        return data, metadata

    def __repr__(self) -> str:
        return f"<{self._text()}>"


__all__ = ["ModelGraph"]
