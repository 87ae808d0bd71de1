"""Extract the code blocks of the seed documents (``../shared/seeds``) at test time.

kviz was created from the documents in ``shared/seeds`` (the ``shared`` folder beside the repo
checkout). Every Python snippet in them must run on kviz with ``keras`` replaced by ``kviz``;
``tests/seeds/test_seed_snippets.py`` runs them. Nothing extracted is stored in the repo.

A *block* is a fenced block (```` ``` ```` with an optional info string; the fence may be indented,
as in list items, and the block is dedented) or a Markdown indented code block (lines indented by
4+ spaces after a blank line, not continuing a list item). Blocks are numbered per seed file in
document order, starting at 0, Python or not, so a block's id never depends on how the others
are classified: ``"<file prefix>-<index>"`` such as ``"004-17"`` (the prefix is the seed file
name up to its first ``_``).

Each block gets a ``kind``: ``"python"``, or why it is not Python:

* ``shell``: info string ``bash``/``sh``/``console`` or a ``$``/env-var command line;
* ``output``: printed results, REPL sessions and tracebacks (``dict_keys([...])``, ``In [21]:``,
  ``>> AttributeError ...``);
* ``signature``: an API signature copied from the reference (``fit(x=None, y=None, ...)``): one
  call of a bare name whose arguments are names and ``name=constant`` defaults, or such a line
  cut off mid-argument by the PDF extraction;
* ``data``: data files shown inline (JSON config, BibTeX, file listings);
* ``prose``: text that is not Python (notes in a fence, code lines annotated with prose).

A block that does not parse is Python only when listed in ``PYTHON_WITH_SEED_TYPO`` (code meant
as Python, broken by a typo in the seed; the test context repairs it and records how).

Run ``python tests/seeds/extract.py`` to list every block with its kind.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"

# (file prefix, first line): blocks meant as Python that do not parse because of a typo in the
# seed. The test context for each of them repairs the typo with a recorded substitution.
PYTHON_WITH_SEED_TYPO = {
    # the body of `while 1:` is not indented
    ("000", "def generate_arrays_from_file(path):"),
}

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<info>[^`]*)$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)])\s")
_SHELL_INFO = {"bash", "sh", "shell", "console", "zsh"}
_OUTPUT_START = re.compile(
    r"^(?:>>|Traceback \(most recent call last\)|In \[\d+\]:|Out\[\d+\]:|dict_keys\(|dict_values\(|dict_items\()"
)
_SHELL_START = re.compile(r"^(?:\$\s|\$[A-Z_]+\b|[A-Z_][A-Z0-9_]*=\S+\s+\S|pip |python |sudo )")


@dataclass(frozen=True)
class Block:
    """One code block of a seed file."""

    id: str  # "<file prefix>-<index>", e.g. "004-17"
    seed: str  # seed file name
    index: int  # position among the file's blocks, from 0
    line: int  # 1-based line of the block's first code line in the seed file
    info: str  # the fence's info string ("python", "py", "" ...); "indented" for indented blocks
    code: str  # dedented text of the block
    kind: str  # "python", "shell", "output", "signature", "data" or "prose"
    why: str  # for a non-Python block, what gave it away

    @property
    def first_line(self) -> str:
        for text in self.code.splitlines():
            if text.strip():
                return text.strip()
        return ""

    @property
    def is_python(self) -> bool:
        return self.kind == "python"


def seed_files(seeds_dir: Path = SEEDS_DIR) -> list[Path]:
    if not seeds_dir.is_dir():
        raise FileNotFoundError(
            f"seed documents not found at {seeds_dir} (the `shared` folder beside the checkout)"
        )
    return sorted(p for p in seeds_dir.iterdir() if p.is_file() and not p.name.startswith("."))


def file_prefix(path: Path) -> str:
    return path.name.split("_", 1)[0] if "_" in path.name else path.stem


def _raw_blocks(text: str):
    """Yield (first code line number, info, dedented code) for each block, in order."""
    lines = text.splitlines()
    i, n = 0, len(lines)
    prev_blank = True  # start of file counts as after a blank line
    in_list = False  # the last non-blank text line belonged to a list item
    while i < n:
        line = lines[i]
        m = _FENCE.match(line)
        if m:
            info = m.group("info").strip()
            body, j = [], i + 1
            while j < n and not re.match(r"^[ \t]*```[ \t]*$", lines[j]):
                body.append(lines[j])
                j += 1
            # an unclosed fence runs to the end of the file
            yield i + 2, info, _dedent(body)
            i = j + 1
            prev_blank, in_list = True, False
            continue
        if not line.strip():
            prev_blank = True
            i += 1
            continue
        indented = line.startswith("    ") or line.startswith("\t")
        if indented and prev_blank and not in_list and not _LIST_ITEM.match(line):
            body, j = [], i
            while j < n and (not lines[j].strip() or lines[j].startswith(("    ", "\t"))):
                if _FENCE.match(lines[j]):
                    break
                body.append(lines[j])
                j += 1
            while body and not body[-1].strip():
                body.pop()
            yield i + 1, "indented", _dedent(body)
            i = i + len(body)
            prev_blank = False
            continue
        if _LIST_ITEM.match(line):
            in_list = True
        elif not indented:
            in_list = False
        prev_blank = False
        i += 1


def _dedent(body: list[str]) -> str:
    return textwrap.dedent("\n".join(body).expandtabs(4)).strip("\n") + "\n"


def _is_signature_call(node: ast.AST) -> bool:
    """``name(arg, kw=constant, ...)``: an API signature, not a call anyone would run."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return False
    if not node.args and not node.keywords:
        return False
    if not all(isinstance(a, ast.Name) for a in node.args):
        return False
    for kw in node.keywords:
        v = kw.value
        if isinstance(v, ast.UnaryOp):
            v = v.operand
        if kw.arg is None or not isinstance(v, ast.Constant):
            return False
    return True


def classify(code: str, info: str) -> tuple[str, str]:
    """(kind, why) for a block's code and fence info string."""
    stripped = code.strip()
    first = stripped.splitlines()[0].strip() if stripped else ""
    if not stripped:
        return "prose", "empty block"
    if info.lower() in _SHELL_INFO:
        return "shell", f"fence info string {info!r}"
    if _OUTPUT_START.match(first):
        return "output", "printed output / REPL session / traceback"
    if _SHELL_START.match(first):
        return "shell", "shell command line"
    if first.startswith("@") and "{" in first:
        return "data", "BibTeX entry"
    if stripped.startswith(("{", "[")):
        try:
            json.loads(stripped)
        except ValueError:
            pass
        else:
            return "data", "JSON document"
    try:
        tree = ast.parse(stripped)
    except SyntaxError as err:
        if re.fullmatch(r"[A-Za-z_]\w*\([^()]*", first) and len(stripped.splitlines()) == 1:
            return "signature", "API signature cut off mid-argument"
        return "prose", f"not Python: {type(err).__name__}: {err.msg} (line {err.lineno})"
    if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
        if _is_signature_call(tree.body[0].value):
            return "signature", "API signature (bare name, names and name=constant defaults)"
    return "python", ""


def blocks_of(path: Path) -> list[Block]:
    prefix = file_prefix(path)
    out = []
    for index, (line, info, code) in enumerate(_raw_blocks(path.read_text(encoding="utf-8"))):
        kind, why = classify(code, info)
        first = next((t.strip() for t in code.splitlines() if t.strip()), "")
        if kind != "python" and (prefix, first) in PYTHON_WITH_SEED_TYPO:
            kind, why = "python", f"Python with a typo in the seed ({why})"
        out.append(Block(f"{prefix}-{index:02d}", path.name, index, line, info, code, kind, why))
    return out


def all_blocks(seeds_dir: Path = SEEDS_DIR) -> list[Block]:
    """Every block of every seed file, Python or not."""
    blocks = []
    for path in seed_files(seeds_dir):
        blocks.extend(blocks_of(path))
    ids = [b.id for b in blocks]
    if len(ids) != len(set(ids)):
        raise ValueError("two seed files share a prefix; block ids would collide")
    return blocks


def snippets(seeds_dir: Path = SEEDS_DIR) -> list[Block]:
    """The Python blocks: the snippets that must run on kviz."""
    return [b for b in all_blocks(seeds_dir) if b.is_python]


if __name__ == "__main__":
    for b in all_blocks():
        tag = b.kind if b.is_python else f"{b.kind} ({b.why})"
        print(f"{b.id}  {b.seed}:{b.line}  {tag}\n    {b.first_line[:90]}")
