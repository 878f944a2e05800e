"""explain(): the chain-rule derivation of the lecture's examples, checked against backward()."""

import re

import pytest

from micrograd import Value, explain, local_grads
from micrograd.drawing.derivation import Explanation
from micrograd.drawing.names import node_names
from micrograd.drawing.numbers import format_number

LINE = re.compile(r"^d(?P<f>\S+)/d(?P<v>\S+)(?P<via> \(via \S+\))? = (?P<rhs>.*)$")


def leaves(**values: float) -> list[Value]:
    return [Value(v, label=k) for k, v in values.items()]


def final_grads(text: str) -> dict[str, str]:
    """The printed total df/dv of each node: the last number of its last line that is not a '(via ...)' term."""
    out = {}
    for line in text.splitlines():
        m = LINE.match(line)
        assert m, line
        if not m["via"]:
            out[m["v"]] = m["rhs"].rsplit(" = ", 1)[-1].replace("−", "-")  # the minus sign, as a number reads
    return out


def add_mul() -> tuple[Value, list[Value]]:
    x, y, z = leaves(x=-2.0, y=5.0, z=-4.0)
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    return f, [x, y, z]


def test_add_mul_text():
    f, _ = add_mul()
    assert str(explain(f)) == "\n".join(
        [
            "df/df = 1",
            "df/dq = df/df · ∂f/∂q = 1 · (−4) = −4",
            "df/dx = df/dq · ∂q/∂x = (−4) · 1 = −4",
            "df/dy = df/dq · ∂q/∂y = (−4) · 1 = −4",
            "df/dz = df/df · ∂f/∂z = 1 · 3 = 3",
        ]
    )


def test_max_gate_gradients_and_order():
    x, y, z, w = leaves(x=3.0, y=-4.0, z=2.0, w=-1.0)
    gate = z.max(w)
    f = 2 * (gate + x * y)
    f.label = "f"
    e = explain(f)
    text = str(e)
    got = final_grads(text)
    assert [got[n] for n in "xyzw"] == ["-8", "6", "2", "0"]
    m = e.names[gate]
    assert f"df/dw = df/d{m} · ∂{m}/∂w = 2 · 0 = 0" in text  # the max gate routes nothing to the smaller side
    assert f"df/dz = df/d{m} · ∂{m}/∂z = 2 · 1 = 2" in text
    assert "d2/" not in text and "/d2 " not in text  # the constant 2 needs no gradient: no line
    lines = text.splitlines()
    assert lines[0] == "df/df = 1"
    # backward order: a node's line comes after the lines of every node that uses it
    names = node_names(f)
    position = {m["v"]: i for i, line in enumerate(lines) if (m := LINE.match(line))}
    for v in names:
        for p in v.parents:
            if names[p] in position and names[v] in position:
                assert position[names[v]] < position[names[p]]


def sigmoid_neuron() -> tuple[Value, list[Value]]:
    w0, x0, w1, x1, w2 = leaves(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0)
    f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    f.label = "f"
    return f, [w0, x0, w1, x1, w2]


def test_sigmoid_neuron():
    f, inputs = sigmoid_neuron()
    got = final_grads(str(explain(f)))
    rounded = [round(float(got[v.label]), 2) for v in inputs]
    assert rounded == [-0.20, 0.39, -0.39, -0.59, 0.20]
    assert round(f.data, 2) == 0.73


def test_reuse_gets_a_line_per_wire_and_a_sum():
    a = Value(3.0, label="a")
    b = a + a
    b.label = "b"
    c = b + b
    c.label = "c"
    text = str(explain(c))
    assert text.splitlines() == [
        "dc/dc = 1",
        "dc/db (via c) = dc/dc · ∂c/∂b = 1 · 1 = 1",
        "dc/db (via c) = dc/dc · ∂c/∂b = 1 · 1 = 1",
        "dc/db = 1 + 1 = 2",
        "dc/da (via b) = dc/db · ∂b/∂a = 2 · 1 = 2",
        "dc/da (via b) = dc/db · ∂b/∂a = 2 · 1 = 2",
        "dc/da = 2 + 2 = 4",
    ]
    assert a.grad == 0.0  # explain wrote no gradient
    c.backward()
    assert a.grad == 4.0


def test_sum_of_mixed_signs():
    a = Value(2.0, label="a")
    f = a * 3 - a * a
    f.label = "f"
    text = str(explain(f))
    assert "df/da = 3 + (−2) + (−2) = −1" in text
    f.backward()
    assert a.grad == -1.0


@pytest.mark.parametrize("make", [add_mul, sigmoid_neuron])
def test_every_number_agrees_with_backward(make):
    f, _ = make()
    e = explain(f)  # before backward(): it shows what backward will compute
    f.backward()
    names = {v: n for v, n in e.names.items()}
    for step in e.steps:
        if step.kind == "edge":
            c, v = step.consumer, step.node
            assert step.upstream == c.grad
            assert step.local == local_grads(c)[c.parents.index(v)]
            assert step.value == pytest.approx(step.upstream * step.local, rel=1e-15)
        elif step.kind == "sum":
            assert sum(step.terms) == pytest.approx(step.value)
    for v, g in e.grads.items():
        assert g == v.grad, names[v]
    # and the text shows exactly those numbers
    got = final_grads(str(e))
    for v, name in names.items():
        if name in got:
            assert got[name] == format_number(v.grad)


def test_explain_changes_no_gradient():
    """The issue's reproduction: explain, then backward, must give backward's numbers (not twice them)."""
    f, (x, y, z) = add_mul()
    before = str(explain(f))
    assert (x.grad, y.grad, z.grad) == (0.0, 0.0, 0.0)
    f.backward()
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)
    assert str(explain(f)) == before  # the same derivation before and after
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)


def test_constants_get_no_line():
    x = Value(3.0, label="x")
    f = 2 * x
    f.label = "f"
    assert str(explain(f)).splitlines() == ["df/df = 1", "df/dx = df/df · ∂f/∂x = 1 · 2 = 2"]


def test_explain_refuses_a_value_that_needs_no_gradient():
    with pytest.raises(ValueError, match="needs no gradient"):
        explain(Value(2.0, requires_grad=False))


def test_unlabelled_nodes_share_the_diagram_names():
    x = Value(1.0, label="x")
    f = (x * x).tanh()
    e = explain(f)
    names = node_names(f)
    assert e.names == names
    assert str(e).startswith(f"d{names[f]}/d{names[f]} = 1")


def test_markdown_and_repr():
    f, _ = add_mul()
    e = explain(f)
    md = e._repr_markdown_()
    assert "df/dq = df/df · ∂f/∂q = 1 · (−4) = −4" in md
    assert "```" in md and md.count("\n") >= 6
    assert isinstance(e, Explanation) and "5 steps" in repr(e)


def test_markdown_fence_survives_backticks_in_labels():
    x = Value(1.0, label="```x")
    f = x * 2
    md = explain(f)._repr_markdown_()
    fence = md.splitlines()[2]
    assert fence.startswith("````")


def test_bad_input():
    with pytest.raises(TypeError, match="Value"):
        explain(3.0)
    with pytest.raises(ValueError, match="precision"):
        explain(Value(1.0), precision=0)


def test_deep_chain_is_iterative():
    x = Value(0.5, label="x")
    f = x
    for _ in range(20_000):
        f = f * -1.0  # not an identity gate: a picture keeps it
    e = explain(f)
    assert len(e.steps) == 20_001
    assert str(e).splitlines()[-1].endswith("= 1")


def test_deep_chain_of_identity_gates_is_one_wire():
    """x * 1 * 1 ... : 19,999 hidden gates, the output's own kept (its input is a leaf); no recursion."""
    x = Value(0.5, label="x")
    f = x
    for _ in range(20_000):
        f = f * 1.0
    f.label = "f"
    assert str(explain(f)).splitlines() == ["df/df = 1", "df/dx = df/df · ∂f/∂x = 1 · 1 = 1"]
    assert len(explain(f, identities=True).steps) == 20_001
