"""Pure-data visualization helpers: everything here works without Jupyter.

* :func:`graph` (the plain, JSON-serializable description of a model's graph) and
  :func:`partial_graph` (the same for layers that cannot all be built, with the error explained
  at the failing layer);
* :mod:`kviz.viz.dot` (the description as Graphviz DOT source, in ``plot_model``'s look),
  :mod:`kviz.viz.layout` (a pure-Python layered layout) and :mod:`kviz.viz.svg` (standalone SVG,
  and PNG through matplotlib, drawn from that layout).

``kviz.utils.plot_model`` and the ``kviz.widgets.ModelGraph`` widget are built on these.
"""

from kviz.viz.graph import graph
from kviz.viz.partial import partial_graph

__all__ = ["graph", "partial_graph"]
