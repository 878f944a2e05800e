"""The DOT of a collapsed picture: what :mod:`.collapse` groups, drawn as circuits are.

Each box is one rounded, dashed node: its scope's path (or a parameter matrix's stem), how many
nodes (values) it stands for, and when one value leaves it, that value and its gradient (a
parameter box: the size ‖grad‖ of its gradients). Nodes drawn as themselves are inputs and gates
as in a circuit (:mod:`.picture`). Every wire that crosses a box's outline is drawn once per pair
of elements it joins (a :class:`~.collapse.Bundle`): one value keeps its number above the wire
and, below it, the gradient it gets back along it (the sum of the contributions of its uses in
the element the wire enters); a value that leaves for several elements first runs along a stem
carrying the sum of those, then forks, as in a circuit. A wire of many values says how many
(``16 values``) and the size of their gradients (``||grad|| 0.05``); its tooltip lists them.
Several parameter matrices are one table (a row each: stem, count, ``||grad||``) with one stem
forking to the boxes that use them. Zoomed into one scope (``within=``), the rest of the graph is
stubs: ``from pos0`` (how many values enter, their ``||grad||`` back through the scope) with a plain
line into each gate that reads one, and ``to ...`` boxes the outputs' wires enter.
"""

from __future__ import annotations

from typing import Any

from .collapse import Box, Bundle, Collapsed, square_norm
from .dot import quote, record_field
from .layout import NEAR
from .numbers import format_number, format_value
from .parts import BLANK, Role, value_text
from .picture import _Builder, _node, _output_wire, _reading_order, _wire, _wire_record

__all__ = ["build_collapsed", "collapsed_summary", "sent_back"]

LISTED = 12  # values a many-valued wire's tooltip lists
NORM = "||grad||"  # the size of several gradients, ‖grad‖ (the pictures' fonts have no ‖)


def build_collapsed(b: _Builder, c: Collapsed) -> None:
    """Write the collapsed picture ``c`` of builder ``b``'s graph: boxes, nodes, the output, the wires."""
    ids: dict[int, str] = {}  # id(element) -> its DOT id
    leaving = _leaving(b, c)
    back = _Back(b)
    for k, box in enumerate(c.boxes):
        ids[id(box)] = f"B{k}"
        if box.kind in ("from", "to"):
            _stub(b, f"B{k}", box, c, back)
        else:
            _box(b, f"B{k}", box, leaving.get(id(box), []), c.within)
    for v in c.open:
        ids[id(v)] = b.ids[v]
        _node(b, v)
    root = b.g.root
    if id(c.element(root)) in ids:  # zoomed into a scope that does not compute the output: no output wire
        _output_wire(b, root, ids[id(c.element(root))])
    _wires(b, c, ids, back)
    _clusters(b, c, ids)
    inputs = [b.ids[v] for v in c.open if v.is_leaf] + [ids[id(x)] for x in c.boxes if x.kind == "parameters"]
    inputs += [ids[id(x)] for x in _first_read(c)]
    _reading_order(b, inputs)


def _first_read(c: Collapsed) -> list[Box]:
    """The stubs a zoomed picture draws in its inputs' column: those read by a gate that reads only stubs and
    inputs (a query and keys, into the scores). The others (values, read after the softmax) are free to sit
    beside the gates that read them, not in that column with a line across the picture."""
    into: dict[int, list[Any]] = {}
    for bundle in c.bundles:
        into.setdefault(id(bundle.head), []).append(bundle.tail)
    first = {
        head
        for head, tails in into.items()
        if all((isinstance(t, Box) and t.kind == "from") or (not isinstance(t, Box) and t.is_leaf) for t in tails)
    }
    stubs = [x for x in c.boxes if x.kind == "from"]
    return [x for x in stubs if any(bundle.tail is x and id(bundle.head) in first for bundle in c.bundles)]


def _leaving(b: _Builder, c: Collapsed) -> dict[int, list[Any]]:
    """id(box) -> the distinct values that leave it (the output too, if inside)."""
    out: dict[int, dict[int, Any]] = {}
    for bundle in c.bundles:
        if isinstance(bundle.tail, Box):
            for v in bundle.values:
                out.setdefault(id(bundle.tail), {})[id(v)] = v
    root_box = c.box_of.get(b.g.root)
    if root_box is not None and root_box.kind == "scope":
        out.setdefault(id(root_box), {})[id(b.g.root)] = b.g.root
    return {k: list(vs.values()) for k, vs in out.items()}


def _name(b: _Builder, element: Any) -> str:
    if isinstance(element, Box):
        return element.path + (f" ({element.via})" if element.via else "")
    return b.name(element)


def _title(box: Box, within: str | None = None) -> str:
    """A box's title: its path; for the rest of an opened scope, which part of it; a stub's, where its values
    come from or go, and the parameter matrix they are made with (``from pos0 (attn_wk)``: its keys).

    Zoomed into a scope (``within``), a box inside it is titled by its path from there (``softmax``): the
    scope's outline around it says the rest, and a long path would widen its whole column."""
    if box.kind in ("from", "to"):
        return f"{box.kind} {box.path}" + (f" ({box.via})" if box.via else "")
    path = box.path[len(within) + 1 :] if within and box.path.startswith(within + "/") else box.path
    if box.kind != "rest":
        return path
    return f"{path} (the rest" + (f", part {box.part})" if box.part else ")")


def _box(b: _Builder, nid: str, box: Box, leaving: list[Any], within: str | None = None) -> None:
    """A box: its path (from ``within``, zoomed into it), its count, and the value that leaves it with its
    gradient (parameters: ‖grad‖)."""
    p, grads = b.opts.precision, b.view.grads
    lines, fields = [_title(box, within)], ["name", "note"]
    if box.groups:
        _table(b, nid, box)
        return
    hidden = flagged = False
    if box.kind == "parameters":
        lines.append(f"{box.count:,} values")
        shown = [grads[v] for v in box.nodes if b.grad_shown(v)]
        if shown:
            lines.append(f"{NORM} {format_number(square_norm(shown), p)}")
            fields.append("grad")
        tip = f"{box.path}: {box.count:,} parameters" + (f"; {NORM} = {lines[-1][len(NORM) + 1 :]}" if shown else "")
        flagged = bool(shown) and any(v in b.view.flagged for v in box.nodes)
    else:
        lines.append(f"{box.count:,} node" + ("s" if box.count != 1 else ""))
        tip = f"scope {box.path}: {box.count:,} nodes; {len(leaving)} values leave it"
        if len(leaving) == 1:
            (v,) = leaving
            lines.append(value_text(v, p))
            fields.append("value")
            tip = f"scope {box.path}: {box.count:,} nodes; its output {b.name(v)} = {lines[-1]}"
            asked = b.view.blank("grad", v) is not None  # a worksheet's box: on the wire that leaves, not here
            if grads.get(v) is not None and (b.grad_shown(v) or b.view.pad) and not asked:  # the player: shown later
                lines.append(format_value(grads[v], p))
                fields.append("grad")
                hidden = b.view.hides(b.grad_shown(v))
                tip += "" if hidden or b.secret() else f", df/d{b.name(v)} = {lines[-1]}"
                flagged = v in b.view.flagged
    b.node(
        nid,
        Role("scope", tip, fields=tuple(fields), marked=box is b.view.marked, hidden=hidden, flagged=flagged),
        label="\n".join(lines),
        shape="box",
        style="rounded,dashed",
        margin="0.1,0.05",
    )


def _table(b: _Builder, nid: str, box: Box) -> None:
    """The parameters as one table: a row per matrix, its stem, how many values, their ``||grad||``.

    Drawn as columns side by side, each a stack of cells (a record's fields), so each column is as wide as its
    widest cell and the rows line up (a record of rows sizes each row's cells apart)."""
    p, grads = b.opts.precision, b.view.grads
    columns: tuple[list[str], list[str], list[str]] = ([], [], [])
    tips = []
    for stem, leaves in box.groups.items():
        shown = [grads[v] for v in leaves if b.grad_shown(v)]
        norm = f"{NORM} {format_number(square_norm(shown), p)}" if shown else BLANK
        for column, text in zip(columns, (stem, f"{len(leaves):,} values", norm), strict=True):
            column.append(text)
        tips.append(f"{stem}: {len(leaves):,} values" + (f", {norm}" if shown else ""))
    kinds = ["name"] + ["name"] * len(box.groups) + ["note"] * len(box.groups) + ["grad"] * len(box.groups)
    cells = "|".join("{" + "|".join(record_field(t) for t in column) + "}" for column in columns)
    label = record_field(f"parameters ({box.count:,} values)") + "|{" + cells + "}"
    label = label if b.horizontal else "{" + label + "}"  # the rows run down the table either way
    tip = f"the parameters, {len(box.groups)} matrices: " + "; ".join(tips)
    b.nodes.append(nid)
    b.roles[nid] = Role("scope", tip, fields=tuple(kinds), nested=True)
    b.lines.append(f'{nid} [id="{nid}" shape=record style="rounded,dashed" margin="0.06,0.02" label="{label}"]')


def _stub(b: _Builder, nid: str, box: Box, c: Collapsed, back: _Back) -> None:
    """A stub of a scope zoomed into: where its inputs come from (``from pos0``) or its outputs go (``to ...``),
    how many values cross, and the ``||grad||`` of what they get back through the scope (or from outside)."""
    p = b.opts.precision
    ends = [bundle for bundle in c.bundles if (bundle.tail if box.kind == "from" else bundle.head) is box]
    values: dict[int, Any] = {}
    grads: dict[int, Any] = {}
    for bundle in ends:
        values.update((id(v), v) for v in bundle.values)
        for key, grad in back(bundle).items():
            grads[key] = grad if key not in grads else grads[key] + grad
    shown = [g for key, g in grads.items() if b.grad_shown(values[key])]
    title = [f"{box.kind} {box.path}", *([box.via] if box.via else [])]  # the matrix on a line of its own
    lines = [*title, f"{len(values):,} value" + ("s" if len(values) != 1 else "")]
    fields = ["name"] * len(title) + ["note"]
    if shown:
        lines.append(f"{NORM} {format_number(square_norm(shown), p)}")
        fields.append("grad")
    where = "through the scope" if box.kind == "from" else "from there"
    tip = f"{box.kind} {box.path}: {lines[len(title)]}" + (f", made with the matrix {box.via}" if box.via else "")
    tip += f"; {lines[-1]} of the gradients they get back {where}" if shown else ""
    b.node(
        nid,
        Role("scope", tip, fields=tuple(fields)),
        label="\n".join(lines),
        shape="box",
        style="dashed",
        margin="0.1,0.05",
    )


# ---------------------------------------------------------------- the wires


class _Back:
    """The gradients each bundle's values get back along its wire (:func:`sent_back`), each once."""

    def __init__(self, b: _Builder) -> None:
        self.view = b.view
        self.done: dict[int, dict[int, Any]] = {}

    def __call__(self, bundle: Bundle) -> dict[int, Any]:
        grads = self.done.get(id(bundle))
        if grads is None:
            grads = self.done[id(bundle)] = sent_back(bundle, self.view)
        return grads

    def across(self, group: list[Bundle]) -> dict[int, Any]:
        """What each value gets back along all the wires of ``group`` together (a stem's total)."""
        if getattr(self.view.trace, "overwritten", False):  # grad =: the contribution written last of them all
            return sent_back(Bundle(group[0].tail, None, None, [u for each in group for u in each.uses]), self.view)
        grads: dict[int, Any] = {}
        for each in group:
            for key, grad in self(each).items():
                grads[key] = grad if key not in grads else grads[key] + grad
        return grads


def sent_back(bundle: Bundle, view: Any) -> dict[int, Any]:
    """id(value) -> the gradient it gets back along ``bundle`` as ``view``'s trace has it: the sum of its uses'
    contributions (:meth:`Bundle.gradients`); from a buggy engine that overwrites (``grad =``, a trace
    ``overwritten``: :mod:`micrograd.mistakes`), the contribution written last, which is all it keeps."""
    trace = view.trace
    if not getattr(trace, "overwritten", False):
        return bundle.gradients(view.wire)
    written = {id(w): k for k, w in enumerate(trace.wires)}
    last: dict[int, tuple[int, Any]] = {}
    for v, c, i in bundle.uses:
        w = view.wire(c, i)
        if w is not None and w.contribution is not None and written[id(w)] >= last.get(id(v), (-1, None))[0]:
            last[id(v)] = (written[id(w)], w.contribution)
    return {key: grad for key, (_, grad) in last.items()}


def _wires(b: _Builder, c: Collapsed, ids: dict[int, str], back: _Back) -> None:
    """Every bundle a wire; a value that leaves for several elements forks from a stem first."""
    one: dict[int, list[Bundle]] = {}
    many: dict[tuple[int, ...], list[Bundle]] = {}  # the same values to several elements: one stem
    table: list[Bundle] = []  # the parameters table into boxes: one stem, forking
    for bundle in c.bundles:
        values = bundle.values
        if isinstance(bundle.tail, Box) and bundle.tail.groups and isinstance(bundle.head, Box):
            table.append(bundle)
        elif isinstance(bundle.tail, Box) and bundle.tail.kind == "parameters" and isinstance(bundle.head, Box):
            _faint(b, bundle, ids, back)
        elif isinstance(bundle.tail, Box) and bundle.tail.kind == "from":
            _plain(b, bundle, ids, back)
        elif len(values) == 1:
            one.setdefault(id(values[0]), []).append(bundle)
        else:
            many.setdefault((id(bundle.tail), *map(id, values)), []).append(bundle)
    if table:
        _fork(b, table, ids, back)
    for group in many.values():
        _many(b, group, ids, back)
    for group in one.values():
        v = group[0].values[0]
        if len(group) == 1:
            _one(b, group[0], v, ids[id(group[0].tail)], ids, back, branch=False)
            continue
        stem = _stem(b, v, group, ids, back)
        for bundle in group:
            _one(b, bundle, v, stem, ids, back, branch=True)


def _one(b: _Builder, bundle: Bundle, v: Any, start: str, ids: dict[int, str], back: _Back, branch: bool) -> None:
    """A wire of one value from ``start`` (its element, or its stem) into the element ``bundle`` enters."""
    if bundle.tail is v and bundle.index is not None:  # node to gate: as in a circuit
        _wire(b, v, bundle.head, bundle.index, start, "" if branch else b.value_of(v))
        return
    p = b.opts.precision
    grad = back(bundle).get(id(v))  # the sum of its uses' contributions
    shown = _arrived(b, bundle, v) and grad is not None
    uses = len(bundle.uses)
    tip = f"{_name(b, bundle.tail)} → {_name(b, bundle.head)}: {b.name(v)} = {value_text(v, p)}"
    into_gate = not isinstance(bundle.head, Box)
    asked = b.view.blank("grad", v) if not branch else b.view.blank("wire", bundle.head, bundle.index)
    mine = (bundle.head, bundle.index) if branch else v  # what a comparison flags: this use, or v's gradient
    flagged = bundle in b.view.flagged or ((into_gate or not branch) and mine in b.view.flagged)
    if b.secret():
        tip = f"{_name(b, bundle.tail)} → {_name(b, bundle.head)}: {b.name(v)}"
    elif shown:
        tip += f"; gradient back along this wire {format_value(grad, p)}"
        tip += f" (the sum over its {uses} uses inside)" if uses > 1 else ""
    wid = f"bw{len(b.edges)}"
    text = format_value(grad, p) if grad is not None and (shown or b.view.pad) else ""
    text = asked or text
    hot = _hot(b, bundle)
    value = "" if branch else b.value_of(v)
    _wire_record(b, wid, value, text, "", tip, hot, hidden=b.view.hides(shown), flagged=flagged)
    tail = b.out_port if branch else None
    b.edge(start, wid, Role("edge", tip, hot=hot, arrow=False), headport=b.in_port, tailport=tail)
    _enter(b, bundle, wid, tip, ids, hot=hot)


def _enter(
    b: _Builder, bundle: Bundle, wid: str, tip: str, ids: dict[int, str], faint: bool = False, hot: bool = False
) -> None:
    """The edge from wire record ``wid`` into the element ``bundle`` enters (a gate: in argument order);
    ``faint``: one of many branches of a wire of many values, drawn light; ``hot``: highlighted (the player)."""
    role = Role("edge", tip, faint=faint, hot=hot)
    if bundle.index is None:
        b.edge(wid, ids[id(bundle.head)], role, tailport=b.out_port)
    else:
        b.argument(bundle.head, bundle.index, wid, role, tailport=b.out_port, weight=NEAR)


def _arrived(b: _Builder, bundle: Bundle, v: Any) -> bool:
    """Is the gradient ``v`` gets back along ``bundle`` shown: into a box, once that box's step has come (the
    player: :mod:`.boxsteps`; a still picture shows every one); else with ``v``'s own gradient."""
    if isinstance(bundle.head, Box):
        return b.view.shown(bundle.head) and b.view.grads.get(v) is not None
    return b.grad_shown(v)


def _hot(b: _Builder, bundle: Bundle) -> bool:
    """Is the wire highlighted: one of the wires a step of the player sends gradients back along."""
    hot = b.view.hot
    return bool(hot) and any((id(v), id(bundle.head)) in hot for v in bundle.values)


def _stem(b: _Builder, v: Any, group: list[Bundle], ids: dict[int, str], back: _Back) -> str:
    """A value that leaves for several elements: a stem with its value and the sum of what comes back."""
    p = b.opts.precision
    grads = back.across(group)
    shown = b.grad_shown(v)
    total = grads.get(id(v)) if shown or b.view.pad else None
    tail = group[0].tail
    tip = f"{b.name(v)} = {value_text(v, p)}, used by {len(group)} parts"
    if b.secret():
        tip = f"{b.name(v)}, used by {len(group)} parts"
    elif total is not None and shown:
        tip += f"; the gradient back into {_name(b, tail)}: {format_value(total, p)} (the sum over its wires)"
    sid = f"sb{len(b.edges)}"  # "s...": picture._wire draws its branches
    text = b.view.blank("grad", v) or format_value(total, p)
    hidden, flagged = b.view.hides(shown), v in b.view.flagged
    _wire_record(b, sid, b.value_of(v), text, "", tip, False, junction=True, hidden=hidden, flagged=flagged)
    b.edge(ids[id(tail)], sid, Role("edge", tip, arrow=False), headport=b.in_port, weight=NEAR)
    return sid


def _faint(b: _Builder, bundle: Bundle, ids: dict[int, str], back: _Back) -> None:
    """Parameters into a box: a light line, its numbers in its tooltip (their box shows their ‖grad‖)."""
    p = b.opts.precision
    values = bundle.values
    grads = back(bundle)
    shown = [grads[id(v)] for v in values if id(v) in grads and _arrived(b, bundle, v)]
    tip = f"{_name(b, bundle.tail)} → {_name(b, bundle.head)}: {len(values)} of its values"
    tip += f"; {NORM} back along this wire {format_number(square_norm(shown), p)}" if shown else ""
    hot = _hot(b, bundle)
    b.edge(ids[id(bundle.tail)], ids[id(bundle.head)], Role("edge", tip, faint=not hot, hot=hot))


def _fork(b: _Builder, group: list[Bundle], ids: dict[int, str], back: _Back) -> None:
    """The parameters table into the boxes that use it: one stem (how many values are used, the
    ``||grad||`` of what comes back along all its branches), then a light line to each box."""
    p = b.opts.precision
    used: dict[int, Any] = {}
    for each in group:
        for v in each.values:
            used[id(v)] = v
    grads = back.across(group)
    shown = [g for key, g in grads.items() if b.grad_shown(used[key])]
    norm = f"{NORM} {format_number(square_norm(shown), p)}" if shown else ""
    tail = ids[id(group[0].tail)]
    heads = ", ".join(_name(b, each.head) for each in group)
    tip = f"parameters → {heads}: {len(used):,} values" + (f"; {norm} back along all its branches" if shown else "")
    if len(group) == 1:
        b.edge(tail, ids[id(group[0].head)], Role("edge", tip, faint=True))
        return
    wid = f"bw{len(b.edges)}"
    _wire_record(b, wid, f"{len(used):,} values", norm, "", tip, False, junction=True)
    b.edge(tail, wid, Role("edge", tip, arrow=False), headport=b.in_port)
    for each in group:
        branch = list(back(each).values())
        tip = f"parameters → {_name(b, each.head)}: {len(each.values):,} values"
        tip += f"; {NORM} back along this wire {format_number(square_norm(branch), p)}" if shown else ""
        _enter(b, each, wid, tip, ids, faint=True)


def _plain(b: _Builder, bundle: Bundle, ids: dict[int, str], back: _Back) -> None:
    """From a stub into the scope zoomed into: a plain line (its stub says how many and their ``||grad||``),
    each value and the gradient it gets back along the line in its tooltip."""
    p = b.opts.precision
    grads = back(bundle)
    listed = []
    for v in bundle.values[:LISTED]:
        text = f"{b.name(v)} = {value_text(v, p)}"
        if id(v) in grads and b.grad_shown(v):
            text += f" (gradient back along this line {format_value(grads[id(v)], p)})"
        listed.append(text)
    tip = f"{_name(b, bundle.tail)} → {_name(b, bundle.head)}: " + ", ".join(listed)
    _enter(b, bundle, ids[id(bundle.tail)], tip, ids)


def _many(b: _Builder, group: list[Bundle], ids: dict[int, str], back: _Back) -> None:
    """A wire of several values: how many, and the size of their gradients; the values in its tooltip.

    The same values into several elements (an earlier position's keys, read by every later one): one
    wire, the sum of what comes back along its branches, then a line to each (its own in its tooltip)."""
    p = b.opts.precision
    bundle = group[0]
    values = bundle.values
    grads = back.across(group)
    arrived = all(_arrived(b, each, values[0]) for each in group)
    shown = [grads[id(v)] for v in values if id(v) in grads and (arrived or b.view.pad)]
    norm = f"{NORM} {format_number(square_norm(shown), p)}" if shown else ""
    listed = []
    for v in values[:LISTED]:
        text = f"{b.name(v)} = {value_text(v, p)}"
        if id(v) in grads and arrived:
            text += f" (gradient back {format_value(grads[id(v)], p)})"
        listed.append(text)
    more = f", and {len(values) - LISTED} more" if len(values) > LISTED else ""
    heads = ", ".join(_name(b, each.head) for each in group)
    tip = f"{_name(b, bundle.tail)} → {heads}: {len(values)} values: " + ", ".join(listed) + more
    wid = f"bw{len(b.edges)}"
    hot = any(_hot(b, each) for each in group)
    hidden, flagged = b.view.hides(arrived), any(each in b.view.flagged for each in group)
    _wire_record(
        b, wid, f"{len(values)} values", norm, "", tip, hot, junction=len(group) > 1, hidden=hidden, flagged=flagged
    )
    b.edge(ids[id(bundle.tail)], wid, Role("edge", tip, hot=hot, arrow=False), headport=b.in_port)
    for each in group:
        if len(group) > 1:
            branch = [g for v in values if (g := back(each).get(id(v))) is not None]
            tip = f"{_name(b, bundle.tail)} → {_name(b, each.head)}: {len(values)} values"
            tip += f"; {NORM} back along this wire {format_number(square_norm(branch), p)}" if arrived else ""
        each_hot = _hot(b, each)
        _enter(b, each, wid, tip, ids, faint=len(group) > 1 and not each_hot, hot=each_hot)


# ---------------------------------------------------------------- open scopes


def _clusters(b: _Builder, c: Collapsed, ids: dict[int, str]) -> None:
    """Each open scope a labelled group (a cluster, nested as the scopes are) around what it holds: its
    nodes drawn as themselves, its child scopes' boxes, the rest of it, and the wires among those."""
    where: dict[str, str] = {}  # DOT id -> the open scope it is drawn in
    for v in c.open:
        if s := c.scope_of(v):
            where[ids[id(v)]] = s
    for box in c.boxes:
        parent = box.path if box.kind == "rest" else box.path.rpartition("/")[0]
        if box.kind in ("scope", "rest") and parent:
            where[ids[id(box)]] = parent
    if not where:
        return
    ends: dict[str, list[str]] = {}  # a wire's record -> what it joins
    for tail, head in b.edges + [(a[2], a[3]) for a in b.arguments]:
        ends.setdefault(tail, []).append(head)
        ends.setdefault(head, []).append(tail)
    wires = [nid for nid, role in b.roles.items() if role.kind == "wire" and nid != "out"]
    records = set(wires)
    for _ in range(2):  # a fork's stem joins wires: known on the second pass (its branches' wires wait on it)
        for nid in wires:
            inside = [where.get(end) for end in ends.get(nid, []) if end not in records or end in where]
            if inside and None not in inside:  # in the innermost scope around all it joins
                common = _common([p for p in inside if p is not None])
                if common:
                    where[nid] = common
    members: dict[str, list[str]] = {}
    for nid, path in where.items():
        members.setdefault(path, []).append(nid)
    scopes = sorted({p for path in members for p in _ancestors(path)}, key=lambda p: (p.count("/"), p))
    if c.within:  # zoomed in: the scope's own outline, not its ancestors'
        scopes = [s for s in scopes if s == c.within or s.startswith(c.within + "/")]
        members = {p: m for p, m in members.items() if p in scopes}
    b.lines.extend(_cluster(b, c.within, scopes, members) if c.within and scopes else _cluster(b, "", scopes, members))


def _common(paths: list[str]) -> str:
    """The innermost scope holding every one of ``paths`` ("" if none)."""
    split = [p.split("/") for p in paths]
    names = []
    for level in zip(*split, strict=False):
        if len(set(level)) > 1:
            break
        names.append(level[0])
    return "/".join(names)


def _ancestors(path: str) -> list[str]:
    names = path.split("/")
    return ["/".join(names[: k + 1]) for k in range(len(names))]


def _cluster(b: _Builder, path: str, scopes: list[str], members: dict[str, list[str]]) -> list[str]:
    """The DOT lines of the cluster of scope ``path`` ("": the picture) and the clusters inside it."""
    children = [s for s in scopes if s.rpartition("/")[0] == path]
    lines = [f"{nid};" for nid in members.get(path, [])]
    for child in children:
        lines += _cluster(b, child, scopes, members)
    if not path:
        return lines
    cid = f"C{len(b.roles)}"
    b.roles[cid] = Role("heading", f"scope {path}, open")
    style = f'fontname="Helvetica" fontsize={b.opts.font_size * 0.9:g} color="#999999" style="dashed" labeljust="l"'
    return [f'subgraph cluster_{cid} {{ id="{cid}" label={quote(path)} {style}', *lines, "}"]


def collapsed_summary(b_root_name: str, value: str, nodes: int, c: Collapsed) -> str:
    """The picture's text summary, for screen readers: what it computes, and its boxes."""
    scopes = [x.path for x in c.boxes if x.kind == "scope"]
    params = [x.path for x in c.boxes if x.kind == "parameters"]
    text = f"A computation graph of {nodes:,} nodes computing {b_root_name} = {value}, drawn collapsed"
    text += f", zoomed into scope {c.within}:" if c.within else ":"
    text += f" {len(scopes)} scopes as boxes ({', '.join(scopes[:20])}{', ...' if len(scopes) > 20 else ''})"
    if params:
        text += f", {len(params)} parameter matrices ({', '.join(params)})"
    return text + f", and {len(c.open)} nodes drawn as themselves."
