"""Every ```python block of the README runs as written, in order within its section.

A section is the text under one heading (``##`` or ``###``): its blocks run one after another in one
namespace, in a fresh interpreter (the README registers ops of its own, which must meet no other
section's) whose working directory is a new empty folder (a block that saves a file saves it there).
So each section is self-contained: a reader who copies it alone has everything it uses. A block that
fails names its section and the README line that raised.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
HEADING = re.compile(r"#{2,3} (.+)")

# run in the child interpreter: each block compiled under the name README.md, with its README line
# numbers, so the traceback's last README frame is the line that raised
RUNNER = r"""
import json, sys, traceback
blocks = json.loads(sys.stdin.read())
namespace = {"__name__": "__main__"}
for first_line, source in blocks:
    code = compile("\n" * (first_line - 1) + source, "README.md", "exec")
    try:
        exec(code, namespace)
    except BaseException as error:
        lines = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == "README.md"]
        print(f"README.md line {lines[-1]}: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
"""


@dataclass(frozen=True)
class Block:
    section: str
    first_line: int  # the README line of the block's first line of code
    source: str


def python_blocks(text: str) -> list[Block]:
    """The README's ```python blocks, each with the heading it is under and where it starts."""
    blocks, section, fence = [], "(before any heading)", None
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if fence is None:
            if heading := HEADING.fullmatch(line):
                section = heading.group(1)
            elif line.strip() == "```python":
                fence = number
        elif line.strip() == "```":
            code = "\n".join(lines[fence : number - 1]) + "\n"
            blocks.append(Block(section, fence + 1, textwrap.dedent(code)))  # a block inside a list item is indented
            fence = None
    assert fence is None, f"README.md line {fence}: a ```python block is never closed"
    return blocks


def sections() -> dict[str, list[Block]]:
    by_section: dict[str, list[Block]] = {}
    for block in python_blocks(README.read_text(encoding="utf-8")):
        by_section.setdefault(block.section, []).append(block)
    return by_section


def test_the_blocks_are_found_with_their_lines() -> None:
    text = "# t\n\n## One\n\n```python\nx = 1\n```\n\n```bash\nls\n```\n### Two\n```python\ny = 2\nz = 3\n```\n"
    assert python_blocks(text) == [Block("One", 6, "x = 1\n"), Block("Two", 14, "y = 2\nz = 3\n")]
    in_a_list = "## One\n- an item:\n\n  ```python\n  x = 1\n  if x:\n      y = 2\n  ```\n"
    assert python_blocks(in_a_list) == [Block("One", 5, "x = 1\nif x:\n    y = 2\n")]


def test_the_readme_has_runnable_blocks() -> None:
    assert len(sections()) >= 12, sorted(sections())


def run_section(blocks: list[Block], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env["MPLBACKEND"] = "Agg"
    return subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps([(b.first_line, b.source) for b in blocks]),
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("section", sorted(sections()))
def test_a_section_runs_as_written(section: str, tmp_path: Path) -> None:
    run = run_section(sections()[section], tmp_path)
    if run.returncode != 0:
        pytest.fail(f"README section {section!r}, {run.stderr[-2000:]}", pytrace=False)


def test_a_failing_block_is_named_by_its_section_and_line(tmp_path: Path) -> None:
    blocks = [Block("S", 10, "a = 1\n"), Block("S", 20, "b = a + 1\n\nprint(model)\n")]
    run = run_section(blocks, tmp_path)
    assert run.returncode == 1 and run.stderr.strip().endswith(
        "README.md line 22: NameError: name 'model' is not defined"
    ), run.stderr
