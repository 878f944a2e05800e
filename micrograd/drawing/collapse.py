"""Collapsed pictures: which nodes a picture draws as one box per scope, and the wires between what it draws.

``draw(loss, collapse=True)`` draws each top-level scope (:func:`micrograd.scope`) as one box;
``collapse=2`` the scopes two deep (``pos3/layer0``), the shallower ones open; ``collapse="attn"``
(or a list of patterns) the scopes a pattern names, the outermost match winning. ``expand=`` opens
the scopes its patterns name, and their ancestors, where ``collapse`` would box them; inside an open
scope its child scopes are boxes again. A node belongs to the box of the first scope on its path
that is not open; a node whose whole path is open is drawn as itself.

A pattern names scopes by the end of their path, name by name, with ``*`` and ``?`` inside one
name (:func:`fnmatch.fnmatchcase`): ``"head*"`` is every head of every position,
``"attn/head2"`` head 2 of every ``attn``, ``"pos3/layer0/attn/head2"`` that one head.

An unlabelled leaf outside any scope whose every use is in one scope (a neuron's weights and bias) is
drawn in that scope's box. Other parameters are leaves outside any scope: those labelled ``stem[...]`` (``wte[3][5]``,
``w[3, 5]``) are gathered, when collapsing, by stem: one matrix, one box (``w, 6 values``); several
matrices, one ``parameters`` table listing each (its stem, how many values, their ``||grad||``), so
a GPT's nine matrices are one element with one stem forking to the positions, not 63 wires.

``within="pos3/layer0/attn/head2"`` zooms into one scope: only what it holds is drawn (its child
scopes boxes, unless ``expand`` opens them), and each wire that enters it comes from a stub box named
after where its values come from (``from pos0``: the outermost scope holding their source that does
not hold this one; ``from pos3/layer0/attn``: the rest of an enclosing scope; a parameter matrix by
its stem), each wire that leaves it goes into a stub named after where it goes (``to ...``).

What the picture draws of the graph (:class:`Collapsed`) is computed here, in one pass over its
nodes, apart from the DOT (:mod:`.boxes`): the player or ``explain`` can read the same grouping.
A :class:`Bundle` is every use of a value of one drawn element by another (by one argument of a
gate drawn as itself): one wire. The gradient a value gets back along it is the sum of the
contributions of those uses, each the trace's own ``upstream × local`` (:meth:`Bundle.gradients`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from .names import is_constant

__all__ = ["Box", "Bundle", "Collapsed", "collapse_graph", "check_collapse", "home_scope", "scope_hint", "square_norm"]

STEM = re.compile(r"^([A-Za-z_][\w.]*)\s*\[.*\]$")  # a parameter's label: wte[3][5], w[3, 5]
SHOWN_SCOPES = 8  # scopes named in a message
FAMILY_SHOWN = 3  # of a numbered family (pos0, pos1, ...): its first few, "…", its last


@dataclass(eq=False)
class Box:
    """One box of a collapsed picture: a scope (``kind="scope"``, ``path`` its path), the nodes directly
    in a scope opened to show one inside it (``kind="rest"``), or a parameter matrix (``kind="parameters"``,
    ``path`` its stem); and the graph nodes it stands for."""

    path: str
    kind: str
    nodes: list[Any] = field(default_factory=list)
    part: int = 0  # the rest of a scope, in parts: 1 before its children's boxes, 2 after ... (0: whole)
    groups: dict[str, list[Any]] = field(default_factory=dict)  # the parameters table: stem -> its values
    via: str = ""  # a stub's values made with this parameter matrix (keys: ``attn_wk``), if one

    @property
    def count(self) -> int:
        return len(self.nodes)

    def __repr__(self) -> str:
        return f"<Box {self.path}: {self.count} nodes>"


@dataclass(eq=False)
class Bundle:
    """The uses of values of one drawn element (``tail``: a :class:`Box`, or a node drawn as itself) by
    another (``head``; a gate drawn as itself takes them into argument ``index``): one wire.

    ``uses``: ``(value, consumer, argument index)`` in the graph's reading order.
    """

    tail: Any
    head: Any
    index: int | None
    uses: list[tuple[Any, Any, int]] = field(default_factory=list)

    @property
    def values(self) -> list[Any]:
        """The distinct values the wire carries, in order."""
        seen: dict[int, Any] = {}
        for v, _, _ in self.uses:
            seen.setdefault(id(v), v)
        return list(seen.values())

    def gradients(self, wire: Callable[[Any, int], Any]) -> dict[int, Any]:
        """id(value) -> the gradient it gets back along this wire: the sum of the contributions of its uses
        here (``wire(consumer, index)``: the trace's :class:`~micrograd.core.Wire`, None where none flows)."""
        grads: dict[int, Any] = {}
        for v, c, i in self.uses:
            w = wire(c, i)
            if w is not None and w.contribution is not None:
                key = id(v)
                grads[key] = w.contribution if key not in grads else grads[key] + w.contribution
        return grads


@dataclass
class Collapsed:
    """What a collapsed picture of a graph draws: its boxes, the nodes drawn as themselves (``open``,
    reading order), and the wires between them (``bundles``); ``box_of`` maps each node in a box to it."""

    boxes: list[Box]
    open: list[Any]
    bundles: list[Bundle]
    box_of: dict[Any, Box]
    scopes: list[str]  # every scope of the graph, ancestors included, sorted
    within: str | None = None  # zoomed into this scope: the rest of the graph is its stubs
    homes: dict[Any, str] = field(default_factory=dict)  # a leaf outside any scope -> the one scope using it

    def scope_of(self, v: Any) -> str | None:
        """The scope node ``v`` is drawn in: its own, or for a leaf used in one scope only, that one."""
        return v.scope or self.homes.get(v)

    @property
    def drawn(self) -> int:
        """How many elements the picture draws: boxes and nodes (what ``max_nodes`` counts)."""
        return len(self.boxes) + len(self.open)

    def element(self, v: Any) -> Any:
        """What stands for node ``v`` in the picture: its box, or ``v`` itself."""
        return self.box_of.get(v, v)


# ---------------------------------------------------------------- the options


def check_collapse(collapse: Any, expand: Any, within: Any = None) -> None:
    """TypeError for an option of the wrong type, ValueError for a depth below 1 or ``expand`` alone."""
    if within is not None:
        if not isinstance(within, str):
            raise TypeError(f"within= takes one scope's path (str), got {type(within).__name__}: {within!r:.60}")
        _patterns(within, "within")
        collapse = True if collapse is None else collapse  # within= alone: its inside collapsed as collapse=True
    if collapse is None or isinstance(collapse, bool):
        pass
    elif isinstance(collapse, int):
        if collapse < 1:
            raise ValueError(f"collapse= a depth is an int from 1 (the top-level scopes), got {collapse}")
    else:
        _patterns(collapse, "collapse")
    if expand is not None:
        _patterns(expand, "expand")
        if collapse is None or collapse is False:
            raise ValueError("expand= opens scopes that collapse= boxes: give collapse= too (collapse=True)")


def _patterns(given: Any, what: str) -> list[str]:
    """A pattern or a list of them, checked."""
    items = [given] if isinstance(given, str) else given
    if not isinstance(items, (list, tuple)) or not all(isinstance(p, str) for p in items):
        expected = "True, a depth (int), " if what == "collapse" else ""
        raise TypeError(
            f"{what}= takes {expected}a scope's name or pattern (str) or a list of them, "
            f"got {type(given).__name__}: {given!r:.60}"
        )
    for p in items:
        if not p or p.startswith("/") or p.endswith("/") or "//" in p:
            raise ValueError(f"{what}= pattern {p!r} is not a scope's path (names separated by '/')")
    return list(items)


def matches(pattern: str, path: str) -> bool:
    """Does ``pattern`` name the scope ``path``: its last names, one by one (``*`` within one name)."""
    want, have = pattern.split("/"), path.split("/")
    return len(want) <= len(have) and all(
        fnmatchcase(h, w) for w, h in zip(want, have[len(have) - len(want) :], strict=True)
    )


def _prefixes(path: str) -> list[str]:
    """``a/b/c`` -> ``a``, ``a/b``, ``a/b/c``."""
    names = path.split("/")
    return ["/".join(names[: k + 1]) for k in range(len(names))]


def _matched(patterns: list[str], scopes: list[str], what: str) -> set[str]:
    """The scopes the patterns name; ValueError naming a pattern that names none."""
    found: set[str] = set()
    for p in patterns:
        hits = {s for s in scopes if matches(p, s)}
        if not hits:
            raise ValueError(
                f"{what}={p!r} names no scope of this graph; its scopes include {_some(scopes)}"
                if scopes
                else f"{what}={p!r} names no scope: this graph has none (build it inside micrograd.scope(...))"
            )
        found |= hits
    return found


def _some(scopes: Collection[str], shown: int = SHOWN_SCOPES) -> str:
    """A few scopes to name in a message: the top-level ones first, then deeper ones; a numbered family in
    its order and shortened (``pos0, pos1, pos2, …, pos15``), then the others (``loss``)."""
    ranked = sorted(scopes, key=_rank)
    names: list[str] = []
    k = 0
    while k < len(ranked):
        family = _family(ranked[k])
        end = k + 1
        while family and end < len(ranked) and _family(ranked[end]) == family:
            end += 1
        run = ranked[k:end]
        names += run if len(run) <= FAMILY_SHOWN + 1 else [*run[:FAMILY_SHOWN], "…", run[-1]]
        k = end
    more = len(names) > shown
    return ", ".join(names[:shown]) + (f", … ({len(scopes)} in all)" if more else "")


def _family(s: str) -> tuple[int, str] | None:
    """``pos3`` -> (its depth, ``pos#``): scopes numbered alike are one family; None if not numbered."""
    parent, _, name = s.rpartition("/")
    m = re.fullmatch(r"(.*?)\d+", name)
    return (s.count("/"), f"{parent}/{m.group(1)}#") if m else None


def _rank(s: str) -> tuple[Any, ...]:
    """Shallower first; at one depth, numbered families first (pos0, pos1, ... pos10), then the others."""
    return (s.count("/"), _family(s) is None, _natural(s))


def _natural(s: str) -> list[Any]:
    """``pos10`` after ``pos9``."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def box_paths(scopes: Iterable[str], collapse: Any, expand: Any) -> dict[str, tuple[str, str] | None]:
    """Each scope path -> the box its nodes are drawn in, ``(path, kind)``, or None: drawn as themselves.

    A scope opened only as an ancestor of one ``expand`` names keeps the nodes directly in it boxed:
    ``kind="rest"`` (its child scopes are boxes of their own, or open)."""
    every = sorted({p for s in scopes for p in _prefixes(s)}, key=_natural)
    opened: set[str] = set()
    expanded: set[str] = set()
    if expand is not None:
        expanded = _matched(_patterns(expand, "expand"), every, "expand")
        for s in expanded:
            opened.update(_prefixes(s))
    if collapse is True:
        boxable: Callable[[str], bool] = lambda s: True  # noqa: E731
    elif isinstance(collapse, int):
        depth = collapse
        boxable = lambda s: s.count("/") + 1 >= depth  # noqa: E731
    else:
        named = _matched(_patterns(collapse, "collapse"), every, "collapse")
        boxable = lambda s: any(p in named for p in _prefixes(s))  # noqa: E731
    result: dict[str, tuple[str, str] | None] = {}
    for s in every:
        path = next((p for p in _prefixes(s) if p not in opened and boxable(p)), None)
        if path is not None:
            result[s] = (path, "scope")
        elif s in opened and s not in expanded and boxable(s):
            result[s] = (s, "rest")
        else:
            result[s] = None
    return result


# ---------------------------------------------------------------- the grouping


def collapse_graph(g: Any, collapse: Any, expand: Any = None, within: str | None = None) -> Collapsed:
    """What a collapsed picture of ``g`` (a :class:`~micrograd.drawing.picture.Graph`) draws, in one pass.

    ``collapse``: True, a depth, or patterns; ``expand``: patterns; ``within``: one scope to zoom
    into (see the module docstring). Parameters (unscoped leaves labelled ``stem[...]``, two or
    more of a stem) are boxed by stem.
    """
    check_collapse(collapse, expand, within)
    shown = g.shown
    scope_of = [home_scope(v, g.uses[v]) for v in shown]
    scopes = {s for s in scope_of if s}
    target = None
    if within is not None:
        target = _one_scope(within, sorted({p for s in scopes for p in _prefixes(s)}, key=_natural))
        expand = [target, *([] if expand is None else _patterns(expand, "expand"))]
        collapse = True if collapse is None else collapse
    paths = box_paths(scopes, collapse, expand)
    every = sorted(paths, key=_natural)  # every scope, ancestors included
    boxes: dict[str, Box] = {}
    box_of: dict[Any, Box] = {}
    opened: list[Any] = []
    stems: dict[str, list[Any]] = {}
    for v, s in zip(shown, scope_of, strict=True):
        if target is not None and not _holds(target, s):
            continue  # outside the scope zoomed into: a stub's, or not drawn
        where = paths[s] if s else None
        if where is not None:
            key = where[0] if where[1] == "scope" else f"{where[0]}/"
            box = boxes.get(key)
            if box is None:
                box = boxes[key] = Box(*where)
            box.nodes.append(v)
            box_of[v] = box
        elif s is None and v.is_leaf and v.label and (m := STEM.match(v.label)):
            stems.setdefault(m.group(1), []).append(v)
        else:
            opened.append(v)
    for key in [k for k, box in boxes.items() if box.kind == "rest"]:
        parts = _rest_parts(boxes.pop(key), shown, scope_of, box_of)
        boxes.update((f"{key}{k}", part) for k, part in enumerate(parts))
    alone = [leaves[0] for leaves in stems.values() if len(leaves) == 1]  # a stem of one leaf: drawn as itself
    boxes.update(_parameters(stems, box_of, g))
    if target is not None:
        alone = _stubs(g, target, boxes, box_of, opened)
    if alone:
        position = {id(v): k for k, v in enumerate(shown)}
        opened = sorted(opened + alone, key=lambda v: position[id(v)])
    first = {"parameters": 0, "from": 0, "to": 2}
    ordered = sorted(boxes.values(), key=lambda b: (first.get(b.kind, 1), _natural(b.path), b.via))
    drawn = None if target is None else {id(v) for v in opened} | {id(v) for v in box_of}
    homes = {v: s for v, s in zip(shown, scope_of, strict=True) if s and v.scope is None}
    return Collapsed(ordered, opened, _bundles(g, shown, box_of, drawn), box_of, every, target, homes)


def home_scope(v: Any, uses: list[tuple[Any, int]]) -> str | None:
    """The scope node ``v`` is drawn in: its own; for an unlabelled leaf outside any scope (a weight, a
    bias) whose every use is in one scope, that scope (a neuron's parameters go in its box); else None.

    A leaf named by a label (an input ``x``) stays itself, and one used in several scopes (microgpt's
    parameters) too: nothing is written into the leaf, so a picture of a graph never changes with
    what is built later."""
    s = v.scope
    if s is not None or not v.is_leaf or v.label or not uses:
        return s
    home = uses[0][0].scope
    return home if home is not None and all(c.scope == home for c, _ in uses) else None


# ---------------------------------------------------------------- zoomed into one scope


def _one_scope(within: str, every: list[str]) -> str:
    """The one scope ``within`` names; ValueError if it names none or several."""
    hits = sorted(_matched([within], every, "within"), key=_natural)
    if len(hits) > 1:
        raise ValueError(
            f"within={within!r} names {len(hits)} scopes ({_some(hits)}): give one, by its whole path "
            f"(e.g. {hits[0]!r})"
        )
    return hits[0]


def _holds(target: str, s: str | None) -> bool:
    """Is a node of scope ``s`` inside the scope ``target``."""
    return s is not None and (s == target or s.startswith(target + "/"))


def _origin(v: Any, target: str) -> str:
    """Where a value outside ``target`` is, as a stub names it: the outermost scope holding it that does not
    hold ``target`` (or the enclosing scope itself, for its own nodes); a parameter's stem."""
    if v.scope is None:
        m = STEM.match(v.label) if v.label else None
        return m.group(1) if m else "outside any scope"
    names, around = v.scope.split("/"), target.split("/")
    k = 0
    while k < min(len(names), len(around)) and names[k] == around[k]:
        k += 1
    return "/".join(names[: k + 1])


def _stubs(g: Any, target: str, boxes: dict[str, Box], box_of: dict[Any, Box], opened: list[Any]) -> list[Any]:
    """The stubs of a scope zoomed into: a ``from`` box per place its inputs come from, a ``to`` box per place
    its outputs go; inputs outside any scope and not parameters (``x``) are drawn as themselves (returned)."""
    inside = {id(v) for v in box_of} | {id(v) for v in opened}
    alone: list[Any] = []
    for u in g.shown:
        if id(u) in inside:
            continue
        if any(id(c) in inside for c, _ in g.uses[u]):
            if u.scope is None and u.is_leaf and not (u.label and STEM.match(u.label)):
                alone.append(u)
                continue
            kind = "from"
        elif any(id(p) in inside for p in u.parents) or any(id(g.hidden.get(p, p)) in inside for p in u.parents):
            kind = "to"
        else:
            continue
        name = _origin(u, target)
        via = _matrix_of(u) if kind == "from" else ""  # an earlier position's keys apart from its values
        box = boxes.get(f"{kind}:{name}:{via}")
        if box is None:
            box = boxes[f"{kind}:{name}:{via}"] = Box(name, kind, via=via)
        box.nodes.append(u)
        box_of[u] = box
    return alone


def _matrix_of(v: Any, most: int = 64) -> str:
    """The stem of the parameter matrix ``v`` is a weighted sum with (a key ``Σⱼ wk[i][j]·xⱼ``: ``wk``), found
    among its ancestors in its own scope (at most ``most`` of them, nearest first); "" if none."""
    todo, seen = [v], {id(v)}
    for u in todo:
        for p in u.parents:
            if p.is_leaf and p.scope is None and p.label and (m := STEM.match(p.label)):
                return m.group(1)
            if p.scope == v.scope and not p.is_leaf and id(p) not in seen and len(todo) < most:
                seen.add(id(p))
                todo.append(p)
    return ""


def _parameters(stems: dict[str, list[Any]], box_of: dict[Any, Box], g: Any) -> dict[str, Box]:
    """The parameter matrices (stems of two or more values): one box of a matrix, or one table of several,
    its rows in the order the model uses them (the embedding's first, the output layer's last)."""
    matrices = {stem: leaves for stem, leaves in stems.items() if len(leaves) > 1}
    if len(matrices) > 1:
        first = _first_use(g, matrices)
        matrices = dict(sorted(matrices.items(), key=lambda item: first[item[0]]))
        table = Box("parameters", "parameters", [v for leaves in matrices.values() for v in leaves], groups=matrices)
        boxes = {"[parameters]": table}
    else:
        boxes = {f"[{stem}]": Box(stem, "parameters", leaves) for stem, leaves in matrices.items()}
    for box in boxes.values():
        box_of.update(dict.fromkeys(box.nodes, box))
    return boxes


def _first_use(g: Any, matrices: dict[str, list[Any]]) -> dict[str, int]:
    """Each stem -> how many steps from the inputs its first use is (the depth of its earliest consumer)."""
    depth: dict[int, int] = {}
    for v in g.topo:
        depth[id(v)] = 1 + max((depth[id(p)] for p in v.parents), default=-1)
    return {
        stem: min((depth[id(c)] for v in leaves for c, _ in g.uses[v]), default=0) for stem, leaves in matrices.items()
    }


def _rest_parts(rest: Box, shown: list[Any], scope_of: list[Any], box_of: dict[Any, Box]) -> list[Box]:
    """The rest of a scope opened to show one inside it, cut where its nodes wait on its children: a node
    reading what a child box (or an open node) computed from the rest is in a later part, so the parts
    and the children's boxes are drawn in the order they compute, not as one box wired in a loop."""
    inside = rest.path + "/"
    level: dict[int, int] = {}
    for v, s in zip(shown, scope_of, strict=True):
        if s is None or (s != rest.path and not s.startswith(inside)):
            continue
        own = box_of.get(v) is rest
        lv = 0
        for p in v.parents:
            lp = level.get(id(p))
            if lp is not None:
                lv = max(lv, lp + 1 if own and box_of.get(p) is not rest else lp)
        level[id(v)] = lv
    levels = sorted({level[id(v)] for v in rest.nodes})
    if len(levels) == 1:
        return [rest]
    parts = {lv: Box(rest.path, "rest", part=k + 1) for k, lv in enumerate(levels)}
    for v in rest.nodes:
        part = parts[level[id(v)]]
        part.nodes.append(v)
        box_of[v] = part
    return list(parts.values())


def _bundles(g: Any, shown: list[Any], box_of: dict[Any, Box], drawn: set[int] | None = None) -> list[Bundle]:
    """Every wire of the picture: the uses of one element's values by another, bundled (``drawn``: the
    ids of the nodes drawn, when not all are)."""
    bundles: dict[tuple[int, int, int | None], Bundle] = {}
    for v in shown:
        if drawn is not None and id(v) not in drawn:
            continue
        tail = box_of.get(v, v)
        for c, i in g.uses[v]:
            if drawn is not None and id(c) not in drawn:
                continue
            head = box_of.get(c, c)
            if head is tail:
                continue
            index = None if isinstance(head, Box) else i
            key = (id(tail), id(head), index)
            bundle = bundles.get(key)
            if bundle is None:
                bundle = bundles[key] = Bundle(tail, head, index)
            bundle.uses.append((v, c, i))
    return list(bundles.values())


# ---------------------------------------------------------------- numbers and messages


def square_norm(grads: Iterable[Any]) -> float:
    """‖g‖ of several gradients (numbers or arrays) together."""
    total = 0.0
    for x in grads:
        total += float(x * x) if isinstance(x, (float, int)) else float((x * x).sum())
    return math.sqrt(total)


def scope_hint(nodes: Iterable[Any]) -> str:
    """What a refusal of a large graph suggests: ``collapse=True`` (naming some top-level scopes of
    ``nodes``), or, with no scope among them, building the model inside ``micrograd.scope``."""
    tops = {s.partition("/")[0] for s in (v.scope for v in nodes if not is_constant(v)) if s}
    if tops:
        return f"draw it collapsed: draw(root, collapse=True) draws each scope ({_some(tops)}) as one box"
    return (
        "build the model's parts inside micrograd.scope('name') (a with block or a decorator), "
        "then draw(root, collapse=True) draws each as one box"
    )
