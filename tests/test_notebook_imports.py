"""What the notebooks import is what ``pip install -e ".[notebooks]"`` installs, and a missing piece says so.

Each notebook's first code cell imports everything the notebook needs beyond the standard library, inside
one guard, the same in every notebook: a missing package fails that cell with one line naming the
command that installs it (not a traceback into matplotlib, ten cells later). The extra's contents are
checked against the notebooks' own imports, read from their code cells with ``ast``.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
INSTALL = 'pip install -e ".[notebooks]"'
GUARD = (
    "except ModuleNotFoundError as missing:\n"
    "    raise ModuleNotFoundError(f'{missing.name} is missing: pip install -e \".[notebooks]\" (in the repository)')"
    " from None"
)


def code_cells(path: Path) -> list[str]:
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def imported(source: str) -> set[str]:
    """The top-level modules a cell imports that are not the standard library's."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names}


def guarded(source: str) -> set[str]:
    """The modules the first cell imports inside its guard: a ``try`` whose handler is the guard."""
    tree = ast.parse(source)
    tries = [n for n in tree.body if isinstance(n, ast.Try) and ast.get_source_segment(source, n).endswith(GUARD)]
    assert len(tries) == 1, "the first code cell has no guard, or more than one"
    return imported("\n".join(ast.get_source_segment(source, node) or "" for node in tries[0].body))


def distribution(requirement: str) -> str:
    """A requirement's distribution name, normalized as PEP 503 does (``resvg_py>=0.5`` -> ``resvg-py``)."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def test_every_notebook_is_read() -> None:
    assert len(NOTEBOOKS) >= 11


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_first_cell_imports_every_package_inside_the_guard(path: Path) -> None:
    cells = code_cells(path)
    assert GUARD in cells[0]
    inside = guarded(cells[0])
    assert "micrograd" in inside
    used = set().union(*(imported(source) for source in cells))
    assert used <= inside, f"imported after the first cell, where a missing one fails late: {sorted(used - inside)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_missing_package_fails_the_first_cell_with_one_line(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = code_cells(path)[0]
    for module in guarded(first):
        monkeypatch.setitem(sys.modules, module, None)  # an import of it now fails, as if not installed
    with pytest.raises(ModuleNotFoundError) as raised:
        exec(compile(first, path.name, "exec"), {})
    said = str(raised.value)
    assert "\n" not in said and INSTALL in said and said.split()[0].split(".")[0] in guarded(first), said
    assert raised.value.__suppress_context__, "the hint alone, not the import's traceback before it"


def test_the_notebooks_extra_provides_every_package_they_import() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    provided = {distribution(r) for r in project["dependencies"] + project["optional-dependencies"]["notebooks"]}
    provided.add(distribution(project["name"]))
    installs = importlib.metadata.packages_distributions()
    modules = set().union(*(imported(source) for path in NOTEBOOKS for source in code_cells(path)))
    assert {"matplotlib", "numpy", "micrograd", "IPython"} <= modules  # the reading works
    for module in sorted(modules):
        assert module in installs, f"the notebooks import {module}, which no installed distribution provides"
        assert {distribution(d) for d in installs[module]} & provided, (
            f"the notebooks import {module} (from {installs[module]}), which neither the notebooks extra nor the "
            "package's dependencies list"
        )
