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

This module runs a command and ends it (exit statuses, SIGTERM, Ctrl-C); the subcommands'
arguments are parsed in :mod:`micrograd.cli.arguments`, and done in :mod:`micrograd.cli.commands`.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from ..drawing.errors import DrawingError
from .arguments import _parse_args, build_parser
from .commands import UsageError
from .expr import ExprError


def _fail(message: str) -> NoReturn:
    first = " ".join(str(message).split())  # one line, whatever the message held
    sys.stderr.write(f"micrograd: error: {first}\n")
    raise SystemExit(2)


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
    except BrokenPipeError:  # the reader left (``micrograd demo | head``): stop quietly, as a shell tool does
        _quiet_stdout()
        return 128 + signal.SIGPIPE


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's own flush at exit finds no broken pipe either."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
