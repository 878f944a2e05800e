"""Neural nets from Values: modules (the tutorial's API), losses, an optimizer and toy data sets.

- :mod:`micrograd.nn.modules`: ``Module``, ``Neuron``, ``Layer``, ``MLP`` and ``weighted_sum``;
- :mod:`micrograd.nn.losses`: ``mse``, ``hinge``, ``bce_with_logits``, ``softmax_cross_entropy``, ``l2``;
- :mod:`micrograd.nn.optim`: ``SGD`` (with momentum), ``Adam``;
- :mod:`micrograd.nn.datasets`: ``make_moons``, ``make_blobs`` (seeded numpy, no scikit-learn; loaded on first
  use, so the rest of ``micrograd.nn`` needs no numpy).

All are importable from here: ``from micrograd.nn import MLP, SGD, hinge, make_moons``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .losses import bce_with_logits, binary_cross_entropy_with_logits, hinge, l2, mse, softmax_cross_entropy
from .modules import ACTIVATIONS, MLP, Layer, Module, Neuron, weighted_sum
from .optim import SGD, Adam

if TYPE_CHECKING:
    from .datasets import make_blobs, make_moons

__all__ = [
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "ACTIVATIONS",
    "weighted_sum",
    "mse",
    "hinge",
    "bce_with_logits",
    "binary_cross_entropy_with_logits",
    "softmax_cross_entropy",
    "l2",
    "SGD",
    "Adam",
    "make_moons",
    "make_blobs",
]


def __getattr__(name: str) -> Any:
    if name in ("make_moons", "make_blobs"):  # numpy loads with them, not with the modules above
        from . import datasets

        return getattr(datasets, name)
    raise AttributeError(f"module 'micrograd.nn' has no attribute {name!r}")
