"""``plot_model`` and ``model_to_dot`` with Keras's signatures, that work with or without
Graphviz.

Both read the plain graph description of :func:`kviz.viz.graph`. When Graphviz's ``dot``
program is on ``PATH``, the picture is Keras's own: the DOT source of :mod:`kviz.viz.dot`
rendered by ``dot`` through the ``graphviz`` Python package (PNG, SVG, PDF and every other
format ``dot`` knows). When it is not, kviz draws the graph itself (:mod:`kviz.viz.layout` and
:mod:`kviz.viz.svg`): SVG, and PNG, PDF (and every other format matplotlib writes: JPEG, EPS,
PS, TIFF, WebP...) through matplotlib. ``plot_model`` never fails with "install
pydot/graphviz"; only a format that neither Graphviz-less kviz nor matplotlib can write (such as
``.bmp``) raises, and says which formats work.

``plot_model`` returns a :class:`ModelPlot`: Jupyter shows it inline (it has ``_repr_png_`` or
``_repr_svg_``), and its ``data`` holds the image bytes. ``model_to_dot`` returns a
:class:`DotGraph` (not a ``pydot.Dot``): it has pydot's ``to_string()``, ``create(prog,
format)`` and ``write(path, format=...)``, plus ``source``, ``graph`` (the description) and
``to_graphviz()`` for a ``graphviz.Source``.

>>> import kviz as keras
>>> model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,), name='d')])
>>> dot = model_to_dot(model, show_shapes=True)
>>> '"d" [label="{d|Dense}|{input:|output:}|{{(None, 3)}|{(None, 2)}}"];' in dot.to_string()
True
"""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings

from kviz.viz import dot as dot_lib
from kviz.viz import svg as svg_lib
from kviz.viz.graph import NOT_BUILT_MESSAGE, graph

INLINE_FORMATS = ("png", "svg", "jpg", "jpeg")  # Jupyter shows these; others get an SVG too
SOURCE_FORMATS = ("dot", "gv")

NO_DOT_MESSAGE = (
    "kviz cannot save a model plot as {fmt!r} by itself: without Graphviz's `dot` program (not "
    "found on PATH) it draws {builtin}. Use one of those extensions, or, for {fmt!r}, install "
    "Graphviz (Debian/Ubuntu: `apt-get install graphviz`; macOS: `brew install graphviz`; "
    "conda: `conda install graphviz`; Windows: https://graphviz.org/download/)."
)


def builtin_formats():
    """The formats kviz draws without Graphviz: ``'svg'`` (its own SVG) and every format
    matplotlib writes (``'png'``, ``'pdf'``, ``'jpg'``, ``'eps'``...)."""
    return tuple(sorted({"svg", *svg_lib.matplotlib_formats()}))


def _no_dot_error(fmt, prog="dot"):
    listed = ", ".join(f".{f}" for f in builtin_formats())
    message = NO_DOT_MESSAGE.format(fmt=fmt, builtin=listed)
    return RuntimeError(message.replace("`dot`", f"`{prog}`"))


def find_dot():
    """The path of Graphviz's ``dot`` program on ``PATH``, or None."""
    return shutil.which("dot")


def _find_prog(prog):
    return find_dot() if prog == "dot" else shutil.which(prog)


def _graphviz_render(source, fmt, prog="dot"):
    """Run Graphviz on DOT ``source``; returns the output bytes."""
    try:
        import graphviz
    except ImportError:  # the Python package is missing: call the program directly
        exe = shutil.which(prog) or prog
        proc = subprocess.run(
            [exe, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"Graphviz ({prog}) failed: {proc.stderr.decode(errors='replace')}"
            ) from None
        return proc.stdout
    return graphviz.Source(source, engine=prog).pipe(format=fmt)


def _extension(to_file):
    ext = os.path.splitext(os.fspath(to_file))[1].lower().lstrip(".")
    return ext or "png"


# ------------------------------------------------------------------------ DOT object
class DotGraph:
    """The DOT drawing of a model, as ``model_to_dot`` returns it.

    ``source`` / ``to_string()``: the DOT text; ``graph``: the plain description it came from;
    ``create(prog='dot', format='svg')``: rendered bytes (with Graphviz when ``dot`` is on PATH,
    else kviz's built-in renderer for ``'svg'``/``'png'``); ``write(path, format=None)``;
    ``to_graphviz()``: a ``graphviz.Source``. Jupyter displays it as SVG.
    """

    def __init__(self, source, graph_description, options):
        self.source = source
        self.graph = graph_description
        self.options = dict(options)

    def to_string(self):
        return self.source

    def __str__(self):
        return self.source

    def __repr__(self):
        return f"<DotGraph of {self.graph.get('name')!r}: {len(self.graph['nodes'])} nodes>"

    def get_nodes(self):
        """The node descriptions (``graph['nodes']``)."""
        return list(self.graph["nodes"])

    def get_edges(self):
        return list(self.graph["edges"])

    def to_graphviz(self):
        """A ``graphviz.Source`` of this DOT source (needs the ``graphviz`` Python package)."""
        import graphviz

        return graphviz.Source(self.source)

    def _builtin(self, fmt):
        opts = {k: v for k, v in self.options.items() if k != "subgraph"}
        if fmt == "svg":
            return svg_lib.to_svg(self.graph, **opts).encode("utf-8")
        return svg_lib.to_image(self.graph, fmt, **opts)

    def create(self, prog="dot", format="svg", encoding=None):  # noqa: A002 - pydot's name
        """The drawing as bytes in ``format`` (pydot's ``create``)."""
        fmt = format.lower()
        if fmt in SOURCE_FORMATS or fmt == "raw":
            return self.source.encode("utf-8")
        if _find_prog(prog) is not None:
            try:
                return _graphviz_render(self.source, fmt, prog)
            except Exception as exc:  # a broken Graphviz install: draw it ourselves
                if fmt not in builtin_formats():
                    raise
                warnings.warn(
                    f"Graphviz failed ({exc}); drawing the model with kviz's built-in layout "
                    "instead.",
                    stacklevel=2,
                )
        if fmt in builtin_formats():
            return self._builtin(fmt)
        raise _no_dot_error(fmt, prog)

    def write(self, path, prog="dot", format=None):  # noqa: A002 - pydot's name
        """Write the drawing to ``path`` (format from ``format`` or the file extension;
        ``'raw'``, ``'dot'`` and ``'gv'`` write the DOT source)."""
        fmt = (format or _extension(path)).lower()
        data = self.create(prog, fmt)
        with open(path, "wb") as f:
            f.write(data)
        return True

    def write_svg(self, path, prog="dot"):
        return self.write(path, prog, "svg")

    def write_png(self, path, prog="dot"):
        return self.write(path, prog, "png")

    def write_pdf(self, path, prog="dot"):
        return self.write(path, prog, "pdf")

    def _repr_svg_(self):
        return self.create(format="svg").decode("utf-8")


# --------------------------------------------------------------------- image object
class ModelPlot:
    """An image of a model that Jupyter displays inline (no IPython needed to make it).

    ``data``: the bytes (PNG, SVG, or PDF); ``format``: ``'png'``, ``'svg'``, ``'pdf'``...;
    ``filename``: where it was written (or None); ``renderer``: ``'graphviz'`` or ``'kviz'``;
    ``svg``: for a PDF, an SVG rendering shown in the notebook.
    """

    def __init__(self, data, format, filename=None, renderer="kviz", svg=None):  # noqa: A002
        self.data = data
        self.format = format
        self.filename = filename
        self.renderer = renderer
        self.svg = svg

    def _repr_png_(self):
        return self.data if self.format == "png" else None

    def _repr_svg_(self):
        if self.format == "svg":
            return self.data.decode("utf-8") if isinstance(self.data, bytes) else self.data
        if self.svg is not None:
            return self.svg
        return None

    def _repr_jpeg_(self):
        return self.data if self.format in ("jpg", "jpeg") else None

    def save(self, path):
        with open(path, "wb") as f:
            f.write(self.data)

    def __repr__(self):
        where = f" written to {self.filename!r}" if self.filename else ""
        return f"<ModelPlot {self.format} ({len(self.data)} bytes, {self.renderer}){where}>"


# ---------------------------------------------------------------------- public API
def _check_built(model):
    if not getattr(model, "built", False):
        raise ValueError(NOT_BUILT_MESSAGE)


def model_to_dot(
    model,
    show_shapes=False,
    show_dtype=False,
    show_layer_names=True,
    rankdir="TB",
    expand_nested=False,
    dpi=96,
    subgraph=False,
    layer_range=None,
    show_layer_activations=False,
    show_trainable=False,
):
    """Convert a model to DOT (Keras's ``model_to_dot``); returns a :class:`DotGraph`.

    The labels are tf-keras's (``name|Class``, and with the flags the activation, dtype,
    input/output shapes and ``T``/``NT``). Nothing needs pydot or Graphviz to build it.
    """
    _check_built(model)
    dot_lib.check_rankdir(rankdir)
    description = graph(
        model, expand_nested=expand_nested, show_shapes=True, layer_range=layer_range
    )
    options = {
        "show_shapes": show_shapes,
        "show_dtype": show_dtype,
        "show_layer_names": show_layer_names,
        "rankdir": rankdir,
        "dpi": dpi,
        "show_layer_activations": show_layer_activations,
        "show_trainable": show_trainable,
    }
    source = dot_lib.to_dot(description, subgraph=subgraph, **options)
    return DotGraph(source, description, options)


def plot_model(
    model,
    to_file="model.png",
    show_shapes=False,
    show_dtype=False,
    show_layer_names=True,
    rankdir="TB",
    expand_nested=False,
    dpi=96,
    layer_range=None,
    show_layer_activations=False,
    show_trainable=False,
):
    """Draw a model and save the picture to ``to_file`` (Keras's ``plot_model``).

    The format comes from the extension: ``.png`` (the default) and ``.svg`` always work;
    with Graphviz's ``dot`` on PATH the drawing is Graphviz's and every format it knows works
    (``.pdf``, ``.jpg``...); without it kviz draws the graph itself: ``.svg``, and ``.png``,
    ``.pdf``, ``.jpg``, ``.eps``... through matplotlib (a format matplotlib cannot write, such
    as ``.bmp``, raises a RuntimeError listing the ones that work). ``.dot``/``.gv`` write the
    DOT source.
    ``to_file=None`` writes nothing.

    Returns a :class:`ModelPlot`, which Jupyter displays inline.
    """
    dot = model_to_dot(
        model,
        show_shapes=show_shapes,
        show_dtype=show_dtype,
        show_layer_names=show_layer_names,
        rankdir=rankdir,
        expand_nested=expand_nested,
        dpi=dpi,
        layer_range=layer_range,
        show_layer_activations=show_layer_activations,
        show_trainable=show_trainable,
    )
    fmt = _extension(to_file) if to_file is not None else "png"
    svg = None
    if fmt in SOURCE_FORMATS:
        data, renderer = dot.source.encode("utf-8"), "kviz"
        svg = dot.create(format="svg").decode("utf-8")
    elif find_dot() is not None:
        renderer = "graphviz"
        try:
            data = _graphviz_render(dot.source, fmt)
        except Exception as exc:
            if fmt not in builtin_formats():
                raise
            warnings.warn(
                f"Graphviz failed ({exc}); drawing the model with kviz's built-in layout instead.",
                stacklevel=2,
            )
            data, renderer = dot._builtin(fmt), "kviz"
        if fmt not in INLINE_FORMATS:
            svg = dot.create(format="svg").decode("utf-8")
    elif fmt in builtin_formats():
        data, renderer = dot._builtin(fmt), "kviz"
        if fmt not in INLINE_FORMATS:  # PDF, EPS...: the notebook shows an SVG of it
            svg = dot.create(format="svg").decode("utf-8")
    else:
        raise _no_dot_error(fmt)
    if to_file is not None:
        with open(to_file, "wb") as f:
            f.write(data)
    return ModelPlot(data, fmt, os.fspath(to_file) if to_file is not None else None, renderer, svg)


__all__ = ["DotGraph", "ModelPlot", "builtin_formats", "find_dot", "model_to_dot", "plot_model"]
