"""What the page of a live circuit shows, as JSON: the numbers to write into the picture by element id,
each element's chain rule, the steps of the backward pass, the inputs' sliders, gradients and checks.

Made again at every change of input; the picture itself (its SVG) is sent only when it is laid out.
"""

from __future__ import annotations

from typing import Any

from ..drawing.dot import printable
from ..drawing.numbers import format_number
from ..drawing.svg import captioned
from .circuit import Check, LiveCircuit, Nudge

__all__ = ["page_state", "still_svg", "picture_svg"]


def page_state(
    circuit: LiveCircuit, *, nudged: Nudge | None = None, checks: dict[str, Check] | None = None
) -> dict[str, Any]:
    """Everything the page shows at the circuit's current inputs (JSON-ready)."""
    p = circuit.picture.precision
    steps = circuit.steps()
    lines = circuit.explanation().lines()
    rules = _rules(circuit, steps, lines)
    grads = circuit.input_grads
    inputs = []
    values = circuit.inputs
    for name in circuit.sliders:
        x = values[name]
        low, high, step = circuit.ranges[name]
        g = grads[name]
        check = (checks or {}).get(name)
        inputs.append(
            {
                "name": name,
                "value": x,
                "text": format_number(x, p),
                "low": min(low, x),
                "high": max(high, x),
                "step": step,
                "grad": None if g is None else format_number(g, p),
                "numerical": None if check is None else format_number(check.numerical, p),
                "agree": None if check is None else check.agree,
            }
        )
    root = circuit.shape.shown_root
    return {
        "output": {"name": printable(circuit.names[root]), "value": format_number(circuit.output, p)},
        "inputs": inputs,
        "fixed": len(values) - len(inputs),  # inputs without a slider (set from Python, or given sliders=)
        "texts": circuit.picture.texts(circuit.numbers),
        "rules": rules,
        "edges": circuit.picture.edges,
        "steps": [{"line": line, "id": eid} for line, (_, eid) in zip(lines, steps, strict=True)],
        "nudge": None if nudged is None else _nudge(nudged, p),
        "h": None if not checks else next(iter(checks.values())).h,
        "layouts": circuit.layouts,
    }


def _nudge(n: Nudge, p: int) -> dict[str, Any]:
    return {
        "before": format_number(n.before, p),
        "after": format_number(n.after, p),
        "rate": n.rate,
        "moved": {k: [format_number(a, p), format_number(b, p)] for k, (a, b) in n.moved.items()},
    }


def _rules(circuit: LiveCircuit, steps: list[Any], lines: list[str]) -> dict[str, str]:
    """For each element of the picture (node, wire, stem, output): its value, then its chain-rule line(s)."""
    pic = circuit.picture
    by_element: dict[str, list[str]] = {}
    by_node: dict[Any, list[str]] = {}
    for (step, eid), line in zip(steps, lines, strict=True):
        by_element.setdefault(eid, []).append(line)
        by_node.setdefault(step.node, []).append(line)
    rules: dict[str, str] = {}
    for nid, v in pic.nodes.items():
        rules[nid] = "\n".join([circuit.formula(v), *by_node.get(v, [])])
    for eid, e in pic.elements.items():
        head = [circuit.formula(e.value)] if e.value is not None else []
        own = by_node.get(e.value, []) if eid.startswith("s") else by_element.get(eid, [])
        rules[eid] = "\n".join(head + own)
    return {k: printable(v) for k, v in rules.items()}


def picture_svg(circuit: LiveCircuit, state: dict[str, Any] | None = None) -> str:
    """The picture at the circuit's current numbers, hover texts included (no XML prologue: to inline)."""
    state = state or page_state(circuit)
    return circuit.picture.svg_with(state["texts"], state["rules"])


def still_svg(circuit: LiveCircuit) -> str:
    """The still picture a saved or untrusted notebook shows: the circuit now, captioned with its inputs."""
    inputs = ", ".join(f"{n} = {format_number(x)}" for n, x in circuit.inputs.items())
    caption = f"live circuit at {inputs} (run the notebook to move the inputs)"
    return captioned(picture_svg(circuit), printable(caption), circuit.picture.diagram.theme)
