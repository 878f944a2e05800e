"""The ``micrograd`` command line: ``micrograd draw EXPR name=value ...`` and ``micrograd demo``.

Every mistake (a bad formula, a bad ``name=value``, an unknown format, a graph too large
or too slow to lay out, no Graphviz, a file that cannot be written, ...) ends the command
with exit status 2 and one line on stderr, ``micrograd: error: ...``, before anything is
written: the pictures are rendered in memory first and then written atomically, so an
existing output file is never left half-written or changed by a failed command. Those
mistakes are caught by their types where they arise; any other exception is a bug in the
package and shows its traceback. Ctrl-C stops at once (Graphviz too): exit 130, one line,
nothing written. SIGTERM (``kill``, a closed session, a cancelled CI job) stops it the same way:
exit 143, one line, no temporary file left and no Graphviz left running.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shlex
import shutil
import signal
import sys
import unicodedata
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from .. import __version__
from ..core import topological_order
from ..drawing.errors import DrawingError, GraphTooLarge, PictureTooLarge, RenderTimeout
from ..drawing.numbers import format_number
from ..drawing.render import TIMEOUT, Deadline
from ..engine import Value
from .expr import FUNCTIONS, ExprError, parse

_ONE = " ".join(name for name, (arity, _) in FUNCTIONS.items() if arity == 1)
_TWO = " ".join(name for name, (arity, _) in FUNCTIONS.items() if arity == 2)

DRAW_EPILOG = f"""\
examples:
  micrograd draw "2*(max(z,w) + x*y)" x=3 y=-4 z=2 w=-1 -o circuit.svg
  micrograd draw "sigmoid(w0*x0 + w1*x1 + w2)" w0=2 x0=-1 w1=-3 x1=-2 w2=-3 --explain
  micrograd draw "(x+y)*z" x=-2 y=5 z=-4 -o - --format dot > graph.dot

grammar: numbers, variable names, + - * / **, unary -, parentheses, and the functions
{_ONE} (one argument), {_TWO} (two arguments).
Every variable needs a value name=number (a finite number: nan and inf are refused).
An expression may start with '-' ("-x*y", "-(x+1)", "-2*x"); one that looks like an
option, such as "-x", goes after '--' (options before it):
  micrograd draw -o out.svg -- "-x" x=1

output: without -o nothing is drawn: the table of the output value and each input's
value and gradient is printed (and the derivation with --explain). With -o FILE the
picture is written there too (format from --format, else from the suffix); with -o -
it goes to stdout and the table to stderr. PNG and GIF need nothing more than pip install;
PDF needs the pdf extra (pip install "micrograd-visual[pdf]").
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake raises UsageError: :func:`main` makes it one line on stderr (exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _fail(message: str) -> NoReturn:
    first = " ".join(str(message).split())  # one line, whatever the message held
    sys.stderr.write(f"micrograd: error: {first}\n")
    raise SystemExit(2)


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
    except OSError as exc:  # e.g. the reader of a pipe has gone
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


# ---------------------------------------------------------------- an expression starting with '-'

_OPTION_SHAPE = re.compile(r"--?[^\W\d][\w-]*(=.*)?")  # -x, --bogus=1: could be a mistyped option (or "-x")
_NOT_A_VALUE = frozenset("*()")  # -o*x is a formula, not -o with the value "*x"


def _token_kind(token: str, options: Mapping[str, bool]) -> str:
    """How argparse would read ``token`` among the arguments of a subcommand with these ``options``.

    ``options``: each option string -> whether it takes a value. Returns 'end' (``--``), 'positional',
    'value' (an option, its value the next token), 'option' (no value, or attached), 'unsure' (an
    ambiguous abbreviation), 'unknown' (no such option, but an option's shape) or 'formula'.
    """
    if token == "--":
        return "end"
    if not token.startswith("-") or token == "-":
        return "positional"
    if token.startswith("--"):
        name, eq, _ = token.partition("=")
        found = [name] if name in options else [o for o in options if o.startswith("--") and o.startswith(name)]
        if len(found) > 1:
            return "unsure"
        if found:
            return "value" if options[found[0]] and not eq else "option"
    elif token in options:
        return "value" if options[token] else "option"
    elif options.get(token[:2]) and not _NOT_A_VALUE & set(token[2:]):
        return "option"  # -ofile.svg
    return "unknown" if _OPTION_SHAPE.fullmatch(token) else "formula"


def _formula_first(args: list[str], options: Mapping[str, bool]) -> tuple[list[str], tuple[str, str] | None]:
    """The arguments of ``draw`` with an expression starting with '-' after ``--``, so argparse takes it as EXPR.

    A token in the expression's place (before any positional) that cannot be an option (``-x*y``,
    ``-(x+1)``, ``-2*x``) is the expression: the options, with their values, go before ``--``, the
    positionals after it. A token there that could be an option (``-x``), when no other argument can
    be the expression, stays where it is: the second item is then (that token, the message to give if
    argparse refuses it).
    """
    before: list[str] = []
    positionals: list[str] = []
    first: tuple[str, str] | None = None  # (token, kind): the first token in the expression's place
    i = 0
    while i < len(args):
        kind = _token_kind(args[i], options)
        step = 2 if kind == "value" else 1
        if kind == "unsure":
            return args, None
        if kind == "end":
            positionals += args[i + 1 :]
            break
        if kind == "positional":
            positionals.append(args[i])
        elif kind in ("formula", "unknown") and first is None and not positionals:
            first = args[i], kind
        else:
            before += args[i : i + step]
        i += step
    if first is None:
        return args, None
    token, kind = first
    if kind == "formula":
        return [*before, "--", token, *positionals], None
    if not all(_is_binding(p) for p in positionals):
        return args, None
    return args, (token, _after_dashes(token, before, positionals))


def _after_dashes(token: str, options: list[str], positionals: list[str]) -> str:
    """The error for ``-x`` in the expression's place: the command with ``-x`` after ``--``."""
    quoted = f'"{token}"' if re.fullmatch(r"[\w-]+", token) else shlex.quote(token)
    command = " ".join(["micrograd draw", *map(shlex.quote, options), "--", quoted, *map(shlex.quote, positionals)])
    return f"unknown option {token}; if it is the formula, write it after --: {command}"


def _is_binding(arg: str) -> bool:
    name, eq, _ = arg.partition("=")
    return bool(eq) and name.strip().isidentifier()


def _options_of(parser: argparse.ArgumentParser, command: str) -> dict[str, bool]:
    """Each option string of the subcommand ``command`` -> whether it takes a value."""
    subcommands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {s: a.nargs != 0 for a in subcommands.choices[command]._actions for s in a.option_strings}


def _parse_args(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """``parser.parse_args``, taking ``micrograd draw "-x*y" x=1`` as a user means it."""
    hint = None
    if argv[:1] in (["draw"], ["worksheet"]):
        rest, hint = _formula_first(argv[1:], _options_of(parser, argv[0]))
        argv = [argv[0], *rest]
    try:
        return parser.parse_args(argv)
    except UsageError as exc:
        if hint and (hint[0] in str(exc).split() or "are required" in str(exc)):  # argparse refused that token
            raise UsageError(hint[1]) from None
        raise


# ---------------------------------------------------------------- the parser


def _number(text: str, what: str, low: float, high: float, cast: Any = float, zero: bool = False) -> Any:
    """``text`` as a number from ``low`` to ``high`` (or 0 if ``zero``), else argparse's error naming ``what``."""
    try:
        n = cast(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
    if not (low <= n <= high or zero and n == 0):
        raise argparse.ArgumentTypeError(f"{what} from {low:g} to {high:g}{' (or 0)' if zero else ''}, got {text}")
    return n


def _precision(text: str) -> int:
    return int(_number(text, "significant digits", 1, 17, cast=int))


def _pixels(text: str) -> float:
    return float(_number(text, "a width in pixels", 100, 100_000, zero=True))


def _scale(text: str) -> float:
    return float(_number(text, "a scale", 0.25, 8))


def _points(text: str) -> float:
    return float(_number(text, "a font size in points", 4, 72))


def _seconds(text: str) -> float | None:
    seconds = float(_number(text, "a number of seconds", 0, 1e6))
    return seconds or None  # 0: no limit


def _node_count(text: str) -> int:
    return int(_number(text, "a number of nodes", 1, 10**7, cast=int))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="micrograd", description="A scalar autograd engine you can see.")
    parser.add_argument("--version", action="version", version=f"micrograd {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{draw,worksheet,demo}")

    draw = sub.add_parser(
        "draw",
        help="draw a formula as a circuit: values and gradients on every node",
        description="Parse EXPR, bind its variables, run forward and backward, print the output value\n"
        "and each input's value and gradient, and (with -o) write the picture.",
        epilog=DRAW_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    draw.add_argument("expression", metavar="EXPR", help='the formula, e.g. "2*(max(z,w) + x*y)"')
    draw.add_argument("bindings", metavar="name=value", nargs="*", help="a value for each variable, e.g. x=3")
    draw.add_argument(
        "-o",
        "--output",
        dest="out",
        metavar="FILE",
        help="write the picture here (.svg .png .pdf .dot, or .gif: the backward pass animated); "
        "'-' for stdout. Without -o: no picture",
    )
    draw.add_argument(
        "--style",
        choices=("circuit", "record"),
        default="circuit",
        help="circuit: gates, values above and gradients below each wire (default); record: boxes name | data | grad",
    )
    draw.add_argument(
        "--rankdir",
        choices=("auto", "LR", "TB"),
        default="auto",
        help="layout direction (default auto: left to right unless only top to bottom fits with 12 px text)",
    )
    draw.add_argument(
        "--format",
        choices=PICTURES,
        help="picture format (default: from the -o suffix; svg for -o -)",
    )
    draw.add_argument(
        "--steps",
        metavar="FILE",
        help="also write the backward pass, step by step: a web page (.html) or an animated GIF (.gif)",
    )
    draw.add_argument(
        "--annotate", action="store_true", help="write the chain rule under each wire (= upstream x local) and at forks"
    )
    draw.add_argument("--precision", type=_precision, default=4, metavar="N", help="significant digits (default 4)")
    draw.add_argument(
        "--theme",
        choices=("lecture", "colorblind", "dark", "dark-colorblind"),
        default="lecture",
        help="lecture: green values, red gradients (default); colorblind: Okabe-Ito; dark; dark-colorblind",
    )
    draw.add_argument(
        "--width",
        type=_pixels,
        default=900,
        metavar="PX",
        help="scale the picture down to at most PX pixels wide (default 900; 0: natural size)",
    )
    draw.add_argument("--font-size", type=_points, default=12.0, metavar="PT", help="font size in points (default 12)")
    draw.add_argument(
        "--fit",
        choices=("none", "16:9"),
        default="none",
        help="16:9: lay the picture out for a slide (direction chosen to fit width x 9/16); "
        "none: at most --width wide (default). Text is never shrunk below 12 px: a picture that cannot "
        "fit says so",
    )
    draw.add_argument(
        "--scale",
        type=_scale,
        metavar="X",
        help="PNG and GIF: X times the picture's pixel size (default: 1280 px wide, a slide; PNG at least 2)",
    )
    draw.add_argument("--explain", action="store_true", help="also print the chain-rule derivation, wire by wire")
    draw.add_argument(
        "--staged",
        action="store_true",
        help="also print the forward and backward pass as plain Python: one line per op, one per wire",
    )
    draw.add_argument(
        "--timeout",
        type=_seconds,
        default=TIMEOUT,
        metavar="SECONDS",
        help=f"stop Graphviz if laying out the pictures takes longer (default {TIMEOUT:g}; 0: no limit)",
    )
    draw.add_argument(
        "--max-nodes",
        type=_node_count,
        metavar="N",
        help="refuse a graph of more than N nodes, or one Graphviz would need to lay out 5 x N for "
        "(default 1000; 100 for --steps and .gif: a frame per node)",
    )
    draw.set_defaults(func=_draw)

    _add_worksheet(sub)

    demo = sub.add_parser(
        "demo",
        help="render the lecture's circuits into a folder; print the sigmoid neuron's gradients",
        description="Render the lecture's circuits (the viz/ gallery: SVG, DOT and a steps player) into DIR, "
        "and print the sigmoid neuron's values and gradients.",
    )
    demo.add_argument(
        "-o",
        "--output",
        dest="out",
        metavar="DIR",
        help="where to write (default: a new folder micrograd-demo, micrograd-demo-2, ... here)",
    )
    demo.set_defaults(func=_demo)
    return parser


def _add_worksheet(sub: Any) -> None:
    ws = sub.add_parser(
        "worksheet",
        help="an exercise from a formula: numbered boxes to fill, checked in the page",
        description="Parse EXPR, bind its variables, and write a worksheet: the circuit with numbered boxes in\n"
        "place of its gradients (or values), a page that checks a learner's answers offline with hints,\n"
        "and (with --answers) the answer key.",
        epilog='example: micrograd worksheet "2*(max(z,w) + x*y)" x=3 y=-4 z=2 w=-1 -o sheet.html --answers key.html',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ws.add_argument("expression", metavar="EXPR", help='the formula, e.g. "2*(max(z,w) + x*y)"')
    ws.add_argument("bindings", metavar="name=value", nargs="*", help="a value for each variable, e.g. x=3")
    ws.add_argument(
        "-o", "--output", dest="out", metavar="FILE", required=True,
        help="write the worksheet here: .html (interactive, printable), .svg, .png or .pdf",
    )  # fmt: skip
    ws.add_argument("--answers", metavar="FILE", help="also write the answer key (.html .svg .png .pdf)")
    ws.add_argument(
        "--blank",
        choices=("grads", "values", "both"),
        default="grads",
        help="what to leave out: the gradients (default), the values (a forward pass), or both",
    )
    ws.add_argument("--count", type=_node_count, metavar="N", help="leave out only N of them, chosen at random")
    ws.add_argument("--seed", type=int, metavar="N", help="the random choice of --count, reproducibly")
    ws.add_argument("--precision", type=_precision, default=4, metavar="N", help="significant digits (default 4)")
    ws.add_argument("--rankdir", choices=("auto", "LR", "TB"), default="auto", help="layout direction")
    ws.add_argument(
        "--theme", choices=("lecture", "colorblind", "dark", "dark-colorblind"), default="lecture", help="colours"
    )
    ws.add_argument("--width", type=_pixels, default=900, metavar="PX", help="at most PX pixels wide (0: natural)")
    ws.add_argument("--font-size", type=_points, default=12.0, metavar="PT", help="font size in points (default 12)")
    ws.add_argument("--timeout", type=_seconds, default=TIMEOUT, metavar="SECONDS", help="Graphviz's time limit")
    ws.add_argument("--max-nodes", type=_node_count, metavar="N", help="refuse a graph of more than N nodes")
    ws.set_defaults(func=_worksheet)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is, as Ctrl-C raises KeyboardInterrupt: so it stops the same way
    (a system ``dot`` killed, the WebAssembly Graphviz interrupted, temporary files removed)."""


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While the command runs, SIGTERM raises :class:`Terminated` (once: a second one cannot interrupt the
    clean-up); the handler before is put back after. Outside the main thread signals are not ours: nothing."""

    def stop(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated

    try:
        before = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 and one line on stderr for any mistake, 130 on Ctrl-C,
    143 on SIGTERM).

    A mistake is one of the user's (the formula, the arguments, a graph too large or too slow to
    draw, no Graphviz, a file that cannot be written): anything else is a bug and goes up as it is.
    """
    try:
        with _sigterm_as_interrupt():
            try:
                args = _parse_args(build_parser(), sys.argv[1:] if argv is None else list(argv))
                return args.func(args)
            except (UsageError, ExprError, DrawingError) as exc:
                _fail(str(exc))
    except SystemExit as exc:  # --help, --version, and every mistake above
        return exc.code if isinstance(exc.code, int) else 1
    except Terminated:  # as Ctrl-C: Graphviz stopped, nothing half-written left
        sys.stderr.write("micrograd: terminated\n")
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:  # Graphviz is stopped and nothing half-written is left: say so, no traceback
        sys.stderr.write("micrograd: interrupted\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
