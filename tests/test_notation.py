"""One notation everywhere: d for totals, ∂ for a gate's local derivative; gates in glyphs; identity gates hidden.

Each text the package writes is read back (explain, the player's captions, the SVG's annotations
and hover titles, worksheet hints) and held to ``df/dx = df/dq · ∂q/∂x``.
"""

from __future__ import annotations

import re

import pytest
from svgtools import SVG, root, texts_of

import micrograd
from micrograd import Value, draw, draw_steps, explain, grad, worksheet
from micrograd.core import reading_order
from micrograd.drawing.names import node_names
from micrograd.drawing.notation import derivative_name, gate_text
from micrograd.gallery import sigmoid_neuron

NAME = r"[\w#²]+|\([^()]*\)"  # a node's name as the texts write it (a name with a fraction in brackets)
CHAIN = re.compile(rf"d(?P<f>{NAME})/d(?P<q>{NAME}) · ∂(?P<q2>{NAME})/∂(?P<x>{NAME})")
TOTAL = re.compile(rf"(?<![∂\w])d(?P<f>{NAME})/d(?P<x>{NAME})")


def named(**values: float) -> list[Value]:
    return [Value(v, label=k) for k, v in values.items()]


def twice() -> Value:
    """b = a + a: one gate, one input used on both of its wires."""
    (a,) = named(a=3.0)
    b = a + a
    b.label = "b"
    return b


def check_chains(text: str, f: str) -> int:
    """Every chain rule in ``text`` is ``df/dq · ∂q/∂x`` (the same q twice, f the output); how many there are."""
    chains = list(CHAIN.finditer(text))
    for m in chains:
        assert m["f"] == f and m["q"] == m["q2"], (m.group(0), text)
    for m in TOTAL.finditer(text):  # every d.../d... is a total: of the output
        assert m["f"] == f, (m.group(0), text)
    assert not re.search(rf"(?<!∂)d({NAME})/d({NAME}) · d", text), text  # never a d where a ∂ belongs
    return len(chains)


def edges(f: Value) -> int:
    """How many wires carry a gradient: one chain rule each."""
    return len(micrograd.backward_trace(f).wires)


# ---------------------------------------------------------------- d for totals, ∂ for local ones


def test_explain_writes_d_for_totals_and_partial_for_the_gate():
    assert str(explain(twice())).splitlines() == [
        "db/db = 1",
        "db/da (via b) = db/db · ∂b/∂a = 1 · 1 = 1",
        "db/da (via b) = db/db · ∂b/∂a = 1 · 1 = 1",
        "db/da = 1 + 1 = 2",
    ]
    f = sigmoid_neuron()
    text = str(explain(f))
    assert "df/dx0 = df/dn1 · ∂n1/∂x0 = 0.1966 · 2 = 0.3932" in text
    assert check_chains(text, "f") == edges(f)


def test_player_captions_write_the_chain_rule_with_partials():
    steps = draw_steps(twice(), engine="wasm")
    assert steps[2].caption == (
        "step 2 of 2: db/da = db/db · ∂b/∂a + db/db · ∂b/∂a = 1 · 1 + 1 · 1 = 2"
        " (a is used 2 times: the contributions add)"
    )
    captions = [s.caption for s in draw_steps(sigmoid_neuron(), engine="wasm")]
    assert captions[1] == "step 1 of 13: the seed, df/df = 1"
    assert sum(check_chains(c, "f") for c in captions[2:]) == edges(sigmoid_neuron())  # one per wire
    assert any(c.endswith("df/dx0 = df/dn1 · ∂n1/∂x0 = 0.1966 · 2 = 0.3932") for c in captions)


def test_hover_titles_and_annotations_write_partials():
    f = sigmoid_neuron()
    f.backward()
    svg = draw(f, style="circuit", annotate=True).svg("wasm")
    titles = [t.text or "" for t in root(svg).iter(f"{SVG}title")]
    wires = [t for t in titles if "along this wire" in t]
    assert wires and all(check_chains(t, "f") == 1 for t in wires)
    assert any("df/dx0 along this wire = df/dn1 · ∂n1/∂x0 = 0.1966 · 2 = 0.3932" in t for t in titles)
    for t in titles:
        check_chains(t, "f")
    assert "n1 = w0 × x0 = -2; df/dn1 = 0.1966" in titles  # a node: its formula in glyphs, its total
    notes = texts_of(svg, "note")
    partials = [n for n in notes if n.startswith("∂")]
    assert len(partials) == edges(f) and all(re.fullmatch(rf"∂({NAME})/∂({NAME})", n) for n in partials)
    assert not [n for n in notes if re.search(r"(?<!∂)\bd\w+/d", n)]  # no total written as a local


def test_annotations_before_backward_write_the_local_derivative():
    x, y = named(x=2.0, y=-3.0)
    f = x * y
    f.label = "f"
    notes = texts_of(draw(f, style="circuit", annotate=True, show_grad=False).svg("wasm"), "note")
    assert "∂f/∂x" in notes and "= -3" in notes and "∂f/∂y" in notes and "= 2" in notes


def test_worksheet_hints_write_partials():
    f = sigmoid_neuron()
    ws = worksheet(f)
    products = [b for b in ws.boxes if b.step.kind == "product"]
    assert products
    for b in products:
        assert check_chains(b.step.how, "f") == 1 and check_chains(b.step.sign, "f") == 1
    assert ws.box("df/dx0").step.how.startswith("df/dx0 = df/dn1 · ∂n1/∂x0: ")
    assert "for n1 = w0 × x0, ∂n1/∂x0 = w0" in ws.box("df/dx0").step.how


# ---------------------------------------------------------------- gates in glyphs


def gate(make, **values: float) -> str:
    """The gate of the node ``make`` builds from inputs named as ``values``, in a picture of those names."""
    inputs = named(**values)
    v = make(*inputs)
    return gate_text(v, 4, [p.label for p in inputs])


@pytest.mark.parametrize(
    ("make", "glyph"),
    [
        (lambda a, b: a + b, "+"),
        (lambda a, b: a - b, "−"),
        (lambda a, b: a * b, "×"),
        (lambda a, b: a / b, "÷"),
        (lambda a, b: a**b, "xʸ"),
        (lambda a, b: a.max(b), "max"),
        (lambda a, b: a.min(b), "min"),
        (lambda a, b: a + 1, "+1"),
        (lambda a, b: 1 + a, "+1"),
        (lambda a, b: a + -1, "−1"),  # x + (−1) is x − 1
        (lambda a, b: a - 1, "−1"),  # subtract 1: never negation
        (lambda a, b: a - -2, "+2"),
        (lambda a, b: 1 - a, "1−x"),
        (lambda a, b: a * 2, "×2"),
        (lambda a, b: 2 * a, "×2"),
        (lambda a, b: a * 0.5, "×0.5"),
        (lambda a, b: a / 4, "÷4"),
        (lambda a, b: 2 / a, "2/x"),
        (lambda a, b: a**2, "x²"),
        (lambda a, b: a**3, "x³"),
        (lambda a, b: a**10, "x^10"),  # the font has no ⁰ or ⁻
        (lambda a, b: a**-1, "x^−1"),
        (lambda a, b: a**0.5, "x^0.5"),
        (lambda a, b: 2**a, "2ˣ"),
        (lambda a, b: -a, "×−1"),
        (lambda a, b: a * -1, "×−1"),  # negation one way, however it was written
        (lambda a, b: a.exp(), "exp"),
        (lambda a, b: a.log(), "log"),
        (lambda a, b: a.tanh(), "tanh"),
        (lambda a, b: a.sin(), "sin"),
        (lambda a, b: a.cos(), "cos"),
        (lambda a, b: a.sigmoid(), "σ"),
        (lambda a, b: a.sqrt(), "√"),
        (lambda a, b: a.reciprocal(), "1/x"),
        (lambda a, b: abs(a), "|x|"),
        (lambda a, b: a.relu(), "ReLU"),
        (lambda a, b: a.max(0.0), "max 0"),
    ],
)
def test_each_op_has_its_glyph(make, glyph):
    assert gate(make, a=2.0, b=3.0) == glyph


def test_a_placeholder_is_never_the_name_of_another_node():
    assert gate(lambda x, t: 1 - t, x=2.0, t=0.5) == "1−u"  # x names a node: not 1−x beside it
    assert gate(lambda x, u, t: t**2, x=2.0, u=1.0, t=0.5) == "z²"
    assert gate(lambda x, y: x**y, x=2.0, y=3.0) == "uᵛ"  # two placeholders, neither a name
    x, t = named(x=2.0, t=0.5)
    svg = draw(x**2 + (1 - t), style="circuit").svg("wasm")
    assert {"x²", "1−u"} <= set(texts_of(svg, "text"))  # x² on the node named x itself reads right


def test_negation_is_drawn_one_way():
    (a,) = named(a=2.0)
    ops = [texts_of(draw(f, style="circuit").svg("wasm"), "text") for f in (-a, a * -1, -1 * a)]
    assert ops == [["×−1"]] * 3


# ---------------------------------------------------------------- identity gates


def wire_numbers(svg: str, wid: str) -> tuple[str, str]:
    """(value, gradient) written on the wire record ``wid``."""
    (g,) = [g for g in root(svg).iter(f"{SVG}g") if g.get("id") == wid]
    texts = {t.get("class"): t.text for t in g.iter(f"{SVG}text")}
    return texts["mg-value"], texts["mg-grad"]


def test_sum_leaves_no_plus_zero_gate_and_keeps_the_numbers():
    a, b, c = named(a=1.5, b=-2.0, c=3.0)
    s = sum([a, b])  # (0 + a) + b
    f = s * c
    f.label = "f"
    f.backward()
    hidden = draw(f, style="circuit")
    shown = draw(f, style="circuit", identities=True)
    assert "+0" not in texts_of(hidden.svg("wasm"), "text") and "+0" in texts_of(shown.svg("wasm"), "text")
    ids = {v: f"v{k}" for k, v in enumerate(reading_order(f))}
    # the wire from sum([a, b]) into the × gate: the same value and gradient either way
    into_times = f"w{ids[s]}_{ids[f]}_0"
    assert wire_numbers(hidden.svg("wasm"), into_times) == wire_numbers(shown.svg("wasm"), into_times) == ("-0.5", "3")
    # a goes straight into s; its wire carries what the wire into the hidden +0 did: the trace's number
    zero_plus_a = s.parents[0]
    direct = wire_numbers(hidden.svg("wasm"), f"w{ids[a]}_{ids[s]}_0")
    through = wire_numbers(shown.svg("wasm"), f"w{ids[a]}_{ids[zero_plus_a]}_1")
    assert direct == through == ("1.5", "3") and a.grad == 3.0


def test_hidden_gates_vanish_from_explain_the_player_and_worksheets():
    a, b, c = named(a=1.0, b=2.0, c=3.0)
    f = sum([a, b, c])
    f.label = "f"
    assert str(explain(f)).splitlines() == [
        "df/df = 1",
        "df/dn1 = df/df · ∂f/∂n1 = 1 · 1 = 1",
        "df/da = df/dn1 · ∂n1/∂a = 1 · 1 = 1",
        "df/db = df/dn1 · ∂n1/∂b = 1 · 1 = 1",
        "df/dc = df/df · ∂f/∂c = 1 · 1 = 1",
    ]
    assert len(explain(f, identities=True).steps) == 6  # and the +0 gate, when asked for
    assert len(draw_steps(f, engine="wasm")) == 1 + 5 and len(draw_steps(f, engine="wasm", identities=True)) == 1 + 6
    ws = worksheet(f, "both")
    assert [b.name for b in ws.boxes] == ["n1", "f", "df/dn1", "df/da", "df/db", "df/dc"]
    assert ws.check(ws.answers())
    assert node_names(f, hidden={f.parents[0].parents[0]: a})[f.parents[0].parents[0]] == "a"


def test_a_deep_chain_of_identity_gates_is_drawn_without_recursion():
    x = Value(0.5, label="x")
    f = x
    for _ in range(3000):
        f = f * 1.0
    d = draw(f + 1, style="circuit", max_nodes=10_000)
    assert d.source.count("shape=record") == 2  # x into +1, and the output


# ---------------------------------------------------------------- a derivative's graph


def test_a_derivative_graph_is_named_after_what_it_is():
    (x,) = named(x=2.0)
    y = x**3
    y.label = "y"
    y.backward(create_graph=True)
    dy = x.grad
    svg = draw(dy, style="circuit", forward=y).svg("wasm")
    assert "dy/dx = 12" in texts_of(svg, "value")  # 3x² at 2
    assert set(texts_of(svg, "text")) == {"x²", "×3"}  # the seed's ×1 hidden
    dy.label = "dy/dx"
    x.grad = 0.0
    dy.backward(create_graph=True)
    svg = draw(x.grad, style="circuit", forward=dy).svg("wasm")
    assert "d²y/dx² = 12" in texts_of(svg, "value")  # 6x at 2
    assert not {"×1", "x¹"} & set(texts_of(svg, "text"))
    assert derivative_name("d²y/dx²", "x") == "d³y/dx³" and derivative_name("f", "x0") == "df/dx0"


def test_the_gradient_graph_of_grad_keeps_its_numbers():
    (x,) = named(x=0.5)
    t = x.tanh()
    (d1,) = grad(t, x, create_graph=True)
    svg = draw(d1, style="circuit", forward=t).svg("wasm")
    assert "×1" not in texts_of(svg, "text")
    assert any(v.endswith(f"= {1 - t.data**2:.4f}") for v in texts_of(svg, "value"))
