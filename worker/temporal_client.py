"""Connects to Temporal the same way everywhere: envconfig for the connection, pydantic payloads."""

from __future__ import annotations

from dotenv import load_dotenv
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.envconfig import ClientConfigProfile

from worker.settings import env_file
from worker.telemetry import client_interceptors


async def connect_temporal() -> Client:
    """Reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS* (or a profile
    from TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE) and defaults to the local dev server."""
    # envconfig reads only the process environment; `.env` fills in what is not already set,
    # so the same file configures Temporal and every other setting.
    load_dotenv(env_file(), override=False)
    connect_config = ClientConfigProfile.load().to_client_connect_config()
    connect_config.setdefault("target_host", "localhost:7233")
    return await Client.connect(
        **connect_config,
        data_converter=pydantic_data_converter,
        interceptors=client_interceptors(),
    )
