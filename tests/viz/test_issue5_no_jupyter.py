"""Issue #5: "Everything in kviz.viz works without Jupyter".

A fresh Python process installs an import hook that refuses ``ipywidgets``, ``IPython``,
``anywidget`` (and the rest of the Jupyter stack: ``traitlets``, ``ipykernel``, ``comm``,
``matplotlib_inline``), then imports ``kviz.viz`` and calls every public function and class of
every ``kviz.viz`` module on tiny models (conv, recurrent, nested with a shared layer and a
skip connection), plus ``kviz.utils.plot_model`` / ``model_to_dot`` (built on them). It reports
the names it called and every public name it found; the test checks that nothing was left out
and that no blocked module got imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

BLOCKED = ("ipywidgets", "IPython", "anywidget", "traitlets", "ipykernel", "comm")

SCRIPT = r"""
import importlib, importlib.abc, inspect, io, json, pkgutil, sys

BLOCKED = set(sys.argv[1].split(","))
BLOCKED.add("matplotlib_inline")


class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked in this test (no Jupyter)")
        return None


sys.meta_path.insert(0, Block())
for mod in list(sys.modules):
    assert mod.split(".")[0] not in BLOCKED, mod

import numpy as np

import kviz as keras
import kviz.viz
from kviz import layers as L
from kviz.models import Model, Sequential

def viz_module(name):  # `from kviz.viz import graph` is the function, not the module
    return importlib.import_module(f"kviz.viz.{name}")


m_act, m_dot, m_fil, m_graph = map(viz_module, ["activations", "dot", "filters", "graph"])
m_hist, m_img, m_look, m_lay = map(viz_module, ["history", "images", "layer_lookup", "layout"])
m_nest, m_nd, m_part = map(viz_module, ["nested", "node_details", "partial"])
m_sal, m_svg, m_ts = map(viz_module, ["saliency", "svg", "training_stats"])

called = set()


def call(module, name, *args, **kwargs):
    called.add(f"{module.__name__}.{name}")
    return getattr(module, name)(*args, **kwargs)


rng = np.random.default_rng(0)

# --- models ---------------------------------------------------------------------------
cnn = Sequential(
    [
        L.Conv2D(2, 3, activation="relu", input_shape=(6, 6, 3), name="conv"),
        L.Conv2D(2, 3, activation="relu", name="conv2"),
        L.GlobalAveragePooling2D(name="gap"),
        L.Dense(2, activation="softmax", name="probs"),
    ],
    name="cnn",
)
xi = rng.random((2, 6, 6, 3)).astype("float32")
rnn = Sequential([L.SimpleRNN(3, input_shape=(4, 2), name="rnn"), L.Dense(1, name="o")])
xs = rng.random((2, 4, 2)).astype("float32")
i = L.Input((4,), name="inner_in")
block = Model(i, L.Dense(4, activation="relu", name="inner_dense")(i), name="block")
a = L.Input((4,), name="a")
b = L.Input((4,), name="b")
shared = L.Dense(4, activation="relu", name="shared")
s = L.Add(name="add")([shared(a), shared(b)])
h = L.Add(name="skip")([block(s), s])
net = Model([a, b], [L.Dense(3, activation="softmax", name="o1")(h), L.Dense(1, name="o2")(h)],
            name="net")
xa, xb = rng.random((3, 4)).astype("float32"), rng.random((3, 4)).astype("float32")
mlp = Sequential([L.Dense(5, activation="relu", input_shape=(4,), name="d1"),
                  L.Dense(3, activation="softmax", name="d2")])
mlp.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
xm = rng.random((8, 4)).astype("float32")
ym = np.eye(3, dtype="float32")[rng.integers(0, 3, 8)]

# --- kviz.viz (the package) ------------------------------------------------------------
g = call(kviz.viz, "graph", net, expand_nested=True)
assert {"block/inner_dense", "shared", "skip"} <= {n["id"] for n in g["nodes"]}
pg = call(kviz.viz, "partial_graph", [L.Dense(4, name="p1"), L.Permute((2, 1), name="p2")], (8,))
assert not pg["complete"] and pg["error"]["node"] == "p2"
acts = call(kviz.viz, "activations", cnn, xi)
assert acts["conv"].shape == (2, 4, 4, 2)
assert call(kviz.viz, "hidden_states", rnn, xs, "rnn").shape == (2, 4, 3)
assert call(kviz.viz, "kernel_images", cnn, "conv").shape == (2, 1, 3, 3, 3)
img = call(kviz.viz, "maximize_activation", cnn, "conv2", 0, steps=2, jitter=1, blur=0.5,
           l2=0.01, seed=0)
assert img.shape == (6, 6, 3)
assert call(kviz.viz, "deprocess_image", rng.random((4, 4, 3))).shape == (4, 4, 3)
assert call(kviz.viz, "saliency", cnn, xi, 1).shape == (2, 6, 6)
heat = call(kviz.viz, "grad_cam", cnn, xi[0], 0)
assert heat.shape == (6, 6)
assert call(kviz.viz, "overlay", xi[0], heat).shape == (6, 6, 3)
assert call(kviz.viz, "confusion_matrix", [0, 1, 1], [0, 1, 0]).tolist() == [[1, 0], [1, 1]]
history = mlp.fit(xm, ym, epochs=2, batch_size=4, validation_split=0.25, verbose=0)
fig = call(kviz.viz, "plot_history", history)
assert len(fig.axes) >= 2

# --- kviz.viz.activations / layer_lookup -------------------------------------------------
assert set(call(m_act, "activations", net, [xa, xb], layers=["block/inner_dense", "o2"])) == {
    "block/inner_dense", "o2"}
call(m_act, "hidden_states", rnn, xs, "rnn")
ref = call(m_look, "resolve", net, "block/inner_dense")
assert isinstance(ref, m_look.LayerRef)
called.add("kviz.viz.layer_lookup.LayerRef")
assert len(call(m_act, "level_inputs", net, [xa, xb], ref.owners)) == 2
assert call(m_look, "is_graph_model", block)
assert call(m_look, "graph_model", net) is net
assert "block/inner_dense" in [r.key for r in call(m_look, "walk", net)]
assert "block/inner_dense" in call(m_look, "layer_names", net)
assert call(m_look, "node_in", net, shared) is not None
assert call(m_look, "output_tensor", ref) is not None
assert len(call(m_look, "all_output_tensors", ref)) == 1

# --- kviz.viz.graph / partial / nested ------------------------------------------------
call(m_graph, "graph", net)
assert call(m_graph, "json_shape", (None, 3)) == [None, 3]
assert call(m_graph, "layer_node", shared, "shared")["params"] == 20
call(m_part, "partial_graph", [L.Dense(2, name="q")], (3,))
assert "vectors" in call(m_part, "describe_shape", (None, 4))
why = call(m_part, "explain_error", L.Permute((2, 1), name="perm"), None, (None, 4),
           ValueError("rank"))
assert "perm" in why
assert call(m_nest, "expandable", g) == ["block"]
assert "block/inner_dense" not in {n["id"] for n in call(m_nest, "collapse", g, [])["nodes"]}

# --- renderers: DOT, layout, SVG, PNG --------------------------------------------------
call(m_dot, "check_rankdir", "LR")
assert call(m_dot, "format_shape", [None, 3]) == "(None, 3)"
node = next(n for n in g["nodes"] if n["id"] == "shared")
call(m_dot, "keras_shape_text", node, "output")
assert call(m_dot, "escape_record", "a|b") == "a\\|b"
assert call(m_dot, "display_name_and_class", node)[0] == "shared"
assert "shared" in call(m_dot, "record_label", node, show_shapes=True)
assert call(m_dot, "to_dot", g, show_shapes=True).startswith("digraph G {")
sizes = {n["id"]: (80.0, 30.0) for n in g["nodes"] if not n.get("expanded")}
lay = call(m_lay, "layout", g, sizes, rankdir="LR")
assert set(lay["nodes"]) == set(sizes)
assert call(m_svg, "text_width", "abc", 10) > 0
assert call(m_svg, "node_rows", node, show_shapes=True)
sc = call(m_svg, "scene", g, show_shapes=True)
assert call(m_svg, "scene_to_svg", sc).lstrip().startswith("<svg")
assert call(m_svg, "scene_to_png", sc)[:8] == b"\x89PNG\r\n\x1a\n"
assert "pdf" in call(m_svg, "matplotlib_formats")
assert call(m_svg, "scene_to_image", sc, format="pdf")[:5] == b"%PDF-"
assert call(m_svg, "to_image", g, "eps")[:4] == b"%!PS"
assert "<svg" in call(m_svg, "to_svg", g, show_dtype=True, show_trainable=True)
assert call(m_svg, "to_png", g, show_layer_activations=True, rankdir="BT")[:4] == b"\x89PNG"

# --- kviz.viz.node_details ---------------------------------------------------------------
assert call(m_nd, "json_safe", {"a": np.float32(1.5), "b": (1, 2)}) == {"a": 1.5, "b": [1, 2]}
hist = call(m_nd, "histogram", rng.normal(size=50), bins=5)
assert sum(hist["counts"]) == 50
assert call(m_nd, "histogram_range", 1.0, 1.0, 10) == (0.5, 1.5)
assert "<svg" in call(m_nd, "histogram_svg", hist)
assert call(m_nd, "stats", [0.0, 1.0])["max"] == 1.0
png = call(m_nd, "png_bytes", np.zeros((2, 2, 3), np.uint8))
assert call(m_nd, "png_data_url", png).startswith("data:image/png;base64,")
assert call(m_nd, "colorize", np.array([[0.0, 1.0]])).shape == (1, 2, 3)
assert call(m_nd, "heatmap_png", np.eye(3))[:4] == b"\x89PNG"
assert call(m_nd, "activation_table", np.ones((2, 3)))[0].shape == (2, 3)
call(m_nd, "activation_details", np.ones((2, 3)))
assert len(call(m_nd, "weight_details", shared)) == 2
assert call(m_nd, "find_layer", net, "block/inner_dense").name == "inner_dense"
assert [layer.name for layer in call(m_nd, "find_path", net, "block/inner_dense")] == [
    "block", "inner_dense"]
act = call(m_nd, "layer_activation", net, "block/inner_dense", [xa, xb])
assert act.shape == (3, 4)
details = call(m_nd, "node_details", node, layer=shared, activation=act)
assert details["params"] == 20 and details["activations"] is not None
seq = [L.Dense(3, name="s1"), L.Dense(2, name="s2")]
assert call(m_nd, "sequence_activation", seq, 1, xm).shape == (8, 2)

# --- kviz.viz.filters / saliency / images -----------------------------------------------
call(m_fil, "kernel_images", cnn, "conv2")
call(m_fil, "deprocess_image", rng.random((3, 3, 3)))
call(m_fil, "maximize_activation", cnn, "conv", 1, steps=1, seed=1)
call(m_sal, "saliency", cnn, xi, [0, 1])
assert call(m_sal, "last_conv_layer", cnn) == "conv2"
call(m_sal, "grad_cam", cnn, xi, 1, layer_name="conv")
call(m_sal, "overlay", xi[0], heat, alpha=0.5)
assert call(m_img, "normalize01", np.array([1.0, 3.0])).tolist() == [0.0, 1.0]
assert call(m_img, "resize", np.ones((2, 2)), (4, 4)).shape == (4, 4)
assert call(m_img, "gaussian_kernel", 1.0).ndim == 1
assert call(m_img, "gaussian_blur", np.ones((5, 5)), 1.0, (0, 1)).shape == (5, 5)
assert call(m_img, "tile", np.ones((4, 2, 2))).shape == (5, 5)
assert call(m_img, "colorize", np.array([0.0, 1.0])).shape == (2, 3)
assert call(m_img, "upscale", np.ones((2, 2)), 2).shape == (4, 4)
assert call(m_img, "to_png", np.ones((2, 2, 3)))[:4] == b"\x89PNG"

# --- kviz.viz.history / training_stats --------------------------------------------------
assert call(m_hist, "metric_panels", ["loss", "val_loss", "accuracy"])
log = call(m_hist, "TrainingLog")
log.begin(epochs=1, steps=2)
log.add_batch(0, 0, {"loss": 1.0})
log.add_epoch(0, {"loss": 0.5, "val_loss": 0.7})
assert log.points() == (1, 2)
t = call(m_hist, "Throttle", 0.5, clock=lambda: 0.0)
assert t.ready() and not t.ready()
assert call(m_hist, "format_seconds", 65) == "1:05"
assert call(m_hist, "progress", 0, 2, 1, 2, 1.0, 1.0)["eta"] == 3.0
fig2 = call(m_hist, "plot_history", log)
assert call(m_hist, "figure_png", fig2)[:4] == b"\x89PNG"
call(m_ts, "confusion_matrix", ym, mlp.predict(xm, verbose=0))
assert call(m_ts, "histogram", [1.0, 2.0], bins=2)["counts"] == [1, 1]
assert call(m_ts, "layers_with_weights", net)[0][0] == "shared"
assert call(m_ts, "weight_histograms", mlp)
grads = call(m_ts, "layer_gradients", mlp, xm, ym)
assert call(m_ts, "gradient_histograms", mlp, xm, ym)
norms = call(m_ts, "gradient_norms", grads)
assert call(m_ts, "gradient_warnings", {"d1": 1e9}) and not call(m_ts, "gradient_warnings", norms)
assert [path for path, _ in call(m_ts, "relu_layers", mlp)] == ["d1"]
fractions = call(m_ts, "dead_relu_fraction", mlp, xm)
call(m_ts, "dead_relu_warnings", fractions)
assert call(m_ts, "diagnose", mlp, xm, ym)
from matplotlib.figure import Figure

ax = Figure().add_subplot()
call(m_ts, "draw_confusion_matrix", ax, np.eye(2, dtype=int), ["x", "y"])
call(m_ts, "draw_histogram", ax, hist, label="w")

# --- kviz.utils.plot_model, the way a script uses it ------------------------------------
from kviz.utils import model_to_dot, plot_model

assert plot_model(net, to_file=None, show_shapes=True, expand_nested=True).data[:4] == b"\x89PNG"
assert "digraph" in model_to_dot(net).to_string()

# --- what should have been called ------------------------------------------------------
public = set()
for info in pkgutil.iter_modules(kviz.viz.__path__):
    mod = importlib.import_module(f"kviz.viz.{info.name}")
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n, v in vars(mod).items()
                 if not n.startswith("_") and getattr(v, "__module__", None) == mod.__name__]
    for n in names:
        if callable(getattr(mod, n)):
            public.add(f"{mod.__name__}.{n}")
public |= {f"kviz.viz.{n}" for n in kviz.viz.__all__}
loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
try:  # the control: the widgets, which do need Jupyter, cannot be imported here
    importlib.import_module("kviz.widgets.model_graph")
    widgets_blocked = False
except ImportError:
    widgets_blocked = True
print("RESULT " + json.dumps({"called": sorted(called), "public": sorted(public),
                              "loaded": loaded, "widgets_blocked": widgets_blocked}))
"""


def test_every_kviz_viz_function_runs_with_jupyter_blocked():
    env = dict(os.environ, MPLBACKEND="Agg")
    env.setdefault("NUMBA_CACHE_DIR", str(REPO / ".numba_cache"))
    env.pop("JPY_PARENT_PID", None)
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, ",".join(BLOCKED)],
        capture_output=True,
        text=True,
        cwd=str(REPO),
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    assert result["loaded"] == []
    assert result["widgets_blocked"], "the import hook did not block Jupyter"
    assert len(result["public"]) > 90
    missing = sorted(set(result["public"]) - set(result["called"]))
    assert missing == [], f"public kviz.viz names this test does not call: {missing}"
    # the modules the issue names are all among them
    for name in ("graph", "activations", "kernel_images", "maximize_activation", "saliency"):
        assert f"kviz.viz.{name}" in result["called"]
    for name in ("grad_cam", "plot_history", "partial_graph", "confusion_matrix"):
        assert f"kviz.viz.{name}" in result["called"]
