"""MkDocs hooks: the site's pages made from the repository at build time, so nothing is written twice.

- The guide is README.md (a test runs its code blocks): its text before the first ``## `` heading is the home
  page, and each ``## `` section a page of its own (``guide/<slug>.md``, its headings one level up), in the
  README's order. Links are rewritten for the site: ``#anchor`` and ``README.md#anchor`` to the page holding
  that heading, ``viz/...``, ``docs/...``, ``ARCHITECTURE.md`` and ``notebooks/*.ipynb`` to their place in
  the site, web addresses kept; a link to any other file of the repository becomes its path in code.
- ARCHITECTURE.md is the page ``architecture.md``, its links rewritten the same way.
- The gallery: every ``viz/*.svg``, read from viz/ (not copied into docs/), and the step player.
- The notebooks: ``notebooks/*.ipynb``, with their outputs when docs/notebooks/ holds an executed copy of the
  same cells (tests/test_notebooks.py writes them there when MICROGRAD_EXECUTED_NOTEBOOKS=docs/notebooks),
  else as stored, outputs cleared, saying so at the top.

mkdocs.yml's ``nav`` names ``GUIDE`` and ``NOTEBOOKS`` where these pages go.
"""

from __future__ import annotations

import json
import posixpath
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markdown.extensions.toc import slugify
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
EXECUTED = ROOT / "docs" / "notebooks"  # executed copies, written by tests/test_notebooks.py (gitignored)
FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"(!?\[(?P<text>(?:[^\[\]]|\[[^\]]*\])*)\])\((?P<target>[^()\s]+)\)")
CODE_SPAN = re.compile(r"(`+)[^`].*?\1")
WEB = ("http://", "https://", "mailto:")


@dataclass
class Section:
    """One ``## `` section of README.md: its title, the page it becomes, and its text."""

    title: str
    page: str  # src_uri in the site, e.g. "guide/the-engine.md"
    lines: list[str] = field(default_factory=list)


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading (what links in README.md use): lower case, punctuation out, spaces -."""
    text = re.sub(r"`", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def split_readme(text: str) -> tuple[list[str], list[Section]]:
    """README.md's lines before the first ``## `` heading, and its ``## `` sections (fenced code left whole)."""
    intro: list[str] = []
    sections: list[Section] = []
    in_fence = False
    for line in text.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        if not in_fence and line.startswith("## "):
            title = line[3:].strip()
            sections.append(Section(title, f"guide/{slugify(title, '-')}.md"))
            continue
        (sections[-1].lines if sections else intro).append(line)
    return intro, sections


def anchors(sections: list[Section]) -> dict[str, tuple[str, str]]:
    """GitHub's anchor of each heading in README.md -> (its page, its anchor on that page; '' for the title)."""
    found: dict[str, tuple[str, str]] = {}
    for section in sections:
        found[github_slug(section.title)] = (section.page, "")
        in_fence = False
        for line in section.lines:
            if FENCE.match(line):
                in_fence = not in_fence
            elif not in_fence and (heading := re.match(r"^#{3,6} (.*)", line)):
                found.setdefault(github_slug(heading[1]), (section.page, slugify(heading[1].strip(), "-")))
    return found


def site_path(target: str, heading_pages: dict[str, tuple[str, str]]) -> str | None:
    """Where a link of the repository's (relative to its root) points in the site; None: not in the site."""
    path, _, anchor = target.partition("#")
    if path in ("", "README.md"):
        page, on_page = heading_pages.get(anchor, ("", ""))
        if not page:
            raise ValueError(f"README.md links to #{anchor}, a heading it does not have")
        return page + (f"#{on_page}" if on_page else "")
    if path == "ARCHITECTURE.md":
        return "architecture.md" + (f"#{anchor}" if anchor else "")
    if path.startswith("docs/"):
        return path.removeprefix("docs/") + (f"#{anchor}" if anchor else "")
    if path.startswith("viz/") or (path.startswith("notebooks/") and path.endswith(".ipynb")):
        return target
    return None


def rewrite_links(lines: list[str], page: str, heading_pages: dict[str, tuple[str, str]]) -> list[str]:
    """The repository's relative links made the site's, relative to ``page``; links into code blocks untouched."""

    def rewrite(match: re.Match[str]) -> str:
        target = match["target"]
        if target.startswith(WEB):
            return match[0]
        where = site_path(target, heading_pages)
        if where is None:  # a file of the repository the site does not hold: name it
            text = match["text"]
            return f"`{target}`" if text.strip("`") == target else f"{text} (`{target}`)"
        return f"{match[1]}({posixpath.relpath(where, posixpath.dirname(page) or '.')})"

    def outside_code(line: str) -> str:  # `code spans` kept as they are
        out, at = [], 0
        for span in CODE_SPAN.finditer(line):
            out += [LINK.sub(rewrite, line[at : span.start()]), span[0]]
            at = span.end()
        return "".join([*out, LINK.sub(rewrite, line[at:])])

    out, in_fence = [], False
    for line in lines:
        if FENCE.match(line):
            in_fence = not in_fence
        out.append(line if in_fence else outside_code(line))
    return out


def demote(lines: list[str]) -> list[str]:
    """A section's headings one level up (``### x`` -> ``## x``), outside fenced code."""
    out, in_fence = [], False
    for line in lines:
        if FENCE.match(line):
            in_fence = not in_fence
        out.append(line[1:] if not in_fence and re.match(r"^#{3,6} ", line) else line)
    return out


def readme() -> tuple[list[str], list[Section]]:
    return split_readme((ROOT / "README.md").read_text(encoding="utf-8"))


def notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def notebook_title(path: Path) -> str:
    """The notebook's first ``# `` heading (else its file name)."""
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown" and (heading := re.search(r"^# (.+)$", source, re.M)):
            return heading[1].strip()
    return path.stem


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """``GUIDE`` and ``NOTEBOOKS`` in the nav: README.md's sections and the notebooks, in order."""
    _, sections = readme()
    fill = {
        "GUIDE": [{section.title: section.page} for section in sections],
        "NOTEBOOKS": [{notebook_title(path): f"notebooks/{path.name}"} for path in notebooks()],
    }
    nav = []
    for item in config.nav or []:
        if isinstance(item, dict) and len(item) == 1:
            ((title, where),) = item.items()
            item = {title: fill.get(where, where)} if isinstance(where, str) else item
        nav.append(item)
    config.nav = nav
    return config


def sources(cells: list[dict[str, Any]]) -> list[str]:
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]


def notebook_file(path: Path, config: MkDocsConfig, scratch: Path) -> File:
    """The page of one notebook: the executed copy in docs/notebooks/ if it has the stored cells, else the
    stored notebook with a note at the top that its outputs are not shown."""
    stored = json.loads(path.read_text(encoding="utf-8"))
    executed = EXECUTED / path.name
    if executed.exists() and sources(json.loads(executed.read_text(encoding="utf-8"))["cells"]) == sources(
        stored["cells"]
    ):
        return notebook_page(path.name, EXECUTED.parent, config)
    why = "was changed since" if executed.exists() else "had not been"
    note = {
        "cell_type": "markdown",
        "metadata": {},
        "source": (
            f"> **Outputs not shown.** This page shows `notebooks/{path.name}` as stored, its outputs cleared: the"
            f" notebook {why} executed when these docs were built. Run it in Jupyter to see them, or build the docs"
            " after `MICROGRAD_EXECUTED_NOTEBOOKS=docs/notebooks pytest tests/test_notebooks.py`."
        ),
    }
    cells = stored["cells"]
    first_is_title = cells and cells[0]["cell_type"] == "markdown" and sources(cells[:1])[0].lstrip().startswith("# ")
    stored["cells"] = [*cells[:1], note, *cells[1:]] if first_is_title else [note, *cells]
    (scratch / "notebooks").mkdir(exist_ok=True)
    (scratch / "notebooks" / path.name).write_text(json.dumps(stored), encoding="utf-8")
    return notebook_page(path.name, scratch, config)


def notebook_page(name: str, src_dir: Path, config: MkDocsConfig) -> File:
    """``src_dir/notebooks/name`` as the page ``notebooks/name`` (a File of a source folder, not a generated
    one: mkdocs-jupyter finds the notebook by the folder)."""
    return File(f"notebooks/{name}", str(src_dir), config.site_dir, config.use_directory_urls)


def gallery_page() -> str:
    """The gallery: every picture in viz/, titled by its file name."""
    lines = [
        "# Gallery",
        "",
        "The pictures in `viz/`, rendered by the package (`micrograd demo` renders them again). The guide's",
        "[Pictures](guide/pictures.md) page says how each is drawn. Step by step, in a browser:",
        "[the sigmoid neuron's backward pass](viz/sigmoid_neuron_steps.html).",
        "",
    ]
    for svg in sorted((ROOT / "viz").glob("*.svg")):
        lines += [f"## {svg.stem.replace('_', ' ')}", "", f"![{svg.stem}](viz/{svg.name})", ""]
    return "\n".join(lines)


@event_priority(100)  # before mkdocs-jupyter's on_files, which takes the .ipynb pages it is given
def on_files(files: Files, config: MkDocsConfig) -> Files:
    intro, sections = readme()
    heading_pages = anchors(sections)
    for stale in [f for f in files if f.src_uri.startswith("notebooks/")]:  # docs/notebooks/: chosen below
        files.remove(stale)
    contents = ["", "## Contents", ""] + [f"- [{s.title}]({s.page})" for s in sections]
    contents += [
        "",
        "Also: [Graphs as data](graphs-as-data.md) (the trace's JSON Schema), the [gallery](gallery.md), the",
        "[notebooks](notebooks/" + notebooks()[0].name + "), the [API reference](api/index.md) and the",
        "[architecture](architecture.md).",
    ]
    pages = {"index.md": "\n".join(rewrite_links(intro, "index.md", heading_pages) + contents) + "\n"}
    for section in sections:
        body = rewrite_links(demote(section.lines), section.page, heading_pages)
        pages[section.page] = "\n".join([f"# {section.title}", *body]) + "\n"
    architecture = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8").splitlines()
    pages["architecture.md"] = "\n".join(rewrite_links(architecture, "architecture.md", heading_pages)) + "\n"
    pages["gallery.md"] = gallery_page()
    for src_uri, text in pages.items():
        files.append(File.generated(config, src_uri, content=text))
    for picture in sorted((ROOT / "viz").iterdir()):
        if picture.suffix in (".svg", ".html"):
            files.append(File.generated(config, f"viz/{picture.name}", abs_src_path=str(picture)))
    scratch = Path(tempfile.mkdtemp(prefix="micrograd-docs-"))
    config["extra"]["_scratch"] = str(scratch)
    for path in notebooks():
        files.append(notebook_file(path, config, scratch))
    return files


def on_post_build(config: MkDocsConfig) -> None:
    shutil.rmtree(config["extra"].pop("_scratch", ""), ignore_errors=True)
