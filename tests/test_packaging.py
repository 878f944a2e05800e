"""What the distributions carry: the source distribution runs its own tests (its helpers, the reference
programs, notebooks and gallery they read), and the licences travel with both."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def collected(folder: Path) -> list[str]:
    """The test ids pytest collects in ``folder`` (run with that folder's package first on the path)."""
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(folder), "PATH": "/usr/bin:/bin"},
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return [line for line in r.stdout.splitlines() if "::" in line]


@pytest.mark.slow
def test_the_sdist_collects_every_test_the_repository_has(tmp_path):
    pytest.importorskip("build", reason="python -m build (the test extra installs it)")
    r = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--outdir", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    (sdist,) = tmp_path.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
        tar.extractall(tmp_path / "unpacked", filter="data")
    (root,) = (tmp_path / "unpacked").iterdir()
    assert {"LICENSE", "micrograd/models/NAMES-LICENSE.txt", "micrograd/drawing/fonts/LICENSE"} <= {
        n.split("/", 1)[1] for n in names if "/" in n
    }
    assert collected(root) == collected(REPO)
