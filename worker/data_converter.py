"""The one data converter every supportflow process talks to Temporal with.

Pydantic models as JSON, then the encryption codec, and failure messages moved into an encoded
(so encrypted) attribute: a refusal's text can quote a customer. The worker, the API, the CLI,
the replayer and the tests all build it here, so a payload one of them writes the others read.
"""

from __future__ import annotations

import dataclasses

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

from integrations.codec_keys import KeyRing, KeyRingError, StaticKeyRing, key_ring_from_text
from worker.payload_codec import EncryptionCodec
from worker.settings import Settings, get_settings


class CodecNotConfigured(Exception):
    """No usable payload key: the message says how to configure one."""


def key_ring(settings: Settings) -> StaticKeyRing:
    """From SUPPORTFLOW_CODEC_KEYS, else the key file (SUPPORTFLOW_CODEC_KEYS_FILE, by default
    the one `make run` generates under .data/keys/). No key is an error, never plain text."""
    active = settings.codec_active_key
    try:
        if settings.codec_keys is not None:
            return key_ring_from_text(settings.codec_keys.get_secret_value(), active)
        path = settings.codec_keys_file
        if path.is_file():
            return key_ring_from_text(path.read_text(), active)
    except (KeyRingError, OSError) as err:
        raise CodecNotConfigured(f"payload encryption keys are unusable: {err}") from None
    raise CodecNotConfigured(
        "no payload encryption key: set SUPPORTFLOW_CODEC_KEYS=<key id>:<base64 of 32 random "
        "bytes> (and SUPPORTFLOW_CODEC_ACTIVE_KEY when several), or SUPPORTFLOW_CODEC_KEYS_FILE; "
        "see docs/operations-encryption.md"
    )


def data_converter(
    settings: Settings | None = None, *, ring: KeyRing | None = None
) -> DataConverter:
    codec = EncryptionCodec(ring or key_ring(settings or get_settings()))
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def plain_data_converter() -> DataConverter:
    """Without encryption: only for measuring what the codec costs (bench/) and reading
    histories as the Temporal server stores them (tests)."""
    return pydantic_data_converter


__all__ = ["CodecNotConfigured", "data_converter", "key_ring"]
