"""A learner's answers, read and judged the same by Python's check() and by the page's checker (issue 22, items 9-10).

One table of answers (JSON-able: the page's JS reads the very same list) goes through
``parse_number`` / ``check()`` and through ``microgradRead`` in a real browser; the precision
rule and the hints are tried as a learner would, typing into the saved page's boxes.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from micrograd import Value, worksheet
from micrograd.worksheet import parse_number

REFUSED = "refused"
EMPTY = "empty"

# text -> its value ("nan", "inf", "-inf" as text: JSON has no such numbers) and the place of its last digit
# (None: exact, a formula); REFUSED: not a number, on either side; EMPTY: no answer
ANSWERS: list[tuple[str, object, object]] = [
    ("-8", -8.0, 0),
    ("+0.5", 0.5, -1),
    ("5.44", 5.44, -2),
    ("5.440", 5.44, -3),
    ("1e-3", 0.001, -3),
    ("544e-2", 5.44, -2),
    ("1.5E2", 150.0, 1),
    (".5", 0.5, -1),
    ("5.", 5.0, 0),
    (" 2.5\t\n", 2.5, -1),
    ("\u22123", -3.0, 0),  # the minus sign
    ("0,25", 0.25, -2),  # a decimal comma
    ("\uff11", 1.0, 0),  # full-width 1
    ("\uff12.\uff15", 2.5, -1),  # full-width 2, ASCII point, full-width 5
    ("\uff0d\uff12\uff0e\uff15", -2.5, -1),  # all full-width
    ("\u0662", 2.0, 0),  # Arabic-Indic 2
    ("\u0968", 2.0, 0),  # Devanagari 2
    ("\u0663\u066b\u0665", 3.5, -1),  # Arabic-Indic 3.5 with the Arabic decimal separator
    ("\U0001d7d5", 7.0, 0),  # mathematical bold 7: outside the BMP
    ("\u3000\uff14\u3000", 4.0, 0),  # ideographic spaces
    ("\u00a02", 2.0, 0),  # a no-break space
    ("1/3", 1 / 3, None),
    ("e", math.e, None),
    ("2*e**2", 2 * math.e**2, None),
    ("2*e^2", 2 * math.e**2, None),
    ("2 \u00d7 E ** 2", 2 * math.e**2, None),
    ("pi/2", math.pi / 2, None),
    ("\u03c0", math.pi, None),
    ("-2**2", -4.0, None),
    ("2**-1", 0.5, None),
    ("2**3**2", 512.0, None),
    ("(1+2)/3", 1.0, None),
    ("--5", 5.0, None),
    ("1/0", "inf", None),
    ("-1/0", "-inf", None),
    ("0/0", "nan", None),
    ("(-8)**(1/3)", "nan", None),
    ("10**400", "inf", None),
    ("1**nan", 1.0, None),  # C's pow, as Python's **
    ("inf", "inf", None),
    ("-Infinity", "-inf", None),
    ("NaN", "nan", None),
    ("", EMPTY, None),
    (" \t ", EMPTY, None),
    ("\x1c2", REFUSED, None),  # Python's str.strip() took \x1c for white space
    ("2\x1f", REFUSED, None),
    ("2\u200b", REFUSED, None),  # a zero-width space
    ("\ud800", REFUSED, None),
    ("one", REFUSED, None),
    ("x", REFUSED, None),
    ("2e", REFUSED, None),
    ("1e5e", REFUSED, None),
    ("2pi", REFUSED, None),
    ("1 000", REFUSED, None),
    ("1,000.5", REFUSED, None),
    ("5\u00b2", REFUSED, None),  # 5²: NFKC would make it 52
    ("\u00bd", REFUSED, None),  # ½
    ("0x10", REFUSED, None),
    ("1_000", REFUSED, None),
    ("\u0131nf", REFUSED, None),  # a dotless i: JS's /i would match it to i
    ("2**", REFUSED, None),
    ("(1", REFUSED, None),
    ("1)", REFUSED, None),
    ("__import__('os')", REFUSED, None),
    ("constructor", REFUSED, None),
    ("(" * 30 + "1" + ")" * 30, REFUSED, None),  # nested too deep
    ("-" * 25 + "1", REFUSED, None),
    ("1" + "+1" * 60, REFUSED, None),  # longer than 100 characters
]

# a float given as a number (not text): the place of the last digit of its shortest form, at most 0
PLACES: list[tuple[float, int]] = [
    (5.44, -2),
    (8.0, 0),
    (100.0, 0),
    (0.5, -1),
    (-0.25, -2),
    (1e16, 0),
    (1e21, 0),
    (1.5e-7, -8),
    (0.1 + 0.2, -17),
    (5e-324, -324),
    (0.0, 0),
    (123456.789, -3),
]


def _as_number(expected: object) -> float:
    return float(expected)  # type: ignore[arg-type]  # "nan", "inf" or a number


def _same(x: float, expected: object) -> bool:
    want = _as_number(expected)
    if math.isnan(want):
        return math.isnan(x)
    return x == pytest.approx(want, rel=1e-15, abs=0)


@pytest.mark.parametrize(("text", "expected", "place"), ANSWERS)
def test_python_reads_the_table(text, expected, place):
    if expected == REFUSED:
        with pytest.raises(ValueError, match="cannot read .* as a number: write a decimal number"):
            parse_number(text)
    elif expected == EMPTY:
        assert parse_number(text) is None
    else:
        assert _same(parse_number(text), expected)
        from micrograd.worksheet.answers import read_answer

        assert read_answer(text).place == place


def test_python_places_of_numbers():
    from micrograd.worksheet.answers import place_of

    assert [place_of(x) for x, _ in PLACES] == [p for _, p in PLACES]
    assert place_of(math.inf) is None and place_of(math.nan) is None


# ---------------------------------------------------------------- the page


def _sheet(browser, tmp_path: Path, ws) -> None:
    sheet = tmp_path / "sheet.html"
    ws.save(sheet)
    browser.get(sheet.as_uri())


_READ = """
return arguments[0].map((codes) => {  // code points: the browser's driver refuses a lone surrogate in a string
  const r = microgradRead(String.fromCodePoint(...codes));
  if (r === undefined) return ["refused", null];
  if (r === null) return ["empty", null];
  const v = r.value;
  return [Number.isFinite(v) ? v : Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf", r.place];
});
"""


@pytest.mark.slow
def test_the_page_reads_the_same_table(browser, tmp_path: Path):
    _sheet(browser, tmp_path, worksheet(Value(2.0, label="x") * 3))
    theirs = browser.execute_script(_READ, [[ord(c) for c in text] for text, _, _ in ANSWERS])
    for (text, expected, place), (value, their_place) in zip(ANSWERS, theirs, strict=True):
        if expected in (REFUSED, EMPTY):
            assert value == expected, (text, value)
        else:
            assert value not in (REFUSED, EMPTY) and _same(_as_number(value), expected), (text, value)
            assert their_place == place, (text, their_place)
    places = browser.execute_script("return arguments[0].map(microgradPlaceOf)", [x for x, _ in PLACES])
    assert places == [p for _, p in PLACES]


# ---------------------------------------------------------------- verdicts, as a learner gets them


def _terms():
    """f = a·b + c·d + g·h + k·m + n·p: the boxes df/da, df/dc, ... hold b, d, h, m, p."""
    shown = {"b": 5.43661, "d": 0.19663, "h": 1 / 3, "m": 2 * math.e**2, "p": 12345.678}
    f = None
    for x, y in (("a", "b"), ("c", "d"), ("g", "h"), ("k", "m"), ("n", "p")):
        term = Value(0.5, label=x) * Value(shown[y], label=y)
        f = term if f is None else f + term
    f.label = "f"
    return worksheet(f, ["a", "c", "g", "k", "n"])


HOW = "how"  # the step's own hint: what the box is made of
SIGN = "check the sign"
DECIMALS = "right to the digits you gave: give 4 decimals"
SIGNIFICANT = "right to the digits you gave: give 4 significant digits"

# (what the learner typed, box by box) -> (verdict, hint) box by box
VERDICTS: list[tuple[dict[str, str], dict[str, tuple[str, str]]]] = [
    (
        {"df/da": "5.44", "df/dc": "0.197", "df/dg": "1/3", "df/dk": "2*e**2", "df/dn": "1.23e4"},
        {
            "df/da": ("imprecise", DECIMALS),
            "df/dc": ("imprecise", DECIMALS),
            "df/dg": ("right", ""),
            "df/dk": ("right", ""),
            "df/dn": ("imprecise", SIGNIFICANT),
        },
    ),
    (
        {"df/da": "5.4366", "df/dc": "0.1966", "df/dg": "0.3333", "df/dk": "14.78", "df/dn": "12346"},
        {
            "df/da": ("right", ""),
            "df/dc": ("right", ""),
            "df/dg": ("right", ""),
            "df/dk": ("imprecise", DECIMALS),
            "df/dn": ("right", ""),
        },
    ),
    (
        {"df/da": "-5.44", "df/dc": "0", "df/dg": "0.34", "df/dk": "15", "df/dn": "12400"},
        {
            "df/da": ("wrong", SIGN),  # wrong in sign, and short of digits
            "df/dc": ("wrong", HOW),  # 0 is not 0.19663 to any digits
            "df/dg": ("wrong", HOW),
            "df/dk": ("imprecise", DECIMALS),
            "df/dn": ("wrong", HOW),
        },
    ),
    (
        {"df/da": "e", "df/dc": "0.2", "df/dg": "\uff10.\uff13\uff13\uff13\uff13", "df/dk": "15.1", "df/dn": "99999"},
        {
            "df/da": ("wrong", HOW),
            "df/dc": ("imprecise", DECIMALS),
            "df/dg": ("right", ""),
            "df/dk": ("wrong", HOW),
            "df/dn": ("wrong", HOW),
        },
    ),
]


def _expected(ws, want: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    return {name: (status, ws.box(name).step.how if hint == HOW else hint) for name, (status, hint) in want.items()}


def _python_verdicts(ws, typed: dict[str, str]) -> dict[str, tuple[str, str]]:
    report = ws.check(typed)
    return {name: (report[name].status, report[name].hint) for name in typed}


_TYPE_AND_CHECK = """
const [typed, root] = [arguments[0], document];
for (const input of root.querySelectorAll("input.mg-answer-input")) input.value = typed[input.dataset.box] || "";
root.querySelector("button.mg-check").click();
const rows = {};
for (const row of root.querySelectorAll(".mg-results tbody tr")) {
  const cells = Array.from(row.querySelectorAll("td"), (td) => td.textContent);
  rows[cells[0]] = [cells[3], cells[4]];
}
return rows;
"""


def _page_verdicts(browser, ws, typed: dict[str, str]) -> dict[str, tuple[str, str]]:
    by_number = {str(ws.box(name).number): text for name, text in typed.items()}
    rows = browser.execute_script(_TYPE_AND_CHECK, by_number)
    return {name: tuple(rows[str(ws.box(name).number)]) for name in typed}


def _agree(theirs: dict[str, tuple[str, str]], want: dict[str, tuple[str, str]]) -> None:
    for name, (status, hint) in want.items():
        assert theirs[name][0] == status, (name, theirs[name])
        assert theirs[name][1].startswith(hint) if hint == SIGN else theirs[name][1] == hint, (name, theirs[name])


@pytest.mark.parametrize(("typed", "want"), VERDICTS)
def test_check_gives_the_verdicts_a_learner_expects(typed, want):
    ws = _terms()
    _agree(_python_verdicts(ws, typed), _expected(ws, want))


@pytest.mark.slow
def test_the_page_gives_the_same_verdicts(browser, tmp_path: Path):
    ws = _terms()
    _sheet(browser, tmp_path, ws)
    for typed, want in VERDICTS:
        _agree(_page_verdicts(browser, ws, typed), _expected(ws, want))


def _chain():
    """f = q·c, q = a·b at a = 1.5, b = -4, c = 2: df/dq = 2, df/da = df/dq · b = -8."""
    a, b, c = Value(1.5, label="a"), Value(-4.0, label="b"), Value(2.0, label="c")
    q = a * b
    q.label = "q"
    f = q * c
    f.label = "f"
    return worksheet(f, ["q", "a"])


EARLIER = "your df/dq was 2.35; with that, your df/da would be right: check df/dq (box 1)"
# df/dq worked out as 2.34567 (wrong) and written 2.35: df/da from it, at full precision or from what was written
ROUNDED_INPUT: list[tuple[dict[str, str], tuple[str, str]]] = [
    ({"df/dq": "2.35", "df/da": "-9.3827"}, ("wrong", EARLIER)),  # 2.34567 · -4 = -9.38268
    ({"df/dq": "2.35", "df/da": "-9.38"}, ("wrong", EARLIER)),
    ({"df/dq": "2.35", "df/da": "-9.4"}, ("wrong", EARLIER)),  # 2.35 · -4
    ({"df/dq": "2.35", "df/da": "-9.5"}, ("wrong", HOW)),  # from no number that rounds to 2.35
    ({"df/dq": "2.35", "df/da": "-9.3"}, ("wrong", HOW)),
]


@pytest.mark.parametrize(("typed", "want"), ROUNDED_INPUT)
def test_a_mistake_made_earlier_is_found_from_the_learners_unrounded_number(typed, want):
    ws = _chain()
    _agree(_python_verdicts(ws, typed), _expected(ws, {"df/da": want}))


@pytest.mark.slow
def test_the_page_finds_it_too(browser, tmp_path: Path):
    ws = _chain()
    _sheet(browser, tmp_path, ws)
    for typed, want in ROUNDED_INPUT:
        _agree(_page_verdicts(browser, ws, typed), _expected(ws, {"df/da": want}))


# ---------------------------------------------------------------- what is not a number


def _twos():
    """Boxes whose answers are 1, 2, 2, 2.5, 2: the issue's answers, each in its box."""
    f = None
    for x, y in (("a", 1.0), ("b", 2.0), ("c", 2.0), ("d", 2.5), ("g", 2.0)):
        term = Value(3.0, label=x) * Value(y, label=f"w{x}")
        f = term if f is None else f + term
    f.label = "f"
    return worksheet(f, ["a", "b", "c", "d", "g"])


ISSUE = {"df/da": "\uff11", "df/db": "\u0662", "df/dc": "\u0968", "df/dd": "\uff12.\uff15"}


def test_check_reads_full_width_and_other_scripts_digits_and_refuses_a_control():
    ws = _twos()
    assert ws.check(ISSUE).score == (4, 5)
    with pytest.raises(ValueError, match=r"cannot read '\\x1c2' as a number: write a decimal number"):
        ws.check({"df/dg": "\x1c2"})


@pytest.mark.slow
def test_the_page_reads_them_alike(browser, tmp_path: Path):
    ws = _twos()
    _sheet(browser, tmp_path, ws)
    rows = _page_verdicts(browser, ws, {**ISSUE, "df/dg": "\x1c2"})
    assert [rows[name][0] for name in ISSUE] == ["right"] * 4
    from micrograd.worksheet.answers import UNREADABLE

    assert rows["df/dg"] == ("missing", f'cannot read "\x1c2" as a number: {UNREADABLE}')
