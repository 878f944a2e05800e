"""Whole models built from Values, to read and to train: microgpt (:mod:`micrograd.models.microgpt`).

- :mod:`micrograd.models.microgpt`: ``MicroGPT``, its ``Config``, ``Tokenizer``, ``init_weights`` and
  building blocks;
- :mod:`micrograd.models.datasets`: ``load_names`` (makemore's 32,033 names, shipped with their MIT notice).
"""

from __future__ import annotations

from .datasets import load_names
from .microgpt import Config, MicroGPT, Tokenizer, init_weights

__all__ = ["MicroGPT", "Config", "Tokenizer", "init_weights", "load_names"]
