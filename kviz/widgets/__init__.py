"""Notebook widgets that show what a network does (the only kviz package that imports Jupyter).

* :class:`ModelGraph` - the model's diagram as a live widget (pan/zoom, click a node for its
  details, collapse/expand nested models), leaving a static SVG in saved notebooks;
* :class:`LivePlot` - loss and metrics drawn live while ``fit`` runs (also a ``Callback``);
* :class:`ActivationViewer` - what each layer computes for a chosen sample;
* :class:`FilterViewer` - conv kernels as images and inputs that maximize a filter.

Each class is imported on first use, so ``import kviz.widgets`` stays cheap::

    >>> import kviz.widgets
    >>> sorted(kviz.widgets.__all__)
    ['ActivationViewer', 'FilterViewer', 'LivePlot', 'ModelGraph']
"""

from __future__ import annotations

import importlib

_WHERE = {
    "ModelGraph": "kviz.widgets.model_graph",
    "LivePlot": "kviz.widgets.live_plot",
    "ActivationViewer": "kviz.widgets.activation_viewer",
    "FilterViewer": "kviz.widgets.filter_viewer",
}

__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kviz.widgets' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
