"""The README's "Writing your own op" runs as written, and gives the numbers its comments state.

Each code block runs in a fresh interpreter (it registers ops named "Square", "Exp" and "softplus",
which this session's own test ops must not meet), followed by a check of what its comments promise.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Writing your own op"

# what each block's comments say, checked after it runs: DeZero's dy/dx at 0.5 and softplus'(x) = σ(x)
PROMISES = [
    "assert x.grad == 3.297442541400256, x.grad\nassert micrograd.gradcheck(Square) and micrograd.gradcheck(Exp)\n",
    "assert x.grad == sigmoid(-2.5) == 0.07585818002124355, x.grad\n",
]


def section_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION + "\n")
    end = text.index("\n## ", start + len(SECTION))
    return re.findall(r"```python\n(.*?)```", text[start:end], re.S)


def test_the_section_is_there_with_a_block_per_form() -> None:
    assert len(section_blocks()) == len(PROMISES)


@pytest.mark.parametrize("k", range(len(PROMISES)))
def test_a_block_of_the_section_runs_as_written(k: int, tmp_path: Path) -> None:
    source = section_blocks()[k] + "\n" + PROMISES[k]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run(
        [sys.executable, "-c", source], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Warning" not in run.stderr, run.stderr  # no op defined twice, nothing deprecated


def test_the_promised_numbers_are_the_closed_forms() -> None:
    assert math.isclose(3.297442541400256, 4 * 0.5 * math.exp(2 * 0.5**2), rel_tol=1e-15)
    assert math.isclose(0.07585818002124355, 1 / (1 + math.exp(2.5)), rel_tol=1e-15)
