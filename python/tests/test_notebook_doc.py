"""docs/notebook.md runs as written: every ```python block, in order, in one
namespace, in a scratch directory holding names.txt; the ```text block that
follows a python block must be exactly what it prints.  So the page's figures
are the module's, and a change that moves one fails here."""
import contextlib
import io
import os
import pathlib
import re

import pytest

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "notebook.md"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)


def cells(text):
    """[(code, expected output or None)] in page order."""
    blocks = [(m.group(1), m.group(2)) for m in BLOCK.finditer(text)]
    out = []
    for i, (lang, body) in enumerate(blocks):
        if lang != "python":
            continue
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        out.append((body, nxt[1] if nxt and nxt[0] == "text" else None))
    return out


def test_cells_parse():
    got = cells("x\n```python\nprint(1)\n```\n\n```text\n1\n```\n```python\npass\n```\n")
    assert got == [("print(1)\n", "1\n"), ("pass\n", None)]


def test_notebook_doc(names, tmp_path, monkeypatch):
    todo = cells(DOC.read_text(encoding="utf-8"))
    assert sum(expected is not None for _, expected in todo) >= 8, "the page lost its outputs"
    os.symlink(os.path.abspath(names), tmp_path / "names.txt")
    monkeypatch.chdir(tmp_path)
    ns = {"__name__": "__notebook__"}
    for n, (code, expected) in enumerate(todo, 1):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            exec(compile(code, f"{DOC.name} cell {n}", "exec"), ns)
        if expected is not None:
            assert buf.getvalue() == expected, f"cell {n}:\n{code}"
