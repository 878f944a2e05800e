"""Autograd on numpy arrays: :class:`Tensor`, the same engine as :class:`~micrograd.engine.Value`, one level up.

- :mod:`micrograd.tensor.engine`: the class, each op beside its vector-Jacobian rule;
- :mod:`micrograd.tensor.numpy_api`: numpy's functions on Tensors (``np.exp(t)``, ``ndarray + t``).
"""

from __future__ import annotations

from .engine import RULES, Tensor, rule, unbroadcast, where

__all__ = ["Tensor", "RULES", "rule", "unbroadcast", "where"]
