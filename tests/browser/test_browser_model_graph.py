"""ModelGraph in a real JupyterLab (Debian Chromium through Playwright): the diagram renders, a
click on a layer shows its details, zooming changes the view transform, expanding the nested
model adds its layers, and a model that cannot be built shows its failing layer highlighted with
the explanation. Screenshots go to the test's tmp_path."""

from __future__ import annotations

import re

from conftest import open_notebook, run_all

CELLS = [
    """\
import numpy as np
from kviz.layers import Add, Dense, Input
from kviz.models import Model
from kviz.widgets import ModelGraph

i = Input(shape=(6,), name="inner_in")
block = Model(i, Dense(6, activation="relu", name="inner_dense")(i), name="block")
x = Input(shape=(4,), name="x")
h = Dense(6, activation="relu", name="h")(x)
out = Dense(2, name="out")(Add(name="skip")([h, block(h)]))
model = Model(x, out, name="net")
sample = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
graph = ModelGraph(model, x=sample, height=420)
graph""",
    """\
from kviz.layers import Permute
ModelGraph([Dense(4, name="d"), Permute((2, 1), name="p"), Dense(2, name="o")], input_shape=(8,))""",
]


def test_model_graph_in_jupyterlab(lab, browser, tmp_path):
    from playwright.sync_api import expect

    page = open_notebook(lab, browser, "model_graph.ipynb", CELLS)
    try:
        run_all(page)
        widget = page.locator(".kviz-mg").first
        nodes = widget.locator("svg.kviz-mg-canvas g.node")
        expect(nodes).to_have_count(5, timeout=120_000)
        expect(widget.locator('g.node[data-id="skip"]')).to_be_visible()
        expect(widget.locator(".kviz-mg-title")).to_have_text("net")
        widget.screenshot(path=str(tmp_path / "1-rendered.png"))

        # a click on a layer shows its details (computed in the kernel)
        widget.locator('g.node[data-id="h"]').click()
        panel = widget.locator(".kviz-mg-details")
        expect(panel.locator(".kviz-mg-name")).to_have_text("h", timeout=30_000)
        expect(panel.locator(".kviz-mg-class")).to_have_text("Dense")
        expect(panel.locator(".kviz-mg-facts")).to_contain_text("parameters30")
        expect(panel.locator(".kviz-mg-facts")).to_contain_text("output shape(None, 6)")
        expect(panel.locator(".kviz-mg-weight")).to_have_count(2)
        expect(panel.locator(".kviz-mg-weight svg.kviz-histogram")).to_have_count(2)
        expect(panel.locator("img.kviz-mg-heatmap")).to_be_visible()
        expect(widget.locator('g.node[data-id="h"]')).to_have_class(re.compile("kviz-mg-selected"))
        widget.screenshot(path=str(tmp_path / "2-details.png"))

        # zoom: the buttons and the mouse wheel change the viewport transform
        viewport = widget.locator("g.kviz-mg-viewport")
        before = viewport.get_attribute("transform")
        widget.locator('button[data-act="zoom-in"]').click()
        expect(viewport).not_to_have_attribute("transform", before)
        zoomed = viewport.get_attribute("transform")
        scale = lambda tr: float(re.search(r"scale\(([-\d.e]+)\)", tr).group(1))  # noqa: E731
        assert scale(zoomed) > scale(before)
        box = widget.locator("svg.kviz-mg-canvas").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.wheel(0, 300)
        expect(viewport).not_to_have_attribute("transform", zoomed)
        assert scale(viewport.get_attribute("transform")) < scale(zoomed)
        # drag pans (and is not a click: the selection stays)
        dragged_from = viewport.get_attribute("transform")
        page.mouse.move(box["x"] + 20, box["y"] + 20)
        page.mouse.down()
        page.mouse.move(box["x"] + 80, box["y"] + 60, steps=5)
        page.mouse.up()
        expect(viewport).not_to_have_attribute("transform", dragged_from)
        expect(panel.locator(".kviz-mg-name")).to_have_text("h")
        widget.locator('button[data-act="fit"]').click()
        widget.screenshot(path=str(tmp_path / "3-zoomed.png"))

        # expanding the nested model adds its inner layers (re-laid out in Python)
        widget.locator('g.node[data-id="block"]').click()
        expect(panel.locator(".kviz-mg-name")).to_have_text("block", timeout=30_000)
        panel.locator("button.kviz-mg-toggle-btn", has_text="Expand").click()
        expect(nodes).to_have_count(6, timeout=30_000)
        expect(widget.locator('g.node[data-id="block/inner_dense"]')).to_be_visible()
        expect(widget.locator('g.cluster[data-id="block"]')).to_be_attached()
        expect(panel.locator("button.kviz-mg-toggle-btn")).to_have_text("Collapse")
        widget.screenshot(path=str(tmp_path / "4-expanded.png"))
        widget.locator('g.node[data-id="block/inner_dense"]').click()
        expect(panel.locator(".kviz-mg-name")).to_have_text("inner_dense", timeout=30_000)
        expect(panel.locator(".kviz-mg-facts")).to_contain_text("parameters42")
        # the "−" badge on the cluster closes it again
        widget.locator('g.kviz-mg-toggle[data-toggle="block"]').click()
        expect(nodes).to_have_count(5, timeout=30_000)
        widget.screenshot(path=str(tmp_path / "5-collapsed.png"))

        # a model that cannot be built: drawn up to the failing layer, which is highlighted
        broken = page.locator(".kviz-mg").nth(1)
        expect(broken.locator(".kviz-mg-banner")).to_contain_text("layer 'p' fails")
        failed = broken.locator('g.node[data-id="p"]')
        expect(failed).to_have_class(re.compile("kviz-mg-failed"))
        expect(failed).to_have_class(re.compile("kviz-mg-selected"))
        expect(broken.locator('g.node[data-status="not_reached"]')).to_have_count(1)
        why = broken.locator(".kviz-mg-details .kviz-mg-error")
        expect(why).to_contain_text("Layer 'p' (Permute) cannot take the output of 'd' (Dense).")
        expect(why).to_contain_text("Hint: add a Reshape layer")
        broken.screenshot(path=str(tmp_path / "6-partial.png"))
        assert page.kviz_errors == []
    finally:
        page.screenshot(path=str(tmp_path / "page.png"))
        page.close()
