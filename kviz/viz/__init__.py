"""Pure-data visualization helpers: everything here works without Jupyter.

* :func:`graph` (the plain, JSON-serializable description of a model's graph) and
  :func:`partial_graph` (the same for layers that cannot all be built, with the error explained
  at the failing layer);
* :mod:`kviz.viz.dot` (the description as Graphviz DOT source, in ``plot_model``'s look),
  :mod:`kviz.viz.layout` (a pure-Python layered layout) and :mod:`kviz.viz.svg` (standalone SVG,
  and PNG through matplotlib, drawn from that layout);
* for the ``ModelGraph`` widget: :mod:`kviz.viz.nested` (open and close nested models one at a
  time) and :mod:`kviz.viz.node_details` (a clicked layer's config, parameters, weight
  histograms and activation heatmap, through the public layer API);
* :func:`plot_history` (a finished fit as a matplotlib figure) and :mod:`kviz.viz.history`
  (grouping log keys into panels, recording points, throttling), shared with ``LivePlot``;
* :mod:`kviz.viz.training_stats`: :func:`confusion_matrix`, per-layer weight/gradient
  histograms, dead-ReLU fractions and exploding/vanishing gradient warnings.

* inside the layers: :func:`activations` (what each layer outputs), :func:`hidden_states`,
  :func:`kernel_images`, :func:`maximize_activation` (with :func:`deprocess_image`),
  :func:`saliency`, :func:`grad_cam` and :func:`overlay` (modules
  :mod:`kviz.viz.activations`, :mod:`kviz.viz.filters`, :mod:`kviz.viz.saliency`).

``kviz.utils.plot_model`` and the ``kviz.widgets.ModelGraph`` widget are built on these.
"""

from kviz.viz.activations import activations, hidden_states
from kviz.viz.filters import deprocess_image, kernel_images, maximize_activation
from kviz.viz.graph import graph
from kviz.viz.history import plot_history
from kviz.viz.partial import partial_graph
from kviz.viz.saliency import grad_cam, overlay, saliency
from kviz.viz.training_stats import confusion_matrix

__all__ = [
    "activations",
    "deprocess_image",
    "grad_cam",
    "hidden_states",
    "kernel_images",
    "maximize_activation",
    "overlay",
    "saliency",
    "confusion_matrix",
    "graph",
    "partial_graph",
    "plot_history",
]
