"""What the command line's subcommands do: ``draw``, ``worksheet`` and ``demo``, given their parsed arguments.

Each checks what it was asked (formats, paths, the formula and its values) before anything
is rendered, renders in memory, and then writes every file at once, or none
(:func:`~micrograd.drawing.files.atomic_write_all`). A mistake of the user's is a
:class:`UsageError` (or the formula's :class:`~micrograd.cli.expr.ExprError`, a
:class:`~micrograd.drawing.errors.DrawingError`): :func:`micrograd.cli.main.main` makes it one
line on stderr. The arguments themselves are parsed in :mod:`micrograd.cli.arguments`.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import sys
import unicodedata
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..core import topological_order
from ..drawing.errors import GraphTooLarge, PictureTooLarge, RenderTimeout
from ..drawing.numbers import format_number
from ..drawing.render import Deadline
from ..engine import Value
from .expr import parse


class UsageError(Exception):
    """A mistake in what the user asked for: exit 2, one line."""


def _write(outputs: Mapping[str, bytes]) -> None:
    """Save every ``{path: data}`` at once, or none; a failure (no room, no permission) is a UsageError."""
    from ..drawing.files import atomic_write_all

    try:
        atomic_write_all(outputs)
    except OSError as exc:
        where = exc.filename if exc.filename is not None else ", ".join(outputs)
        raise UsageError(f"cannot write {str(where)!r}: {exc.strerror or exc}") from None


def _to_stdout(data: bytes) -> None:
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader has gone (``| head``): main() stops quietly
        raise
    except OSError as exc:  # e.g. a full disk behind a redirection
        raise UsageError(f"cannot write to stdout: {exc.strerror or exc}") from None


# ---------------------------------------------------------------- the sigmoid neuron (demo)


def table(root: Value, inputs: dict[str, Value], name: str = "f") -> str:
    """The output's value, and each input's value and gradient d(name)/d(input), as aligned text."""
    rows = [("name", "value", f"d{name}/dname"), (name, format_number(root.data), "")]
    rows += [(n, format_number(v.data), format_number(v.grad)) for n, v in inputs.items()]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c:>{widths[2]}}".rstrip() for a, b, c in rows]
    return "\n".join(lines)


def _new_dir(base: str = "micrograd-demo") -> Path:
    """``base`` in the current directory, or ``base-2``, ``base-3``, ... if taken."""
    path, k = Path(base), 1
    while path.exists():
        k += 1
        path = Path(f"{base}-{k}")
    return path


def _demo(args: argparse.Namespace) -> int:
    from ..gallery import sigmoid_neuron

    out = Path(args.out) if args.out else _new_dir()
    if out.exists() and not out.is_dir():
        raise UsageError(f"-o {str(out)!r} exists and is not a directory")
    if not out.parent.is_dir():
        raise UsageError(f"-o {str(out)!r}: directory {str(out.parent)!r} does not exist")
    count = _render_demo(out)
    print(f"wrote {count} files (the lecture's circuits, SVG and DOT, and a steps player) to {out}/")
    f = sigmoid_neuron()
    f.backward()
    leaves = {v.label: v for v in topological_order(f) if v.is_leaf}
    inputs = {name: leaves[name] for name in ("w0", "x0", "w1", "x1", "w2")}
    print()
    print("the sigmoid neuron f = 1/(1+exp(-(w0*x0 + w1*x1 + w2)))")
    print(table(f, inputs))
    return 0


def _render_demo(out: Path) -> int:
    """Render the gallery into ``out``, all or nothing: into a new hidden folder beside it, moved into
    place once complete (a failure or Ctrl-C leaves no trace). Returns how many files it holds."""
    from ..gallery import render_gallery

    try:
        staging = out.parent / f".{out.name}-{os.urandom(4).hex()}.tmp"
        staging.mkdir()
    except OSError as exc:
        raise UsageError(f"cannot write {str(out)!r}: {exc.strerror or exc}") from None
    try:
        count = len(render_gallery(staging))
        if out.exists():  # -o an existing folder: each file replaced in one step
            for path in staging.iterdir():
                os.replace(path, out / path.name)
        else:
            staging.rename(out)
        return count
    except OSError as exc:
        raise UsageError(f"cannot write {str(out)!r}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# ---------------------------------------------------------------- draw


def parse_bindings(items: list[str]) -> dict[str, float]:
    """``["x=3", "y=-4"]`` -> ``{"x": 3.0, "y": -4.0}``; UsageError for anything else.

    Names as Python reads them in the formula (NFKC): ``ｘ=3`` binds the ``ｘ`` of ``"ｘ*2"``, which is ``x``.
    """
    values: dict[str, float] = {}
    for item in items:
        name, eq, text = item.partition("=")
        name = name.strip()
        if not eq or not name.isidentifier():
            raise UsageError(f"argument {item!r} is not name=number (e.g. x=3)")
        name = unicodedata.normalize("NFKC", name)
        if name in values:
            raise UsageError(f"variable {name!r} given twice")
        try:
            value = float(text)
        except ValueError:
            raise UsageError(f"value of {name!r} is not a number: {text!r}") from None
        if not math.isfinite(value):
            raise UsageError(f"value of {name!r} must be a finite number, got {text.strip()!r}")
        values[name] = value
    return values


PICTURES = ("svg", "png", "pdf", "dot", "gif")  # gif: the backward pass, step by step, as an animation


def _output_format(out: str | None, fmt: str | None) -> str | None:
    if out is None:
        if fmt is not None:
            raise UsageError("--format needs -o FILE (or -o - for stdout)")
        return None
    if fmt is None:
        suffix = "svg" if out == "-" else Path(out).suffix.lstrip(".").lower()
        fmt = "dot" if suffix == "gv" else suffix
        if fmt not in PICTURES:
            raise UsageError(f"cannot tell the format of {out!r}: use a suffix .svg .png .pdf .dot .gif, or --format")
    return fmt


def _steps_format(path: str | None) -> str | None:
    if path is None:
        return None
    suffix = Path(path).suffix.lstrip(".").lower()
    if suffix not in ("html", "htm", "gif"):
        raise UsageError(f"--steps {path!r}: use a suffix .html (a player) or .gif (an animation)")
    return "gif" if suffix == "gif" else "html"


def _looks(args: argparse.Namespace) -> dict[str, Any]:
    """The keywords of draw() and draw_steps() the command line sets."""
    width = None if args.width == 0 else args.width
    return {
        "style": args.style,
        "rankdir": args.rankdir,
        "precision": args.precision,
        "annotate": args.annotate,
        "theme": args.theme,
        "width": width,
        "font_size": args.font_size,
        "fit": None if args.fit == "none" else args.fit,
    }


def _check_target(path: str, flag: str) -> None:
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"{flag} {path!r} is a directory")
    if not p.parent.is_dir():
        raise UsageError(f"{flag} {path!r}: directory {str(p.parent)!r} does not exist")


def _evaluate(args: argparse.Namespace) -> tuple[Value, dict[str, Value]]:
    """The formula's graph, its output labelled ``f`` (``out`` if f is an input), and its inputs in order."""
    expression = parse(args.expression)
    values = parse_bindings(args.bindings)
    root, leaves = expression.evaluate(values)
    inputs = {n: leaves[n] for n in values}  # in the order given on the command line
    if not root.label:
        root.label = "f" if "f" not in inputs else "out"
    return root, inputs


def _draw(args: argparse.Namespace) -> int:
    from ..drawing import explain

    fmt = _output_format(args.out, args.format)
    steps_fmt = _steps_format(args.steps)
    for path, flag in ((args.out, "-o"), (args.steps, "--steps")):
        if path is not None and path != "-":
            _check_target(path, flag)
    if args.out and args.steps and args.out != "-" and os.path.realpath(args.out) == os.path.realpath(args.steps):
        raise UsageError("-o and --steps name the same file")
    root, inputs = _evaluate(args)
    name = root.label
    root.backward()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PictureTooLarge)
        picture, steps = _pictures(args, root, fmt, steps_fmt)  # in memory: a failure writes nothing
    for note in dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, PictureTooLarge)):
        print(f"note: {note.replace('width=None', '--width 0')}", file=sys.stderr)
    report = [table(root, inputs, name)]
    if args.explain:
        report += ["", str(explain(root))]
    if args.staged:
        from ..staging import staged

        report += ["", str(staged(root)).rstrip("\n")]
    to_stdout = args.out == "-"
    files = {args.out: picture} if picture is not None and not to_stdout else {}
    _write(files | ({args.steps: steps} if steps is not None else {}))  # all or none, then stdout
    if picture is not None and to_stdout:
        _to_stdout(picture)
    print("\n".join(report), file=sys.stderr if to_stdout else sys.stdout)
    written = [p for p in (None if to_stdout else args.out, args.steps) if p]
    if written:
        print(f"wrote {', '.join(written)}", file=sys.stderr if to_stdout else sys.stdout)
    return 0


def _worksheet(args: argparse.Namespace) -> int:
    """An exercise from a formula: the sheet (and the key) written, what to find printed."""
    from ..worksheet import worksheet

    sheet_fmt = _sheet_format(args.out, "-o")
    key_fmt = _sheet_format(args.answers, "--answers") if args.answers else None
    for path, flag in ((args.out, "-o"), (args.answers, "--answers")):
        if path is not None:
            _check_target(path, flag)
    if args.answers and os.path.realpath(args.out) == os.path.realpath(args.answers):
        raise UsageError("-o and --answers name the same file")
    root, _ = _evaluate(args)
    try:
        ws = worksheet(
            root, args.blank, count=args.count, seed=args.seed, precision=args.precision, **_sheet_looks(args)
        )
        sheet = _sheet_bytes(ws, sheet_fmt, key=False)
        key = _sheet_bytes(ws, key_fmt, key=True) if key_fmt else None
    except GraphTooLarge as exc:
        raise UsageError(f"{exc} Here: --max-nodes N.") from None
    except RenderTimeout as exc:
        raise UsageError(_too_slow(exc.nodes, args.timeout)) from None
    except ValueError as exc:  # the worksheet's own checks: --count out of range, nothing to leave out
        raise UsageError(str(exc)) from None
    _write({args.out: sheet} | ({args.answers: key} if key is not None else {}))
    print(f"{len(ws.boxes)} boxes to fill: " + ", ".join(f"[{b.number}] {b.name}" for b in ws.boxes))
    print(f"wrote {', '.join(p for p in (args.out, args.answers) if p)}")
    return 0


def _sheet_format(path: str, flag: str) -> str:
    suffix = Path(path).suffix.lstrip(".").lower()
    if suffix not in ("html", "htm", "svg", "png", "pdf"):
        raise UsageError(f"{flag} {path!r}: use a suffix .html (interactive), .svg, .png or .pdf")
    return "html" if suffix == "htm" else suffix


def _sheet_looks(args: argparse.Namespace) -> dict[str, Any]:
    looks = {"rankdir": args.rankdir, "theme": args.theme, "width": None if args.width == 0 else args.width}
    looks |= {"font_size": args.font_size, "timeout": args.timeout}
    return looks | ({} if args.max_nodes is None else {"max_nodes": args.max_nodes})


def _sheet_bytes(ws: Any, fmt: str, key: bool) -> bytes:
    if fmt == "html":
        return ws.html(standalone=True, key=key).encode("utf-8")
    return (ws.key() if key else ws.picture()).to_bytes(fmt)


def _pictures(
    args: argparse.Namespace, root: Value, fmt: str | None, steps_fmt: str | None
) -> tuple[bytes | None, bytes | None]:
    """The picture (in ``fmt``) and the steps (in ``steps_fmt``) asked for, rendered within one --timeout.

    The cheap checks first (node limits: DOT only), then Graphviz.
    """
    from ..drawing import draw, draw_steps

    looks = _looks(args)
    limit = {} if args.max_nodes is None else {"max_nodes": args.max_nodes}
    deadline = Deadline(args.timeout)
    try:
        frames = draw_steps(root, **looks, **limit, timeout=deadline.left()) if args.steps or fmt == "gif" else None
        diagram = draw(root, **looks, **limit) if fmt not in (None, "gif") else None
        picture = steps = None
        if diagram is not None and fmt == "png":
            picture = diagram.png(scale=_png_scale(diagram.svg(timeout=deadline.left()), args.scale))
        elif diagram is not None and fmt is not None:
            picture = diagram.to_bytes(fmt, timeout=deadline.left())
        elif fmt == "gif" and frames is not None:
            picture = frames.to_bytes("gif", timeout=deadline.left(), scale=args.scale)
        if frames is not None and steps_fmt is not None:
            steps = frames.to_bytes(steps_fmt, timeout=deadline.left(), scale=args.scale)
    except GraphTooLarge as exc:
        raise UsageError(f"{exc} Here: --max-nodes N.") from None
    except RenderTimeout as exc:
        raise UsageError(_too_slow(exc.nodes, args.timeout)) from None
    return picture, steps


def _png_scale(svg: str, scale: float | None) -> float:
    """--scale, or by default as wide as a slide (1280 px), and at least 2 x (sharp when projected)."""
    from ..drawing.raster import slide_scale

    if scale is not None:
        return scale
    found = re.search(r'<svg[^>]*?\bwidth="([\d.]+)px"', svg)
    return slide_scale(float(found.group(1)) if found else 0.0, least=2.0)


def _too_slow(nodes: int | None, timeout: float | None) -> str:
    what = f"the picture ({nodes} nodes)" if nodes is not None else "the picture"
    return (
        f"Graphviz did not finish laying out {what} within --timeout {timeout or 0:g} s, and was stopped. "
        f"Draw a subexpression, or raise the limit (--timeout 60; --timeout 0: no limit)."
    )
