"""The documentation site (mkdocs.yml): the guide is README.md split at build time, the API reference covers
``micrograd.__all__``, and the whole site builds with ``--strict`` (no broken link or reference)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import micrograd

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def hooks():
    """docs/hooks.py, the MkDocs hooks that make the guide's pages from README.md."""
    pytest.importorskip("mkdocs")
    spec = importlib.util.spec_from_file_location("micrograd_docs_hooks", DOCS / "hooks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def test_every_public_name_has_its_entry_in_the_api_reference():
    documented = {
        m[1] for page in (DOCS / "api").glob("*.md") for m in re.finditer(r"^::: ([\w.]+)", page.read_text(), re.M)
    }
    missing = [name for name in micrograd.__all__ if name != "__version__" and f"micrograd.{name}" not in documented]
    assert not missing, f"add ::: micrograd.<name> to a page in docs/api/ for {missing}"
    for module in ("micrograd.nn", "micrograd.models", "micrograd.live", "micrograd.drawing.errors"):
        assert module in documented


def test_the_guide_is_the_readme_every_line_once_in_order(hooks):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    intro, sections = hooks.readme()
    assert [s.title for s in sections] == re.findall(r"^## (.+)$", text, re.M)  # no `## ` inside code in README
    rebuilt = intro + [line for s in sections for line in [f"## {s.title}", *s.lines]]
    assert rebuilt == text.splitlines()
    assert len({s.page for s in sections}) == len(sections)


def test_links_are_rewritten_for_the_site(hooks):
    readme = "## One\n\nsee [two](#two-and-more), [x](viz/a.svg)\n\n### Deep `part`\n\n## Two and more\n"
    readme += "[one](#one), [deep](README.md#deep-part), [s](docs/trace.schema.json), [t](tests/test_x.py)\n"
    readme += "[ARCHITECTURE.md](ARCHITECTURE.md), [web](https://example.org/a_b), `[no](#link) in code`\n"
    readme += "```python\nx = [1](2)\n```\n"
    _, sections = hooks.split_readme(readme)
    pages = hooks.anchors(sections)
    one, two = (hooks.rewrite_links(s.lines, s.page, pages) for s in sections)
    assert "see [two](two-and-more.md), [x](../viz/a.svg)" in one
    assert "[one](one.md), [deep](one.md#deep-part), [s](../trace.schema.json), t (`tests/test_x.py`)" == two[0]
    assert two[1].startswith("[ARCHITECTURE.md](../architecture.md), [web](https://example.org/a_b)")
    assert "x = [1](2)" in two  # fenced code untouched
    with pytest.raises(ValueError, match="#nowhere"):
        hooks.rewrite_links(["[a](#nowhere)"], "guide/one.md", pages)


@pytest.mark.slow
def test_the_site_builds_strict_with_the_api_the_guide_and_the_notebooks(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings_handlers.python")
    pytest.importorskip("mkdocs_jupyter")
    site = tmp_path / "site"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"}
    build = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)]
    done = subprocess.run(build, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]

    pictures = (site / "api" / "drawing" / "index.html").read_text(encoding="utf-8")
    assert 'id="micrograd.draw"' in pictures
    signature = pictures[pictures.index('id="micrograd.draw"') : pictures.index('id="micrograd.Diagram"')]
    for parameter in ("style", "rankdir", "annotate", "theme", "width", "collapse", "within"):
        assert re.search(rf"\b{parameter}\b", signature), parameter
    assert "``" not in re.sub(r"<[^>]+>", "", signature)  # reST's double backticks became code
    assert "BackwardTrace</code></a>" in signature  # a role that links to its entry

    engine = (site / "guide" / "the-engine" / "index.html").read_text(encoding="utf-8")
    assert "backward_trace" in engine and "<h1" in engine
    assert (site / "guide" / "quick-start" / "index.html").exists()
    notebook = (site / "notebooks" / "01_chain_rule_on_circuits" / "index.html").read_text(encoding="utf-8")
    assert "How each gate routes the gradient" in notebook and "draw_steps" in notebook
    gallery = (site / "gallery" / "index.html").read_text(encoding="utf-8")
    for svg in (ROOT / "viz").glob("*.svg"):
        assert f"viz/{svg.name}" in gallery and (site / "viz" / svg.name).exists()
    schema = json.loads((site / "trace.schema.json").read_text(encoding="utf-8"))
    assert schema == json.loads((DOCS / "trace.schema.json").read_text(encoding="utf-8"))
    assert "micrograd.trace/1" in (site / "graphs-as-data" / "index.html").read_text(encoding="utf-8")
