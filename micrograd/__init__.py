"""micrograd: a scalar autograd engine you can see."""

from .check import GradcheckResult, gradcheck
from .draw import Diagram, draw  # the function shadows the module: reach it by `from micrograd.draw import ...`
from .engine import Value, is_grad_enabled, no_grad
from .explain import Explanation, explain  # the function shadows the module, as draw does
from .player import Steps, draw_steps, save_steps
from .tensor import Tensor

__version__ = "0.1.0"

__all__ = ["Value", "no_grad", "is_grad_enabled", "gradcheck", "GradcheckResult", "__version__",
           "draw", "draw_steps", "save_steps", "Diagram", "Steps", "Tensor",
           "explain", "Explanation"]
