"""An opt-in pause of Python's cyclic garbage collector, for long training loops on Values.

Python frees most objects by reference counting, the moment the last reference goes. Its
*cyclic* collector is for the rest, objects that refer to each other in a loop; it runs
every few hundred new objects, and each run walks the objects made since, and now and then
every object alive. A training step on Values makes tens of thousands of nodes (60,000 for
microgpt, gate by gate), so the collector runs about 80 times a step and walks the whole
graph more than once: a quarter of the step, measured (benchmarks/bench_microgpt.py --gc-study).

It finds nothing there: micrograd's nodes form no reference cycles (a node refers to its
parents, never to itself or its users; each op's rule is a shared function, not a closure
over its output), so a step's graph is freed by reference counting when the step drops it.
``tests/test_microgpt.py`` checks that a step leaves the collector nothing.

Nothing here changes the interpreter's settings unless you ask: :func:`collector_paused` is a
``with`` block that you write around your loop.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["collector_paused"]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """``with collector_paused(): model.train(1000)``: the cyclic garbage collector off for the block.

    On leaving (by an exception too) the collector is as it was: on again if it was on, off if
    you had turned it off; blocks nest. What it costs: the collector is the process's, so
    while the block runs, reference cycles made by any code (yours, a library's, another
    thread's) wait until it ends to be freed, as with ``gc.disable()``. micrograd's graphs make
    none. Speed measured on microgpt's step (Python 3.11): gate by gate about 1.4× faster,
    with fused blocks (few nodes) about 1.1×.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
