"""The gallery: the lecture's circuits have the lecture's numbers, and viz/ is current."""

from __future__ import annotations

from pathlib import Path

import pytest

from micrograd.gallery import STEPS_FILE, gallery_diagrams, lecture_circuits, render_gallery

VIZ = Path(__file__).resolve().parent.parent / "viz"


def leaves(f) -> dict:
    from micrograd import topological_order

    return {v.label: v for v in topological_order(f) if v.is_leaf and v.label}


def test_lecture_circuits_have_the_lecture_numbers() -> None:
    c = lecture_circuits()
    assert c["add_mul"].data == -12
    assert {k: v.grad for k, v in leaves(c["add_mul"]).items()} == {"x": -4, "y": -4, "z": 3}
    assert c["max_gate"].data == -20
    assert {k: v.grad for k, v in leaves(c["max_gate"]).items()} == {"x": -8, "y": 6, "z": 2, "w": 0}
    assert c["sigmoid_neuron"].data == pytest.approx(0.7311, abs=5e-5)
    want = {"w0": -0.1966, "x0": 0.3932, "w1": -0.3932, "x1": -0.5898, "w2": 0.1966}
    got = {k: v.grad for k, v in leaves(c["sigmoid_neuron"]).items()}
    assert got == pytest.approx(want, abs=5e-5)
    assert c["relu_neuron"].data == 3
    assert {k: v.grad for k, v in leaves(c["relu_neuron"]).items()} == {"w0": 1, "x0": 2, "w1": -3, "x1": -1, "b": 1}


def test_viz_is_current() -> None:
    """viz/ holds what `python -m micrograd.gallery` writes (DOT compared; SVG depends on the Graphviz build)."""
    stale = [
        stem
        for stem, d in gallery_diagrams().items()
        if not (VIZ / f"{stem}.dot").exists() or (VIZ / f"{stem}.dot").read_text(encoding="utf-8") != d.source
    ]
    assert not stale, f"viz/ is stale for {stale}: run `python -m micrograd.gallery`"
    for stem in gallery_diagrams():
        assert (VIZ / f"{stem}.svg").stat().st_size > 0
    assert (VIZ / STEPS_FILE).stat().st_size > 0


def test_render_gallery_writes_sources_and_pictures(tmp_path: Path) -> None:
    only_dot = render_gallery(tmp_path / "a", write_svg=False)
    assert only_dot and all(p.suffix == ".dot" for p in only_dot)
    written = render_gallery(tmp_path / "b")
    names = {p.name for p in written}
    assert {"sigmoid_neuron_record.svg", "sigmoid_neuron_circuit.svg", "add_mul_circuit.dot", STEPS_FILE} <= names
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == sorted(names)
