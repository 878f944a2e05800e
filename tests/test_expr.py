"""The formula parser: grammar, errors with columns, and agreement with graphs built from Values."""

import math
import time
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd import Value, topological_order
from micrograd.cli.expr import FUNCTIONS, MAX_LENGTH, ExprError, build, parse


def test_lecture_formula():
    e = parse("2*(max(z,w)+x*y)")
    assert e.variables == ("z", "w", "x", "y")
    f, leaves = e.evaluate({"x": 3, "y": -4, "z": 2, "w": -1})
    assert f.data == -20.0
    f.backward()
    assert [leaves[n].grad for n in "xyzw"] == [-8.0, 6.0, 2.0, 0.0]
    assert {v.label for v in leaves.values()} == {"x", "y", "z", "w"}
    assert any(v.op == "max" for v in topological_order(f))


def test_a_repeated_name_is_one_leaf():
    f, leaves = parse("x*x + x").evaluate({"x": 3.0})
    assert f.parents[0].parents[0] is f.parents[0].parents[1] is f.parents[1] is leaves["x"]
    f.backward()
    assert leaves["x"].grad == 7.0


def test_every_function():
    x = 0.7
    for name, (arity, method) in FUNCTIONS.items():
        text = f"{name}(x)" if arity == 1 else f"{name}(x, 0.5)"
        got = build(text, x=x)
        want = method(Value(x)) if arity == 1 else method(Value(x), 0.5)
        assert got.data == want.data and got.op == want.op, name


@pytest.mark.parametrize(
    "text, value",
    [
        ("9**9**9**9", math.inf),  # floats: at once, never a hang
        ("2**10000", math.inf),
        ("1/0", math.inf),
        ("-1/0", -math.inf),
        ("(-1)**0.5", None),  # nan, never complex
        ("1" * 400, math.inf),  # an integer literal beyond the float range
        ("1e999", math.inf),
        ("+3", 3.0),
        ("-2*3", -6.0),
        ("2**-1", 0.5),
    ],
)
def test_numbers_are_floats_with_ieee_results(text, value):
    t0 = time.perf_counter()
    got = build(text).data
    assert time.perf_counter() - t0 < 5
    assert isinstance(got, float)
    assert math.isnan(got) if value is None else got == value


def test_unary_minus_on_a_variable_is_a_gate_and_on_a_number_a_number():
    f = build("-x * -2", x=3.0)
    assert f.op == "*" and f.parents[0].op == "neg" and f.parents[1].data == -2.0 and not f.parents[1].parents


def test_whitespace_and_newlines():
    assert build("  x *\n y ", x=2, y=3).data == 6.0


def test_a_formula_without_variables_is_a_value():
    f = build("2 + 3")
    assert isinstance(f, Value) and f.data == 5.0


def test_deep_formulas_do_not_overflow_the_stack():
    text = "-" * 1500 + "x"
    assert build(text, x=2.0).data == 2.0


@pytest.mark.parametrize(
    "text, message, column",
    [
        ("", "empty expression", None),
        ("   ", "empty expression", None),
        ("x +", "syntax error", 4),
        ("x y", "syntax error", 3),
        ("(x", "syntax error", 1),
        ("foo(x)", "unknown function 'foo'", 1),
        ("x + __import__('os')", "unknown function '__import__'", 5),
        ("x.real", "attribute access", 1),
        ("1 + math.exp(x)", "attribute access", 5),
        ("(lambda: 1)()", "lambda", 1),
        ("(2)(x)", "only the functions", 1),
        ("exp(x)(2)", "only the functions", 1),
        ("[x for x in y]", "comprehension", 1),
        ("sum(x for x in y)", "unknown function", 1),
        ("x if y else 1", "conditional", 1),
        ("x[0]", "subscript", 1),
        ("exp(x, y)", "exp() takes 1 argument", 1),
        ("max(x)", "max() takes 2 arguments", 1),
        ("exp(x=1)", "keyword", 1),
        ("exp + 1", "exp is a function", 1),
        ("x // 2", "operator //", 3),  # the operator's column
        ("x % 2", "operator %", 3),
        ("x < y", "comparison", 1),
        ("x and y", "and/or", 1),
        ("not x", "operator not", 1),
        ("'s' + x", "strings", 1),
        ("True * x", "booleans", 1),
        ("1j", "complex", 1),
        ("x, y", "tuples", 1),
        ("(y := 2)", "assignments", 2),
        ("1" * 5000, "too long", None),
        ("x+" * 1200 + "x", "too long", None),
        ("(" * 300 + "x" + ")" * 300, "nested", 201),
    ],
)
def test_errors_name_the_problem_and_column(text, message, column):
    with pytest.raises(ExprError) as info:
        parse(text)
    assert message in str(info.value)
    assert info.value.column == column
    assert isinstance(info.value, ValueError)


def test_binding_errors():
    e = parse("x * y")
    with pytest.raises(ExprError, match="unbound variable 'y'") as info:
        e.evaluate({"x": 1.0})
    assert info.value.column == 5
    with pytest.raises(ExprError, match="'z' is not a variable"):
        e.evaluate({"x": 1.0, "y": 2.0, "z": 3.0})
    with pytest.raises(TypeError):
        e.evaluate({"x": "1", "y": 2.0})
    with pytest.raises(TypeError):
        parse(b"x")


# ---------------------------------------------------------------- math-style slips: what to write instead, and where


@pytest.mark.parametrize(
    "text, message, column",
    [
        # ^ is xor in Python: the column is the operator's, found between the operands (parentheses, blanks)
        ("x^2", "operator ^ not allowed: for powers use **, as in x**2", 2),
        ("(x+1) ^ 2", "operator ^ not allowed: for powers use **, as in (x+1)**2", 7),
        ("( x + 1 )^( 2 )", "as in ( x + 1 )**( 2 )", 10),
        ("y + x^2", "as in y + x**2", 6),  # Python reads (y + x) ^ 2: the suggestion keeps the text
        ("  x ^ 2", "as in x**2", 5),  # leading blanks count
        ("\u00e9 ^ 2", "as in \u00e9**2", 3),  # columns are characters, not UTF-8 bytes
        ("a+b+c+d+e+f+g+h+i+j+k+l+m ^ 2", "as in a+b+c+d+e+...+i+j+k+l+m**2", 27),  # long operands are shortened
        ("x // 2", "operator // not allowed", 3),
        ("(x) % (2)", "operator % not allowed", 5),
        ("x @ y", "operator @ not allowed", 3),
        ("x<<1", "operator << not allowed", 2),
        ("x >> 1", "operator >> not allowed", 3),
        ("(x) | (y)", "operator | not allowed", 5),
        ("(x)&(y)", "operator & not allowed", 4),
        ("exp(x) + y % 2", "operator % not allowed", 12),
        # a number before a name or a parenthesis: a product
        ("2x", "syntax error: 2x is not a number: to multiply, write 2*x", 1),
        ("y + 2.5x", "to multiply, write 2.5*x", 5),
        ("  3e2x", "to multiply, write 3e2*x", 3),
        ("2exp(x)", "to multiply, write 2*exp", 1),
        ("2(x+1)", "2 is not a function: to multiply, write 2*(x+1); only the functions exp, log", 1),
        ("y + 3 (x)", "to multiply, write 3*(x)", 5),
        ("(x+1)(x-1)", "(x+1) is not a function: to multiply, write (x+1)*(x-1)", 1),
        # a variable before a parenthesis: a product
        ("x(y+1)", "x is not a function: to multiply, write x*(y+1)", 1),
        ("y + w0 (y+1)", "w0 is not a function: to multiply, write w0*(y+1)", 5),
        ("x(" + "y+" * 20 + "y)", "to multiply, write x*(y+y+y+y+y...y+y+y+y+y)", 1),
        ("exp(y) + y^2 + x(2)", "operator ^ not allowed", 11),  # the leftmost mistake
        ("y^2 + x(2) ", "operator ^ not allowed", 2),
        ("foo(x)", "unknown function 'foo' (functions: exp,", 1),  # a word is a function, not a product
        ("x(y, 2)", "unknown function 'x' (functions: exp,", 1),
        # other notations' functions
        ("ln(x)", "unknown function 'ln': use log (the natural logarithm), as in log(x)", 1),
        ("y*LN(x + 1)", "unknown function 'LN': use log (the natural logarithm), as in log(x + 1)", 3),
        ("log10(x)", "as in log(x)/log(10)", 1),
        ("pow(x, 2)", "unknown function 'pow': use ** for powers, as in x**2", 1),
        ("pow(x+1, -2)", "as in (x+1)**(-2)", 1),
        ("pow(x)", "unknown function 'pow': use ** for powers", 1),
        ("tan(x)", "as in sin(x)/cos(x)", 1),
        ("Exp(x)", "unknown function 'Exp': use exp (function names are lowercase)", 1),
        ("ReLU(x)", "use relu (function names are lowercase)", 1),
        ("math.exp(x)", "attribute access (a.b) not allowed: write exp(x)", 1),
        ("1 + np.power(x, 2)", "attribute access (a.b) not allowed: write x**2", 5),
        ("max(x, y, 2)", "max() takes 2 arguments, got 3: nest them, as in max(x, max(y, 2))", 1),
    ],
)
def test_math_style_slips_say_what_to_write_and_where(text, message, column):
    with pytest.raises(ExprError) as info:
        parse(text)
    assert message in info.value.message, info.value.message
    assert info.value.column == column


# what each other notation's function means: the formula its message suggests must compute the same
MEANINGS = {
    "ln": math.log,
    "log10": math.log10,
    "log2": math.log2,
    "pow": math.pow,
    "power": math.pow,
    "sqr": lambda x: x * x,
    "square": lambda x: x * x,
    "tan": math.tan,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "fabs": abs,
    "logistic": lambda x: 1 / (1 + math.exp(-x)),
    "expit": lambda x: 1 / (1 + math.exp(-x)),
    "softplus": lambda x: math.log(1 + math.exp(x)),
    "inv": lambda x: 1 / x,
    "reciprocal": lambda x: 1 / x,
    "maximum": max,
    "minimum": min,
    "fmax": max,
    "fmin": min,
}
TWO_ARGUMENTS = {"pow", "power", "maximum", "minimum", "fmax", "fmin"}


def message_of(text: str) -> str:
    with pytest.raises(ExprError) as info:
        parse(text)
    return info.value.message


@pytest.mark.parametrize("name", sorted(MEANINGS))
def test_other_notations_suggest_the_same_function_in_this_grammar(name):
    from micrograd.cli.expr import _OTHER_NOTATIONS

    assert set(MEANINGS) == set(_OTHER_NOTATIONS)
    assert name not in FUNCTIONS  # FUNCTIONS stays the one list of allowed names
    values = {"x": 0.7, "y": 0.2} if name in TWO_ARGUMENTS else {"x": 0.7}
    message = message_of(f"{name}({', '.join(values)})")
    assert message.startswith(f"unknown function {name!r}: use ") and ", as in " in message, message
    suggestion = message.split(", as in ", 1)[1]
    assert build(suggestion, **values).data == pytest.approx(MEANINGS[name](*values.values())), suggestion


def test_every_unbound_variable_is_named_at_once_at_the_first():
    e = parse("exp(y*y) + x*y + z")
    with pytest.raises(ExprError) as info:
        e.evaluate({"x": 1.0})
    assert info.value.message == "unbound variables 'y', 'z': give each a value, e.g. y=1 z=1"
    assert info.value.column == 5
    with pytest.raises(ExprError) as info:
        parse("exp(y*y) + y").evaluate({})
    assert info.value.message == "unbound variable 'y': give it a value, e.g. y=1"
    assert info.value.column == 5  # the first occurrence, not the shallowest
    with pytest.raises(ExprError) as info:
        parse("  x + y").evaluate({"x": 1.0})
    assert info.value.column == 7


def test_every_extra_binding_is_named_at_once():
    with pytest.raises(ExprError) as info:
        parse("x").evaluate({"x": 1.0, "z": 2.0, "w": 3.0})
    assert info.value.message == "'z', 'w' are not variables of the expression (its variables: x)"


def test_python_warnings_stay_quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a SyntaxWarning printed would be a second line on the command line
        with pytest.raises(ExprError, match="conditional"):
            parse("1if x else 2")


def test_length_limit_is_generous_for_slides():
    text = "+".join(["x"] * (MAX_LENGTH // 2))[:MAX_LENGTH].rstrip("+")
    assert build(text, x=1.0).data == text.count("x")


# ---------------------------------------------------------------- property: text == Values

NAMES = ("a", "b", "c")
BINARY = ("+", "-", "*", "/", "**")
UNARY_FNS = ("exp", "log", "tanh", "sigmoid", "relu", "abs", "sqrt", "recip")
numbers = st.one_of(
    st.sampled_from([0.0, 1.0, 2.0, 0.5, 3.0, -1.0, -2.5]), st.floats(-5, 5, allow_nan=False, allow_infinity=False)
)
leaf = st.one_of(st.tuples(st.just("var"), st.sampled_from(NAMES)), st.tuples(st.just("num"), numbers))


def extend(children):
    return st.one_of(
        st.tuples(st.just("bin"), st.sampled_from(BINARY), children, children),
        st.tuples(st.just("neg"), children),
        st.tuples(st.just("pos"), children),
        st.tuples(st.just("fn"), st.sampled_from(UNARY_FNS), children),
        st.tuples(st.just("fn2"), st.sampled_from(("max", "min")), children, children),
    )


trees = st.recursive(leaf, extend, max_leaves=12)


def text_of(t) -> str:
    kind = t[0]
    if kind == "var":
        return t[1]
    if kind == "num":
        return f"({t[1]!r})" if t[1] < 0 or str(t[1]).startswith("-") else repr(t[1])
    if kind == "bin":
        return f"({text_of(t[2])} {t[1]} {text_of(t[3])})"
    if kind == "neg":
        return f"(-{text_of(t[1])})"
    if kind == "pos":
        return f"(+{text_of(t[1])})"
    if kind == "fn":
        return f"{t[1]}({text_of(t[2])})"
    return f"{t[1]}({text_of(t[2])}, {text_of(t[3])})"


METHODS = {
    "exp": Value.exp,
    "log": Value.log,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "abs": Value.abs,
    "sqrt": Value.sqrt,
    "recip": Value.reciprocal,
    "max": Value.max,
    "min": Value.min,
}
OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}


def direct(t, leaves):
    """The same formula written with Values and Python operators (numbers with numbers fold, IEEE)."""
    kind = t[0]
    if kind == "var":
        return leaves[t[1]]
    if kind == "num":
        return t[1]
    if kind == "bin":
        a, b = direct(t[2], leaves), direct(t[3], leaves)
        if not isinstance(a, Value) and not isinstance(b, Value):
            return OPS[t[1]](Value(a, requires_grad=False), b).data  # numbers: constants, as the parser folds them
        return OPS[t[1]](a, b)
    if kind == "neg":
        return -direct(t[1], leaves)
    if kind == "pos":
        return +direct(t[1], leaves)
    first = direct(t[2], leaves)
    first = first if isinstance(first, Value) else Value(first, requires_grad=False)  # a number: a constant
    out = METHODS[t[1]](first) if kind == "fn" else METHODS[t[1]](first, direct(t[3], leaves))
    return out if out.requires_grad else out.data  # a function of numbers only folds to a number


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@settings(max_examples=300, deadline=None)
@given(trees, st.tuples(numbers, numbers, numbers))
def test_text_and_values_build_the_same_graph(tree, values):
    text = text_of(tree)
    bound = dict(zip(NAMES, values, strict=True))
    expression = parse(text)
    parsed, parsed_leaves = expression.evaluate({n: bound[n] for n in expression.variables})
    mine = {n: Value(v, label=n) for n, v in bound.items()}
    want = direct(tree, mine)
    want = want if isinstance(want, Value) else Value(want)
    shape_got = [(v.op, v.data) for v in topological_order(parsed)]
    shape_want = [(v.op, v.data) for v in topological_order(want)]
    assert len(shape_got) == len(shape_want), text
    for (op1, d1), (op2, d2) in zip(shape_got, shape_want, strict=True):
        assert op1 == op2 and same(d1, d2), text
    parsed.backward()
    want.backward()
    for name, leaf_value in parsed_leaves.items():
        assert same(leaf_value.grad, mine[name].grad), (text, name)
