"""micrograd: a scalar autograd engine you can see."""

from .check import GradcheckResult, gradcheck
from .engine import Value, is_grad_enabled, no_grad

__version__ = "0.1.0"

__all__ = ["Value", "no_grad", "is_grad_enabled", "gradcheck", "GradcheckResult", "__version__"]
