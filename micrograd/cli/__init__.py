"""The ``micrograd`` command line (:mod:`~micrograd.cli.main`) and its formula parser (:mod:`~micrograd.cli.expr`)."""

from __future__ import annotations

from .main import main

__all__ = ["main"]
