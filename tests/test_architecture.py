"""Checks the layering described in docs/architecture.md.

(a) Static: every ``.py`` under ``kviz/`` is parsed with ``ast``; every import of a kviz module
    (absolute, relative, ``importlib.import_module("kviz....")``, and imports nested inside
    functions, classes or ``if TYPE_CHECKING:`` blocks) must point to the same level or a lower
    one. ``kviz/__init__.py`` is exempt. Only ``kviz.widgets`` may import ipywidgets/IPython and
    only ``kviz.kernels`` may import numba.
(b) Dynamic: ``import kviz`` (and the public subpackages that exist) must stay light and fast.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PKG = REPO / "kviz"

# The table in docs/architecture.md. Keep the two in sync.
LEVELS: dict[str, int] = {
    "config": 0,
    "errors": 0,
    "registry": 0,
    "kernels": 1,
    "autodiff": 2,
    "graph": 2,
    "ops": 3,
    "backend": 4,
    "activations": 4,
    "initializers": 4,
    "regularizers": 4,
    "constraints": 4,
    "layers": 5,
    "losses": 6,
    "metrics": 6,
    "optimizers": 6,
    "models": 7,
    "engine": 7,
    "callbacks": 8,
    "saving": 8,
    "datasets": 8,
    "preprocessing": 8,
    "viz": 9,
    "utils": 10,
    "wrappers": 10,
    "widgets": 11,
    "demo": 12,
}

# third-party top-level module -> the only kviz top-level package allowed to import it
RESTRICTED_THIRD_PARTY: dict[str, str] = {
    "ipywidgets": "widgets",
    "IPython": "widgets",
    "anywidget": "widgets",
    "traitlets": "widgets",
    "numba": "kernels",
    "numba_cuda": "kernels",
}


def _module_name(path: Path) -> tuple[str, bool]:
    """``kviz/a/b.py`` -> ("kviz.a.b", False); ``kviz/a/__init__.py`` -> ("kviz.a", True)."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    is_pkg = parts[-1] == "__init__"
    if is_pkg:
        parts = parts[:-1]
    return ".".join(parts), is_pkg


def _py_files() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> list[tuple[int, str, str]]:
    """(line, imported module, source text) for every import in ``path``, nested ones included.

    ``from X import a, b`` yields ``X.a`` and ``X.b``: for ``from kviz import ops`` the target is
    ``kviz.ops``; for ``from kviz import __version__`` it is ``kviz.__version__``.
    """
    module, is_pkg = _module_name(path)
    package = module if is_pkg else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append((node.lineno, alias.name, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                if node.level - 1 >= len(base_parts):
                    raise AssertionError(f"{path}:{node.lineno}: relative import beyond kviz")
                base = ".".join(base_parts[: len(base_parts) - (node.level - 1)])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            names = ", ".join(a.name for a in node.names)
            src = f"from {'.' * node.level}{node.module or ''} import {names}"
            for alias in node.names:
                if alias.name == "*":
                    found.append((node.lineno, base, src))
                else:
                    found.append((node.lineno, f"{base}.{alias.name}", src))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if (
                name in ("import_module", "__import__")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and not node.args[0].value.startswith(".")
            ):
                found.append((node.lineno, node.args[0].value, f"{name}({node.args[0].value!r})"))
    return sorted(found)


def _kviz_top(name: str) -> str | None:
    """'kviz.layers.core' -> 'layers'; 'kviz' -> ''; 'numpy' -> None."""
    parts = name.split(".")
    if parts[0] != "kviz":
        return None
    return parts[1] if len(parts) > 1 else ""


def _doc_levels() -> dict[str, int]:
    """The level table of docs/architecture.md as {top-level name: level}."""
    table = {}
    for line in (REPO / "docs" / "architecture.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().split("|")]
        if len(cells) > 3 and cells[0] == "" and cells[1].isdigit():
            for name in re.findall(r"`kviz\.(\w+)`", cells[2]):
                table[name] = int(cells[1])
    return table


def test_level_table_matches_docs():
    assert _doc_levels() == LEVELS, (
        "LEVELS in tests/test_architecture.py and the table in docs/architecture.md differ"
    )


def test_every_top_level_module_has_a_level():
    unknown = set()
    for path in _py_files():
        module, _ = _module_name(path)
        top = _kviz_top(module)
        if top and top not in LEVELS:
            unknown.add(f"kviz.{top} ({path.relative_to(REPO)})")
    assert not unknown, (
        "kviz modules/packages without a level: "
        + ", ".join(sorted(unknown))
        + ". Add them to the table in docs/architecture.md and to LEVELS in "
        "tests/test_architecture.py."
    )


def test_imports_point_down():
    errors = []
    for path in _py_files():
        module, _ = _module_name(path)
        if module == "kviz":
            continue  # the package root loads everything lazily and is exempt
        own_top = _kviz_top(module)
        own_level = LEVELS.get(own_top)
        if own_level is None:
            continue  # reported by test_every_top_level_module_has_a_level
        rel = path.relative_to(REPO)
        for lineno, target, src in _imports(path):
            top = _kviz_top(target)
            if top is None:
                continue
            where = f"{rel}:{lineno}: {src}"
            if top == "" or top.startswith("__"):
                # `import kviz` / `from kviz import __version__`: the root has no level; only its
                # dunder constants may be taken from it.
                if top == "":
                    errors.append(
                        f"{where}: `import kviz` inside the package; import the submodule you "
                        "need (kviz.<module>) instead"
                    )
                continue
            level = LEVELS.get(top)
            if level is None:
                errors.append(
                    f"{where}: imports {target!r}: `kviz.{top}` is neither a kviz submodule in the "
                    "level table nor a dunder of kviz/__init__.py. If it is a new module, add it "
                    "to docs/architecture.md and LEVELS; otherwise import it from the module that "
                    "defines it"
                )
            elif level > own_level:
                errors.append(
                    f"{where}: kviz.{own_top} (level {own_level}) imports kviz.{top} "
                    f"(level {level}); imports must point to the same or a lower level"
                )
    assert not errors, "layering violations:\n  " + "\n  ".join(errors)


def test_restricted_third_party_imports():
    errors = []
    for path in _py_files():
        module, _ = _module_name(path)
        own_top = _kviz_top(module)
        rel = path.relative_to(REPO)
        for lineno, target, src in _imports(path):
            root = target.split(".")[0]
            allowed = RESTRICTED_THIRD_PARTY.get(root)
            if allowed is not None and own_top != allowed:
                errors.append(f"{rel}:{lineno}: {src}: only kviz.{allowed} may import {root}")
    assert not errors, "\n  ".join(["restricted imports:", *errors])


# --------------------------------------------------------------------------- (b) import cost

HEAVY = ["numba", "numba.cuda", "ipywidgets", "IPython", "matplotlib", "h5py"]
IMPORT_BUDGET_S = 1.0

_PROBE = """
import json, sys, time
names = sys.argv[1:]
t = time.perf_counter()
for name in names:
    __import__(name)
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "loaded": [m for m in HEAVY if m in sys.modules]}))
"""


def _exists(dotted: str) -> bool:
    """True when ``kviz.<x>`` is a real module (a .py file or a package with __init__.py)."""
    rel = Path(*dotted.split("."))
    return (REPO / rel.with_suffix(".py")).is_file() or (REPO / rel / "__init__.py").is_file()


IMPORT_SETS = [["kviz"], [m for m in ("kviz.layers", "kviz.models", "kviz.backend") if _exists(m)]]


@pytest.mark.parametrize("names", [s for s in IMPORT_SETS if s], ids=lambda s: "+".join(s))
def test_import_is_light_and_fast(names):
    code = f"HEAVY = {HEAVY!r}\n{_PROBE}"
    proc = subprocess.run(
        [sys.executable, "-c", code, *names],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        pytest.fail(f"importing {names} failed:\n{proc.stderr}", pytrace=False)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert not result["loaded"], (
        f"importing {names} loaded {result['loaded']}; these must be imported lazily (only when "
        "a feature that needs them is used)"
    )
    assert result["seconds"] < IMPORT_BUDGET_S, (
        f"importing {names} took {result['seconds']:.2f} s (budget {IMPORT_BUDGET_S} s)"
    )
