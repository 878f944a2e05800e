"""A Tensor read as numbers, as PyTorch reads one: ``float(t)``, ``bool(t)``, ``t.item()``, ``t < 0``.

These leave the graph: what they give is numbers, which no gradient flows through.

- ``float(t)``, ``int(t)`` and ``t.item()`` take a Tensor of one element (any shape: ``[[2.0]]``
  too) and give a Python number; any other size is a ValueError, as PyTorch's
  ``only one element tensors can be converted to Python scalars``.
- ``bool(t)`` is the truth of a one-element Tensor (``bool(Tensor([0.0]))`` is False); for more
  elements or none it is ambiguous: a ValueError, where PyTorch raises a RuntimeError with the
  same words.
- ``t < s``, ``t <= s``, ``t > s``, ``t >= s``, ``t == s``, ``t != s`` compare elementwise with
  broadcasting and give a **numpy array of bools** (PyTorch gives a bool tensor). A comparison
  has no gradient, and a Tensor here holds float64 numbers only; a bool array is what numpy's
  masks are: ``t.data[t > 0]``, ``where(t > 0, t, 0)``, ``(pred == y).mean()``, ``(t > 0).any()``
  all work; so does ``ndarray < t`` (numpy's ``np.less``). Nodes stay keys of dicts and sets by
  identity (``hash``), as PyTorch's tensors do; ``t in [a, b]`` is ambiguous, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import Node
from .numpy_api import numpy_ufunc


class AsNumbers(Node):
    """``float``, ``int``, ``bool``, ``item`` and the comparisons of a Tensor (a base of ``Tensor``)."""

    __slots__ = ()

    data: np.ndarray

    def _one(self, what: str) -> Any:
        if self.data.size != 1:
            shape = self.data.shape
            raise ValueError(
                f"{what}: only one-element Tensors can be converted to Python numbers, this one has shape {shape}"
            )
        return self.data.reshape(())

    def item(self) -> float:
        """The single element as a Python float (as ``torch.Tensor.item``)."""
        return float(self._one("item()"))

    def __float__(self) -> float:
        """``float(t)`` of a one-element Tensor (any shape), as PyTorch."""
        return float(self._one("float()"))

    def __int__(self) -> int:
        """``int(t)`` of a one-element Tensor: its number truncated toward zero, as PyTorch."""
        return int(self._one("int()"))

    def __bool__(self) -> bool:
        """The truth of a one-element Tensor; ambiguous (a ValueError) for more elements or none, as PyTorch."""
        if self.data.size != 1:
            count = "no values" if self.data.size == 0 else "more than one value"
            raise ValueError(f"Boolean value of Tensor with {count} is ambiguous: use (t > 0).any() or .all()")
        return bool(self.data.reshape(()))

    def numpy(self) -> np.ndarray:
        """A copy of ``data``, outside the graph."""
        return self.data.copy()

    # -- comparisons: elementwise, with broadcasting, numpy arrays of bools (no gradient)

    @numpy_ufunc(np.less)
    def __lt__(self, other: Any) -> np.ndarray:
        return np.less(self.data, _numbers(other))

    @numpy_ufunc(np.less_equal)
    def __le__(self, other: Any) -> np.ndarray:
        return np.less_equal(self.data, _numbers(other))

    @numpy_ufunc(np.greater)
    def __gt__(self, other: Any) -> np.ndarray:
        return np.greater(self.data, _numbers(other))

    @numpy_ufunc(np.greater_equal)
    def __ge__(self, other: Any) -> np.ndarray:
        return np.greater_equal(self.data, _numbers(other))

    @numpy_ufunc(np.equal)
    def __eq__(self, other: object) -> Any:  # elementwise, as PyTorch
        return np.equal(self.data, _numbers(other)) if _comparable(other) else NotImplemented

    @numpy_ufunc(np.not_equal)
    def __ne__(self, other: object) -> Any:
        return np.not_equal(self.data, _numbers(other)) if _comparable(other) else NotImplemented

    __hash__ = object.__hash__  # identity: nodes are keys of sets and dicts


def _numbers(x: Any) -> Any:
    """The numbers to compare with: a Tensor's data, or numbers and arrays as they are (checked real)."""
    if isinstance(x, Node):
        return x.data
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"a Tensor compares with numbers, arrays or Tensors, got {type(x).__name__}: {x!r:.60}")
    return arr


def _comparable(x: object) -> bool:
    """Whether ``==`` compares elementwise (else Python's own answer: ``t == None`` is False)."""
    return isinstance(x, (Node, np.ndarray, int, float, np.number, list, tuple))
