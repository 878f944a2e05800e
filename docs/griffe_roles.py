"""A griffe extension for the API reference: micrograd's docstrings in Markdown.

The docstrings are written for reading in a terminal or an editor: reST-style ``double backticks`` for code
and Sphinx roles (:func:`draw`, :class:`~micrograd.core.BackwardTrace`, :mod:`.code`) for names. Here each
becomes Markdown code, and a role also a cross-reference that links where the name is documented on the
site and stays plain code where it is not (an optional autorefs reference: no warning, no broken link).
"""

from __future__ import annotations

import html
import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:func|class|meth|attr|mod|data|exc|obj):`(?P<tilde>~?)(?P<name>[^`]+)`")
DOUBLE = re.compile(r"``(?P<code>.+?)``", re.S)


def full_name(obj: griffe.Object, name: str) -> str:
    """The dotted path a role names, seen from ``obj``: relative (``.code``) or short (``Value``) names
    resolved in the module or class it is written in; already full ones kept."""
    name = name.removesuffix("()")
    scope = obj if obj.is_module or obj.is_class else obj.parent
    if name.startswith("."):
        module = obj if obj.is_module else obj.module
        base = module.path if module.is_init_module else module.path.rpartition(".")[0]
        return f"{base}{name}"
    head, _, rest = name.partition(".")
    while scope is not None:
        try:
            resolved = scope.resolve(head)
        except Exception:  # griffe names no single error for "not in this scope"
            scope = scope.parent
            continue
        return f"{resolved}.{rest}" if rest else resolved
    return name


def markdown(text: str, obj: griffe.Object) -> str:
    """``code`` -> `code`; a role -> `name` linked to its documentation when the site has it."""

    def role(match: re.Match[str]) -> str:
        name = match["name"]
        shown = name.rpartition(".")[2] if match["tilde"] else name.lstrip(".")
        target = full_name(obj, name)
        return f'<autoref identifier="{html.escape(target)}" optional><code>{html.escape(shown)}</code></autoref>'

    def code(match: re.Match[str]) -> str:
        inner = " ".join(match["code"].split())
        ticks = "``" if "`" in inner else "`"
        return f"{ticks}{inner}{ticks}"

    return DOUBLE.sub(code, ROLE.sub(role, text))


class DocstringRoles(griffe.Extension):
    """Rewrites every docstring once the package is loaded (names resolve then)."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        seen: set[int] = set()
        stack: list[griffe.Object] = [pkg]
        while stack:
            obj = stack.pop()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if obj.docstring is not None:
                obj.docstring.value = markdown(obj.docstring.value, obj)
            stack.extend(member for member in obj.members.values() if not member.is_alias)
