"""LivePlot in a real JupyterLab (Chromium via Playwright): the plot gains points while ``fit``
runs, and the final figure is in the notebook at the end. Screenshots go to ``tmp_path``."""

from __future__ import annotations

import json

from conftest import open_notebook, wait_kernel_idle

CELLS = [
    """\
import time
import numpy as np
import kviz as keras
from kviz.widgets import LivePlot

rng = np.random.default_rng(0)
x = rng.random((320, 4), dtype=np.float32)
y = np.eye(3, dtype=np.float32)[(x[:, 0] * 3).astype(int).clip(0, 2)]
model = keras.Sequential([keras.layers.Dense(8, activation='relu', input_shape=(4,)),
                          keras.layers.Dense(3, activation='softmax')])
model.compile('adam', 'categorical_crossentropy', metrics=['accuracy'])
slow = keras.callbacks.LambdaCallback(on_batch_end=lambda batch, logs: time.sleep(0.06))
plot = LivePlot(update_interval=0.2, title='tiny model')
history = model.fit(x, y, epochs=5, batch_size=16, validation_split=0.2, verbose=0,
                    callbacks=[slow, plot])
""",
    "print('fit done', len(history.history['loss']))",
]

ROOT = ".kviz-lp"


def start_run_all(page):
    """Like conftest's :func:`run_all`, but returns at once: ``page.evaluate`` of the command's
    promise would wait until every cell has run, and this test must look while ``fit`` runs."""
    page.evaluate(
        "() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); return true; }"
    )


POINTS = f"""() => {{ const el = document.querySelector('{ROOT}');
    return el ? [Number(el.dataset.batchPoints), Number(el.dataset.epochPoints), el.dataset.status]
              : null; }}"""


def test_live_plot_gains_points_while_fit_runs(lab, browser, tmp_path):
    page = open_notebook(lab, browser, "live_plot.ipynb", CELLS)
    console = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    try:
        start_run_all(page)
        # the plot appears and has points while the fit is still running
        page.wait_for_function(
            f"""() => {{ const el = document.querySelector('{ROOT}');
            return el && el.dataset.status === 'training' && Number(el.dataset.batchPoints) > 0; }}""",
            timeout=120_000,
        )
        first = page.evaluate(POINTS)
        page.locator(ROOT).screenshot(path=str(tmp_path / "live_plot_during.png"))
        page.wait_for_function(
            f"""() => {{ const el = document.querySelector('{ROOT}');
            return el && el.dataset.status === 'training'
                && Number(el.dataset.batchPoints) > {first[0]}; }}""",
            timeout=60_000,
        )
        second = page.evaluate(POINTS)
        assert second[0] > first[0] > 0, (first, second)
        assert second[2] == "training"
        # the curves are drawn as SVG polylines with as many vertices as points
        vertices = page.evaluate(
            f"""() => [...document.querySelectorAll('{ROOT} polyline.kviz-lp-train-batch')]
                .map(p => p.getAttribute('points').trim().split(/\\s+/).filter(Boolean).length)"""
        )
        assert len(vertices) == 2 and vertices[0] > 0
        wait_kernel_idle(page)
        page.wait_for_function(
            f"() => document.querySelector('{ROOT}')?.dataset.status === 'done'", timeout=60_000
        )
        end = page.evaluate(POINTS)
        # 5 epochs x 16 batches, for loss and accuracy; 4 series x 5 epochs
        assert end[0] == 2 * 5 * 16 and end[1] == 4 * 5, end
        assert page.evaluate(f"document.querySelector('{ROOT}').dataset.panels") == "loss,accuracy"
        assert page.locator(f"{ROOT} circle").count() == 4 * 5
        assert page.locator(f"{ROOT} .kviz-lp-text").inner_text().startswith("done: 5 epoch(s)")
        # the final figure: a PNG link in the widget, and a static image in the saved output
        assert page.evaluate(f"document.querySelector('{ROOT}').dataset.final") == "1"
        href = page.locator(f"{ROOT} a.kviz-lp-download").get_attribute("href")
        assert href.startswith("data:image/png;base64,iVBOR")
        outputs = page.evaluate(
            """() => window.jupyterapp.shell.currentWidget.content.model.cells.get(0)
                .sharedModel.toJSON().outputs"""
        )
        bundles = [o.get("data", {}) for o in outputs if "data" in o]
        final = [b for b in bundles if "image/png" in b]
        assert final, json.dumps(outputs)[:2000]
        assert "application/vnd.jupyter.widget-view+json" in final[0]
        assert final[0]["image/png"].startswith("iVBOR")
        page.locator(ROOT).screenshot(path=str(tmp_path / "live_plot_end.png"))
        assert page.kviz_errors == []
    except Exception:
        page.screenshot(path=str(tmp_path / "failure.png"))
        (tmp_path / "console.txt").write_text("\n".join(console + page.kviz_errors))
        raise
    finally:
        page.close()
