"""Customer data in Temporal payloads, encrypted before it leaves the process (AES-256-GCM).

Every payload the SDK sends (workflow and activity inputs and results, update and query
arguments, memos, summaries, failure messages) is sealed whole: the original payload is
serialised and encrypted, and the stored one only says `encoding: binary/encrypted` and which key
sealed it. Decoding touches only payloads with that encoding, so histories recorded before
encryption was switched on (tests/histories) still decode and replay.
"""

from __future__ import annotations

from collections.abc import Sequence

from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from integrations.codec_keys import KeyRing, TamperedPayload, seal, unseal

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"


class PayloadDecryptionFailed(Exception):
    """An encrypted payload could not be opened: unknown key id, altered bytes, bad metadata."""


class EncryptionCodec(PayloadCodec):
    """Encrypts with the key ring's active key, decrypts with whichever key a payload names."""

    def __init__(self, key_ring: KeyRing) -> None:
        self.key_ring = key_ring

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        key_id = self.key_ring.active_key_id
        key = self.key_ring.key(key_id)
        return [
            Payload(
                metadata={"encoding": ENCODING, KEY_ID_METADATA: key_id.encode()},
                data=seal(key, key_id, payload.SerializeToString()),
            )
            for payload in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._open(p) if is_encrypted(p) else p for p in payloads]

    def _open(self, payload: Payload) -> Payload:
        raw_id = payload.metadata.get(KEY_ID_METADATA)
        if not raw_id:
            raise PayloadDecryptionFailed(f"encrypted payload without {KEY_ID_METADATA} metadata")
        key_id = raw_id.decode(errors="replace")
        try:
            plaintext = unseal(self.key_ring.key(key_id), key_id, payload.data)
        except TamperedPayload as err:
            raise PayloadDecryptionFailed(str(err)) from None
        except Exception as err:  # UnknownKeyId, or a KMS ring's own failure
            raise PayloadDecryptionFailed(str(err)) from err
        decoded = Payload()
        decoded.ParseFromString(plaintext)
        return decoded


def is_encrypted(payload: Payload) -> bool:
    return payload.metadata.get("encoding") == ENCODING
