"""A Jupyter Notebook 7 server for real-browser tests, isolated like conftest's ``lab``.

Use it from a test module with ``from notebook7_server import notebook7_server, open_notebook7``:
the imported function is the session fixture named ``notebook7``. Notebook 7 is JupyterLab's components
in the classic one-notebook-per-tab layout, served by the ``notebook`` package
(``pip install "notebook>=7"``, in the ``browser`` extra); with
``--JupyterNotebookApp.expose_app_in_browser=True`` its application object is
``window.jupyterapp``, as in JupyterLab, so :func:`conftest.run_all` and
:func:`conftest.wait_kernel_idle` work on its pages too.
"""

from __future__ import annotations

import os

import pytest
from conftest import _require, jupyter_server, write_notebook

# Notebook 7's own shortcut-settings plugin throws this on start-up (in its bundle
# ``notebook_core``) whatever the notebook holds; it is not the widgets' doing.
KNOWN_NOTEBOOK7_ERRORS = ("Cannot read properties of undefined (reading 'schema')",)


def _require_notebook7():
    _require()
    try:
        import notebook
    except ImportError:
        why = 'the notebook package (Notebook 7) is not installed (pip install -e ".[browser]")'
        if os.environ.get("CI"):
            pytest.fail(f"browser tests need: {why}")
        pytest.skip(why)
    major = int(notebook.__version__.split(".")[0])
    if major < 7:
        pytest.skip(f"notebook {notebook.__version__} is installed; these tests need Notebook 7")


@pytest.fixture(scope="session", name="notebook7")
def notebook7_server(tmp_path_factory):
    """A running Notebook 7 server: yields ``(url, token, notebook_dir)``."""
    _require_notebook7()
    root = tmp_path_factory.mktemp("notebook7")
    args = ["--JupyterNotebookApp.expose_app_in_browser=True"]
    with jupyter_server(root, "notebook", args) as server:
        yield server


def open_notebook7(server, browser, name: str, cells: list[str], viewport=(1400, 1400)):
    """Write notebook ``name`` into the server's root, open it in Notebook 7 (``/notebooks/``)
    and wait for an idle kernel. Page errors other than Notebook 7's own known ones are
    collected in ``page.kviz_errors``."""
    url, token, nbdir = server
    write_notebook(nbdir / name, cells)
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    errors: list[str] = []

    def on_error(e):
        text = str(e)
        stack = str(getattr(e, "stack", "") or "")
        if any(k in text for k in KNOWN_NOTEBOOK7_ERRORS) and "/static/notebook/" in stack:
            return
        errors.append(f"{text}\n{stack}")

    page.on("pageerror", on_error)
    page.kviz_errors = errors
    page.goto(f"{url}/notebooks/{name}?token={token}")
    page.wait_for_function(
        """() => { const app = window.jupyterapp, w = app?.shell?.currentWidget;
        return app?.name === 'Jupyter Notebook' && !!(w?.sessionContext?.isReady
            && w.sessionContext.session?.kernel?.status === 'idle'); }""",
        timeout=120_000,
    )
    return page
