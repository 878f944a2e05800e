"""Data sets shipped with the package: the makemore names (MIT; see NAMES-LICENSE.txt beside this file)."""

from __future__ import annotations

from importlib import resources

__all__ = ["load_names"]


def load_names() -> list[str]:
    """The 32,033 given names of Karpathy's makemore (``names.txt``), in the file's order, one str each.

    Each line stripped, empty lines skipped, as microgpt reads its ``input.txt``. The file ships
    inside the package, unchanged, with its MIT notice (``micrograd/models/NAMES-LICENSE.txt``).
    """
    text = resources.files(__package__).joinpath("names.txt").read_text(encoding="ascii")
    return [line.strip() for line in text.splitlines() if line.strip()]
