"""Connecting to Temporal from the API and the CLI, with failures people can act on.

The SDK reports a refused connection as a RuntimeError wrapping a transport error; callers here
turn it into TemporalUnavailable naming the address envconfig chose, so the message says where
it tried and what to start.
"""

from __future__ import annotations

import asyncio

from temporalio.client import Client
from temporalio.envconfig import ClientConfigProfile

from worker.data_converter import CodecNotConfigured
from worker.temporal_client import connect_temporal


class TemporalUnavailable(Exception):
    """Temporal could not be reached; nothing was started or decided."""


def temporal_target() -> str:
    """The address the client will dial (TEMPORAL_ADDRESS, a profile, or the local default)."""
    try:
        config = ClientConfigProfile.load().to_client_connect_config()
    except Exception:  # a broken profile file is reported by connect_temporal itself
        return "localhost:7233"
    return str(config.get("target_host") or "localhost:7233")


async def connect_or_explain() -> Client:
    try:
        return await connect_temporal()
    except CodecNotConfigured:
        raise
    except Exception as err:  # RuntimeError from the SDK, or a profile/TLS config error
        raise TemporalUnavailable(f"cannot reach Temporal at {temporal_target()}: {err}") from err


class TemporalGate:
    """One shared client, connected on first use: connecting only at startup would turn a
    Temporal restart into an API that never recovers."""

    def __init__(self, client: Client | None = None) -> None:
        self._client = client
        self._lock = asyncio.Lock()

    async def client(self) -> Client:
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                self._client = await connect_or_explain()
            return self._client
