"""ModelGraph and LivePlot in Jupyter Notebook 7 (not JupyterLab), driven by Playwright in
Debian's Chromium: the diagram renders, a click on a layer shows its details, the live plot
gains points (with an ETA) while ``fit`` runs, ends with every point and the final figure, and
the saved notebook keeps the diagram's SVG snapshot and the final PNG. Screenshots go to the
test's ``tmp_path``.

VS Code's notebook front end cannot be driven here (no VS Code in this environment or in CI);
see the checklist in docs/visualization.md.
"""

from __future__ import annotations

import json
import re

from conftest import run_all, wait_kernel_idle
from notebook7_server import notebook7_server, open_notebook7  # noqa: F401 - the fixture

CELLS = [
    """\
import numpy as np
from kviz.layers import Add, Dense, Input
from kviz.models import Model
from kviz.widgets import ModelGraph

x = Input(shape=(4,), name="x")
h = Dense(6, activation="relu", name="h")(x)
out = Dense(3, activation="softmax", name="out")(Add(name="skip")([h, Dense(6, name="g")(h)]))
model = Model(x, out, name="net")
sample = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
graph = ModelGraph(model, x=sample, height=300)
graph""",
    """\
import time
import kviz as keras
from kviz.widgets import LivePlot

rng = np.random.default_rng(0)
xs = rng.random((200, 4), dtype=np.float32)
ys = np.eye(3, dtype=np.float32)[(xs[:, 0] * 3).astype(int).clip(0, 2)]
model.compile('adam', 'categorical_crossentropy', metrics=['accuracy'])
slow = keras.callbacks.LambdaCallback(on_batch_end=lambda batch, logs: time.sleep(0.05))
plot = LivePlot(update_interval=0.2, title='notebook 7')
history = model.fit(xs, ys, epochs=4, batch_size=16, validation_split=0.2, verbose=0,
                    callbacks=[slow, plot])""",
]

LP = ".kviz-lp"
POINTS = f"""() => {{ const el = document.querySelector('{LP}');
    return el ? [Number(el.dataset.batchPoints), Number(el.dataset.epochPoints), el.dataset.status]
              : null; }}"""


def test_model_graph_and_live_plot_in_notebook7(notebook7, browser, tmp_path):
    from playwright.sync_api import expect

    url, token, nbdir = notebook7
    page = open_notebook7(notebook7, browser, "nb7.ipynb", CELLS)
    try:
        assert page.evaluate("window.jupyterapp.name") == "Jupyter Notebook"
        run_all(page, wait=False)

        # the diagram renders (the first cell runs before the fit)
        widget = page.locator(".kviz-mg").first
        nodes = widget.locator("svg.kviz-mg-canvas g.node")
        expect(nodes).to_have_count(5, timeout=120_000)
        expect(widget.locator('g.node[data-id="skip"]')).to_be_visible()
        expect(widget.locator(".kviz-mg-title")).to_have_text("net")

        # the live plot gains points while fit runs, with a progress bar and an ETA
        page.wait_for_function(
            f"""() => {{ const el = document.querySelector('{LP}');
            return el && el.dataset.status === 'training' && Number(el.dataset.batchPoints) > 0; }}""",
            timeout=120_000,
        )
        first = page.evaluate(POINTS)
        # keep hold of the drawn curve: updates must move this very element, not redraw it
        line = f"{LP} polyline.kviz-lp-train-batch"
        page.evaluate(f"() => {{ window.kvizLine = document.querySelector('{line}'); }}")
        expect(page.locator(f"{LP} [role=progressbar]")).to_be_visible()
        assert "ETA" in page.locator(f"{LP} .kviz-lp-text").inner_text()
        page.locator(LP).screenshot(path=str(tmp_path / "1-live-plot-during-fit.png"))
        page.wait_for_function(
            f"""() => {{ const el = document.querySelector('{LP}');
            return el && el.dataset.status === 'training'
                && Number(el.dataset.batchPoints) > {first[0]}; }}""",
            timeout=60_000,
        )
        assert page.evaluate(POINTS)[0] > first[0] > 0
        # ... by moving the very curve drawn first (no clear-and-redraw while fit runs; at
        # the end the output is replaced once, to hold the final figure)
        same, vertices = page.evaluate(
            f"""() => [window.kvizLine.isConnected
                       && window.kvizLine === document.querySelector('{line}'),
                       window.kvizLine.getAttribute('points').trim().split(/\\s+/).length]"""
        )
        assert same and vertices > first[0] // 2, (same, vertices, first)

        # at the end: every point, and the final figure
        wait_kernel_idle(page)
        page.wait_for_function(
            f"() => document.querySelector('{LP}')?.dataset.status === 'done'", timeout=60_000
        )
        batch_points, epoch_points, _ = page.evaluate(POINTS)
        assert batch_points == 2 * 4 * 10 and epoch_points == 4 * 4  # 160 samples, batch 16
        assert page.locator(f"{LP} circle").count() == 4 * 4
        assert page.evaluate(f"document.querySelector('{LP}').dataset.final") == "1"
        href = page.locator(f"{LP} a.kviz-lp-download").get_attribute("href")
        assert href.startswith("data:image/png;base64,iVBOR")
        page.locator(LP).screenshot(path=str(tmp_path / "2-live-plot-done.png"))

        # a click on a layer shows its details (computed in the kernel, now idle)
        widget.scroll_into_view_if_needed()
        widget.locator('g.node[data-id="h"]').click()
        panel = widget.locator(".kviz-mg-details")
        expect(panel.locator(".kviz-mg-name")).to_have_text("h", timeout=30_000)
        expect(panel.locator(".kviz-mg-class")).to_have_text("Dense")
        expect(panel.locator(".kviz-mg-facts")).to_contain_text("parameters30")
        expect(panel.locator(".kviz-mg-weight svg.kviz-histogram")).to_have_count(2)
        expect(panel.locator("img.kviz-mg-heatmap")).to_be_visible()
        expect(widget.locator('g.node[data-id="h"]')).to_have_class(re.compile("kviz-mg-selected"))
        widget.screenshot(path=str(tmp_path / "3-model-graph-details.png"))

        # the saved notebook keeps the diagram's snapshot and the final figure
        page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
        page.wait_for_function(
            "() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000
        )
        saved = json.loads((nbdir / "nb7.ipynb").read_text())

        def joined(v):  # nbformat stores long strings as lists of lines
            return "".join(v) if isinstance(v, list) else v

        graph_out = [o["data"] for o in saved["cells"][0]["outputs"] if "data" in o]
        snapshot = [joined(d["image/svg+xml"]) for d in graph_out if "image/svg+xml" in d]
        assert snapshot and all(f'data-id="{n}"' in snapshot[0] for n in ("x", "h", "skip"))
        assert any("application/vnd.jupyter.widget-view+json" in d for d in graph_out)
        fit_out = [o["data"] for o in saved["cells"][1]["outputs"] if "data" in o]
        final = [d for d in fit_out if "image/png" in d]
        assert final and joined(final[0]["image/png"]).startswith("iVBOR")
        assert page.kviz_errors == []
    finally:
        page.screenshot(path=str(tmp_path / "page.png"))
        page.close()
