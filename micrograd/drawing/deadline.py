"""Time budgets: a render's ``timeout``, checked, and a :class:`Deadline` counted from the call's start.

Apart from :mod:`micrograd.drawing.render` so that the back ends it loads (:mod:`.wasm`) can take a
deadline without importing it.
"""

from __future__ import annotations

import math
import time

__all__ = ["Deadline", "check_timeout"]


def check_timeout(timeout: float | None) -> None:
    """ValueError unless ``timeout`` is None (no limit) or a number of seconds, 0 or more."""
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not (timeout >= 0 and timeout < math.inf):
        raise ValueError(f"timeout must be a number of seconds (0 or more) or None for no limit, got {timeout!r}")


class Deadline:
    """One time budget shared by several renders: ``timeout`` seconds from now (None: no limit)."""

    def __init__(self, timeout: float | None) -> None:
        check_timeout(timeout)
        self.timeout = timeout
        self._end = None if timeout is None else time.monotonic() + timeout

    def left(self) -> float | None:
        """Seconds left (0 once past it), or None without a limit."""
        return None if self._end is None else max(0.0, self._end - time.monotonic())
