"""What a large graph's picture says in words: the refusal naming its scopes in order, the repr of a collapsed
picture, and the warning of a picture too large pointing at the user's code (in a notebook too)."""

from __future__ import annotations

import re
import warnings

import pytest
from gptlike import gpt_step

import micrograd
from micrograd import Value, draw, scope
from micrograd.core import topological_order
from micrograd.drawing.errors import GraphTooLarge, PictureTooLarge


def _positions_then_total(positions: int) -> Value:
    """``positions`` scopes ``pos0`` ... each a chain of 120 gates, then their sum in scope ``total``."""
    x = Value(0.1, label="x")
    outs = []
    for k in range(positions):
        with scope(f"pos{k}"):
            v = x
            for _ in range(60):
                v = v * 0.999 + 0.001
            outs.append(v)
    with scope("total"):
        return micrograd.sum(outs)


def _hint(err: pytest.ExceptionInfo[GraphTooLarge]) -> str:
    found = re.search(r"draws each scope \((.*?)\) as one box", str(err.value))
    assert found, str(err.value)
    return found.group(1)


def test_the_refusal_names_the_top_level_scopes_in_their_order_the_numbered_ones_first() -> None:
    f = _positions_then_total(12)  # the walk from the root meets total, then pos11, pos10 ... first
    with pytest.raises(GraphTooLarge) as err:
        draw(f, max_nodes=1000)
    assert _hint(err) == "pos0, pos1, pos2, …, pos11, total"


def test_the_refusal_of_a_gpt_step_names_all_its_positions_not_only_those_seen_first() -> None:
    loss, _ = gpt_step(positions=6, embd=8, heads=2, vocab=5, mlp=2)
    tops = {v.scope.split("/")[0] for v in topological_order(loss) if v.scope}
    assert tops == {f"pos{k}" for k in range(6)}
    with pytest.raises(GraphTooLarge) as err:
        draw(loss, max_nodes=1000)
    assert _hint(err) == "pos0, pos1, pos2, …, pos5"
    with pytest.raises(GraphTooLarge) as err:
        draw(_positions_then_total(4), max_nodes=300)
    assert _hint(err) == "pos0, pos1, pos2, pos3, total"  # a short family in full


def test_a_collapsed_pictures_repr_says_what_it_draws_and_that_it_is_a_circuit() -> None:
    f = _positions_then_total(5)
    nodes = len(topological_order(f))
    assert repr(draw(f, collapse=True)) == f"<Diagram: {nodes:,} nodes drawn as 6 boxes and 1 node, style='circuit'>"
    boxes = 6 - 1 + 1  # pos2 opened: its nodes drawn as themselves, the others boxes, x alone
    opened = draw(f, collapse=True, expand="pos2")
    inside = sum(1 for v in topological_order(f) if v.scope == "pos2")
    assert (
        repr(opened) == f"<Diagram: {nodes:,} nodes drawn as {boxes - 1} boxes and {inside + 1} nodes, style='circuit'>"
    )
    small = Value(2.0, label="a") * Value(3.0, label="b")
    assert repr(draw(small)) == "<Diagram: 3 nodes, style='record'>"  # not collapsed: as before


def _too_wide() -> Value:
    x = Value(0.5, label="x")
    v = x
    for _ in range(40):
        v = v * 1.01
    return v


def test_a_picture_too_large_warns_once_at_the_line_of_the_users_code() -> None:
    d = draw(_too_wide(), style="circuit", rankdir="LR", width=300)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d.svg()  # the line the warning points at
        d.png()
        d.svg()
    too_large = [w for w in caught if issubclass(w.category, PictureTooLarge)]
    assert len(too_large) == 1
    assert too_large[0].filename == __file__
    assert "d.svg()  # the line" in open(__file__).read().splitlines()[too_large[0].lineno - 1]


def test_a_notebook_showing_a_picture_too_large_is_warned_at_the_users_code_not_ipythons() -> None:
    formatters = pytest.importorskip("IPython.core.formatters")
    d = draw(_too_wide(), style="circuit", rankdir="LR", width=300)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        formatters.DisplayFormatter().format(d)  # what a notebook does with a cell's last value
    too_large = [w for w in caught if issubclass(w.category, PictureTooLarge)]
    assert len(too_large) == 1
    assert too_large[0].filename == __file__
