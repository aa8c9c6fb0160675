"""Connects to Temporal the same way everywhere: envconfig for the connection, pydantic payloads
encrypted by the codec (worker/data_converter.py)."""

from __future__ import annotations

from dotenv import load_dotenv
from temporalio.client import Client
from temporalio.envconfig import ClientConfigProfile

from worker.data_converter import data_converter
from worker.settings import Settings, env_file
from worker.telemetry import client_interceptors


async def connect_temporal(settings: Settings | None = None) -> Client:
    """Reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS* (or a profile
    from TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE) and defaults to the local dev server."""
    # envconfig reads only the process environment; `.env` fills in what is not already set,
    # so the same file configures Temporal and every other setting.
    load_dotenv(env_file(), override=False)
    # Built first: a missing key is CodecNotConfigured, not "cannot reach Temporal".
    converter = data_converter(settings)
    connect_config = ClientConfigProfile.load().to_client_connect_config()
    connect_config.setdefault("target_host", "localhost:7233")
    return await Client.connect(
        **connect_config, data_converter=converter, interceptors=client_interceptors()
    )
