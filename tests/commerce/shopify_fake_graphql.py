"""Just enough GraphQL for the fake Shopify: the selection set of an operation, and an answer
cut down to it, as a GraphQL server answers only what was asked.

A field the client selects that the fake's object does not have is an error, as Shopify answers
`Field 'x' doesn't exist on type 'Order'`: the fake's objects follow the documented schema, so
this catches a client asking for a field the schema lacks (or that the fake forgot).
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[{}()]|\$|@|:|[^\s]")
Selection = dict[str, "Selection | None"]


class UnknownField(Exception):
    pass


def selection_set(query: str) -> Selection:
    """The top-level selection of the first operation (arguments and directives skipped)."""
    tokens = _TOKEN.findall(query)
    start = tokens.index("{")
    selection, _ = _parse(tokens, start + 1)
    return selection


def _parse(tokens: list[str], index: int) -> tuple[Selection, int]:
    selection: Selection = {}
    last: str | None = None
    while index < len(tokens):
        token = tokens[index]
        if token == "}":
            return selection, index + 1
        if token == "{":
            assert last is not None
            selection[last], index = _parse(tokens, index + 1)
            continue
        if token in ("(", "@"):
            index = _skip_arguments(tokens, index)
            continue
        last = token
        selection[token] = None
        index += 1
    return selection, index


def _skip_arguments(tokens: list[str], index: int) -> int:
    if tokens[index] == "@":
        index += 2  # "@" and the directive's name
        if index >= len(tokens) or tokens[index] != "(":
            return index
    depth = 0
    while True:
        depth += {"(": 1, ")": -1}.get(tokens[index], 0)
        index += 1
        if depth == 0:
            return index


def prune(value: Any, selection: Selection | None, type_name: str = "Query") -> Any:
    """`value` with only the selected fields, recursively (lists element by element)."""
    if selection is None or value is None:
        return value
    if isinstance(value, list):
        return [prune(item, selection, type_name) for item in value]
    answer = {}
    for field, sub in selection.items():
        if field not in value:
            raise UnknownField(f"Field '{field}' doesn't exist on type '{type_name}'")
        answer[field] = prune(value[field], sub, field)
    return answer
