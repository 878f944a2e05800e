"""The command line's arguments: the parser of each subcommand, and an expression that starts with '-'.

argparse, except that a usage mistake raises :class:`~micrograd.cli.commands.UsageError` (one
line on stderr, exit 2) and that ``micrograd draw "-x*y" x=1`` is read as the user means it:
a formula in the expression's place that cannot be an option goes after ``--``. Each
subcommand's parser names the function that runs it (:mod:`micrograd.cli.commands`).
"""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Mapping
from typing import Any, NoReturn

from .. import __version__
from ..drawing.render import TIMEOUT
from .commands import PICTURES, UsageError, _demo, _draw, _worksheet
from .expr import FUNCTIONS

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
    """argparse, but a usage mistake raises UsageError: :func:`~micrograd.cli.main.main` makes it one line (exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


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
