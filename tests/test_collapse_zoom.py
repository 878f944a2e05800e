"""``draw(root, within=scope)``: one scope alone, every wire entering it from a stub named after where its
values come from, every wire leaving it into a stub; the numbers are the backward pass's own."""

from __future__ import annotations

import math
from typing import Any

import pytest
from gptlike import gpt_step
from svgtools import SVG, role_elements, root, size_px, smallest_text_px, texts_of

from micrograd import Value, draw
from micrograd.core import topological_order
from micrograd.drawing.errors import PictureTooLarge
from micrograd.drawing.numbers import format_number
from micrograd.models import MicroGPT

HEAD = "pos2/layer0/attn/head1"


def _boxes(svg: str) -> dict[str, dict[str, str]]:
    """Each box by its title (its name lines: a stub's place and the matrix its values are made with): its
    other texts by class."""
    out = {}
    for _, texts in role_elements(svg, "scope"):
        title = [t for kind, t in texts if kind == "name"]
        out[" ".join(title)] = dict(texts[len(title) :])
    return out


def _inside(v: Any, scope: str) -> bool:
    return v.scope is not None and (v.scope == scope or v.scope.startswith(scope + "/"))


def _step() -> Value:
    loss, _ = gpt_step(positions=3, embd=8, heads=2, vocab=5, mlp=2)
    return loss


def _origin(v: Any) -> str:
    """Where a value entering the head comes from, as the lecture says it: an earlier position, or this
    position's attention (its query, and its own key and value); and the matrix it is made with (a key:
    a sum of products with attn_wk's weights)."""
    first = v.scope.split("/")[0]
    where = f"from {first}" if first != "pos2" else "from pos2/layer0/attn"
    (weight,) = {p.label.split("[")[0] for product in v.parents for p in product.parents if p.label}
    return f"{where} {weight}"


def test_a_zoomed_head_draws_its_inside_and_stubs_named_after_where_its_wires_go() -> None:
    svg = draw(_step(), within=HEAD, width=None).svg()
    assert sorted(_boxes(svg)) == [
        "from pos0 attn_wk",  # an earlier position's keys, apart from its values: each near where it is read
        "from pos0 attn_wv",
        "from pos1 attn_wk",
        "from pos1 attn_wv",
        "from pos2/layer0/attn attn_wk",
        "from pos2/layer0/attn attn_wq",
        "from pos2/layer0/attn attn_wv",
        "softmax",  # titled from the scope zoomed into, whose outline says the rest
        "to pos2/layer0/attn",
    ]
    assert "out" not in {t for t, _ in role_elements(svg, "wire")}  # the loss is computed elsewhere: no output wire


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
    assert set(by_stub) == {f"{where} attn_w{m}" for where in ("from pos0", "from pos1") for m in "kv"} | {
        f"from pos2/layer0/attn attn_w{m}" for m in "qkv"
    }
    for stub, grads in by_stub.items():
        assert boxes[stub]["note"] == f"{len(grads)} values"
        assert boxes[stub]["grad"] == f"||grad|| {format_number(math.sqrt(sum(g * g for g in grads)))}"
    assert boxes["from pos0 attn_wk"]["note"] == "4 values"  # pos0's 4 keys of head 1 (8 wide, 2 heads)


def test_each_output_wire_carries_its_value_and_gradient_into_the_stub_it_leaves_for() -> None:
    loss = _step()
    nodes = topological_order(loss)
    outputs = {id(v): v for c in nodes if not _inside(c, HEAD) for v in c.parents if _inside(v, HEAD)}.values()
    svg = draw(loss, within=HEAD, width=None).svg()
    wires = [dict(texts) for tip, texts in role_elements(svg, "wire") if "→ pos2/layer0/attn:" in tip]
    assert sorted((w["value"], w["grad"]) for w in wires) == sorted(
        (format_number(v.data), format_number(v.grad)) for v in outputs
    )
    stub = _boxes(svg)["to pos2/layer0/attn"]
    assert stub["note"] == f"{len(outputs)} values"
    assert stub["grad"] == f"||grad|| {format_number(math.sqrt(sum(v.grad**2 for v in outputs)))}"


def _centres(svg: str) -> dict[str, float]:
    """Each box's title -> the x of its texts' centre (its texts are centred)."""
    out = {}
    for g in root(svg).iter(f"{SVG}g"):
        if g.get("data-role") == "scope":
            texts = [t for t in g.iter(f"{SVG}text") if (t.text or "").strip()]
            names = [t.text or "" for t in texts if t.get("class") == "mg-name"]
            out[" ".join(names)] = float(texts[0].get("x", 0))
    return out


def test_the_keys_come_in_before_the_softmax_and_the_values_after_it() -> None:
    x = _centres(draw(_step(), within=HEAD, width=None).svg())
    softmax = x["softmax"]
    keys = [place for place in x if place.startswith("from") and not place.endswith("attn_wv")]
    values = [place for place in x if place.endswith("attn_wv")]
    assert len(keys) == 4 and len(values) == 3
    assert all(x[k] < softmax for k in keys)
    assert all(x[v] > softmax for v in values)  # beside the mixing, not in the inputs' column
    assert len({round(x[k]) for k in keys}) == 1  # the keys and the query: one column, the inputs'


def test_microgpts_head_of_fused_blocks_zoomed_into_fits_a_slide_width_at_12_px() -> None:
    model = MicroGPT.from_names(fused=True)
    loss = model.step_loss(model.tokenizer.encode(model.docs[0]))
    loss.backward()
    with pytest.warns(PictureTooLarge):  # wider than a notebook's 900 px: shown at 12 px, not shrunk further
        svg = draw(loss, within="pos3/layer0/attn/head2").svg()
    width, _ = size_px(svg)
    assert smallest_text_px(svg) >= 11.9
    assert width <= 1200  # was 1057 px wide, but with the values' lines looping around it; now beside the mixing
    x = _centres(svg)
    values = [v for v in x if v.endswith("attn_wv")]  # pos0 ... pos3's values of head 2
    assert len(values) == 4 and all(x[v] > x["softmax"] for v in values)


def test_a_box_inside_the_scope_zoomed_into_is_titled_from_there_so_its_column_stays_narrow() -> None:
    model = MicroGPT.from_names()  # microgpt's head of scalar gates: a sum of products per score and output
    loss = model.step_loss(model.tokenizer.encode(model.docs[0]))
    loss.backward()
    with pytest.warns(PictureTooLarge):  # ~12 columns of gates and their numbers: wider than 900 px at 12 px
        svg = draw(loss, within="pos3/layer0/attn/head2").svg()
    assert "softmax" in _boxes(svg) and "pos3/layer0/attn/head2" in texts_of(svg, "heading")  # the outline says where
    assert smallest_text_px(svg) >= 11.9
    assert size_px(svg)[0] <= 1800  # 1883 px with the softmax box titled pos3/layer0/attn/head2/softmax


def test_expand_opens_a_scope_inside_the_one_zoomed_into() -> None:
    loss = _step()
    svg = draw(loss, within=HEAD, expand="softmax", width=None).svg()
    assert "softmax" not in _boxes(svg)
    exps = [v for v in topological_order(loss) if v.scope == f"{HEAD}/softmax" and v.op == "exp"]
    gates = [texts for _, texts in role_elements(svg, "gate")]
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
