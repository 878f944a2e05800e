"""The ``micrograd`` command line and its formula parser (:mod:`~micrograd.cli.expr`).

:mod:`~micrograd.cli.main` runs a command (exit statuses, SIGTERM, Ctrl-C), :mod:`~micrograd.cli.arguments`
parses the subcommands' arguments, :mod:`~micrograd.cli.commands` does what they ask.
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
