"""Issue #5, model diagrams: gaps closed after the audit.

* ``plot_model`` writes PNG, SVG **and PDF** by extension without Graphviz (PDF through
  matplotlib), and with it; a PDF still shows inline as SVG;
* both renderers (Graphviz's DOT source and kviz's own SVG/PNG) read only the plain graph
  description: a JSON round trip of it draws the same picture, and the renderer modules import
  nothing from the layers or models;
* each of plot_model's flags shows up in both renderers' output.
"""

from __future__ import annotations

import ast
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kviz import layers as L
from kviz.models import Model, Sequential
from kviz.utils import model_to_dot, plot_model, vis_utils
from kviz.viz import graph
from kviz.viz.dot import to_dot
from kviz.viz.svg import to_image, to_png, to_svg

REPO = Path(__file__).resolve().parents[2]
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """No ``dot`` on PATH, and any attempt to run Graphviz fails the test."""
    empty = tmp_path / "no-graphviz-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert vis_utils.find_dot() is None

    def forbidden(*args, **kwargs):
        raise AssertionError("the built-in renderer must not run Graphviz")

    monkeypatch.setattr(vis_utils, "_graphviz_render", forbidden)


def model():
    i = L.Input((4,), name="inner_in")
    block = Model(i, L.Dense(4, activation="relu", name="inner_dense")(i), name="block")
    a = L.Input((4,), name="a")
    b = L.Input((4,), name="b")
    shared = L.Dense(4, activation="tanh", name="shared")
    s = L.Add(name="add")([shared(a), shared(b)])
    h = L.Add(name="skip")([block(s), s])
    frozen = L.Dense(2, name="frozen")
    out = frozen(h)
    frozen.trainable = False
    return Model([a, b], [out, L.Dense(1, name="o2")(h)], name="net")


def test_pdf_without_graphviz_is_drawn_by_matplotlib(no_dot, tmp_path):
    path = tmp_path / "model.pdf"
    img = plot_model(model(), to_file=str(path), show_shapes=True, expand_nested=True)
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and img.data == data
    assert img.format == "pdf" and img.renderer == "kviz"
    # Jupyter cannot show a PDF inline: the plot carries an SVG of the same drawing
    svg = ET.fromstring(img._repr_svg_())
    ids = {g.get("data-id") for g in svg.iter(f"{SVG_NS}g") if g.get("class") == "node"}
    assert {"block/inner_dense", "shared", "skip", "frozen"} <= ids
    assert img._repr_png_() is None


def test_other_matplotlib_formats_without_graphviz(no_dot, tmp_path):
    for ext, magic in [("jpg", b"\xff\xd8"), ("eps", b"%!PS")]:
        img = plot_model(model(), to_file=str(tmp_path / f"m.{ext}"))
        assert img.data.startswith(magic) and img.renderer == "kviz"
    assert model_to_dot(model()).create(format="pdf").startswith(b"%PDF")
    assert {"png", "svg", "pdf"} <= set(vis_utils.builtin_formats())


def test_pdf_with_graphviz_when_dot_is_there(tmp_path):
    if vis_utils.find_dot() is None:
        pytest.skip("Graphviz's dot is not installed (.ci/setup installs it in CI)")
    img = plot_model(model(), to_file=str(tmp_path / "m.pdf"))
    assert img.renderer == "graphviz" and img.data.startswith(b"%PDF")
    assert ET.fromstring(img._repr_svg_()).tag == f"{SVG_NS}svg"


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"show_shapes": True, "show_dtype": True, "show_layer_activations": True},
        {"show_layer_names": False, "show_trainable": True, "rankdir": "LR"},
    ],
)
def test_renderers_read_only_the_plain_description(options):
    """The same drawing from the description and from a JSON copy of it (no layer objects)."""
    for expand in (False, True):
        g = graph(model(), expand_nested=expand)
        copy = json.loads(json.dumps(g))
        assert copy == g
        assert to_dot(copy, **options) == to_dot(g, **options)
        assert to_svg(copy, **options) == to_svg(g, **options)
        assert to_png(copy, **options) == to_png(g, **options)
        assert to_image(copy, "pdf", **options)[:5] == b"%PDF-"


def test_renderer_modules_import_no_layers_or_models():
    for name in ("dot", "layout", "svg"):
        tree = ast.parse((REPO / "kviz" / "viz" / f"{name}.py").read_text())
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
        kviz_modules = {m for m in imported if m.startswith("kviz")}
        assert kviz_modules <= {"kviz.viz.dot", "kviz.viz.layout"}, (name, kviz_modules)


def test_each_flag_shows_in_both_renderers():
    m = model()
    g = graph(m)

    def texts(**options):
        root = ET.fromstring(to_svg(g, **options))
        return " ".join(t.text or "" for t in root.iter(f"{SVG_NS}text"))

    plain_dot, plain_svg = to_dot(g), texts()
    assert "(None, 4)" not in plain_dot and "(None, 4)" not in plain_svg
    assert "(None, 4)" in to_dot(g, show_shapes=True) and "(None, 4)" in texts(show_shapes=True)
    assert "float32" in to_dot(g, show_dtype=True) and "float32" in texts(show_dtype=True)
    assert "tanh" in to_dot(g, show_layer_activations=True)
    assert "tanh" in texts(show_layer_activations=True)
    assert '"frozen" [label="NT|frozen|Dense"]' in to_dot(g, show_trainable=True)
    assert "frozen: Dense not trainable" in texts(show_trainable=True)
    assert "shared: Dense" in plain_svg and "shared: Dense" not in texts(show_layer_names=False)
    assert '"shared" [label="shared|Dense"]' in plain_dot
    assert '"shared" [label="Dense"]' in to_dot(g, show_layer_names=False)
    assert "rankdir=LR" in to_dot(g, rankdir="LR")
    tall = ET.fromstring(to_svg(g)).get("height")
    wide = ET.fromstring(to_svg(g, rankdir="LR")).get("height")
    assert float(wide.rstrip("pt")) < float(tall.rstrip("pt"))
    assert "dpi=50;" in to_dot(g, dpi=50)
    small = plot_model(m, to_file=None, dpi=48).data
    big = plot_model(m, to_file=None, dpi=192).data
    assert len(big) > len(small)


def test_layer_range_and_nested_expansion_in_plot_model():
    m = model()
    part = model_to_dot(m, layer_range=["shared", "skip"]).graph
    ids = {n["id"] for n in part["nodes"]}
    assert "shared" in ids and "skip" in ids and "o2" not in ids
    collapsed = {n["id"] for n in model_to_dot(m).graph["nodes"]}
    expanded = {n["id"] for n in model_to_dot(m, expand_nested=True).graph["nodes"]}
    assert "block" in collapsed and "block/inner_dense" not in collapsed
    assert "block/inner_dense" in expanded


def test_bad_sequential_is_explained_not_a_graphviz_error():
    with pytest.raises(ValueError, match="not yet been built"):
        plot_model(Sequential([L.Dense(2)]), to_file=None)
