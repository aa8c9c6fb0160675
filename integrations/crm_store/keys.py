"""API keys of calling systems and people: issued once, stored as a hash, checked in constant time.

A key reads `sfk_<key_id>_<secret>`. `key_id` is public (it names the row in listings and audit
trails without revealing anything); the whole key is hashed with SHA-256 and only that hash is
stored, so a copy of the database cannot be replayed as credentials. The secret has 256 bits of
entropy, which is why a fast hash is enough here (a slow one protects guessable passwords).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel
from sqlmodel import Session, col, select

from integrations.crm_store.tables import ApiKey
from policies.identity import canonical_person_id, system_principal_id

KEY_PREFIX = "sfk"
KeyKind = Literal["system", "person"]

TICKETS_WRITE = "tickets:write"
TICKETS_READ = "tickets:read"
APPROVALS_WRITE = "approvals:write"
TICKETS_ON_BEHALF = "tickets:on_behalf"
# A signup front end starts onboardings and submits steps; opt-in for every key.
ONBOARDING_WRITE = "onboarding:write"
# Reading (and writing) Temporal payloads through the codec endpoints: customer data in the clear.
PAYLOADS_DECODE = "payloads:decode"
# Prometheus scraping the API's /metrics; opt-in, and all such a key can do.
METRICS_READ = "metrics:read"
# Operators loading customers, orders and payment references in bulk (POST /imports/...).
CRM_IMPORT = "crm:import"
ALL_SCOPES = (
    TICKETS_WRITE,
    TICKETS_READ,
    APPROVALS_WRITE,
    TICKETS_ON_BEHALF,
    ONBOARDING_WRITE,
    PAYLOADS_DECODE,
    METRICS_READ,
    CRM_IMPORT,
)
DEFAULT_SCOPES: dict[str, tuple[str, ...]] = {
    # A helpdesk files and reads cases; asserting an agent or deciding is opt-in.
    "system": (TICKETS_WRITE, TICKETS_READ),
    "person": (TICKETS_WRITE, TICKETS_READ, APPROVALS_WRITE),
}

# Names end up in audit rows (64 chars) and, once revoked, carry a `~<key_id>` suffix.
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
_KEY_SHAPE = re.compile(rf"^{KEY_PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{43}})$")
# last_used_at is a hint for operators, not an audit record: refreshing it at most once a minute
# keeps every authenticated request from being a database write.
LAST_USED_GRANULARITY = timedelta(minutes=1)
_DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()


class ApiKeyRefused(Exception):
    """A key operation was refused; the message says why in terms the operator can act on."""


class ApiKeyView(BaseModel):
    """A key as listings show it: never the secret, never the hash."""

    key_id: str
    name: str
    kind: KeyKind
    person_id: str | None
    slack_user_id: str | None
    scopes: list[str]
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class IssuedKey(BaseModel):
    """A newly created key, the only time its plaintext exists outside the caller's hands."""

    key: str
    view: ApiKeyView


class VerifiedKey(BaseModel):
    """Who a presented key belongs to. `principal_id` is the canonical id decisions are made as:
    the person's id for a person key, `system:<name>` for a calling system."""

    key_id: str
    name: str
    kind: KeyKind
    principal_id: str
    scopes: frozenset[str]


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _view(row: ApiKey) -> ApiKeyView:
    return ApiKeyView.model_validate(row, from_attributes=True)


def canonical_key_name(name: str) -> str:
    canonical = canonical_person_id(name)
    if not NAME_PATTERN.fullmatch(canonical):
        raise ApiKeyRefused(
            f"key name {name!r} must be 1-40 characters of a-z, 0-9, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return canonical


def create_key(
    session: Session,
    *,
    name: str,
    kind: KeyKind,
    now: datetime,
    person_id: str | None = None,
    slack_user_id: str | None = None,
    scopes: list[str] | None = None,
    created_by: str = "cli",
) -> IssuedKey:
    name = canonical_key_name(name)
    if kind == "person":
        if not person_id or not canonical_person_id(person_id):
            raise ApiKeyRefused("a person key needs the person's id (--person)")
        person_id = canonical_person_id(person_id)
    elif person_id or slack_user_id:
        raise ApiKeyRefused("only a person key names a person or a Slack user")
    granted = sorted(set(scopes if scopes is not None else DEFAULT_SCOPES[kind]))
    unknown = [s for s in granted if s not in ALL_SCOPES]
    if unknown:
        raise ApiKeyRefused(
            f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(ALL_SCOPES)}"
        )
    if not granted:
        raise ApiKeyRefused("a key needs at least one scope")
    if session.exec(select(ApiKey).where(ApiKey.name == name)).first() is not None:
        raise ApiKeyRefused(f"a key named {name!r} exists; revoke it first or pick another name")
    if slack_user_id and _active_slack_owner(session, slack_user_id) not in (None, person_id):
        raise ApiKeyRefused(f"Slack user {slack_user_id} already belongs to another person")
    key_id = secrets.token_hex(6)
    key = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        key_id=key_id,
        name=name,
        kind=kind,
        person_id=person_id,
        slack_user_id=slack_user_id or None,
        scopes=granted,
        key_hash=hash_key(key),
        created_at=now,
        created_by=created_by[:64],
    )
    session.add(row)
    session.flush()
    return IssuedKey(key=key, view=_view(row))


def list_keys(session: Session) -> list[ApiKeyView]:
    rows = session.exec(select(ApiKey).order_by(col(ApiKey.created_at), col(ApiKey.name))).all()
    return [_view(row) for row in rows]


def revoke_key(session: Session, name_or_key_id: str, now: datetime) -> ApiKeyView:
    """Ends a key for good. Its name is freed (the row keeps it as `<name>~<key_id>`), so a
    rotated key can take the same name and audit rows still say which key acted."""
    wanted = canonical_person_id(name_or_key_id)
    row = (
        session.get(ApiKey, wanted)
        or session.exec(select(ApiKey).where(ApiKey.name == wanted)).first()
    )
    if row is None:
        raise ApiKeyRefused(f"no key named or with id {name_or_key_id!r}")
    if row.revoked_at is None:
        row.revoked_at = now
        row.name = f"{row.name}~{row.key_id}"
        session.add(row)
        session.flush()
    return _view(row)


def verify_key(session: Session, presented: str, now: datetime) -> VerifiedKey | None:
    """The key's owner, or None for a malformed, unknown or revoked key (callers say 401 either
    way: telling them apart would help someone probing for valid key ids)."""
    shape = _KEY_SHAPE.fullmatch(presented)
    row = session.get(ApiKey, shape.group(1)) if shape else None
    expected = row.key_hash if row is not None else _DUMMY_HASH
    # compare_digest: the time taken must not reveal how much of a guessed hash matched.
    matches = hmac.compare_digest(hash_key(presented), expected)
    if row is None or not matches or row.revoked_at is not None:
        return None
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_GRANULARITY:
        row.last_used_at = now
        session.add(row)
    kind: KeyKind = "person" if row.kind == "person" else "system"
    principal = (
        canonical_person_id(row.person_id or "")
        if kind == "person"
        else system_principal_id(row.name)
    )
    return VerifiedKey(
        key_id=row.key_id,
        name=row.name,
        kind=kind,
        principal_id=principal,
        scopes=frozenset(row.scopes),
    )


def has_active_keys(session: Session) -> bool:
    return (
        session.exec(select(ApiKey.key_id).where(col(ApiKey.revoked_at).is_(None))).first()
        is not None
    )


def _active_slack_owner(session: Session, slack_user_id: str) -> str | None:
    row = session.exec(
        select(ApiKey).where(
            ApiKey.slack_user_id == slack_user_id,
            ApiKey.kind == "person",
            col(ApiKey.revoked_at).is_(None),
        )
    ).first()
    return row.person_id if row is not None else None


def person_for_slack_user(session: Session, slack_user_id: str) -> str | None:
    """The person a Slack user id was registered to (with `keys create --person P --slack-user
    U`), from an active person key; None if no active key names that Slack user."""
    owner = _active_slack_owner(session, slack_user_id)
    return canonical_person_id(owner) if owner else None
