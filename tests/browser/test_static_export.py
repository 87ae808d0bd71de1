"""A notebook executed without a browser and exported to static HTML still shows its widgets.

The notebook (:data:`CELLS`) is run once per session by nbclient with ``store_widget_state=True``
(as ``jupyter nbconvert --execute --ExecutePreprocessor.store_widget_state=True`` does) and
exported with nbconvert's ``lab`` template twice:

* ``with_state``: the widget state is embedded, so nbconvert writes the widget views and the page
  draws them with ``@jupyter-widgets/html-manager`` and the ``anywidget`` front end, which the
  page loads from CDNs. There is no network here (nor in CI): :func:`open_offline` lets Chromium
  fetch those scripts from local copies (``npm pack`` tarballs, cached by pytest, and the
  ``anywidget`` Python package's own AMD bundle) and aborts every other outside request;
* ``without_state``: the same notebook without the widget state (as JupyterLab saves it by
  default): nbconvert falls back to the outputs' static ``text/html``, so the diagram must show
  with no JavaScript and no network at all.

To check another widget here (e.g. that the final LivePlot figure is visible), append its
cells to :data:`CELLS` and write a test like :func:`test_static_html_shows_the_model_graph`
with its own ``expect_...`` helper on :func:`exported`'s pages.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import _require, write_notebook

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
ModelGraph(model)""",
]
MODEL_GRAPH_NODES = ["x", "h", "block", "skip", "out"]

NPM_PACKAGES = ["@jupyter-widgets/html-manager@1", "requirejs@2"]
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


# ------------------------------------------------------------------------- helpers
def execute_notebook(cells, path: Path, kernel_dir: Path):
    """Run ``cells`` in a fresh kernel of this interpreter with the widget state stored; write
    the executed notebook to ``path`` and return it."""
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    write_notebook(path, cells)
    nb = nbformat.read(str(path), as_version=4)
    specs = KernelSpecManager(kernel_dirs=[str(kernel_dir)], ensure_native_kernel=False)
    km = KernelManager(kernel_name="python3", kernel_spec_manager=specs)
    NotebookClient(
        nb,
        km=km,
        timeout=180,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    nbformat.write(nb, str(path))
    return nb


def export_html(nb, path: Path) -> Path:
    """The notebook as static HTML (nbconvert's ``lab`` template, its default CDN URLs)."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    path.write_text(body, encoding="utf-8")
    return path


def widget_scripts(cache_dir: Path) -> dict:
    """Local copies of the scripts a static page loads from CDNs to draw widgets:
    ``{"html-manager": dist folder, "requirejs": require.js, "anywidget": AMD bundle}``."""
    import anywidget

    def find():
        hm = sorted(cache_dir.glob("jupyter-widgets-html-manager-*/package/dist"))
        req = sorted(cache_dir.glob("requirejs-*/package/require.js"))
        return (hm[-1], req[-1]) if hm and req else None

    if find() is None:
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("the static-export test needs npm to fetch the widget scripts")
        cache_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "pack", *NPM_PACKAGES], cwd=cache_dir, check=True, capture_output=True)
        for tgz in cache_dir.glob("*.tgz"):
            target = cache_dir / tgz.name[: -len(".tgz")]
            target.mkdir(exist_ok=True)
            shutil.unpack_archive(str(tgz), str(target))
    hm, req = find()
    amd = Path(anywidget.__file__).parent / "nbextension" / "index.js"
    assert amd.is_file(), f"anywidget's AMD bundle is missing: {amd}"
    return {"html-manager": hm, "requirejs": req, "anywidget": amd}


def open_offline(browser, html: Path, scripts: dict | None = None, viewport=(1300, 1000)):
    """Open a static HTML file in Chromium with no network: requests for the widget scripts
    are answered from ``scripts`` (see :func:`widget_scripts`; None: no widget scripts), every
    other http(s) request is aborted. The page records its errors in ``page.kviz_errors``."""
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.kviz_errors = errors
    served: list[str] = []
    page.kviz_served = served

    def handle(route):
        url = route.request.url
        if scripts is not None:
            m = re.search(r"/@jupyter-widgets/html-manager@[^/]*/dist/([^?#]+)", url)
            if m and (scripts["html-manager"] / m.group(1)).is_file():
                served.append(url)
                return route.fulfill(path=str(scripts["html-manager"] / m.group(1)))
            if re.search(r"/require(\.min)?\.js(\?|$)", url):
                served.append(url)
                return route.fulfill(
                    path=str(scripts["requirejs"]), content_type="application/javascript"
                )
            if re.search(r"/anywidget@[^/]*/dist/index(\.js)?(\?|$)", url):
                served.append(url)
                return route.fulfill(
                    path=str(scripts["anywidget"]), content_type="application/javascript"
                )
        return route.abort()

    page.route(re.compile(r"^https?://"), handle)
    page.goto(html.resolve().as_uri())
    return page


def expect_model_graph(page, where, node_ids=MODEL_GRAPH_NODES, timeout=60_000):
    """The model diagram is visible in the page inside ``where`` (a CSS selector for the
    container: the live widget ``.kviz-mg`` or the static snapshot
    ``.kviz-model-graph-static``), with one visible box per id in ``node_ids``."""
    from playwright.sync_api import expect

    container = page.locator(where).first
    expect(container).to_be_visible(timeout=timeout)
    svg = container.locator("svg.kviz-model-graph").first
    expect(svg).to_be_visible(timeout=timeout)
    nodes = svg.locator("g.node")
    expect(nodes).to_have_count(len(node_ids), timeout=timeout)
    assert nodes.evaluate_all("gs => gs.map(g => g.getAttribute('data-id'))") == list(node_ids)
    for node_id in node_ids:
        expect(svg.locator(f'g.node[data-id="{node_id}"]')).to_be_visible()
    box = svg.bounding_box()
    assert box is not None and box["width"] > 50 and box["height"] > 50
    return container


def execute_and_export(cells, root: Path, stem: str):
    """Run ``cells`` as notebook ``root/<stem>.ipynb`` in a kernel of this interpreter (widget
    state stored) and export it twice: ``(notebook, with_state.html, without_state.html)``;
    the second export drops the widget state, as JupyterLab's default save does."""
    import nbformat

    kernel_dir = root / "kernels"
    (kernel_dir / "python3").mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (kviz tests)",
        "language": "python",
        "env": {"MPLBACKEND": "module://matplotlib_inline.backend_inline"},
    }
    (kernel_dir / "python3" / "kernel.json").write_text(json.dumps(spec))
    nb = execute_notebook(cells, root / f"{stem}.ipynb", kernel_dir)
    with_state = export_html(nb, root / "with_state.html")
    plain = json.loads(json.dumps(nb))
    plain["metadata"].pop("widgets", None)
    without_state = export_html(nbformat.from_dict(plain), root / "without_state.html")
    return nb, with_state, without_state


# ------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def exported(tmp_path_factory, request):
    """``{"notebook", "with_state", "without_state", "scripts"}``: the executed notebook of
    :data:`CELLS` and its two HTML exports (see the module docstring)."""
    _require()

    root = tmp_path_factory.mktemp("static")
    nb, with_state, without_state = execute_and_export(CELLS, root, "widgets")
    scripts = widget_scripts(Path(request.config.cache.mkdir("kviz-widget-scripts")))
    return {
        "notebook": nb,
        "with_state": with_state,
        "without_state": without_state,
        "scripts": scripts,
    }


# --------------------------------------------------------------------------- tests
def test_static_html_shows_the_model_graph(exported, browser, tmp_path):
    nb = exported["notebook"]
    assert WIDGET_STATE in nb.metadata["widgets"]
    (output,) = nb.cells[0].outputs
    data = output["data"]
    assert "application/vnd.jupyter.widget-view+json" in data
    assert (
        data["image/svg+xml"].startswith("<svg") and "kviz-model-graph-static" in data["text/html"]
    )

    # widget state embedded: the live widget is drawn again from the saved state
    page = open_offline(browser, exported["with_state"], exported["scripts"])
    try:
        widget = expect_model_graph(page, ".kviz-mg")
        widget.screenshot(path=str(tmp_path / "with_state.png"))
        assert any("anywidget" in url for url in page.kviz_served)
        assert page.kviz_errors == []
    finally:
        page.close()

    # no widget state: the static snapshot shows, with no script and no network at all
    html = exported["without_state"].read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget-view+json" not in html
    page = open_offline(browser, exported["without_state"], scripts=None)
    try:
        snapshot = expect_model_graph(page, ".kviz-model-graph-static")
        snapshot.screenshot(path=str(tmp_path / "without_state.png"))
    finally:
        page.close()
