"""compare_backward: the correct backward beside a buggy one, the gradients that differ (and only those) marked."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from svgtools import SVG, misplaced, overlapping, root, texts, texts_of

import micrograd
from micrograd import MISTAKES, Comparison, Tensor, Value, compare_backward, topological_order
from micrograd.gallery import gallery_comparisons

VIZ = Path(__file__).resolve().parent.parent / "viz"


def labelled(v: Value, label: str) -> Value:
    v.label = label
    return v


def flagged(svg: str) -> list[str]:
    """The gradients drawn marked, in document order."""
    return [t.text or "" for t in root(svg).iter(f"{SVG}text") if "mg-flagged" in (t.get("class") or "").split()]


def markers(svg: str) -> int:
    return sum(1 for r in root(svg).iter(f"{SVG}rect") if r.get("class") == "mg-flag")


def a_times_b_plus_a() -> Value:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    return labelled(a * b + a, "f")


# ---------------------------------------------------------------- what is marked


def test_the_a_plus_a_fork_bug_marks_a_s_gradient_1_where_2_is_right() -> None:
    c = compare_backward()  # the default: set-not-accumulate on its smallest case, b = a + a
    assert c.mistake.name == "set-not-accumulate" and c.differences == [("a", 2.0, 1.0)]
    right, wrong = c.svgs("wasm")
    assert flagged(right) == [] and markers(right) == 0
    assert flagged(wrong) == ["1"] and markers(wrong) == 1  # a's total; each branch still carries its 1
    assert sorted(texts_of(right, "grad")) == ["1", "1", "1", "2"]
    assert sorted(texts_of(wrong, "grad")) == ["1", "1", "1"]
    assert "Marked, with the bug: db/da = 1 instead of 2." in c.marked()


@pytest.mark.parametrize(
    ("mistake", "marked"),
    [
        ("no-topological-order", ["2"]),  # x: 1 × 2 instead of 4 × 2
        ("second-backward", ["4", "-6"]),  # b and a, doubled
        ("forgot-zero-grad", ["1.5", "3"]),  # b: -0.5 + 2, w: -1 + 4
    ],
)
def test_each_mistake_marks_exactly_its_wrong_gradients(mistake: str, marked: list[str]) -> None:
    c = compare_backward(mistake=mistake)
    right, wrong = c.svgs("wasm")
    assert sorted(flagged(wrong)) == sorted(marked) and markers(wrong) == len(marked)
    assert flagged(right) == []
    assert len(c.differences) == len(marked)


def test_at_a_fork_the_stem_and_each_wrong_branch_are_marked() -> None:
    """f = a·b + a, backward() twice: a's stem (-4) and both its branches (2, -6) are wrong, and b (4)."""
    c = compare_backward(a_times_b_plus_a(), "second-backward", annotate=True)
    right, wrong = c.svgs("wasm")
    assert sorted(flagged(wrong)) == ["-4", "-6", "2", "4"]
    assert {"= 2", "+ -6"} <= set(texts_of(wrong, "note"))  # the stem's sum, of what each wire has brought in all
    assert {d.name: (d.correct, d.buggy) for d in c.differences} == {"a": (-2.0, -4.0), "b": (2.0, 4.0)}


def test_record_style_marks_the_box() -> None:
    c = compare_backward(a_times_b_plus_a(), "set-not-accumulate", style="record")
    assert flagged(c.buggy.svg("wasm")) == ["grad -3"]  # a keeps the mul gate's -3; the right -2 = -3 + 1


def test_the_buggy_notes_show_the_bug() -> None:
    """Annotated: the fork's sum note is gone where it would not add up; the stale upstream shows."""
    right, wrong = compare_backward(annotate=True).svgs("wasm")
    assert "+ 1" in texts_of(right, "note") and "+ 1" not in texts_of(wrong, "note")
    right, wrong = compare_backward(mistake="no-topological-order", annotate=True).svgs("wasm")
    assert "= 4" in texts_of(right, "note") and "= 4" not in texts_of(wrong, "note")  # y passed on 1 of its 4


def test_a_graph_the_bug_does_not_touch_marks_nothing_and_says_so() -> None:
    a, b = Value(2.0), Value(3.0)
    c = compare_backward(a * b, "set-not-accumulate")
    assert c.differences == [] and flagged(c.buggy.svg("wasm")) == []
    assert "changes no gradient" in c.marked()


# ---------------------------------------------------------------- no gradient of the user's graph changes


@pytest.mark.parametrize("mistake", ["set-not-accumulate", "no-topological-order", "second-backward"])
def test_comparing_writes_no_grad_and_no_data(mistake: str) -> None:
    f = a_times_b_plus_a()
    f.backward()
    nodes = topological_order(f)
    before = [(v.data, v.grad) for v in nodes]
    c = compare_backward(f, mistake)
    c.svg("wasm")
    c.html()
    assert [(v.data, v.grad) for v in nodes] == before


def test_a_training_step_reads_its_parameters_and_writes_nothing() -> None:
    w, b = Value(1.0, label="weight"), Value(0.0, label="bias")
    w.grad, b.grad = 0.25, -0.5
    c = compare_backward(lambda p, q: (p * 2 + q - 1) ** 2, "forgot-zero-grad", params=[w, b], lr=0.125)
    assert (w.data, w.grad, b.data, b.grad) == (1.0, 0.25, 0.0, -0.5)

    assert {d.name: d.buggy for d in c.differences} == {"weight": 3.0, "bias": 1.5}


def test_parameters_given_as_numbers_are_named_after_the_function_s_arguments() -> None:
    def loss(slope: Value, offset: Value) -> Value:
        return (slope * 2 + offset - 1) ** 2

    c = compare_backward(loss, "forgot-zero-grad", params=[1.0, 0.0], lr=0.125)
    assert {d.name for d in c.differences} == {"slope", "offset"}
    assert {"slope", "offset"} <= set(texts_of(c.correct.svg("wasm"), "name"))


# ---------------------------------------------------------------- one SVG, one page, files


def nested(svg: str) -> list[ET.Element]:
    return root(svg).findall(f"{SVG}svg")


def test_one_svg_holds_both_pictures_under_their_headings_and_the_explanation() -> None:
    c = compare_backward()
    svg = c.svg("wasm")
    pictures = nested(svg)
    assert len(pictures) == 2
    (x0, y0), (x1, y1) = ((float(p.get("x")), float(p.get("y"))) for p in pictures)
    assert y0 == y1 and x1 > x0 + float(pictures[0].get("width").removesuffix("px"))  # side by side
    shown = texts(svg)
    assert {"correct backward", "with the bug", "grad += contribution", "grad = contribution"} <= set(shown)
    assert any("Marked, with the bug" in t for t in shown) and "gradients add" in " ".join(shown)  # wrapped anywhere
    assert "`" not in " ".join(shown)
    ids = [e.get("id") for e in root(svg).iter() if e.get("id")]
    assert len(ids) == len(set(ids))  # the two pictures' ids kept apart
    r = root(svg)
    assert r.find(f"{SVG}title") is not None and "Marked" in (r.find(f"{SVG}desc").text or "")
    assert c._repr_svg_() == c.svg()


def test_pictures_too_wide_together_go_one_under_the_other() -> None:
    c = compare_backward(mistake="forgot-zero-grad", width=600)
    (p0, p1) = nested(c.svg("wasm"))
    assert float(p0.get("x")) == float(p1.get("x")) and float(p1.get("y")) > float(p0.get("y"))
    assert float(root(c.svg()).get("width").removesuffix("px")) <= 600


def test_both_pictures_are_laid_out_in_the_same_direction() -> None:
    x = Value(0.3, label="x")
    y = x
    for _ in range(24):  # a long chain: top to bottom
        y = y.tanh()
    f = labelled(y + x, "f")
    c = compare_backward(f, "set-not-accumulate")
    assert c.correct.decide("wasm") == "TB" and c.buggy.rankdir == "TB"


def test_html_shows_both_pictures_side_by_side_with_the_story() -> None:
    c = compare_backward()
    page = c.html()
    assert page.count("<svg") == 2 and page.count("<figure") == 2
    assert "flex-wrap" in page  # one under the other in a narrow window
    assert "<code>grad += contribution</code>" in page and "Marked, with the bug" in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    assert c.html(standalone=True).startswith("<!DOCTYPE html>")
    assert page in c._repr_html_()  # in a notebook with its still picture: tests/test_still.py


def test_save_svg_png_html_dot(tmp_path: Path) -> None:
    c = compare_backward(mistake="second-backward", engine="wasm")
    for suffix in ("svg", "png", "html", "dot"):
        c.save(tmp_path / f"bug.{suffix}")
    ET.fromstring((tmp_path / "bug.svg").read_bytes())
    assert (tmp_path / "bug.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "bug.dot").read_text().count("digraph") == 2
    assert (tmp_path / "bug.html").read_text().count("<svg") == 2
    with pytest.raises(ValueError, match="cannot tell the format"):
        c.save(tmp_path / "bug.gif")
    assert not (tmp_path / "bug.gif").exists()


def test_the_gallery_has_every_mistake_current_and_readable() -> None:
    comparisons = gallery_comparisons()
    assert set(comparisons) == {"bug_" + name.replace("-", "_") for name in MISTAKES}
    for stem, c in comparisons.items():
        assert (VIZ / f"{stem}.dot").read_text(encoding="utf-8") == c.source, "run `python -m micrograd.gallery`"
        assert (VIZ / f"{stem}.svg").stat().st_size > 0
        for svg in c.svgs("wasm"):
            assert overlapping(svg) == [] and misplaced(svg) == [], stem
    assert flagged(comparisons["bug_set_not_accumulate"].buggy.svg("wasm")) == ["1"]


# ---------------------------------------------------------------- errors


def test_errors_say_what_was_wrong() -> None:
    a = Value(1.0)
    with pytest.raises(ValueError, match="'set-not-accumulate', 'no-topological-order', 'second-backward'"):
        compare_backward(a + a, "grad-equals")
    with pytest.raises(TypeError, match="takes a Value or a function"):
        compare_backward(3.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="scalar engine"):
        compare_backward(Tensor([1.0, 2.0]).sum())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="leaf"):
        compare_backward(a)
    with pytest.raises(TypeError, match="function of the parameters"):
        compare_backward(a * a, "forgot-zero-grad")
    with pytest.raises(TypeError, match="params are the arguments"):
        compare_backward(a * a, "second-backward", params=[1.0])
    with pytest.raises(TypeError, match="needs a Value"):
        compare_backward(lambda w: w.data * 2, "forgot-zero-grad", params=[1.0])
    with pytest.raises(TypeError, match="params must be a list"):
        compare_backward(lambda w: w * w, "forgot-zero-grad", params=1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="real number"):
        compare_backward(lambda w: w * w, "forgot-zero-grad", params=["one"])
    for lr in (0, -1.0, float("nan"), True, "0.1"):
        with pytest.raises(ValueError, match="lr must be"):
            compare_backward(lambda w: w * w, "forgot-zero-grad", params=[1.0], lr=lr)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="style"):
        compare_backward(style="boxes")


def test_a_loss_that_builds_another_graph_at_step_2_is_refused() -> None:
    def loss(w: Value) -> Value:
        return w * w if w.data > 0.5 else w.tanh()  # a branch on the value

    with pytest.raises(ValueError, match="another graph at step 2"):
        compare_backward(loss, "forgot-zero-grad", params=[1.0], lr=0.4)


def test_exported_lazily_from_the_package() -> None:
    assert micrograd.compare_backward is compare_backward and isinstance(compare_backward(), Comparison)
    assert "compare_backward" in micrograd.__all__ and "MISTAKES" in dir(micrograd)
    assert repr(compare_backward()) == "<Comparison: set-not-accumulate, 1 gradient differs>"
