"""Shared fixtures for real-browser tests: JupyterLab + Debian's Chromium driven by Playwright.

Every test here carries the ``browser`` marker (added below). A test module writes its notebook
with :func:`write_notebook`, opens it with :func:`open_notebook` and runs every cell with
:func:`run_all`; screenshots go to the test's ``tmp_path`` (kept by pytest as CI artifacts).

The server is isolated (its own config/data/runtime dirs, a temp root dir) and shared by the
whole session; so is the browser. Recipe: ``../shared/TESTING-RECIPES.md`` (a).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
REPO = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.browser)


def _missing() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    for mod in ("playwright", "jupyterlab", "nbformat"):
        try:
            __import__(mod)
        except ImportError:
            return f"{mod} is not installed (pip install -e .[browser])"
    return None


def _require():
    why = _missing()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests need: {why}")
        pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyter_server(root: Path, app: str, app_args: list[str]):
    """Start ``python -m <app>`` (``jupyterlab`` or ``notebook``) isolated under ``root`` and
    yield ``(url, token, notebook_dir)`` once it answers; stop it afterwards."""
    nbdir = root / "nb"
    nbdir.mkdir()
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(root / "cfg"),
        JUPYTER_DATA_DIR=str(root / "data"),
        JUPYTER_RUNTIME_DIR=str(root / "rt"),
        IPYTHONDIR=str(root / "ipy"),
        MPLBACKEND="module://matplotlib_inline.backend_inline",
        PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    port, token = _free_port(), "kviztoken"
    logfile = root / f"{app}.log"
    log = open(logfile, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", app, "--no-browser", "--ip=127.0.0.1", f"--port={port}"]
        + [f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={nbdir}"]
        + ["--ServerApp.allow_root=True", *app_args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(480):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1)
                break
            except OSError:
                time.sleep(0.25)
        else:
            pytest.fail(f"{app} did not start:\n" + logfile.read_text())
        yield url, token, nbdir
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """A running JupyterLab server: yields ``(url, token, notebook_dir)``."""
    _require()
    root = tmp_path_factory.mktemp("lab")
    (root / "cfg" / "labconfig").mkdir(parents=True)
    (root / "cfg" / "labconfig" / "page_config.json").write_text(
        '{"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": true}}'
    )
    args = [f"--LabApp.workspaces_dir={root / 'ws'}", "--LabApp.expose_app_in_browser=True"]
    with jupyter_server(root, "jupyterlab", args) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium launched by Playwright (never ``playwright install``)."""
    _require()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def write_notebook(path: Path, cells: list[str]) -> Path:
    """Write a python3 notebook whose code cells are ``cells``."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    nbformat.write(nb, str(path))
    return path


def open_notebook(lab, browser, name: str, cells: list[str], viewport=(1400, 1000)):
    """Write notebook ``name`` into the server's root, open it and wait for an idle kernel."""
    url, token, nbdir = lab
    write_notebook(nbdir / name, cells)
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.kviz_errors = errors
    # a workspace of its own: JupyterLab would otherwise reopen the notebooks of earlier tests
    # (same server) and run-all could hit one of those instead of this one
    page.goto(f"{url}/lab/workspaces/{Path(name).stem}/tree/{name}?token={token}")
    page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$")).first.wait_for(
        timeout=120_000
    )
    page.wait_for_function(
        """() => { const w = window.jupyterapp?.shell?.currentWidget;
        return !!(w?.sessionContext?.isReady && w.sessionContext.session?.kernel?.status === 'idle'); }""",
        timeout=120_000,
    )
    return page


def run_all(page, wait=True):
    """Run every cell of the open notebook (JupyterLab's ``notebook:run-all-cells``).

    With ``wait=True`` this returns once every cell has run (the command's promise resolves
    then); ``wait=False`` returns at once, to watch the page while the cells run.
    """
    if wait:
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    else:
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def wait_kernel_idle(page, timeout=120_000):
    """Wait until the notebook's kernel has finished what it was running."""
    page.wait_for_function(
        """() => { const w = window.jupyterapp?.shell?.currentWidget;
        return w?.sessionContext?.session?.kernel?.status === 'idle'; }""",
        timeout=timeout,
    )
