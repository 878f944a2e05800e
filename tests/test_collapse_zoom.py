"""``draw(root, within=scope)``: one scope alone, every wire entering it from a stub named after where its
values come from, every wire leaving it into a stub; the numbers are the backward pass's own."""

from __future__ import annotations

import math
from typing import Any

import pytest
from gptlike import gpt_step
from svgtools import SVG, root

from micrograd import Value, draw
from micrograd.core import topological_order
from micrograd.drawing.numbers import format_number

HEAD = "pos2/layer0/attn/head1"


def _elements(svg: str, role: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each element of a role: its tooltip and its texts as (class, text)."""
    out = []
    for g in root(svg).iter(f"{SVG}g"):
        if g.get("data-role") == role:
            title = g.find(f"{SVG}title")
            texts = [((t.get("class") or "")[3:], t.text or "") for t in g.iter(f"{SVG}text") if (t.text or "").strip()]
            out.append(((title.text or "") if title is not None else "", texts))
    return out


def _boxes(svg: str) -> dict[str, dict[str, str]]:
    return {texts[0][1]: dict(texts[1:]) for _, texts in _elements(svg, "scope")}


def _inside(v: Any, scope: str) -> bool:
    return v.scope is not None and (v.scope == scope or v.scope.startswith(scope + "/"))


def _step() -> Value:
    loss, _ = gpt_step(positions=3, embd=8, heads=2, vocab=5, mlp=2)
    return loss


def _origin(v: Any) -> str:
    """Where a value entering the head comes from, as the lecture says it: an earlier position, or this
    position's attention (its query, and its own key and value)."""
    first = v.scope.split("/")[0]
    return f"from {first}" if first != "pos2" else "from pos2/layer0/attn"


def test_a_zoomed_head_draws_its_inside_and_stubs_named_after_where_its_wires_go() -> None:
    svg = draw(_step(), within=HEAD, width=None).svg()
    assert sorted(_boxes(svg)) == [
        "from pos0",
        "from pos1",
        "from pos2/layer0/attn",
        f"{HEAD}/softmax",
        "to pos2/layer0/attn",
    ]
    assert "out" not in {t for t, _ in _elements(svg, "wire")}  # the loss is computed elsewhere: no output wire


def test_each_entering_stub_carries_the_norm_of_the_gradients_its_values_get_back_through_the_scope() -> None:
    loss = _step()
    nodes = topological_order(loss)
    through: dict[int, float] = {}  # d loss / d value along its uses inside the head: c.grad x the other factor
    value_of: dict[int, Any] = {}
    for c in nodes:
        if not _inside(c, HEAD):
            continue
        for k, p in enumerate(c.parents):
            if p.scope is not None and not _inside(p, HEAD):
                assert c.op == "*"  # the head reads keys, values and the query only in products
                other = c.parents[1 - k]
                through[id(p)] = through.get(id(p), 0.0) + c.grad * other.data
                value_of[id(p)] = p
    by_stub: dict[str, list[float]] = {}
    for key, grad in through.items():
        by_stub.setdefault(_origin(value_of[key]), []).append(grad)
    boxes = _boxes(draw(loss, within=HEAD, width=None).svg())
    assert set(by_stub) == {"from pos0", "from pos1", "from pos2/layer0/attn"}
    for stub, grads in by_stub.items():
        assert boxes[stub]["note"] == f"{len(grads)} values"
        assert boxes[stub]["grad"] == f"||grad|| {format_number(math.sqrt(sum(g * g for g in grads)))}"
    assert boxes["from pos0"]["note"] == "8 values"  # pos0's 4 keys and 4 values of head 1 (8 wide, 2 heads)


def test_each_output_wire_carries_its_value_and_gradient_into_the_stub_it_leaves_for() -> None:
    loss = _step()
    nodes = topological_order(loss)
    outputs = {id(v): v for c in nodes if not _inside(c, HEAD) for v in c.parents if _inside(v, HEAD)}.values()
    svg = draw(loss, within=HEAD, width=None).svg()
    wires = [dict(texts) for tip, texts in _elements(svg, "wire") if "→ pos2/layer0/attn:" in tip]
    assert sorted((w["value"], w["grad"]) for w in wires) == sorted(
        (format_number(v.data), format_number(v.grad)) for v in outputs
    )
    stub = _boxes(svg)["to pos2/layer0/attn"]
    assert stub["note"] == f"{len(outputs)} values"
    assert stub["grad"] == f"||grad|| {format_number(math.sqrt(sum(v.grad**2 for v in outputs)))}"


def test_expand_opens_a_scope_inside_the_one_zoomed_into() -> None:
    loss = _step()
    svg = draw(loss, within=HEAD, expand="softmax", width=None).svg()
    assert f"{HEAD}/softmax" not in _boxes(svg)
    exps = [v for v in topological_order(loss) if v.scope == f"{HEAD}/softmax" and v.op == "exp"]
    gates = [texts for _, texts in _elements(svg, "gate")]
    assert len(exps) == 3 and sum(1 for texts in gates if any("exp" in t for _, t in texts)) == len(exps)


@pytest.mark.parametrize(
    ("within", "error", "message"),
    [
        ("head1", ValueError, "names 3 scopes"),
        ("pos9", ValueError, "names no scope"),
        (3, TypeError, "within= takes one scope's path"),
        ("pos2/", ValueError, "is not a scope's path"),
    ],
)
def test_a_within_that_names_no_one_scope_says_what_is_wrong(within: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        draw(_step(), within=within)
