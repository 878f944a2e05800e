"""Whole models built from Values, to read and to train: microgpt (:mod:`micrograd.models.microgpt`).

- :mod:`micrograd.models.microgpt`: ``MicroGPT``, its ``Config``, ``Tokenizer``, ``init_weights`` and
  building blocks;
- :mod:`micrograd.models.microgpt_tensor`: ``TensorGPT``, the same model on ``Tensor`` (a whole name as one
  matrix; imported on its own, as it needs numpy);
- :mod:`micrograd.models.datasets`: ``load_names`` (makemore's 32,033 names, shipped with their MIT notice);
- :mod:`micrograd.models.collector`: ``collector_paused``, an opt-in pause of Python's cyclic garbage
  collector around a training loop (micrograd's graphs have no cycles: reference counting frees them).
"""

from __future__ import annotations

from .collector import collector_paused
from .datasets import load_names
from .microgpt import Config, MicroGPT, Tokenizer, init_weights

__all__ = ["MicroGPT", "Config", "Tokenizer", "init_weights", "load_names", "collector_paused"]
