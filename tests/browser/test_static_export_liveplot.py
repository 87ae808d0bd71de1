"""A notebook that trained with ``LivePlot``, executed without a browser and exported to static
HTML, still shows the final training figure - offline, in Chromium.

The notebook runs once (nbclient, ``store_widget_state=True``) and is exported twice with
nbconvert's ``lab`` template (helpers from ``test_static_export.py``):

* without the widget state (how JupyterLab saves notebooks by default): nbconvert uses the
  output's static ``text/html`` - the final PNG that LivePlot put beside its widget at train
  end - so the figure shows with no JavaScript and no network;
* with the widget state: the page draws the LivePlot widget itself from the saved state (the
  whole log is in it), loading html-manager and anywidget from local copies.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from conftest import _require
from test_static_export import execute_and_export, open_offline, widget_scripts

CELLS = [
    """\
import numpy as np
import kviz as keras
from kviz.widgets import LivePlot

rng = np.random.default_rng(0)
x = rng.random((96, 4), dtype=np.float32)
y = np.eye(3, dtype=np.float32)[(x[:, 0] * 3).astype(int).clip(0, 2)]
model = keras.Sequential([keras.layers.Dense(8, activation='relu', input_shape=(4,)),
                          keras.layers.Dense(3, activation='softmax')])
model.compile('adam', 'categorical_crossentropy', metrics=['accuracy'])
history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0,
                    callbacks=[LivePlot(title='static export')])""",
    """\
keras.utils.set_random_seed(1)
dead = keras.Sequential([
    keras.layers.Dense(6, activation='relu', input_shape=(4,), name='dead',
                       bias_initializer=keras.initializers.Constant(-50.0)),
    keras.layers.Dense(3, activation='softmax', name='out')])
dead.compile('sgd', 'categorical_crossentropy')
panels = LivePlot(validation_data=(x[:24], y[:24]), confusion_matrix=True, histograms=True,
                  class_names=['a', 'b', 'c'], title='panels')
_ = dead.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[panels])""",
]
EPOCHS, STEPS = 3, 5  # 72 training samples / 16


@pytest.fixture(scope="module")
def exported(tmp_path_factory, request):
    _require()

    root = tmp_path_factory.mktemp("static_liveplot")
    nb, with_state, without_state = execute_and_export(CELLS, root, "liveplot")
    return {
        "notebook": nb,
        "with_state": with_state,
        "without_state": without_state,
        "scripts_dir": Path(request.config.cache.mkdir("kviz-widget-scripts")),
    }


def _final_bundle(nb, cell=0):
    bundles = [o.get("data", {}) for o in nb.cells[cell].outputs if "data" in o]
    finals = [b for b in bundles if "image/png" in b]  # one final figure per LivePlot
    assert len(finals) == 1, [sorted(b) for b in bundles]
    return finals[0]


def test_saved_notebook_keeps_the_final_figure(exported):
    final = _final_bundle(exported["notebook"])
    png = base64.b64decode(final["image/png"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    assert "application/vnd.jupyter.widget-view+json" in final
    assert 'class="kviz-liveplot-final"' in final["text/html"]
    html = exported["without_state"].read_text(encoding="utf-8")
    assert 'class="kviz-liveplot-final"' in html and final["image/png"][:200] in html


def test_static_html_without_state_shows_the_final_figure_offline(exported, browser, tmp_path):
    from playwright.sync_api import expect

    page = open_offline(browser, exported["without_state"], scripts=None)
    try:
        img = page.locator("img.kviz-liveplot-final").first
        expect(img).to_be_visible(timeout=30_000)
        size = img.evaluate("i => [i.complete, i.naturalWidth, i.naturalHeight]")
        assert size[0] and size[1] > 300 and size[2] > 150, size
        box = img.bounding_box()
        assert box["width"] > 300 and box["height"] > 150
        img.screenshot(path=str(tmp_path / "liveplot_static.png"))
        assert page.kviz_errors == []
    finally:
        page.close()


def test_static_html_with_state_draws_the_widget_from_saved_state(exported, browser, tmp_path):
    from playwright.sync_api import expect

    scripts = widget_scripts(exported["scripts_dir"])
    page = open_offline(browser, exported["with_state"], scripts=scripts)
    try:
        expect(page.locator(".kviz-lp")).to_have_count(2, timeout=60_000)
        root = page.locator(".kviz-lp").first
        expect(root).to_be_visible(timeout=60_000)
        expect(root).to_have_attribute("data-status", "done", timeout=30_000)
        # the whole log came from the saved widget state: every batch and epoch point
        expect(root).to_have_attribute("data-batch-points", str(2 * EPOCHS * STEPS))
        expect(root).to_have_attribute("data-epoch-points", str(4 * EPOCHS))
        expect(root).to_have_attribute("data-panels", "loss,accuracy")
        expect(root).to_have_attribute("data-final", "1")
        assert root.locator("circle").count() == 4 * EPOCHS
        href = root.locator("a.kviz-lp-download").get_attribute("href")
        assert href.startswith("data:image/png;base64,iVBOR")
        root.screenshot(path=str(tmp_path / "liveplot_widget_static.png"))
        # the panels of the second LivePlot: confusion matrix, histograms, warnings
        panels = page.locator(".kviz-lp").nth(1)
        expect(panels).to_have_attribute("data-status", "done", timeout=30_000)
        expect(panels.locator("g.kviz-lp-cell")).to_have_count(9)
        cells = panels.locator("g.kviz-lp-cell text").evaluate_all(
            "ts => ts.map(t => t.textContent)"
        )
        assert sum(int(c) for c in cells) == 24
        expect(panels.locator(".kviz-lp-card[data-layer]")).to_have_count(2)
        expect(panels.locator('.kviz-lp-card.kviz-lp-bad[data-layer="dead"]')).to_be_visible()
        assert panels.locator("svg.kviz-lp-hw polyline").count() >= 2  # one per epoch
        expect(panels.locator('.kviz-lp-warn[data-kind="dead_relu"]')).to_be_visible()
        panels.screenshot(path=str(tmp_path / "liveplot_panels_static.png"))
        # the panel switches work in the page alone (no kernel)
        confusion = panels.locator(".kviz-lp-confusion-box")
        expect(confusion).to_be_visible()
        panels.locator('input[data-panel="confusion"]').uncheck()
        expect(confusion).to_be_hidden()
        panels.locator('input[data-panel="confusion"]').check()
        expect(confusion).to_be_visible()
        assert page.kviz_errors == []
    finally:
        page.close()
