"""Hooks, as PyTorch's tensor hooks: functions a ``backward()`` pass calls with a node's gradient.

``node.register_hook(fn)`` (:meth:`micrograd.core.Node.register_hook`) keeps ``fn`` in the
node's ``_hooks`` slot, left unset on every node that has none (nothing is written per op).
While no hook is registered (:func:`hooks_exist`), ``backward()`` looks for none. Otherwise it
hands the nodes to the chain rule's loop through :func:`_hooked`, which passes each interior
node's gradient through its hooks just before the loop applies the node's rule (the gradient
is complete then: every use has added its contribution); a leaf's hooks get this pass's gradient
before it is added to ``.grad`` (:func:`_hold_hooked_leaves`, :func:`_release`). A hook's result,
if not None, replaces the gradient. Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

__all__ = ["HookHandle", "apply_hooks", "hooks_exist"]

_live_hooks = [0]  # hooks registered and not removed: while 0, backward() never looks for any


class HookHandle:
    """What :meth:`Node.register_hook` returns: ``remove()`` takes the hook off its node."""

    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks: list[Any], hook: Callable[[Any], Any]) -> None:
        self._hooks, self._hook = hooks, hook  # _hook: None once removed
        _live_hooks[0] += 1

    _hook: Callable[[Any], Any] | None

    def remove(self) -> None:
        """Take the hook off (a second call does nothing)."""
        if self._hook is not None:
            self._hooks.remove(self._hook)
            self._hook = None
            _live_hooks[0] -= 1


def hooks_exist() -> bool:
    """Whether any node may have a hook: backward() takes the hooks' path only then."""
    return _live_hooks[0] > 0


def apply_hooks(node: Any, grad: Any) -> Any:
    """``grad`` passed through ``node``'s hooks in the order they were registered (a hook's result replaces it)."""
    for hook in getattr(node, "_hooks", None) or ():
        replaced = hook(grad)
        if replaced is not None:
            grad = node._hook_result(replaced, grad)
    return grad


def _hooked(nodes: Iterable[Any], grads: dict[Any, Any] | None = None) -> Iterator[Any]:
    """``nodes`` as the chain rule takes them, each one's gradient (complete by then) passed through its hooks.

    The gradients are in ``grads`` or, when it is None, in the nodes' ``.grad``.
    """
    for node in nodes:
        if getattr(node, "_hooks", None):
            if grads is None:
                node.grad = apply_hooks(node, node.grad)
            elif node in grads:
                grads[node] = apply_hooks(node, grads[node])
        yield node


def _hold_hooked_leaves(root: Any, order: list[Any]) -> dict[Any, Any]:
    """The leaves with hooks, each with the ``.grad`` it had; each starts this pass at None, so that its
    hooks get this pass's gradient alone (then added to what it had: :func:`_release`)."""
    held = {}
    for leaf in (p for node in (*order, root) for p in (node.parents if node.parents else (node,))):
        if not leaf.parents and getattr(leaf, "_hooks", None) and leaf not in held:
            held[leaf] = leaf.grad
            leaf.grad = None
    return held


def _release(held: dict[Any, Any]) -> None:
    """Each held leaf's gradient from this pass through its hooks, then added to the gradient it had."""
    for leaf, before in held.items():
        grad = leaf.grad
        if grad is not None:
            grad = apply_hooks(leaf, grad)
            leaf.grad = grad if before is None else before + grad
        else:  # no gradient reached it
            leaf.grad = before
