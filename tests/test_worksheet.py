"""Worksheets: boxes and their answers, the checker's verdicts and hints, the page (in a real browser)."""

from __future__ import annotations

import base64
import copy
import json
import random
import re
from pathlib import Path

import pytest
from svgtools import texts

import micrograd
from micrograd import Value, topological_order, worksheet
from micrograd.cli import main
from micrograd.drawing.numbers import format_number
from micrograd.worksheet import judge


def lecture():
    """The lecture's ``2*(max(z,w) + x*y)`` at x=3, y=-4, z=2, w=-1, named as the command line names it."""
    x, y, z, w = (Value(v, label=n) for v, n in ((3.0, "x"), (-4.0, "y"), (2.0, "z"), (-1.0, "w")))
    q = x * y
    q.label = "q"
    f = 2 * (z.max(w) + q)
    f.label = "f"
    return f, {"x": x, "y": y, "z": z, "w": w, "q": q}


def odd():
    """Numbers no other number of the picture equals: a leaked answer would show."""
    a, b, c = Value(1.7, label="a"), Value(-2.3, label="b"), Value(0.9, label="c")
    m = a * b
    m.label = "m"
    f = (m + a).tanh() * c  # a is used twice: a fork
    f.label = "f"
    return f, {"a": a, "b": b, "c": c, "m": m}


# ---------------------------------------------------------------- the boxes and the key


@pytest.mark.parametrize("make", [lecture, odd])
def test_the_key_is_what_backward_computes_and_no_grad_changes(make):
    f, nodes = make()
    ws = worksheet(f)
    assert all(v.grad == 0.0 for v in topological_order(f))  # making it changed nothing
    twin = copy.deepcopy(f)
    twin.backward()
    by_label = {v.label: v for v in topological_order(twin) if v.label}
    for name in nodes:
        assert ws.box(name).answer == pytest.approx(by_label[name].grad, rel=1e-15)
    assert [b.number for b in ws.boxes] == list(range(1, len(ws.boxes) + 1))


def test_blank_kinds_and_their_order():
    f, nodes = odd()
    grads, values, both = (worksheet(f, blank) for blank in ("grads", "values", "both"))
    assert all(b.key[0] in ("grad", "wire") for b in grads.boxes)
    assert [b.key[0] for b in grads.boxes].count("wire") == 2  # a, used twice: one box per use, then the sum
    assert all(b.key[0] == "value" for b in values.boxes)
    assert [b.answer for b in values.boxes] == [v.data for v in topological_order(f) if v.parents]
    assert len(both.boxes) == len(grads.boxes) + len(values.boxes) and both.boxes[0].key[0] == "value"
    for ws in (grads, values, both):  # every box drawn, the output's value too ("f = [n]")
        assert ws.picture().svg().count('class="mg-answer-box"') == len(ws.boxes)
    chosen = worksheet(f, ["a", nodes["m"], ("value", "m")])
    assert [b.name for b in chosen.boxes] == ["df/da", "df/dm", "m"]


def test_a_random_choice_is_reproducible():
    f, _ = odd()
    pick = [[b.name for b in worksheet(f, "both", count=3, seed=s).boxes] for s in (1, 1, 2, 3, 4)]
    assert pick[0] == pick[1] and len(pick[0]) == 3
    assert len({tuple(p) for p in pick}) > 1  # other seeds, other choices


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda f: worksheet(f, "gradients"), ValueError, "blank must be one of 'grads', 'values', 'both'"),
        (lambda f: worksheet(f, ["nobody"]), ValueError, "no node named 'nobody'"),
        (lambda f: worksheet(f, count=99), ValueError, "count must be a whole number from 1 to"),
        (lambda f: worksheet(f, ["a", "a"]), ValueError, "listed twice"),
        (lambda f: worksheet(3.0), TypeError, "takes a graph node"),
        (lambda f: worksheet(f).check([1, 2]), TypeError, "takes a dict of answers"),
        (lambda f: worksheet(f).check({"zz": 1}), KeyError, "no box 'zz'"),
        (lambda f: worksheet(f).check({1: "one"}), ValueError, "cannot read 'one' as a number"),
        (lambda f: worksheet(f, width=900, colour="red").picture(), TypeError, "unexpected keyword"),
    ],
)
def test_clear_errors(call, error, message):
    f, _ = odd()
    with pytest.raises(error, match=re.escape(message)):
        call(f)


def test_a_tensor_or_a_constant_has_no_worksheet():
    with pytest.raises(TypeError, match="scalar graphs"):
        worksheet(micrograd.Tensor([1.0, 2.0]).sum())
    with pytest.raises(ValueError, match="needs no gradient"):
        worksheet(Value(2.0, requires_grad=False) * 3)


# ---------------------------------------------------------------- checking, with hints


def test_right_wrong_and_missing():
    f, _ = lecture()
    ws = worksheet(f)
    report = ws.check({"x": -8, "y": "6", "df/dq": 2.0})
    assert report["df/dx"].right and report["df/dy"].right and report["df/dq"].right
    assert report["df/dz"].status == "missing" and not report
    assert report.score == (3, 7)
    full = ws.check({b.number: b.answer for b in ws.boxes})
    assert full and full.score == (7, 7)


def test_the_digits_shown_count_as_right():
    a = Value(1.0, label="a")
    f = a / 3.0
    f.label = "f"
    ws = worksheet(f)
    assert ws.check({"a": 0.3333}) and ws.check({"a": "0.33333333"})
    assert not ws.check({"a": 0.333}) and not ws.check({"a": 0.334})


def test_a_wrong_sign_gets_the_sign_hint():
    f, _ = lecture()
    verdict = worksheet(f).check({"x": 8})["df/dx"]
    assert verdict.status == "wrong" and "sign" in verdict.hint
    assert "8" not in verdict.hint  # the hint names the step, not the number


def test_a_mistake_made_earlier_is_told_apart():
    f, _ = lecture()
    report = worksheet(f).check({"q": -3, "x": 12})  # 12 = -3 × y: right, given their df/dq
    assert "your df/dq was -3; with that, your df/dx would be right: check df/dq" in report["df/dx"].hint
    assert report["df/dq"].status == "wrong"


def test_a_factor_left_out_and_a_local_gradient_alone():
    f, _ = lecture()
    ws = worksheet(f)
    assert "came back unchanged" in ws.check({"x": 2})["df/dx"].hint  # df/dq = 2 passed on, × y forgotten
    assert "local gradient alone" in ws.check({"x": -4})["df/dx"].hint  # y = -4: ∂q/∂x without df/dq


def test_one_use_of_a_fork_is_not_the_gradient():
    f, _ = odd()
    ws = worksheet(f)
    share = next(b for b in ws.boxes if b.key[0] == "wire")
    verdict = ws.check({"a": share.answer})["df/da"]
    assert verdict.status == "wrong" and "one use's share" in verdict.hint and "used 2 times" in verdict.hint


def test_values_hints_redo_the_op_with_the_learners_inputs():
    x, y, z = Value(3.0, label="x"), Value(-4.0, label="y"), Value(5.0, label="z")
    n = x * y
    n.label = "n"
    f = n + z
    f.label = "f"
    ws = worksheet(f, "values")
    report = ws.check({"n": -13, "f": -8})
    assert "your n was -13; with that, your f would be right" in report["f"].hint
    assert "n = x × y" in report["n"].hint


# ---------------------------------------------------------------- the picture leaves the answers out


def test_the_exercise_tells_no_answer_and_the_key_tells_them_all():
    f, _ = odd()
    ws = worksheet(f)
    sheet, key = ws.picture().svg(), ws.key().svg()
    assert re.findall(r'class="mg-grad"[^>]*>([^<]*)<', sheet) == ["1"]  # every gradient a box but the output's 1
    for tag in ("title", "desc"):  # hover texts and the description name things, they tell no number
        for content in re.findall(rf"<{tag}>(.*?)</{tag}>", sheet, re.S):
            assert not re.search(r"\d\.\d|= -?\d", content), content
    assert {format_number(b.answer, 4) for b in ws.boxes} <= set(texts(key))
    assert sorted(map(int, re.findall(r'class="mg-answer-box" data-box="(\d+)"', sheet))) == [
        b.number for b in ws.boxes
    ]


def test_a_forward_pass_shows_no_gradient():
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    f = (x + y) * z  # df/dz is x + y: shown, it would tell the value in box 1
    f.label = "f"
    grads_shown = re.compile(r'class="mg-grad"[^>]*>([^<]*)<')
    assert grads_shown.findall(worksheet(f, "values").picture().svg()) == ["1"]  # the output's own
    assert grads_shown.findall(worksheet(f, "both").picture().svg()) == ["1"]
    assert "3" in texts(worksheet(f, "values").key().svg())  # the key still shows everything


def test_a_reports_plain_text_is_its_table_not_the_answers():
    from IPython.lib.pretty import pretty  # what a notebook stores beside the HTML table

    f, _ = lecture()
    text = pretty(worksheet(f).check({"x": 8}))
    assert text.startswith("0 of 7 right") and "check the sign" in text
    assert "-8" not in text and "answer=" not in text


def test_saving_sheet_and_key_in_every_format(tmp_path: Path):
    f, _ = lecture()
    ws = worksheet(f)
    for suffix in ("html", "svg", "png"):
        ws.save(tmp_path / f"sheet.{suffix}", answers=tmp_path / f"key.{suffix}")
    assert (tmp_path / "sheet.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "answer key" in (tmp_path / "key.html").read_text()
    with pytest.raises(ValueError, match="cannot tell the format"):
        ws.save(tmp_path / "sheet.txt")
    assert "<script>" in ws._repr_html_() and "mg-answer-box" in ws._repr_html_()


# ---------------------------------------------------------------- the command line


def test_command_line_writes_sheet_and_key(tmp_path: Path, capsys):
    sheet, key = tmp_path / "sheet.html", tmp_path / "key.html"
    args = ["worksheet", "2*(max(z,w)+x*y)", "x=3", "y=-4", "z=2", "w=-1", "-o", str(sheet), "--answers", str(key)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "boxes to fill" in out and "df/dx" in out
    assert sheet.read_text().count('class="mg-answer-box"') == 7 and "answer key" in key.read_text()
    assert main(["worksheet", "x*y", "x=1", "y=2", "-o", str(tmp_path / "s.txt")]) == 2
    assert main(["worksheet", "x*y", "x=1", "y=2", "-o", str(tmp_path / "s.svg"), "--count", "9"]) == 2
    assert "count must be" in capsys.readouterr().err


# ---------------------------------------------------------------- the page, in a real browser


def _open(browser, path: Path) -> None:
    browser.get(path.as_uri())


def _box_input(browser, name: str):
    from selenium.webdriver.common.by import By

    return browser.find_element(By.CSS_SELECTOR, f'input.mg-answer-input[aria-label$=": {name}"]')


def _row(browser, number: int) -> list[str]:
    from selenium.webdriver.common.by import By

    row = browser.find_element(By.CSS_SELECTOR, f'.mg-results tr[data-box="{number}"]')
    return [td.text for td in row.find_elements(By.TAG_NAME, "td")]


@pytest.mark.slow
def test_the_page_checks_answers_offline(browser, tmp_path: Path):
    from selenium.webdriver.common.by import By

    sheet = tmp_path / "sheet.html"
    assert main(["worksheet", "2*(max(z,w)+x*y)", "x=3", "y=-4", "z=2", "w=-1", "-o", str(sheet)]) == 0
    _open(browser, sheet)
    x_box = _box_input(browser, "df/dx")
    number = int(x_box.get_attribute("data-box"))
    check = browser.find_element(By.CSS_SELECTOR, "button.mg-check")
    x_box.send_keys("-8")
    check.click()
    assert _row(browser, number)[3] == "right"
    x_box.clear()
    x_box.send_keys("8")
    check.click()
    row = _row(browser, number)
    assert row[3] == "wrong" and "check the sign" in row[4]
    assert "mg-wrong" in x_box.get_attribute("class")


@pytest.mark.slow
def test_the_page_and_python_give_the_same_verdicts_and_hints(browser, tmp_path: Path):
    """The page's checker (sheet.js) against judge(), on many answers: right, -right, an earlier mistake, ..."""
    f, _ = odd()
    for blank in ("grads", "values"):
        ws = worksheet(f, blank)
        sheet = tmp_path / f"{blank}.html"
        ws.save(sheet)
        _open(browser, sheet)
        data = json.loads(browser.execute_script("return document.querySelector('.mg-data').textContent"))
        rng = random.Random(7)
        for _ in range(60):
            given = {}
            for b in ws.boxes:
                choice = rng.choice(["right", "minus", "missing", "input", "factor", "noise"])
                value = {
                    "right": b.answer,
                    "minus": -b.answer,
                    "missing": None,
                    "input": b.step.inputs[0].value,
                    "factor": b.step.factor,
                    "noise": round(rng.uniform(-5, 5), 2),
                }[choice]
                given[b.number] = value
            theirs = browser.execute_script("return microgradJudge(arguments[0], arguments[1])", data, given)
            ours = [judge(b, {k: v for k, v in given.items() if v is not None}) for b in ws.boxes]
            assert [(v["status"], v["hint"]) for v in theirs] == [(v.status, v.hint) for v in ours], given


@pytest.mark.slow
def test_the_lecture_sheet_prints_on_one_page(browser, tmp_path: Path):
    sheet = tmp_path / "sheet.html"
    worksheet(lecture()[0]).save(sheet)
    _open(browser, sheet)
    pdf = base64.b64decode(browser.print_page())
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1


@pytest.mark.slow
def test_two_sheets_on_one_page_both_work(browser, tmp_path: Path):
    """As in a notebook: the checker's script is on the page twice."""
    from selenium.webdriver.common.by import By

    page = tmp_path / "two.html"
    first, second = worksheet(lecture()[0]), worksheet(odd()[0])
    page.write_text(f"<!DOCTYPE html><html><body>{first.html()}{second.html()}</body></html>")
    _open(browser, page)
    sheets = browser.find_elements(By.CSS_SELECTOR, ".mg-sheet")
    assert [len(s.find_elements(By.CSS_SELECTOR, "input.mg-answer-input")) for s in sheets] == [7, len(second.boxes)]
    sheets[1].find_element(By.CSS_SELECTOR, "button.mg-check").click()
    assert sheets[1].find_element(By.CSS_SELECTOR, ".mg-score").text == f"0 of {len(second.boxes)} right"


def test_a_value_used_twice_by_one_gate_has_two_boxes_by_name():
    a = Value(3.0, label="a")
    f = a * a
    f.label = "f"
    ws = worksheet(f)
    assert [b.name for b in ws.boxes] == ["df/da as input 1 of f", "df/da as input 2 of f", "df/da"]
    assert ws.check({"df/da as input 1 of f": 3, "df/da as input 2 of f": 3, "a": 6})


def test_a_verdicts_repr_tells_no_answer():
    f, _ = lecture()
    report = worksheet(f).check({"x": 8})
    assert "-8" not in repr(report["df/dx"]) and "-8" not in repr(report)


# ---------------------------------------------------------------- labels are data (issue 22, item 8)


def _labelled(x_label: str, y_label: str = "y", f_label: str = "f"):
    x, y = Value(3.0, label=x_label), Value(-4.0, label=y_label)
    f = x * y + x
    f.label = f_label
    return f


def _page_data(page: str) -> str:
    return re.search(r'<script type="application/json" class="mg-data">(.*?)</script>', page, re.S).group(1)


def test_the_pages_data_holds_no_markup_whatever_a_label_says():
    label = "<!--<script>"
    ws = worksheet(_labelled(label, "</script><b>&amp;\u2028"))
    data = _page_data(ws.html())
    assert not set(data) & set("<>&\u2028\u2029"), data
    names = [b["name"] for b in json.loads(data)["boxes"]]  # still JSON, which reads back as the labels
    assert names == [b.name for b in ws.boxes] and any(label in n for n in names)


@pytest.mark.slow
def test_a_label_cannot_switch_the_pages_checker_off(browser, tmp_path: Path):
    """``<!--<script>`` in the JSON's <script> would make the HTML parser read on past its end, into the checker."""
    from selenium.webdriver.common.by import By

    ws = worksheet(_labelled("<!--<script>", "</script><i>y</i>"))
    sheet = tmp_path / "sheet.html"
    ws.save(sheet)
    _open(browser, sheet)
    assert len(browser.find_elements(By.CSS_SELECTOR, "input.mg-answer-input")) == len(ws.boxes)
    first = ws.boxes[0]
    _box_input(browser, first.name).send_keys(format_number(first.answer, 6))
    browser.find_element(By.CSS_SELECTOR, "button.mg-check").click()
    assert _row(browser, first.number)[1:4:2] == [first.name, "right"]  # the label shown as it is


def test_a_lone_surrogate_in_a_label_saves_as_a_replacement_character(tmp_path: Path):
    ws = worksheet(_labelled("x\ud800", f_label="f\udfff"))
    for suffix in ("html", "svg", "png"):
        ws.save(tmp_path / f"sheet.{suffix}", answers=tmp_path / f"key.{suffix}")
    sheet, key = ((tmp_path / f"{name}.html").read_text(encoding="utf-8") for name in ("sheet", "key"))
    assert "<title>Backpropagation exercise: find the gradients of f\ufffd</title>" in sheet
    assert "<td>df\ufffd/dx\ufffd</td>" in key  # the key's "holds" column
    data = _page_data(sheet)
    assert "\\ud800" not in data and "\\udfff" not in data
    assert "df\ufffd/dx\ufffd" in [b["name"] for b in json.loads(data)["boxes"]]


_OBEYED = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")  # by a terminal


def test_terminal_text_shows_a_labels_controls_and_bidi_overrides():
    """ESC [31m would colour the terminal, U+202E turn the rest of the line around, U+009B start a control."""
    f = _labelled("x\x1b[31m\u202e\x9b", "y\u2066\ud800")
    ws = worksheet(f)
    texts_ = [
        str(micrograd.explain(f)),
        repr(micrograd.explain(f)),
        micrograd.explain(f)._repr_markdown_(),
        str(ws.check({1: 5})),
        repr(ws),
        *(c for row in ws.check({2: 7, 3: -7}).rows() for c in row),
    ]
    for text in texts_:
        assert not _OBEYED.search(text), repr(text)
    assert "x␛[31m\\u202e\\x9b" in texts_[0] and "y\\u2066\ufffd" in texts_[0]
    assert "x␛[31m\\u202e\\x9b" in texts_[3]
