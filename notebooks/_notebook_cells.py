"""What the ``make_<name>.py`` generators share: (kind, source) cells -> a clean notebook.

A generator lists its cells as ``("md" | "py", source)`` pairs; :func:`build_notebook` makes
the ``nbformat`` node (no outputs, deterministic cell ids, the ``python3`` kernelspec) and
:func:`main` writes it next to the script.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def build_notebook(cells):
    """The notebook as an ``nbformat`` node: no outputs, deterministic cell ids."""
    made = []
    for i, (kind, source) in enumerate(cells):
        make = new_markdown_cell if kind == "md" else new_code_cell
        made.append(make(source, id=f"cell-{i:02d}"))
    return new_notebook(
        cells=made,
        metadata={
            "kernelspec": {
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
                "name": "python3",
            },
            "language_info": {"name": "python"},
        },
    )


def main(notebook: Path, build) -> int:
    """Validate ``build()`` and write it to ``notebook``."""
    nb = build()
    nbformat.validate(nb)
    notebook.write_text(nbformat.writes(nb), encoding="utf-8")
    print(f"wrote {notebook}")
    return 0
