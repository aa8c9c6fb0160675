"""Canonical principal ids: one person, one id, whichever door they came in by.

Approver ids in policy files, the person behind an API key or an OIDC token, a requester and a
Slack user mapped to a person are all compared in this one form, so `Alice`, ` alice` and
`ALICE` are the same approver (and cannot approve twice, or approve their own request). Calling
systems get their own namespace (`system:<key name>`) so that a system key named like a person
can never stand in for that person.
"""

from __future__ import annotations

import unicodedata

SYSTEM_PREFIX = "system:"


def canonical_person_id(raw: str) -> str:
    """NFKC-normalised, case-folded and trimmed: the form every identity comparison uses."""
    return unicodedata.normalize("NFKC", raw).strip().casefold()


def system_principal_id(key_name: str) -> str:
    """The principal id of a calling system, outside the namespace person ids live in."""
    return SYSTEM_PREFIX + canonical_person_id(key_name)


def is_system_principal(principal_id: str) -> bool:
    return principal_id.startswith(SYSTEM_PREFIX)
