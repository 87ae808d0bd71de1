"""kviz.utils.plot_model / model_to_dot, with Graphviz's ``dot`` and without it.

Every test that takes the ``renderer`` fixture runs twice: with Graphviz (skipped only where
``dot`` is not installed; ``.ci/setup`` installs it in CI) and with kviz's own renderer, where
``PATH`` holds no ``dot`` and any attempt to run Graphviz fails the test.
"""

from __future__ import annotations

import inspect
import os
import pathlib
import shutil
import xml.etree.ElementTree as ET

import pytest

import kviz
from kviz import layers as L
from kviz import ops
from kviz.models import Model, Sequential
from kviz.utils import model_to_dot, plot_model, vis_utils

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"
HAVE_DOT = shutil.which("dot") is not None


def _hide_graphviz(monkeypatch, tmp_path):
    """No ``dot`` on PATH, and running Graphviz in any way fails the test."""
    empty = tmp_path / "no-graphviz-bin"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty))
    assert vis_utils.find_dot() is None

    def forbidden(*args, **kwargs):
        raise AssertionError("the built-in renderer must not run Graphviz")

    import graphviz

    monkeypatch.setattr(graphviz.Source, "pipe", forbidden)
    monkeypatch.setattr(vis_utils, "_graphviz_render", forbidden)


@pytest.fixture(params=["graphviz", "kviz"])
def renderer(request, monkeypatch, tmp_path):
    if request.param == "graphviz":
        if not HAVE_DOT:
            pytest.skip("Graphviz's dot is not installed (.ci/setup installs it in CI)")
    else:
        _hide_graphviz(monkeypatch, tmp_path)
    return request.param


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    _hide_graphviz(monkeypatch, tmp_path)


def small_model():
    return Sequential(
        [
            L.Dense(8, activation="relu", input_shape=(4,), name="hidden"),
            L.Dense(3, activation="softmax", name="out"),
        ],
        name="small",
    )


def big_model():
    core = Sequential([L.Dense(4, input_shape=(4,), name="c1"), L.Dense(4, name="c2")], name="core")
    a = L.Input((4,), name="a")
    b = L.Input((4,), name="b")
    shared = L.Dense(4, name="shared")
    s = L.Add(name="add")([shared(a), shared(b)])
    h = L.Concatenate(name="cat")([core(s), a])
    return Model([a, b], [L.Dense(1, name="o1")(h), ops.mean(h, axis=-1)], name="big")


# ------------------------------------------------------------------------ plot_model
def test_png(renderer, tmp_path):
    path = tmp_path / "model.png"
    img = plot_model(small_model(), to_file=str(path), show_shapes=True)
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert img.renderer == renderer and img.format == "png" and img.filename == str(path)
    assert img._repr_png_() == data and img._repr_svg_() is None
    assert "png" in repr(img)


def test_svg(renderer, tmp_path):
    path = tmp_path / "model.svg"
    img = plot_model(small_model(), to_file=path, show_shapes=True, rankdir="LR")
    text = path.read_text()
    root = ET.fromstring(text)
    assert root.tag == f"{SVG_NS}svg"
    assert img._repr_svg_() == text and img._repr_png_() is None
    if renderer == "kviz":
        nodes = [g for g in root.iter(f"{SVG_NS}g") if g.get("class") == "node"]
        assert [g.get("data-id") for g in nodes] == ["hidden_input", "hidden", "out"]
    else:
        titles = {t.text for t in root.iter(f"{SVG_NS}title")}
        assert {"hidden_input", "hidden", "out"} <= titles


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"show_shapes": True, "show_dtype": True, "show_layer_activations": True},
        {"show_layer_names": False, "show_trainable": True, "rankdir": "BT"},
        {"expand_nested": True, "show_shapes": True, "rankdir": "RL", "dpi": 50},
        {"layer_range": ["shared", "cat"]},
    ],
)
def test_every_option(renderer, tmp_path, options):
    for ext in ("png", "svg"):
        img = plot_model(big_model(), to_file=str(tmp_path / f"m.{ext}"), **options)
        assert img.format == ext and len(img.data) > 100


def test_pdf_with_graphviz(tmp_path):
    if not HAVE_DOT:
        pytest.skip("Graphviz's dot is not installed (.ci/setup installs it in CI)")
    path = tmp_path / "model.pdf"
    img = plot_model(small_model(), to_file=str(path))
    assert path.read_bytes().startswith(b"%PDF")
    assert img.renderer == "graphviz" and img._repr_png_() is None
    assert ET.fromstring(img._repr_svg_()).tag == f"{SVG_NS}svg"  # shown in the notebook


def test_format_matplotlib_cannot_write_without_graphviz_says_why(no_dot, tmp_path):
    # PDF works without Graphviz (tests/viz/test_issue5_plot_model_formats.py); BMP does not
    path = tmp_path / "model.bmp"
    with pytest.raises(RuntimeError) as info:
        plot_model(small_model(), to_file=str(path))
    message = str(info.value)
    assert "Graphviz" in message and "`dot`" in message and "apt-get install graphviz" in message
    assert ".png" in message and ".svg" in message and ".pdf" in message
    assert "pydot" not in message
    assert not path.exists()


def test_other_extensions(renderer, tmp_path):
    img = plot_model(small_model(), to_file=str(tmp_path / "m.dot"), show_shapes=True)
    assert (tmp_path / "m.dot").read_text().startswith("digraph G {")
    assert img._repr_svg_().lstrip().startswith(("<?xml", "<svg", "<!--"))
    img = plot_model(small_model(), to_file=str(tmp_path / "no_extension"))
    assert (tmp_path / "no_extension").read_bytes().startswith(PNG_SIGNATURE)
    img = plot_model(small_model(), to_file=pathlib.Path(tmp_path / "path.PNG"))
    assert img.format == "png" and (tmp_path / "path.PNG").exists()
    img = plot_model(small_model(), to_file=None)
    assert img.filename is None and img.data.startswith(PNG_SIGNATURE)


def test_default_file_name(renderer, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plot_model(small_model())
    assert (tmp_path / "model.png").read_bytes().startswith(PNG_SIGNATURE)


def test_unbuilt_model():
    with pytest.raises(ValueError, match="not yet been built"):
        plot_model(Sequential([L.Dense(2)]), to_file=None)
    with pytest.raises(ValueError, match="not yet been built"):
        model_to_dot(Sequential([L.Dense(2)]))


def test_bad_rankdir():
    with pytest.raises(ValueError, match="rankdir"):
        plot_model(small_model(), to_file=None, rankdir="sideways")


def test_broken_graphviz_falls_back_to_the_builtin_renderer(tmp_path, monkeypatch):
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    dot = fake / "dot"
    dot.write_text("#!/bin/sh\necho 'dot: broken install' >&2\nexit 1\n")
    dot.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ.get('PATH', '')}")
    assert vis_utils.find_dot() == str(dot)
    with pytest.warns(UserWarning, match="built-in layout"):
        img = plot_model(small_model(), to_file=str(tmp_path / "m.png"))
    assert img.renderer == "kviz" and img.data.startswith(PNG_SIGNATURE)
    with pytest.warns(UserWarning, match="built-in layout"):
        img = plot_model(small_model(), to_file=str(tmp_path / "m.pdf"))
    assert img.renderer == "kviz" and img.data.startswith(b"%PDF")
    with pytest.raises(Exception):  # noqa: B017 - whatever Graphviz raised
        plot_model(small_model(), to_file=str(tmp_path / "m.bmp"))


# ---------------------------------------------------------------------- model_to_dot
def test_model_to_dot(renderer, tmp_path):
    dot = model_to_dot(big_model(), show_shapes=True, expand_nested=True, dpi=72)
    assert dot.to_string() == dot.source == str(dot)
    assert dot.source.startswith("digraph G {") and "dpi=72;" in dot.source
    assert 'subgraph "cluster_core" {' in dot.source
    assert [n["id"] for n in dot.get_nodes()][:3] == ["a", "b", "shared"]
    assert ("shared", "add") in [(e["source"], e["target"]) for e in dot.get_edges()]
    svg = dot.create(prog="dot", format="svg")
    assert ET.fromstring(svg).tag == f"{SVG_NS}svg"
    assert dot.create(format="png").startswith(PNG_SIGNATURE)
    assert dot.create(format="dot") == dot.source.encode()
    assert dot._repr_svg_().startswith(("<?xml", "<svg", "<!--"))
    dot.write(str(tmp_path / "m.svg"))
    dot.write_png(str(tmp_path / "m.png"))
    dot.write(str(tmp_path / "m.txt"), format="raw")
    assert (tmp_path / "m.png").read_bytes().startswith(PNG_SIGNATURE)
    assert (tmp_path / "m.txt").read_text() == dot.source
    assert "DotGraph" in repr(dot)
    assert dot.create(format="pdf").startswith(b"%PDF")
    if renderer == "kviz":
        with pytest.raises(RuntimeError, match="Graphviz"):
            dot.create(format="bmp")


def test_model_to_dot_subgraph_and_graphviz_source():
    dot = model_to_dot(small_model(), subgraph=True)
    assert dot.source.startswith('subgraph "cluster_small" {')
    import graphviz

    src = model_to_dot(small_model()).to_graphviz()
    assert isinstance(src, graphviz.Source) and "hidden_input" in src.source


def test_public_names():
    assert kviz.utils.plot_model is vis_utils.plot_model
    assert kviz.utils.model_to_dot is vis_utils.model_to_dot
    assert kviz.utils.vis_utils.plot_model is plot_model


KERAS_PLOT_MODEL = [
    ("model", inspect.Parameter.empty),
    ("to_file", "model.png"),
    ("show_shapes", False),
    ("show_dtype", False),
    ("show_layer_names", True),
    ("rankdir", "TB"),
    ("expand_nested", False),
    ("dpi", 96),
    ("layer_range", None),
    ("show_layer_activations", False),
    ("show_trainable", False),
]


def test_signatures_are_keras_2s():
    got = [(p.name, p.default) for p in inspect.signature(plot_model).parameters.values()]
    assert got == KERAS_PLOT_MODEL
    to_dot = [(p.name, p.default) for p in inspect.signature(model_to_dot).parameters.values()]
    assert [n for n, _ in to_dot] == [
        "model",
        "show_shapes",
        "show_dtype",
        "show_layer_names",
        "rankdir",
        "expand_nested",
        "dpi",
        "subgraph",
        "layer_range",
        "show_layer_activations",
        "show_trainable",
    ]


# ----------------------------------------------------------------- tf-keras oracle
@pytest.fixture(scope="module")
def tk():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
    return pytest.importorskip("tf_keras")


def _build(lib, which):
    """The same model in kviz (``lib=kviz``) or tf-keras, with explicit names."""
    layers = lib.layers
    if which == "sequential":
        return lib.Sequential(
            [
                layers.Dense(8, activation="relu", input_shape=(4,), name="hidden"),
                layers.Dropout(0.2, name="drop"),
                layers.BatchNormalization(name="bn"),
                layers.Dense(3, activation="softmax", name="out"),
            ],
            name="seq",
        )
    if which == "functional":
        a = layers.Input((4,), name="a")
        b = layers.Input((4,), name="b")
        shared = layers.Dense(3, activation="tanh", name="shared")
        s = layers.Add(name="add")([shared(a), shared(b)])
        h = layers.Concatenate(name="cat")([s, a])
        frozen = layers.Dense(2, name="frozen")
        out1 = frozen(h)
        frozen.trainable = False
        out2 = layers.Dense(1, activation="sigmoid", name="out2")(h)
        return lib.Model([a, b], [out1, out2], name="fun")
    inner = lib.Sequential(
        [layers.Dense(5, input_shape=(4,), name="i1"), layers.Dense(2, name="i2")], name="inner"
    )
    x = layers.Input((4,), name="x")
    return lib.Model(x, layers.Dense(1, name="head")(inner(x)), name="outer")


def _parse(source):
    """``(sorted node labels, set of (label, label) edges, sorted cluster labels)``."""
    import pydot

    (dot,) = pydot.graph_from_dot_data(source)
    labels, edges, clusters = {}, [], []

    def strip(x):
        return x[1:-1] if x and x.startswith('"') and x.endswith('"') else x

    def walk(g):
        for n in g.get_nodes():
            label = n.get_label()
            if label is not None:
                labels[strip(n.get_name())] = strip(label)
        edges.extend((strip(e.get_source()), strip(e.get_destination())) for e in g.get_edges())
        for sub in g.get_subgraphs():
            if sub.get_label():
                clusters.append(strip(sub.get_label()))
            walk(sub)

    walk(dot)
    return (
        sorted(labels.values()),
        {(labels[s], labels[t]) for s, t in edges},
        sorted(clusters),
    )


@pytest.mark.keras_oracle
@pytest.mark.filterwarnings("ignore:'set\\w+' deprecated")  # pydot's parser on new pyparsing
@pytest.mark.parametrize("which", ["sequential", "functional", "nested"])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"show_shapes": True},
        {
            "show_shapes": True,
            "show_dtype": True,
            "show_layer_activations": True,
            "show_trainable": True,
        },
        {"show_layer_names": False, "rankdir": "LR"},
        {"expand_nested": True, "show_shapes": True},
    ],
    ids=["plain", "shapes", "everything", "no-names", "expanded"],
)
def test_labels_and_edges_match_tf_keras(tk, which, options):
    pytest.importorskip("pydot")
    tk.backend.clear_session()
    want = tk.utils.model_to_dot(_build(tk, which), **options).to_string()
    got = model_to_dot(_build(kviz, which), **options).to_string()
    assert _parse(got) == _parse(want)
    for line in ("rankdir=", "dpi=96;", "concentrate=true;", "node [shape=record];"):
        assert line in want and line in got


@pytest.mark.keras_oracle
def test_signatures_match_tf_keras(tk):
    for ours, theirs in [
        (plot_model, tk.utils.plot_model),
        (model_to_dot, tk.utils.model_to_dot),
    ]:
        a = [(p.name, p.default) for p in inspect.signature(ours).parameters.values()]
        b = [(p.name, p.default) for p in inspect.signature(theirs).parameters.values()]
        assert a == b
