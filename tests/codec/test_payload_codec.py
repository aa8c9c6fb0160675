"""The payload codec: AES-256-GCM with key ids, rotation, tamper detection, clear errors, and
histories recorded before encryption passing through untouched."""

from __future__ import annotations

import base64

import pytest
from temporalio.api.common.v1 import Payload

from integrations.codec_keys import (
    KeyRingError,
    StaticKeyRing,
    key_ring_from_text,
    new_key_line,
    parse_key_list,
)
from tests.conftest import TEST_CODEC_KEYS
from worker.data_converter import CodecNotConfigured, data_converter, key_ring
from worker.payload_codec import (
    ENCODING,
    KEY_ID_METADATA,
    EncryptionCodec,
    PayloadDecryptionFailed,
)
from worker.settings import Settings
from workflows.refund.contract import RefundRequest

OLD = bytes(range(32))
NEW = bytes(range(32, 64))
REQUEST = RefundRequest(
    ticket_id="T-codec",
    customer_id="cus_1002",
    order_id="ord_5002",
    subject="Headphones from Dana Whitfield",
    body="dana.whitfield@example.com: my headphones stopped charging",
)


def encoded_request(ring: StaticKeyRing) -> list[Payload]:
    return data_converter(ring=ring).payload_converter.to_payloads([REQUEST])


async def test_round_trip_hides_the_customer_and_restores_the_model() -> None:
    converter = data_converter(ring=StaticKeyRing({"k1": OLD}))
    [sealed] = await converter.encode([REQUEST])
    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata[KEY_ID_METADATA] == b"k1"
    raw = sealed.SerializeToString()
    for secret in (b"Dana", b"dana.whitfield@example.com", b"stopped charging", b"cus_1002"):
        assert secret not in raw
    [back] = await converter.decode([sealed], [RefundRequest])
    assert back == REQUEST


async def test_rotation_new_key_encrypts_old_key_still_decrypts() -> None:
    before = EncryptionCodec(StaticKeyRing({"old": OLD}))
    [from_last_year] = await before.encode(encoded_request(StaticKeyRing({"old": OLD})))
    rotated = EncryptionCodec(StaticKeyRing({"old": OLD, "new": NEW}, active_key_id="new"))
    [fresh] = await rotated.encode(encoded_request(StaticKeyRing({"old": OLD})))
    assert fresh.metadata[KEY_ID_METADATA] == b"new"
    decoded = await rotated.decode([from_last_year, fresh])
    assert decoded[0] == decoded[1]
    assert decoded[0].metadata["encoding"] == b"json/plain"


async def test_a_tampered_payload_is_refused() -> None:
    codec = EncryptionCodec(StaticKeyRing({"k1": OLD}))
    [sealed] = await codec.encode(encoded_request(StaticKeyRing({"k1": OLD})))
    flipped = bytearray(sealed.data)
    flipped[-20] ^= 0x01
    altered = Payload(metadata=dict(sealed.metadata), data=bytes(flipped))
    with pytest.raises(PayloadDecryptionFailed, match="failed authentication under key 'k1'"):
        await codec.decode([altered])
    # Relabelled with another key id the ring holds: the key id is authenticated data too.
    both = EncryptionCodec(StaticKeyRing({"k1": OLD, "k2": OLD}))
    relabelled = Payload(metadata={**sealed.metadata, KEY_ID_METADATA: b"k2"}, data=sealed.data)
    with pytest.raises(PayloadDecryptionFailed, match="altered"):
        await both.decode([relabelled])
    truncated = Payload(metadata=dict(sealed.metadata), data=sealed.data[:10])
    with pytest.raises(PayloadDecryptionFailed, match="too short"):
        await codec.decode([truncated])


async def test_an_unknown_key_id_says_which_key_to_add() -> None:
    [sealed] = await EncryptionCodec(StaticKeyRing({"retired": OLD})).encode(
        encoded_request(StaticKeyRing({"retired": OLD}))
    )
    codec = EncryptionCodec(StaticKeyRing({"current": NEW}))
    with pytest.raises(PayloadDecryptionFailed, match=r"key id 'retired'.*SUPPORTFLOW_CODEC_KEYS"):
        await codec.decode([sealed])
    unlabelled = Payload(metadata={"encoding": ENCODING}, data=sealed.data)
    with pytest.raises(PayloadDecryptionFailed, match="without encryption-key-id"):
        await codec.decode([unlabelled])


async def test_payloads_without_the_encrypted_encoding_pass_through() -> None:
    """Histories recorded unencrypted (tests/histories) decode as they were written."""
    plain = encoded_request(StaticKeyRing({"k1": OLD}))
    assert await EncryptionCodec(StaticKeyRing({"k1": OLD})).decode(plain) == plain


async def test_each_encryption_uses_a_fresh_nonce() -> None:
    codec = EncryptionCodec(StaticKeyRing({"k1": OLD}))
    plain = encoded_request(StaticKeyRing({"k1": OLD}))
    first, second = await codec.encode(plain + plain)
    assert first.data != second.data


def test_key_list_format_and_its_errors() -> None:
    line = new_key_line("2026-q4")
    ring = key_ring_from_text(
        f"# rotated in December\n{line}\nold:{base64.b64encode(OLD).decode()}"
    )
    assert ring.key_ids == ["2026-q4", "old"] and ring.active_key_id == "2026-q4"
    assert (
        key_ring_from_text(f"{line},old:{base64.b64encode(OLD).decode()}", "old").key("old") == OLD
    )
    bad = {
        "k1": "each key reads",
        "k1:not base64!": "not valid base64",
        f"k1:{base64.b64encode(b'short').decode()}": "5 bytes; AES-256 needs 32",
        f"k1:{base64.b64encode(OLD).decode()},k1:{base64.b64encode(NEW).decode()}": "twice",
        f"bad id:{base64.b64encode(OLD).decode()}": "key id 'bad id'",
        "": "no payload encryption key",
    }
    for text, message in bad.items():
        with pytest.raises(KeyRingError, match=message):
            key_ring_from_text(text)
    with pytest.raises(KeyRingError, match="active key 'gone' is not among"):
        key_ring_from_text(line, "gone")
    assert parse_key_list(TEST_CODEC_KEYS) == {"test-key-1": OLD}


def test_settings_without_any_key_refuse_to_build_a_converter(tmp_path) -> None:
    settings = Settings.model_validate(
        {"SUPPORTFLOW_CODEC_KEYS_FILE": str(tmp_path / "none.keys")}
    ).model_copy(update={"codec_keys": None})
    with pytest.raises(CodecNotConfigured, match="SUPPORTFLOW_CODEC_KEYS=<key id>"):
        key_ring(settings)
    (tmp_path / "none.keys").write_text(new_key_line("from-file") + "\n")
    assert key_ring(settings).active_key_id == "from-file"
    broken = settings.model_copy(update={"codec_active_key": "other"})
    with pytest.raises(CodecNotConfigured, match="unusable: active key 'other'"):
        key_ring(broken)


async def test_the_history_scanner_would_see_an_unencrypted_customer() -> None:
    """The scan in tests/codec/devstack_ui_codec.py proves something only if it finds plain text."""
    from tests.codec.personal_data import found_in_plain_text, personal_strings
    from worker.data_converter import plain_data_converter
    from worker.local_stack.demo_data import AUTO_APPROVE, DEMO_CUSTOMERS

    request = REQUEST.model_copy(update={"body": AUTO_APPROVE.body, "subject": "Hi"})
    customer = DEMO_CUSTOMERS[0]
    values = [request, {"name": customer.name, "email": customer.email}]
    strings = personal_strings()
    plain = b"".join(p.SerializeToString() for p in await plain_data_converter().encode(values))
    assert set(found_in_plain_text(plain, strings)) >= {
        AUTO_APPROVE.body,
        customer.name,
        customer.email,
        customer.name.split()[-1],
    }
    sealed = await data_converter(ring=StaticKeyRing({"k1": OLD})).encode(values)
    assert found_in_plain_text(b"".join(p.SerializeToString() for p in sealed), strings) == []
