"""Time ``micrograd draw "x*y" x=1 y=2 -o tmp.svg`` as a user runs it: with and without the compiled Graphviz cached.

    python benchmarks/bench_cli.py [--rounds 9] [--before REV]

Every run is a fresh process (a command from the shell) with the working tree first on
``sys.path`` and a cache folder of its own (``XDG_CACHE_HOME``): *cold*, an empty one (the
WebAssembly Graphviz is compiled, then cached), or *warm*, one that already holds the compiled
module. The system ``dot`` is hidden (PATH without it), so the WebAssembly build is what draws.
``--before REV`` times the same command from that git revision too (extracted with ``git
archive``), and a bare ``import micrograd.cli`` shows what start-up alone costs. The kinds
alternate within each round, so all see the same machine load. Prints median, min and max.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
COMMAND = ["draw", "x*y", "x=1", "y=2", "-o", "tmp.svg"]


def _path_without_dot() -> str:
    """PATH less every folder that holds a ``dot`` program: the command line falls back to WebAssembly."""
    folders = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(f for f in folders if f and not shutil.which("dot", path=f))


def _run(source: Path, args: list[str], cache: Path, work: Path) -> float:
    """Seconds one fresh ``python`` process takes to run ``args`` with ``source`` first on sys.path."""
    env = dict(os.environ, PYTHONPATH=str(source), XDG_CACHE_HOME=str(cache), PATH=_path_without_dot())
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=work, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def _extract(revision: str, into: Path) -> Path:
    """The package as it was at ``revision`` (git archive: no worktree, nothing in .git changes)."""
    archive = subprocess.run(["git", "archive", revision, "micrograd"], cwd=REPO, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def _kinds(tmp: Path, before: str | None) -> dict[str, tuple[Path, list[str], Path | None]]:
    """Each kind of run: (source tree, python arguments, cache folder to keep; None: a new empty one each run)."""
    warm = tmp / "warm-cache"
    kinds: dict[str, tuple[Path, list[str], Path | None]] = {
        "cold cache (compiles)": (REPO, ["-m", "micrograd", *COMMAND], None),
        "warm cache": (REPO, ["-m", "micrograd", *COMMAND], warm),
        "import micrograd.cli only": (REPO, ["-c", "import micrograd.cli"], warm),
    }
    if before:
        (tmp / "before").mkdir()
        source = _extract(before, tmp / "before")
        kinds[f"before ({before})"] = (source, ["-m", "micrograd", *COMMAND], tmp / "before-cache")
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--before", metavar="REV", help="also time this git revision (e.g. HEAD)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        work = tmp / "work"
        work.mkdir()
        kinds = _kinds(tmp, args.before)
        _run(REPO, ["-m", "micrograd", *COMMAND], tmp / "warm-cache", work)  # fill the warm cache
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        for k in range(args.rounds):
            for kind, (source, python_args, cache) in kinds.items():
                fresh = Path(tempfile.mkdtemp(dir=tmp, prefix=f"cold-{k}-"))
                times[kind].append(_run(source, python_args, cache or fresh, work))
    print(f"micrograd {' '.join(COMMAND)} (WebAssembly Graphviz), {args.rounds} rounds, a fresh process each")
    for kind, seconds in times.items():
        median, low, high = statistics.median(seconds), min(seconds), max(seconds)
        print(f"  {kind:<28} median {median:.3f} s   ({low:.3f} .. {high:.3f})")


if __name__ == "__main__":
    main()
