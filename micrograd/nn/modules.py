"""Tiny neural nets by hand, with the tutorial micrograd API: Module, Neuron, Layer, MLP.

Added beside that API: an activation per neuron/layer (``relu``, ``tanh``, ``sigmoid``,
``linear``), and a neuron's ``Σ wᵢxᵢ + b`` as one node (:func:`weighted_sum`), whose rule
stands beside it in the scalar engine's derivatives table.

Each call runs in scopes (:func:`micrograd.scope`) named as the neural-net pictures name them:
an MLP's layer ``k`` in ``L{k}`` and its neuron ``j`` in ``N{j}`` (1-based), so a node's ``scope``
reads ``"L1/N2"``; a Layer called on its own is ``L1``, a Neuron ``N1``. The parameters stay
outside any scope (nothing is written into them); a collapsed picture draws a leaf used in one scope
only in that scope's box, so ``draw(loss, collapse=1)`` draws one box per layer (weights inside) and
``collapse=2`` one per neuron, and the neuron views read their neurons from these scopes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from ..blocks import products_code, products_contributions, products_contributions_code, products_local
from ..engine import Value, _nary, _operand, rule
from ..graph.grad_mode import _recording
from ..graph.scope import _path, scope

__all__ = ["Module", "Neuron", "Layer", "MLP", "ACTIVATIONS", "weighted_sum"]


def weighted_sum(weights: Sequence[Value], inputs: Sequence[Value | float], bias: Value | float | None = None) -> Value:
    """One node ``Σ wᵢ·xᵢ + b`` with parents ``(w..., x..., b)``: a neuron's pre-activation.

    Gives the same numbers as the gate-by-gate ``sum(w*x for ...) + b`` with one node
    instead of 2n, so training is faster; pictures show one ``Σwx+b`` gate. ``weights`` are
    Values; numbers among the inputs (and a number bias) are constants.
    """
    if len(weights) != len(inputs):
        raise ValueError(f"weighted_sum: {len(weights)} weights but {len(inputs)} inputs")
    xs = [x if isinstance(x, Value) else _operand(x, "weighted_sum") for x in inputs]
    b = bias if isinstance(bias, Value) else _operand(0.0 if bias is None else bias, "weighted_sum")
    total = b._data
    try:
        for w, x in zip(weights, xs):  # noqa: B905  (lengths checked above; strict=True costs 130 ns a call)
            total += w._data * x._data
    except AttributeError:
        bad = next(w for w in weights if not isinstance(w, Value))
        raise TypeError(f"weighted_sum: weights must be Values, got {type(bad).__name__}: {bad!r:.60}") from None
    return _nary(total, (*weights, *xs, b), "Σwx+b")


def _weighted_sum_code(m: int) -> tuple[str, ...]:
    """Σwx+b as code, for ``m = 2n + 1`` parents ``(w..., x..., b)``: ``b + w0 * x0 + ...`` and its contributions."""
    n = m // 2
    return (" + ".join([f"{{{m - 1}}}", *products_code(n)]), *products_contributions_code(n), "{up}")


def _weighted_sum_local(m: int) -> tuple[str, ...]:
    return (*products_local(m // 2), "1")  # ∂/∂b = 1


@rule("Σwx+b", local=_weighted_sum_local, code=_weighted_sum_code)
def _weighted_sum_rule(out: Value, upstream: float) -> tuple[float, ...]:  # ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂b = 1
    parents = out.parents
    n = len(parents) // 2
    return (*products_contributions(parents[:n], parents[n : 2 * n], upstream), upstream)


#: Activation name -> the Value method that applies it (None: the identity).
ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": None,
}

_DISPLAY = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear"}


def _activation_name(activation: str | None, nonlin: bool) -> str:
    """The activation to use: ``activation`` if given, else ReLU/linear from ``nonlin``."""
    if activation is None:
        return "relu" if nonlin else "linear"
    if not isinstance(activation, str) or activation.lower() not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(map(repr, ACTIVATIONS))}")
    return activation.lower()


def _positive_int(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return n


class Module:
    """Something with parameters: ``parameters()`` lists them, ``zero_grad()`` clears them."""

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        return []


class Neuron(Module):
    """``act(Σ wᵢxᵢ + b)`` with weights drawn uniformly from [-1, 1] and bias 0.

    ``activation`` is one of ``"relu"``, ``"tanh"``, ``"sigmoid"``, ``"linear"``; when it
    is not given, the tutorial's ``nonlin`` decides (``True``: ReLU, ``False``: linear).
    The weighted sum is one node (:func:`weighted_sum`,
    ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂b = 1) for speed.
    """

    def __init__(self, nin: int, nonlin: bool = True, activation: str | None = None) -> None:
        _positive_int(nin, "Neuron: nin (the number of inputs)")
        self.activation = _activation_name(activation, nonlin)
        self.nonlin = self.activation != "linear"
        self._act = ACTIVATIONS[self.activation]
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)

    def __call__(self, x: Sequence[Value | float]) -> Value:
        with scope("N1"):  # on its own: the first neuron; in a Layer, Layer.__call__ names it
            return self._forward(x)

    def _forward(self, x: Sequence[Value | float]) -> Value:
        """The neuron's output, its nodes made in the scope open (its own, opened by the caller)."""
        if isinstance(x, (Value, str)) or not hasattr(x, "__len__"):
            raise TypeError(f"Neuron takes a list of {len(self.w)} inputs, got {type(x).__name__}")
        if len(x) != len(self.w):
            raise ValueError(f"Neuron expects {len(self.w)} inputs, got {len(x)}")
        act = weighted_sum(self.w, list(x), self.b)
        return act if self._act is None else self._act(act)

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{_DISPLAY[self.activation]}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons over the same inputs; returns a list (a single Value if nout is 1).

    Keyword arguments (``nonlin``, ``activation``) go to every :class:`Neuron`.
    """

    def __init__(self, nin: int, nout: int, **kwargs: object) -> None:
        _positive_int(nout, "Layer: nout (the number of neurons)")
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]  # type: ignore[arg-type]
        self.name = "L1"  # its scope; an MLP names its layers L1, L2, ...
        self._paths: tuple[str | None, list[str]] = (None, [])  # the scope it was opened in -> its neurons'

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        if not isinstance(x, (Value, str)) and hasattr(x, "__len__"):  # numbers become constants once, not per neuron
            x = [v if isinstance(v, Value) else _operand(v, "weighted_sum") for v in x]
        outer = _path.get()
        if self._paths[0] != outer or not self._paths[1]:
            base = self.name if outer is None else f"{outer}/{self.name}"
            self._paths = (outer, [f"{base}/N{j}" for j in range(1, len(self.neurons) + 1)])
        # the scope L{k} opened as micrograd.scope opens it; each neuron's N{j} only where ops read it (one
        # ContextVar write a neuron, not two: current_scope() inside a neuron reads the layer's path)
        recording = _recording.get() is not False  # under no_grad nothing is recorded: it stays off
        path_token = _path.set(self._paths[1][0].rpartition("/")[0])
        record_token = _recording.set(_recording.get())
        try:
            out = []
            for n, path in zip(self.neurons, self._paths[1]):  # noqa: B905 (made from it)
                if recording:
                    _recording.set(path)
                out.append(n._forward(x) if isinstance(n, Neuron) else n(x))  # a neuron of one's own: called
        finally:
            _recording.reset(record_token)
            _path.reset(path_token)
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nin → nouts[0] → … → nouts[-1]``.

    Hidden layers use ``activation`` (ReLU by default, as the tutorial), the last layer
    ``output_activation`` (linear by default: raw scores or logits).
    """

    def __init__(
        self, nin: int, nouts: Sequence[int], activation: str = "relu", output_activation: str = "linear"
    ) -> None:
        if isinstance(nouts, (int, str)) or not nouts:
            raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        _positive_int(nin, "MLP: nin (the number of inputs)")
        for n in nouts:
            _positive_int(n, "MLP: each layer size in nouts")
        hidden, last = _activation_name(activation, True), _activation_name(output_activation, False)
        sz = [nin] + list(nouts)
        self.layers = [
            Layer(sz[i], sz[i + 1], activation=last if i == len(nouts) - 1 else hidden) for i in range(len(nouts))
        ]
        for k, layer in enumerate(self.layers, start=1):
            layer.name = f"L{k}"  # its scope, as the pictures name it

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = self.layers[0](x)
        for layer in self.layers[1:]:
            out = layer([out] if isinstance(out, Value) else out)  # a one-neuron layer gives a single Value
        return out

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
