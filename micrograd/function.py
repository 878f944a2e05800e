"""Your own ops, in the shape DeZero and PyTorch teach: :class:`Function`, a forward and a backward.

Every op, built-in or yours, is one contract: a forward on numbers, and a rule
``(out, upstream) -> contribution per input`` registered by the op's name
(:func:`micrograd.op`). A :class:`Function` is that contract written as a class::

    class Square(micrograd.Function, local=("2·{x}",)):
        def forward(ctx, x):                 # numbers in, a number out
            ctx.save_for_backward(x)
            return x * x

        def backward(ctx, upstream):         # one contribution per input: upstream × ∂out/∂input
            (x,) = ctx.saved
            return 2 * x * upstream

    y = Square.apply(x)                      # or Square()(x), as DeZero calls it

The class registers ``backward`` as the rule of the op named after it (``name=`` to choose),
so the node ``y`` is a gate "Square" like any other: ``backward()``, pictures, ``explain``, the
step player, worksheets (whose hints quote ``local``), ``gradcheck(Square)``, pickles, and,
given ``code=`` templates, ``staged``/``compile``. ``ctx`` is an instance of the class made
for this one call (so DeZero's ``self.x`` and PyTorch's ``ctx.x`` are the same thing); it is
kept on the node (``y.creator``), never the other way round.

On Tensors (as ``torch.autograd.Function``, one class for both): ``Square.apply(t)`` with a Tensor
(or an array) among the inputs gives ``forward`` the inputs' arrays (read-only: a forward makes new
arrays) and ``backward`` the upstream array, and takes one array per input back. The class registers
that rule by the same name in the tensor engine's table too (:data:`micrograd.tensor.RULES`, when the
class is first called on Tensors), so the node is a Tensor gate "Square". A contribution of the output's
shape for an input that was broadcast is summed back to the input's shape (:func:`unbroadcast`), as
PyTorch does.

Higher order: under ``backward(create_graph=True)`` the numbers ``ctx`` holds that were the
inputs or the output come back to ``backward`` as their nodes, and ``upstream`` is a Value, so a
backward written with arithmetic (``2 * x * upstream``) or with this module's functions
(:func:`exp`, :func:`tanh`, ...: a number for a number, a Value for a Value) builds the graph of
the gradient. What would cut that graph is refused there with the fix: a contribution that is a
plain number, a number forward computed on the way (not an input, not the output), ``math.exp``
of a node. On Tensors the same holds with arrays: saved inputs and output come back as Tensors and
``upstream`` is a Tensor, so a backward written with arithmetic and numpy's functions (``np.exp(x)``
reaches the Tensor op) builds the graph of the gradient; a plain array is refused there.
"""

from __future__ import annotations

import copy
import inspect
import math
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from . import floats
from .core import Code, Node, recording
from .engine import RULES, GraphCutError, Value, _leaf, _operand, as_float

if TYPE_CHECKING:
    import numpy as np

    from .core import Rules
    from .tensor import Tensor

__all__ = ["Function", "FunctionValue", "exp", "log", "tanh", "sigmoid", "sqrt", "sin", "cos"]


class FunctionValue(Value):
    """A Value made by a :class:`Function`: it also keeps that call's ``ctx`` (what forward saved)."""

    __slots__ = ("_ctx",)
    _state = (*Value._state, "_ctx")
    _ctx: Function
    _scope: str | None

    @property
    def creator(self) -> Function:
        """The Function call that made this node (DeZero's name): its ``ctx``, an instance of the class."""
        return self._ctx


class Function:
    """A scalar op of your own: subclass it with ``forward(ctx, *inputs)`` and ``backward(ctx, upstream)``.

    - ``forward(ctx, x, ...)`` gets the inputs' numbers (floats) and returns the output's number;
      it keeps what backward needs with ``ctx.save_for_backward(x, ...)`` or as attributes
      (``ctx.x = x``).
    - ``backward(ctx, upstream)`` returns upstream × ∂out/∂input for each input (one number
      for one input, else a tuple; None for an input that needs none), reading ``ctx.saved``.

    ``MyOp.apply(x, y)`` (or ``MyOp()(x, y)``) makes the node; numbers among the inputs are
    constants. Called on Tensors (or arrays) the same class works on arrays: ``forward`` gets
    the inputs' arrays and returns the output's, ``backward`` gets the upstream array and
    returns an array per input (its shape, or the output's for an input that was broadcast:
    it is summed back). Class keywords: ``name=`` (the op's name, default the class's), ``local=`` (each
    ∂out/∂input as text, in ``{x}``, ``{y}`` or ``{0}``, ``{1}``, and ``{out}``: the worksheets'
    hints), ``code=`` (the op and each contribution as Python templates, for ``staged``).
    Defining a class of the same name again (a notebook cell run twice) replaces the op, with a
    warning.
    """

    name: ClassVar[str] = ""
    local: ClassVar[tuple[str, ...]] = ()
    code: ClassVar[Code | None] = None

    def __init_subclass__(
        cls, name: str | None = None, local: tuple[str, ...] | None = None, code: Code | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = name if name is not None else cls.__dict__.get("name") or cls.__name__
        if local is not None:
            cls.local = tuple(local)
        if code is not None:
            cls.code = code
        if cls.forward is not Function.forward and cls.backward is not Function.backward:  # not an abstract base
            _register(cls)  # (and in the tensor engine's table when first called on Tensors)

    # -- what a subclass writes

    def forward(ctx, *inputs: Any) -> Any:  # noqa: N805  (ctx, as PyTorch names it)
        """The output's number from the inputs' numbers (its array from their arrays, on Tensors)."""
        raise NotImplementedError(f"{type(ctx).__name__} defines no forward(ctx, *inputs)")

    def backward(ctx, upstream: Any) -> Any:  # noqa: N805
        """upstream × ∂out/∂input for each input (a tuple, or one number for one input; None: none needed)."""
        raise NotImplementedError(f"{type(ctx).__name__} defines no backward(ctx, upstream)")

    # -- the context: what forward keeps for backward

    def save_for_backward(self, *numbers: Any) -> None:
        """Keep ``numbers`` (the inputs, the output, ...) for backward, which reads them as ``ctx.saved``."""
        self._saved = numbers

    @property
    def saved(self) -> tuple[Any, ...]:
        """What forward kept with :meth:`save_for_backward` (under ``create_graph``: inputs and output as nodes)."""
        return self.__dict__.get("_saved", ())

    saved_tensors = saved  # PyTorch's name

    # -- calling it

    @classmethod
    def apply(cls, *inputs: Any) -> Any:
        """The op's output node for these inputs: a Value, or a Tensor when a Tensor or an array is among them
        (numbers and arrays among them are constants)."""
        return _apply(cls.__new__(cls), inputs)

    def __call__(self, *inputs: Any) -> Any:
        """``Square()(x)``, as DeZero calls a Function; each call keeps a context of its own (a copy)."""
        ctx = copy.copy(self)
        ctx.__dict__.pop("_saved", None)
        return _apply(ctx, inputs)

    def __setstate__(self, state: dict[str, Any]) -> None:
        """A ctx unpickled with the Tensor that keeps it (a new process): its class's rule joins the tensor table."""
        self.__dict__.update(state)
        if _on_arrays(state.get("_inputs", ())):  # a call on Tensors (a scalar call's inputs are floats)
            _tensor_rule(type(self))


# ---------------------------------------------------------------- forward: numbers in, a node out


def _apply(ctx: Function, inputs: tuple[Any, ...]) -> Any:
    cls = type(ctx)
    if not hasattr(cls, "_rule"):
        raise TypeError(
            f"{cls.__name__} is not a complete Function: define forward(ctx, ...) and backward(ctx, upstream)"
        )
    if not inputs:
        raise TypeError(f"{cls.__name__}.apply() takes the op's inputs (Values, Tensors, numbers or arrays), got none")
    if _on_arrays(inputs):
        return _apply_arrays(ctx, inputs)
    nodes = tuple(x if isinstance(x, Value) else _operand(x, cls.name) for x in inputs)
    numbers = _distinct(nodes)
    config = set(vars(ctx))
    result = cls.forward(ctx, *numbers)
    if isinstance(result, Node):
        raise TypeError(
            f"{cls.__name__}.forward returned a {type(result).__name__}: forward gets numbers and returns the "
            "output's number (math.exp(x), x * x, ...); the node is made by apply()"
        )
    data = as_float(result, f"{cls.__name__}.forward")
    if not ((r := recording()) and any(n.requires_grad for n in nodes)):
        return _leaf(data, False)
    ctx._inputs = numbers  # type: ignore[attr-defined]  # the numbers forward got: saved ones are found by identity
    ctx._output = data  # type: ignore[attr-defined]
    ctx._made = tuple(sorted(set(vars(ctx)) - config - {"_saved", "_inputs", "_output"}))  # type: ignore[attr-defined]
    v = object.__new__(FunctionValue)
    v._data = data
    v.grad = 0.0
    v._mark = None
    v.parents = nodes
    v._op = cls.name
    v.label = ""
    v.requires_grad = True
    v._ctx = ctx
    if r is not True:  # inside a scope: recording() gave its path (see micrograd.scope)
        v._scope = r
    return v


def _distinct(nodes: tuple[Value, ...]) -> tuple[float, ...]:
    """The inputs' numbers, a float object of its own for each distinct node (so saved ones are told apart)."""
    numbers: list[float] = []
    seen: dict[int, Value] = {}
    for node in nodes:
        x = node._data
        other = seen.get(id(x))
        if other is not None and other is not node:
            x = x * 1.0  # the same number, another float object (x * 1.0 is x, bit for bit)
        seen[id(x)] = node
        numbers.append(x)
    return tuple(numbers)


# ---------------------------------------------------------------- backward: the rule registered by name


def _register(cls: type[Function]) -> None:
    def rule(out: Any, upstream: float) -> tuple[Any, ...]:
        return _contributions(cls, cls.backward(out._ctx, upstream), out, graph=False)

    def on_nodes(out: Any, upstream: Any) -> tuple[Any, ...]:
        """The rule under ``create_graph``: backward reads inputs and output as nodes and builds a graph."""
        try:
            result = cls.backward(_graph_context(cls, out._ctx, out, _is_float), upstream)
        except GraphCutError as error:  # math.exp(x) of a saved input, a node here
            raise GraphCutError(
                f"{cls.__name__}.backward under create_graph=True: {error}. In a Function's backward, "
                "micrograd.function's exp(x), log(x), tanh(x), ... work on both (a number for a number, a Value "
                "for a Value)"
            ) from error
        return _contributions(cls, result, out, graph=True)

    _stamp(cls, rule, on_nodes)
    cls._rule = rule  # type: ignore[attr-defined]
    RULES.add(cls.name, rule, cls.local, cls.code, stacklevel=4)  # a warning points at the class statement


def _stamp(cls: type[Function], rule: Any, on_nodes: Any) -> None:
    """Name a Function's rule and its create-graph form after its backward, and tie them to the class."""
    for fn in (rule, on_nodes):
        fn.__module__, fn.__qualname__ = cls.__module__, f"{cls.__qualname__}.backward"
    rule.on_nodes = on_nodes
    rule.function = cls


def _given(cls: type[Function], result: Any, parents: tuple[Any, ...]) -> tuple[Any, ...]:
    """What backward returned, as a tuple of one contribution per input (else a ValueError saying so)."""
    given = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    if len(given) != len(parents):
        raise ValueError(
            f"{cls.__name__}.backward returned {len(given)} contribution(s) for {len(parents)} input(s): "
            "return one per input of forward, in order (None for one that needs none)"
        )
    return given


def _contributions(cls: type[Function], result: Any, out: Any, graph: bool) -> tuple[Any, ...]:
    """What backward returned as one contribution per input: numbers (a Value each under ``create_graph``)."""
    parents = out.parents
    contributions: list[Any] = []
    for k, (parent, c) in enumerate(zip(parents, _given(cls, result, parents), strict=True)):
        if not parent.requires_grad:
            contributions.append(None)
        elif c is None:
            contributions.append(0.0)
        elif graph:
            contributions.append(_node_contribution(cls, k, c))
        else:
            contributions.append(c._data if isinstance(c, Value) else as_float(c, f"{cls.__name__}.backward"))
    return tuple(contributions)


def _node_contribution(cls: type[Function], k: int, c: Any) -> Any:
    if isinstance(c, Value):
        return c
    if as_float(c, f"{cls.__name__}.backward") == 0:  # a stopped wire: 0 whatever the inputs
        return 0.0
    raise TypeError(
        f"{cls.__name__}.backward returned a plain number ({c!r}) for input {k} under create_graph=True: the "
        "gradient must be built from upstream and ctx.saved (nodes here) with arithmetic or micrograd.function's "
        "exp/log/tanh/... so it can be differentiated again; a number would give a wrong second derivative"
    )


def _is_float(x: Any) -> bool:
    return type(x) is float


def _graph_context(cls: type[Function], ctx: Any, out: Any, computed: Callable[[Any], bool]) -> Function:
    """``out``'s ``ctx`` as backward reads it under ``create_graph``: the inputs and output as nodes.

    What forward kept that is neither but ``computed(x)`` (a float; on Tensors a float array too) is refused."""
    own: dict[int, Any] = {}
    for parent, x in zip(out.parents, ctx._inputs, strict=True):
        own.setdefault(id(x), parent)
    own.setdefault(id(ctx._output), out)
    view = copy.copy(ctx)

    def lifted(what: str, x: Any) -> Any:
        node = own.get(id(x))
        if node is not None:
            return node
        if computed(x):
            raise TypeError(
                f"{cls.__name__}.backward under create_graph=True: {what} is a number forward computed ({x!r:.60}), "
                "not an input or the output, so a gradient made from it would not be differentiated again. "
                "Save the inputs (or the output) and compute the rest in backward with arithmetic or "
                "micrograd.function's exp/log/tanh/... (a number that does not depend on the inputs: keep an int)"
            )
        return x

    view._saved = tuple(lifted(f"ctx.saved[{k}]", x) for k, x in enumerate(ctx.saved))
    for name in ctx._made:
        setattr(view, name, lifted(f"ctx.{name}", getattr(ctx, name)))
    return view


# ---------------------------------------------------------------- on Tensors: arrays in, an array out
#
# The tensor engine (numpy) is imported on first use: ``import micrograd`` and the scalar Functions load no numpy.


def _on_arrays(inputs: tuple[Any, ...]) -> bool:
    """Is this a call on Tensors: a Tensor or an array among the inputs?"""
    tensors, numpy = sys.modules.get("micrograd.tensor.engine"), sys.modules.get("numpy")
    return any(
        (tensors is not None and isinstance(x, tensors.Tensor)) or (numpy is not None and isinstance(x, numpy.ndarray))
        for x in inputs
    )


def _read_only(array: np.ndarray) -> np.ndarray:
    """A view of ``array`` that cannot be written: forward and backward get the engine's arrays, not to change."""
    view = array.view()
    view.flags.writeable = False
    return view


def _apply_arrays(ctx: Function, inputs: tuple[Any, ...]) -> Tensor:
    from .tensor.engine import _as_data, _node, _tensor

    cls = type(ctx)
    if any(isinstance(x, Value) for x in inputs):
        raise TypeError(f"{cls.__name__}.apply() got Values and Tensors together: give it one kind of node")
    _tensor_rule(cls)
    nodes = tuple(_tensor(x) for x in inputs)
    arrays = tuple(_read_only(n.data) for n in nodes)  # a view each: saved ones are told apart by identity
    config = set(vars(ctx))
    result = cls.forward(ctx, *arrays)
    if isinstance(result, Node):
        raise TypeError(
            f"{cls.__name__}.forward returned a {type(result).__name__}: forward gets arrays and returns the "
            "output's array (np.exp(x), x * x, ...); the node is made by apply()"
        )
    data = _as_data(result, f"{cls.__name__}.forward")  # a new float64 array: the output's own
    ctx._inputs = arrays  # type: ignore[attr-defined]
    ctx._output = result  # type: ignore[attr-defined]  # (what forward returned: a saved output is found by identity)
    ctx._made = tuple(sorted(set(vars(ctx)) - config - {"_saved", "_inputs", "_output"}))  # type: ignore[attr-defined]
    return _node(data, nodes, cls.name, args=ctx)  # a Tensor gate named after the class; ctx is its _args


def _tensor_rule(cls: type[Function]) -> None:
    """Register ``cls``'s vector-Jacobian rule in the tensor engine's table, unless it is there already."""
    from .tensor.arrays import RULES as TENSOR_RULES

    rule = cls.__dict__.get("_tensor_rule")
    if rule is None or cls.name not in TENSOR_RULES:
        _register_arrays(cls, TENSOR_RULES)


def _register_arrays(cls: type[Function], table: Rules) -> None:
    def rule(out: Any, upstream: np.ndarray) -> tuple[Any, ...]:
        result = cls.backward(_ctx_of(cls, out), _read_only(upstream))
        return _array_contributions(cls, result, out, graph=False)

    def on_nodes(out: Any, upstream: Any) -> tuple[Any, ...]:
        """The rule under ``create_graph``: backward reads inputs, output and upstream as Tensors."""
        ctx = _graph_context(cls, _ctx_of(cls, out), out, _is_float_array)
        try:
            result = cls.backward(ctx, upstream)
        except TypeError as error:  # np.asarray(t), a numpy function with no Tensor op, ...
            raise TypeError(
                f"{cls.__name__}.backward under create_graph=True: {error}. Here ctx.saved and upstream are "
                "Tensors: write the gradient with arithmetic, Tensor methods and numpy's functions that reach a "
                "Tensor op (np.exp(x), np.tanh(x), ...)"
            ) from error
        return _array_contributions(cls, result, out, graph=True)

    _stamp(cls, rule, on_nodes)
    if getattr(table.get(cls.name), "function", None) is not None:  # a Function's of this name: the scalar
        del table[cls.name]  # table has warned that it is defined again
    table.add(cls.name, rule, cls.local, stacklevel=7)  # a warning points at the call of apply
    cls._tensor_rule = rule  # type: ignore[attr-defined]


def _ctx_of(cls: type[Function], out: Any) -> Function:
    ctx = out._args
    if not isinstance(ctx, Function):
        raise ValueError(f"{cls.name!r} is a micrograd.Function: make its nodes with {cls.__name__}.apply(...)")
    return ctx


def _is_float_array(x: Any) -> bool:
    import numpy as np

    return isinstance(x, (float, np.floating)) or (isinstance(x, np.ndarray) and x.dtype.kind in "fc")


def _array_contributions(cls: type[Function], result: Any, out: Any, graph: bool) -> tuple[Any, ...]:
    """What backward returned as one contribution per input, each summed back to its input's shape."""
    import numpy as np

    parents = out.parents
    contributions: list[Any] = []
    for k, (parent, c) in enumerate(zip(parents, _given(cls, result, parents), strict=True)):
        if not parent.requires_grad:
            contributions.append(None)
        elif c is None:
            contributions.append(np.zeros(parent.data.shape))
        else:
            contributions.append(_summed_back(cls, k, _array_contribution(cls, k, c, graph), parent.data.shape))
    return tuple(contributions)


def _array_contribution(cls: type[Function], k: int, c: Any, graph: bool) -> Any:
    """A contribution as the engine adds it: a new float64 array (a Tensor under ``create_graph``)."""
    from .tensor.engine import _as_data

    if isinstance(c, Node) and graph:
        return c
    array = _as_data(c.data if isinstance(c, Node) else c, f"{cls.__name__}.backward (input {k})")
    if graph and array.any():  # all zeros: a stopped wire, 0 whatever the inputs
        raise TypeError(
            f"{cls.__name__}.backward returned a plain array for input {k} under create_graph=True: the gradient "
            "must be built from upstream and ctx.saved (Tensors here) with arithmetic, Tensor methods or numpy's "
            "functions (np.exp(x), ...) so it can be differentiated again; an array would give a wrong second "
            "derivative"
        )
    return array


def _summed_back(cls: type[Function], k: int, c: Any, shape: tuple[int, ...]) -> Any:
    """``c`` of the input's ``shape``, or of a shape the input was broadcast to: summed back over those axes."""
    import numpy as np

    from .tensor.arrays import unbroadcast

    try:
        fits = np.broadcast_shapes(shape, c.shape) == c.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{cls.__name__}.backward returned a gradient of shape {c.shape} for input {k} of shape {shape}: "
            "return one of the input's shape (or of the output's, for an input that was broadcast: it is summed back)"
        )
    return unbroadcast(c, shape)


# ---------------------------------------------------------------- functions for a backward: numbers and Values alike


def _both(method: str, number: Callable[[float], float]) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        if isinstance(x, Node):  # a Value or a Tensor: the engine's op, a node of the graph
            return getattr(x, method)()
        if _on_arrays((x,)):  # an array: the tensor engine's op on it, as numbers
            from .tensor.engine import Tensor

            return getattr(Tensor(x, requires_grad=False), method)().data
        return number(as_float(x, f"{method}()"))

    f.__name__ = f.__qualname__ = method
    f.__doc__ = (
        f"``{method}(x)``: a number for a number, an array for an array, a node of the graph for a Value or a Tensor."
    )
    return f


exp = _both("exp", floats.exp)
log = _both("log", floats.log)
tanh = _both("tanh", math.tanh)
sigmoid = _both("sigmoid", floats.sigmoid)
sqrt = _both("sqrt", floats.sqrt)
sin = _both("sin", floats.sin)
cos = _both("cos", floats.cos)


def arity(cls: type[Function]) -> int | None:
    """How many inputs ``cls.forward`` takes (None: any number)."""
    params = list(inspect.signature(cls.forward).parameters.values())[1:]  # after ctx
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty for p in params)
