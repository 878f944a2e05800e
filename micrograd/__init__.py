"""micrograd: a scalar autograd engine you can see.

The layers, bottom up (arrows point down only; see ARCHITECTURE.md):

- :mod:`micrograd.core`: the node surface, topological order, ``no_grad``, the chain rule
  (one loop) and the backward trace;
- :mod:`micrograd.engine` (:class:`Value`) and :mod:`micrograd.tensor` (:class:`Tensor`):
  each op beside its rule; :func:`op` registers a rule by name (the engine's own ops use it),
  :class:`Function` (:mod:`micrograd.function`) is the same contract in the DeZero/PyTorch shape;
- :mod:`micrograd.check` (``gradcheck``), :mod:`micrograd.nn`, :mod:`micrograd.mistakes` (the
  classic backward bugs, computed beside the correct pass);
- :mod:`micrograd.drawing` (pictures, the step player, ``explain``), :mod:`micrograd.cli`.

``import micrograd`` loads only the core and the scalar engine; numpy-backed parts and the
drawing code load on first use (``micrograd.Tensor``, ``micrograd.draw``, ...).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .core import BackwardTrace, Wire, backward_trace, is_grad_enabled, local_grads, no_grad, topological_order
from .engine import Value, op
from .graph.scope import scope

if TYPE_CHECKING:
    from .blocks import dot, logsumexp
    from .blocks import sum as sum  # noqa: A004  (micrograd.sum; Python's own sum is untouched)
    from .check import GradcheckResult, gradcheck
    from .drawing import (
        Comparison,
        Diagram,
        Explanation,
        Steps,
        compare_backward,
        draw,
        draw_steps,
        explain,
        save_steps,
    )
    from .function import Function
    from .functional import grad, hessian, hvp
    from .graph.networks import to_networkx
    from .live import live
    from .mistakes import MISTAKES
    from .replay import Replay
    from .replay import compile as compile  # noqa: A004  (micrograd.compile, as torch.compile)
    from .staging import StagedCode, staged
    from .tensor import Tensor
    from .worksheet import Worksheet, worksheet

__version__ = "0.1.0"

_LAZY = {  # name -> module that defines it, imported on first use
    "Tensor": ".tensor",
    "Function": ".function",
    "dot": ".blocks",
    "sum": ".blocks",  # not in __all__: a star import would hide the builtin sum()
    "logsumexp": ".blocks",
    "gradcheck": ".check",
    "GradcheckResult": ".check",
    "draw": ".drawing",
    "Diagram": ".drawing",
    "draw_steps": ".drawing",
    "save_steps": ".drawing",
    "Steps": ".drawing",
    "explain": ".drawing",
    "Explanation": ".drawing",
    "compare_backward": ".drawing",
    "Comparison": ".drawing",
    "MISTAKES": ".mistakes",
    "worksheet": ".worksheet",
    "Worksheet": ".worksheet",
    "grad": ".functional",
    "hessian": ".functional",
    "hvp": ".functional",
    "staged": ".staging",
    "StagedCode": ".staging",
    "live": ".live",  # the function; the package micrograd.live is callable as it too
    "compile": ".replay",  # not in __all__: a star import would hide the builtin compile()
    "Replay": ".replay",
    "to_networkx": ".graph.networks",
}

__all__ = [
    "Value",
    "Tensor",
    "Function",
    "op",
    "dot",
    "logsumexp",
    "no_grad",
    "is_grad_enabled",
    "scope",
    "backward_trace",
    "BackwardTrace",
    "Wire",
    "local_grads",
    "topological_order",
    "to_networkx",
    "gradcheck",
    "GradcheckResult",
    "draw",
    "Diagram",
    "draw_steps",
    "save_steps",
    "Steps",
    "explain",
    "Explanation",
    "compare_backward",
    "Comparison",
    "MISTAKES",
    "worksheet",
    "Worksheet",
    "grad",
    "hessian",
    "hvp",
    "staged",
    "StagedCode",
    "live",
    "Replay",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'micrograd' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # next time, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
