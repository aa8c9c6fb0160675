"""A throwaway payload key for one benchmark run.

Workers refuse to start without a payload encryption key (docs/operations-encryption.md), so a
benchmark that starts `supportflow worker` or the API as child processes hands them this key, and
its own Temporal client encrypts with the same key: the run measures the production data path.
The key lives only in this process and its children; nothing it encrypted outlives the run's
in-memory dev server.
"""

from __future__ import annotations

import base64
import secrets

from temporalio.converter import DataConverter

from integrations.codec_keys import StaticKeyRing
from worker.data_converter import data_converter

KEY_ID = "bench"
_KEY = secrets.token_bytes(32)


def bench_codec_env() -> dict[str, str]:
    """The environment a child process needs to encrypt and decrypt with this run's key."""
    return {"SUPPORTFLOW_CODEC_KEYS": f"{KEY_ID}:{base64.b64encode(_KEY).decode()}"}


def bench_data_converter() -> DataConverter:
    """The production data converter (pydantic + encryption) with this run's key."""
    return data_converter(ring=StaticKeyRing({KEY_ID: _KEY}))
