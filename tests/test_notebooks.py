"""Every teaching notebook runs top to bottom in a fresh kernel; the repository keeps them cleared.

The numbers a notebook teaches are checked here, not in its cells: ``CHECKS`` holds, per notebook, code
that runs in the notebook's kernel right after the cell carrying that tag (the cell's metadata ``tags``),
so it sees what the learner sees at that point, and fails the test if a number is wrong. Every exercise
(a cell tagged ``exercise``: a worksheet ``ws`` checked against ``my_answers``) is checked to ship
placeholders only, one for each box.

With ``MICROGRAD_EXECUTED_NOTEBOOKS=DIR`` each notebook that ran is saved there with its outputs (the checks
taken out again): the documentation site shows those (CI: ``docs/notebooks``, read by docs/hooks.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
EXPECTED = {
    "01_chain_rule_on_circuits.ipynb",
    "02_automating_backprop.ipynb",
    "03_neuron_and_logistic_regression.ipynb",
    "04_mlp_on_moons.ipynb",
    "05_jacobians.ipynb",
    "06_exercises.ipynb",
    "07_backprop_bugs.ipynb",
    "08_higher_order.ipynb",
    "09_staged_code.ipynb",
    "10_your_own_op.ipynb",
    "11_microgpt.ipynb",
}

# after a cell tagged "exercise": the learner gets a placeholder for every box, in the sheet's numbering, and
# nothing else
EXERCISE = """
assert my_answers and all(v is None for v in my_answers.values()), "ship placeholders, not answers"
assert ws.check({k: ws.box(k).answer for k in my_answers}), "the placeholders name every box, each once"
_numbers = [ws.box(k).number for k in my_answers]
assert _numbers == sorted(_numbers), f"list the boxes in the sheet's order: {list(my_answers)} are boxes {_numbers}"
"""


def says_right(placeholder: str, by_hand: str, engine: str) -> str:
    """After an array exercise of notebook 05: the answer worked out with the notebook's formula gets "right"."""
    return f"""
import contextlib, io
assert {placeholder} is None
said = io.StringIO()
with contextlib.redirect_stdout(said):
    verdict({by_hand}, {engine})
assert said.getvalue() == "right\\n", said.getvalue()
"""


def guessed(placeholder: str, answer: str, value: float) -> str:
    """After a guess-and-check exercise of notebook 07: the placeholder shipped, the answer ``value``, which
    ``verdict`` calls right."""
    return f"""
import contextlib, io
assert {placeholder} is None and {answer} == {value!r}
with contextlib.redirect_stdout(said := io.StringIO()):
    verdict({value!r}, {answer}, "")
    verdict({value!r} + 1, {answer}, "a hint")
assert said.getvalue() == "right\\nnot yet: a hint\\n", said.getvalue()
"""


def worked_out(placeholder: str, by_hand: str, answer: str) -> str:
    """After an exercise of notebook 08: the placeholder shipped; the answer worked out by hand, rounded to 4
    decimals, gets "right" from ``verdict``, the same with its sign flipped "not yet"."""
    return f"""
import contextlib, io
assert {placeholder} is None
with contextlib.redirect_stdout(said := io.StringIO()):
    verdict(np.round({by_hand}, 4), {answer}, "")
    verdict(-np.asarray({by_hand}), {answer}, "a hint")
assert said.getvalue() == "right\\nnot yet: a hint\\n", said.getvalue()
"""


DEZERO_GRAD = "3.297442541400256"  # DeZero's dy/dx for square -> exp -> square at 0.5: 4x·exp(2x²)

SIGMOID_GRADS = "[-0.1966, 0.3932, -0.3932, -0.5898, 0.1966]"  # the lecture's: df/dw0, dx0, dw1, dx1, dw2

# the published microgpt, re-typed with its own Value: what notebook 11's model is held to
MICROGPT_REFERENCE = """
import math, sys
from pathlib import Path
sys.path.insert(0, str(Path.cwd().parent / "benchmarks"))
from microgpt_reference import Reference
"""

CHECKS: dict[str, dict[str, str]] = {
    "01_chain_rule_on_circuits.ipynb": {
        "add-mul": "assert (f.data, x.grad, y.grad, z.grad) == (-12.0, -4.0, -4.0, 3.0)",
        "max-gate": "assert (f.data, x.grad, y.grad, z.grad, w.grad) == (-20.0, -8.0, 6.0, 2.0, 0.0)",
    },
    "02_automating_backprop.ipynb": {
        "chain": "assert x.grad == 3.297442541400256",
        "by-hand": "assert x2.grad == x.grad  # the walk by hand is backward()",
        "slope": "assert my_slope is None and math.isclose((1 - 0.5) * math.exp(-0.5), numeric, rel_tol=1e-9)",
        "orders": "assert math.isclose(good, 3 * math.e) and not math.isclose(x.grad, 3 * math.e)",
        "a-plus-a": "assert a.grad == 2.0",
        "assign-bug": "assert a.grad == 1.0  # the bug it shows",
    },
    "03_neuron_and_logistic_regression.ipynb": {
        "sigmoid-neuron": f"""
assert round(f.data, 2) == 0.73
assert [round(v.grad, 4) for v in (w0, x0, w1, x1, w2)] == {SIGMOID_GRADS}
""",
        "sigmoid-gate": f"""
assert round(g.data * (1 - g.data), 4) == 0.1966
assert [round(v.grad, 4) for v in (w0, x0, w1, x1, w2)] == {SIGMOID_GRADS}  # one gate, the same gradients
""",
        "live-neuron": """
assert raises == ["x0", "w2"] and step.after > step.before
assert all(c.agree for c in w.check(1e-5).values())
for _name, _x in zip(("w0", "x0", "w1", "x1", "w2"), (2.0, -1.0, -3.0, -2.0, -3.0)):  # each alone, a little more
    _alone = live(f)
    _alone.set(**{_name: _x + 0.01})
    assert (_alone.output > f.data) == (_name in raises), _name
""",
        "neuron": "assert [round(p.grad, 4) for p in (n.w[0], n.w[1], n.b)] == [-0.1966, -0.3932, 0.1966]",
        "training": """
import math
assert math.isclose(losses[0], math.log(2)) and losses[-1] < 0.2
_zs, _ts = [Value(-1.5), Value(0.0), Value(2.0)], [1, 0, 1]
bce_with_logits(_zs, _ts).backward()  # the mean over N = 3: each logit gets (sigma(z) - t) / N, as the text says
assert all(math.isclose(z.grad, (1 / (1 + math.exp(-z.data)) - t) / 3, rel_tol=1e-12) for z, t in zip(_zs, _ts))
""",
        "loss-start": """
z0 = Value(0.0)
bce_with_logits([z0], [1]).backward()
assert ws.box("dL/dz").answer == z0.grad == 0.5 - 1  # sigma(z) - t, as the exercise says
""",
        "boundary": """
assert accuracy >= 0.9
with no_grad():  # the weights read off the neuron are the neuron
    assert abs(model([1.0, 2.0]).data - (wa * 1.0 + wb * 2.0 + bias)) < 1e-12
""",
        # the slope worked out from the weights as the plot's title rounds them counts as right
        "boundary-slope": "assert my_slope is None and abs(-round(wa, 2) / round(wb, 2) - slope) < 0.02",
    },
    "04_mlp_on_moons.ipynb": {
        "training": "assert final_accuracy >= 0.95, final_accuracy",
        "gate-by-gate": "assert gates.data == out.data and [xi.grad for xi in x] == grads_fused",
    },
    "05_jacobians.ipynb": {
        "matmul-formulas": "assert np.allclose(A.grad, G @ B.data.T) and np.allclose(B.grad, A.data.T @ G)",
        "dA": says_right("my_dA", "G2 @ B.data.T", "A2.grad")
        + """
with contextlib.redirect_stdout(said := io.StringIO()):
    verdict((G2 @ B.data.T).T, A2.grad)  # the shape of A transposed
    verdict(-(G2 @ B.data.T), A2.grad)  # a sign
    verdict(G2 @ B.data.T + [[0, 0, 0], [0, 1, 0]], A2.grad)  # one entry off
_said = said.getvalue().splitlines()
assert "transposed" in _said[0] and "(2, 3)" in _said[0] and "sign" in _said[1], _said
assert _said[2] == "not yet: 1 of 6 entries differ, the first at (1, 1)", _said
""",
        "dimensions": """
assert (W.grad.shape, X.grad.shape) == ((5, 10), (10, 3))
assert np.allclose(W.grad, dY @ X.data.T) and np.allclose(X.grad, W.data.T @ dY)
""",
        "rows": says_right("my_dW", "Xr.T @ dYr", "Wt.grad")
        + """
with contextlib.redirect_stdout(said := io.StringIO()):
    verdict(dYr.T @ Xr, Wt.grad)  # (5×3)(3×10): the shapes fit, transposed
    verdict(dYr.T @ dYr, Wt.grad)  # (5×3)(3×5): a shape no gradient of W has
_said = said.getvalue().splitlines()
assert "transposed" in _said[0] and _said[1].startswith("not yet: yours has shape (5, 5);"), _said
""",
        "jacobian": "assert np.allclose(J, np.kron(np.eye(2), B.data.T))",
        "gradcheck": "assert gradcheck(lambda a, b: a @ b, [A.data, B.data])",
        "entry": says_right("my_entry", "B.data[2, 1]", "J[1, 2]"),
        "bias": "assert np.array_equal(b.grad, Gz.sum(axis=0))",
        "column": "assert np.allclose(col.grad.ravel(), (Gz * X.data).sum(axis=1))",
        "scale": says_right("my_ds", "X2.data.sum(axis=0)", "s.grad")
        + """
with contextlib.redirect_stdout(said := io.StringIO()):
    verdict(X2.data.mean(axis=0), s.grad)  # the mean over the rows, where the sum is right
    verdict(X2.data, s.grad)  # one entry per use, not summed
    verdict(X2.data[0], s.grad)  # one row's share only
_said = said.getvalue().splitlines()
assert "1/2" in _said[0] and "sum" in _said[0] and "sum over the axes" in _said[1], _said
assert _said[2] == "not yet: 3 of 3 entries differ, the first at (0,)", _said
""",
    },
    "07_backprop_bugs.ipynb": {
        "a-plus-a": "assert comparison.differences == [('a', 2.0, 1.0)] and a.grad == 0.0  # drawn, not written",
        "last-write": "assert comparison.differences == [('a', -2.0, -3.0)]",
        "x-times-x-plus-x": guessed("my_x_grad", "comparison.passes.buggy.grad(x)", 2.0),
        "walk": "assert (x_twin.grad, x.grad) == (2.0, 8.0)",
        "walk-picture": "assert comparison.differences == [('x', 8.0, 2.0)]",
        "swapped": guessed("my_swapped", "comparison.passes.buggy.grad(x)", 8.0),
        "twice": "assert (a.grad, b.grad) == (-6.0, 4.0)",
        "two-losses": guessed("my_a_grad", "a.grad", 1.0),
        "step-2": "assert {d.name: (d.correct, d.buggy) for d in comparison.differences} == "
        "{'w': (-1.0, 3.0), 'b': (-0.5, 1.5)}",
        "loop": "assert with_zero[-1] < 1e-3 and min(without[-10:]) > 0.5  # one settles, the other swings",
    },
    "08_higher_order.ipynb": {
        "tanh-first": """
import math
assert isinstance(dt, Value) and abs(dt.data - (1 - math.tanh(0.5) ** 2)) < 1e-15
""",
        "tanh-second": "import math\nassert abs(x.grad - (-2 * math.tanh(0.5) * (1 - math.tanh(0.5) ** 2))) < 1e-12",
        "curves": """
assert np.abs(np.array(first) - (1 - th**2)).max() < 1e-12
assert np.abs(np.array(second) - (-2 * th * (1 - th**2))).max() < 1e-12
""",
        "third": worked_out("my_third", "(-2 + 6 * t0**2) * (1 - t0**2)", "third")
        + "assert abs(third - (-2 + 6 * t0**2) * (1 - t0**2)) < 1e-12  # (-2t + 2t³)' = (-2 + 6t²)(1 - t²)",
        "newton": """
import math
assert derivatives(2.0) == (24.0, 44.0) and math.isclose(newton_xs[1], 16 / 11)  # DeZero's numbers
assert len(newton_xs) <= 7 and abs(newton_xs[-1] - 1) < 1e-10  # within 6 steps
assert [round(math.log10(abs(v - 1))) for v in newton_xs[4:]] == [-3, -6, -12]  # the digits double
""",
        "descent": """
assert 100 <= len(gd_xs) - 1 < 1000 and abs(gd_xs[-1] - 1) < 1e-10  # hundreds of steps
assert abs((gd_xs[-1] - 1) / (gd_xs[-2] - 1) - 0.92) < 1e-3  # a fraction 1 - lr·f''(1) of the gap left
""",
        "x1": worked_out("my_x1", "0.3 - (4 * 0.3**3 - 4 * 0.3) / (12 * 0.3**2 - 4)", "from_03[1]"),
        "to-the-top": "assert abs(from_03[-1]) < 1e-12 and all(derivatives(v)[1] < 0 for v in from_03)",
        "newton-2d": "assert np.abs(gradient(p)).max() < 1e-12",
        "hessian": "assert np.abs(H - H_fd).max() < 1e-7 and np.allclose(H, H.T, rtol=1e-14, atol=0)",
        "eigen": """
assert np.all(eigenvalues > 0) and round(eigenvalues[1] / eigenvalues[0]) == 23  # a bowl; curvatures 23-fold apart
assert np.allclose(H @ q, q * eigenvalues) and q[0, 0] * q[1, 0] < 0  # flat: w up, b down
""",
        "hvp": """
assert np.allclose(Hv, H @ v, rtol=1e-12, atol=1e-15)
assert np.allclose(hvp(loss, p, q[:, 0]), eigenvalues[0] * q[:, 0], rtol=1e-10)
""",
        "one-point": worked_out("my_eigenvalues", "[0.0, 10.0]", "np.linalg.eigvalsh(H1)")
        + "assert np.allclose(H1, [[8, 4], [4, 2]])",
    },
    "09_staged_code.ipynb": {
        "quoted": """
from micrograd.gallery import add_mul, fork_xy, sigmoid_neuron
_sources = {make.__name__: str(staged(make())) for make in (add_mul, sigmoid_neuron, fork_xy)}
for _name, _line in [  # the lines the text quotes
    ("add_mul", "dq = df * z"),
    ("add_mul", "dx = dq"),
    ("add_mul", "dy = dq"),
    ("sigmoid_neuron", "dn5 = dn6 * n6"),
    ("sigmoid_neuron", "dn7 = -df * (div(1.0, n7) * div(1.0, n7))"),
    ("fork_xy", "dx = dn1 * (2.0 * x)"),
    ("fork_xy", "dx += dn2 * 3.0"),
]:
    assert f"    {_line} " in _sources[_name], (_name, _line)
assert "+=" not in _sources["add_mul"] + _sources["sigmoid_neuron"]  # only the fork adds
""",
        "bit-for-bit": f"""
from micrograd.gallery import add_mul, fork_xy, sigmoid_neuron
assert grads == by_backward
for _make in (add_mul, sigmoid_neuron, fork_xy):
    _f = _make()
    _f.backward()
    _code = staged(_f)
    _value, _grads = _code.function()(*_code.values)
    _leaves = {{v.label: v for v in topological_order(_f) if not v.parents and v.requires_grad}}
    assert repr(_value) == repr(_f.data), _make.__name__  # repr: the same float, bit for bit
    assert [repr(g) for g in _grads] == [repr(_leaves[n].grad) for n in _code.arguments], _make.__name__
assert [round(g, 4) for g in staged(sigmoid_neuron())()[1]] == {SIGMOID_GRADS}
""",
        "missing-line": """
import contextlib, io
assert my_line is None and missing.strip() == "da += dn" and (a.grad, b.grad) == (4.0, 3.0)
with contextlib.redirect_stdout(said := io.StringIO()):
    verdict("da += dn", "")
    verdict("da = da + dn", "")
    verdict("da = dn", "a hint")  # overwrites what the mul gate's wire brought
    verdict("da +=", "a hint")  # does not parse: no hint about its content
    verdict("da += dq", "a hint")  # parses, and stops the code
_said = said.getvalue().splitlines()
assert _said[:3] == ["right", "right", "not yet: a hint"], _said
assert _said[3] == "not yet: that line is not Python (invalid syntax); write it as the lines around it are written"
assert _said[4] == "not yet: with that line the code stops: NameError: name 'dq' is not defined", _said
""",
        "same-step": """
assert repr(replay_loss) == repr(loss.data)
assert [repr(g) for g in replay_grads] == [repr(p.grad) for p in params]
assert sum(g != 0 for g in replay_grads) > len(params) // 2  # gradients compared, not zeros
""",
        "timing": """
assert speedup > 2, speedup  # about 8x on a 2-core machine
assert gc_runs[replay_step] <= 1 < gc_runs[graph_step], gc_runs
""",
        "training": """
assert final_accuracy >= 0.95 and first_95 < 50 and losses[-1] < 0.1 * losses[0], (final_accuracy, first_95)
step.check()  # at the trained parameters too, the replay gives a real backward pass's numbers
model.zero_grad()
_replayed, _ = step()
_got = [repr(p.grad) for p in params]
model.zero_grad()
_loss, _ = loss_fn()
_loss.backward()
assert repr(_replayed) == repr(_loss.data) and _got == [repr(p.grad) for p in params]
model.zero_grad()
""",
        "caveat": """
assert isinstance(mismatch, ReplayMismatch) and "-6.0" in str(mismatch)
assert (python_step(), decided_in_python().data) == (-6.0, 2.0)
assert relu_step() == decided_by_relu().data == 2.0
""",
    },
    "10_your_own_op.ipynb": {
        "step-6": f"assert dy_dx == {DEZERO_GRAD} and math.isclose(dy_dx, 4 * 0.5 * math.exp(0.5), rel_tol=1e-15)",
        "step-7": f"assert x.grad == {DEZERO_GRAD} and [type(v.creator) for v in (y, b, a)] == [Square, Exp, Square]",
        "drawn": """
import re
_gates = re.findall(r">(Square|Exp)<", draw(y, style="circuit", annotate=True).svg())
assert sorted(_gates) == ["Exp", "Square", "Square"], _gates  # each gate named after its class
""",
        "loop": "assert recursion_failed and (deep.data, x1.grad) == (10000.0, 1.0)",
        "step-9": f"assert x.grad == {DEZERO_GRAD}",
        "gradcheck": f"""
assert gradcheck(Square) and gradcheck(Exp)
assert checked and checked.analytic == ({DEZERO_GRAD},)  # the composition, at 0.5
""",
        "sloppy": "assert not gradcheck(SloppyExp)",
        "not-stageable": """
from micrograd.staging import NotStageable
try:
    staged(y)
except NotStageable as _error:
    assert "code=" in str(_error)
else:
    raise AssertionError("staged() of ops without code= templates should refuse")
""",
        "staged": f"""
assert value == y.data and grads == ({DEZERO_GRAD},) and x.grad == {DEZERO_GRAD}
assert "    dx = dn1 * (2 * x) " in str(code)  # the template of Square's contribution, filled in
""",
        "second": f"""
assert isinstance(dy_dx, Value) and dy_dx.data == {DEZERO_GRAD}
assert math.isclose(x.grad, 8 * math.sqrt(math.e), rel_tol=1e-14)  # (4 + 16x²)·exp(2x²) at 0.5
""",
        "solution": """
import contextlib, io
assert MySoftplus().forward(0.5) is None  # the scaffold ships with its TODOs


class _OnlyForward(Function, name="test: softplus without backward"):
    def forward(ctx, x):
        return math.log(1 + math.exp(x))

    def backward(ctx, upstream):
        return None


class _WrongForward(Function, name="test: relu for softplus"):
    def forward(ctx, x):
        return max(x, 0.0)

    def backward(ctx, upstream):
        return upstream


class _WrongBackward(Function, name="test: softplus with exp for sigma"):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return math.log(1 + math.exp(x))

    def backward(ctx, upstream):
        (x,) = ctx.saved
        return upstream * math.exp(x)


_f = lambda x: math.log(1 + math.exp(x))
with contextlib.redirect_stdout(said := io.StringIO()):
    for _op in (MySoftplus, _OnlyForward, _WrongForward, _WrongBackward, Softplus):
        check_op(_op, _f, "a hint")
_said = said.getvalue().splitlines()
assert _said[:2] == ["fill in forward first", "forward is right; now fill in backward"], _said
assert _said[2] == "not yet: forward(-3.0) gave 0, not 0.0485874", _said
assert _said[3] == "not yet: a hint" and "MISMATCH" in _said[4] and _said[-1] == "right", _said
assert gradcheck(Softplus) and not gradcheck(_WrongBackward)
""",
        "neuron": "assert math.isclose(w.grad, sigmoid(n.data) * x.data, rel_tol=1e-15) and n.data == -2.5",
        "neuron-second": "assert math.isclose(d2w, s * (1 - s) * x.data**2, rel_tol=1e-13)  # σ'(n) = σ(1 - σ)",
        "decorator": "assert n1.grad == n2.grad == sigmoid(-2.5) and gradcheck(softplus, [-2.5])",
    },
    "11_microgpt.ipynb": {
        "first-step": MICROGPT_REFERENCE
        + """
ref = Reference(names)
ref_loss = ref.loss(ref.encode(ref.docs[0]))
ref_loss.backward()
assert ref.docs[0] == name and math.isclose(loss.data, ref_loss.data, rel_tol=1e-14)
largest = max(abs(p.grad) for p in ref.params)
assert max(abs(p.grad - q.grad) for p, q in zip(model.parameters(), ref.params)) <= 1e-14 * largest
assert len(nodes) > 50_000
""",
        "collapsed": """
svg = step_picture.svg()
assert all(f">pos{t}<" in svg for t in range(len(tokens) - 1)) and f">pos{len(tokens) - 1}<" not in svg
assert f"{loss.data:.4f}"[:5] in svg
""",
        "softmax": """
svg = softmax_picture.svg()
assert svg.count(">exp<") == 4 and ">from pos3/layer0/attn/head2<" in svg
""",
        "head": """
svg = head_picture.svg()
assert svg.count(">Σwx<") == 8 and ">from pos0<" in svg and ">pos4<" not in svg
assert math.isclose(fused_loss.data, loss.data, rel_tol=1e-13)
""",
        "train": MICROGPT_REFERENCE
        + """
ref = Reference(names)
expected = [ref.step(step, 1000) for step in range(STEPS)]
assert all(math.isclose(a, b, rel_tol=1e-13) for a, b in zip(losses, expected, strict=True)), (losses, expected)
assert losses[-1] < losses[0]
""",
        "fast": "assert math.isclose(fused_loss.data, loss.data, rel_tol=1e-13)",
    },
    "06_exercises.ipynb": {
        "worked": """
report = ws.check({"df/dq": -4, "df/dz": -3})
assert report.score == (1, 4) and report["df/dq"].right and "check the sign" in report["df/dz"].hint
""",
    },
}

# what each notebook shows: "diagram" (micrograd.draw, SVG), "plot" (matplotlib, PNG), "worksheet" (HTML)
SHOWS = {
    "01_chain_rule_on_circuits.ipynb": {"diagram", "plot", "worksheet"},
    "02_automating_backprop.ipynb": {"diagram", "plot", "worksheet"},
    "03_neuron_and_logistic_regression.ipynb": {"diagram", "plot", "worksheet"},
    "04_mlp_on_moons.ipynb": {"diagram", "plot", "worksheet"},
    "05_jacobians.ipynb": {"diagram", "plot"},
    "06_exercises.ipynb": {"worksheet"},
    "08_higher_order.ipynb": {"diagram", "plot"},
    "09_staged_code.ipynb": {"diagram", "plot"},
    "10_your_own_op.ipynb": {"diagram", "worksheet"},
}


def with_checks(nb, name: str):
    """The notebook with each tagged cell followed by its checks (run in the same kernel)."""
    checks = CHECKS.get(name, {})
    cells, found = [], set()
    for cell in nb.cells:
        cells.append(cell)
        for tag in cell.metadata.get("tags", []):
            if tag != "exercise" and tag not in checks:
                raise AssertionError(f"{name}: a cell is tagged {tag!r} but CHECKS has no check for it")
            found.add(tag)
            cells.append(new_code_cell(EXERCISE if tag == "exercise" else checks[tag], metadata={"check": tag}))
    missing = set(checks) - found
    assert not missing, f"{name}: no cell is tagged {sorted(missing)}: each check must run somewhere"
    nb.cells = cells
    return nb


def shown(outputs) -> set[str]:
    data = [o.data for o in outputs if o.output_type in ("display_data", "execute_result")]
    kinds = {
        "diagram": any("image/svg+xml" in d for d in data),
        "plot": any("image/png" in d for d in data),
        "worksheet": any('class="mg-answer-box"' in d.get("text/html", "") for d in data),
    }
    return {kind for kind, seen in kinds.items() if seen}


def test_the_teaching_notebooks_are_there():
    assert EXPECTED <= {p.name for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_with_outputs_cleared(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a notebook with no code"
    assert all(not c.outputs and c.execution_count is None for c in code), "clear the outputs before committing"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path, monkeypatch):
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel then shows figures inline, as PNG
    nb = with_checks(nbformat.read(path, as_version=4), path.name)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError, naming the cell (a check's cell: its assertion), on any error
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    expected = SHOWS.get(path.name, {"diagram", "plot"})
    assert expected <= shown(outputs), f"expected {sorted(expected)}, shown {sorted(shown(outputs))}"
    if folder := os.environ.get("MICROGRAD_EXECUTED_NOTEBOOKS"):
        save_executed(nb, Path(folder) / path.name)


def save_executed(nb, path: Path) -> None:
    """The executed notebook as the learner sees it (the cells ``with_checks`` added taken out), for the docs."""
    nb.cells = [cell for cell in nb.cells if "check" not in cell.metadata]
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for count, cell in enumerate(code, 1):  # In [1], [2], ... as if run without the checks in between
        cell.execution_count = count
        for output in cell.outputs:
            if output.output_type == "execute_result":
                output.execution_count = count
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
