"""Stripe's form encoding (`metadata[key]=v`, `evidence[receipt]=x`, `lines[0][amount]=5`) as
nested dicts and lists, the way Stripe reads a request body or query string."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

_PART = re.compile(r"\[([^\]]*)\]")


def decode_form(text: str) -> dict[str, Any]:
    """`a[b][0][c]=1` → `{"a": {"b": [{"c": "1"}]}}`; numeric brackets become list items."""
    root: dict[str, Any] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        head, _, rest = name.partition("[")
        keys: list[str] = [head, *_PART.findall("[" + rest)] if rest else [head]
        _assign(root, keys, value)
    return _listify(root)


def _assign(node: dict[str, Any], keys: list[str], value: str) -> None:
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[keys[-1]] = value


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_listify(node[key]) for key in sorted(node, key=int)]
    return {key: _listify(value) for key, value in node.items()}


def as_int(value: Any, name: str) -> int:
    """An integer parameter, or ValueError naming it (answered as Stripe's invalid_request)."""
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise ValueError(f"Invalid integer: {value!r} for parameter {name}") from None


def as_bool(value: Any) -> bool:
    return str(value).lower() in ("true", "1")
