"""The keys that encrypt customer data in Temporal payloads, behind a key ring a KMS could serve.

Payloads carry the id of the key that sealed them, so several keys live side by side: the ring
encrypts with its active key and decrypts with any key it knows. Rotating is adding a new key,
making it active, and dropping the old one only once no history still needs it (retention).

`EnvKeyRing` reads `kid1:<base64 32 bytes>,kid2:...` (SUPPORTFLOW_CODEC_KEYS) and an active key
id (SUPPORTFLOW_CODEC_ACTIVE_KEY, default the first listed). A KMS-backed ring implements the same
two members: `active_key_id` and `key(key_id)` (unwrapping a data key on first use, say).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # GCM's standard nonce; random per payload (2^32 payloads per key is safe)
# Key ids travel in every payload's metadata and in operators' env files: short and plain.
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class KeyRingError(Exception):
    """The key configuration is unusable; the message says what to fix."""


class UnknownKeyId(Exception):
    """A payload names a key this ring does not hold (dropped too early, or another ring's)."""

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"payload was encrypted with key id {key_id!r}, which this key ring does not hold: "
            "add that key to SUPPORTFLOW_CODEC_KEYS (old keys stay until no history needs them)"
        )
        self.key_id = key_id


class TamperedPayload(Exception):
    """The ciphertext, its nonce or its key id was altered (or the key is wrong for it)."""


class KeyRing(Protocol):
    @property
    def active_key_id(self) -> str: ...

    def key(self, key_id: str) -> bytes:
        """The 32-byte key for `key_id`, or UnknownKeyId."""
        ...


class StaticKeyRing:
    """Keys held in memory: from the environment, a file, or a test's fixed key."""

    def __init__(self, keys: Mapping[str, bytes], active_key_id: str | None = None) -> None:
        if not keys:
            raise KeyRingError("no payload encryption key configured")
        for key_id, key in keys.items():
            if not KEY_ID_PATTERN.match(key_id):
                raise KeyRingError(f"key id {key_id!r} must be 1-64 of A-Z a-z 0-9 . _ -")
            if len(key) != KEY_BYTES:
                raise KeyRingError(f"key {key_id!r} is {len(key)} bytes; AES-256 needs 32")
        active = active_key_id or next(iter(keys))
        if active not in keys:
            raise KeyRingError(
                f"active key {active!r} is not among the configured keys ({', '.join(keys)})"
            )
        self._keys = dict(keys)
        self._active = active

    @property
    def active_key_id(self) -> str:
        return self._active

    @property
    def key_ids(self) -> list[str]:
        return list(self._keys)

    def key(self, key_id: str) -> bytes:
        try:
            return self._keys[key_id]
        except KeyError:
            raise UnknownKeyId(key_id) from None


def parse_key_list(text: str) -> dict[str, bytes]:
    """`kid1:<base64>,kid2:<base64>` (commas or newlines; `#` comments in files)."""
    keys: dict[str, bytes] = {}
    entries = re.split(r"[,\n]", "\n".join(line.split("#", 1)[0] for line in text.splitlines()))
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        key_id, sep, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not sep or not key_id:
            raise KeyRingError("each key reads <key id>:<base64 of 32 bytes>")
        if key_id in keys:
            raise KeyRingError(f"key id {key_id!r} is listed twice")
        try:
            keys[key_id] = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise KeyRingError(f"key {key_id!r} is not valid base64") from None
    return keys


def key_ring_from_text(text: str, active_key_id: str | None = None) -> StaticKeyRing:
    return StaticKeyRing(parse_key_list(text), active_key_id or None)


def new_key_line(key_id: str) -> str:
    """A fresh random key in the list format (what `make run` writes for a local stack)."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def write_local_key_file(path: Path, key_id: str) -> None:
    """Creates a key file readable by its owner only; an existing file is never overwritten,
    or every history it encrypted would be lost."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(
            "# Payload encryption keys of this local stack (SUPPORTFLOW_CODEC_KEYS format).\n"
        )
        out.write(new_key_line(key_id) + "\n")


def seal(key: bytes, key_id: str, plaintext: bytes) -> bytes:
    """nonce || AES-256-GCM(plaintext); the key id is authenticated data, so a payload relabelled
    with another key id fails instead of decrypting under the wrong key."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, key_id.encode())


def unseal(key: bytes, key_id: str, sealed: bytes) -> bytes:
    if len(sealed) < NONCE_BYTES + 16:
        raise TamperedPayload(f"encrypted payload ({key_id}) is too short to be genuine")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], key_id.encode())
    except InvalidTag:
        raise TamperedPayload(
            f"encrypted payload failed authentication under key {key_id!r}: it was altered, "
            "or that key id now holds a different key"
        ) from None
