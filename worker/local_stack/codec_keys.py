"""Payload encryption for the local stack: a key generated on the first run, and a key made for
the dev server's Temporal UI to decode payloads through the API's codec endpoints.

The payload key lives in `.data/keys/codec.keys` (0600) unless SUPPORTFLOW_CODEC_KEYS is set;
losing it makes the stored histories unreadable, which is why it is never regenerated over an
existing file (`supportflow run --fresh` removes the histories with it). The dev server's UI can
send no header, so its key (scope `payloads:decode` only) rides in the codec endpoint's path.
"""

from __future__ import annotations

import json
from pathlib import Path

from integrations.codec_keys import write_local_key_file
from integrations.crm_store import CrmStore
from integrations.crm_store.keys import PAYLOADS_DECODE
from worker.local_stack.demo_keys import _issue
from worker.settings import Settings

UI_KEY_NAME = "temporal-ui"
LOCAL_KEY_ID = "local-1"


def with_local_payload_key(settings: Settings, data_dir: Path) -> Settings:
    """The settings the stack runs with: the configured keys, or this stack's own key file."""
    if settings.codec_keys is not None:
        return settings
    path = data_dir / "keys" / "codec.keys"
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_local_key_file(path, LOCAL_KEY_ID)
    return settings.model_copy(update={"codec_keys_file": path.resolve()})


def child_codec_env(settings: Settings, ui_port: int) -> dict[str, str]:
    """What the worker and API need to read the same payloads (the file, never the key), and
    the UI's origins for the codec's CORS (a browser may have typed either host)."""
    origins = [f"http://localhost:{ui_port}", f"http://127.0.0.1:{ui_port}"]
    env = {"SUPPORTFLOW_CODEC_CORS_ORIGINS": json.dumps(origins)}
    if settings.codec_keys is None:
        env["SUPPORTFLOW_CODEC_KEYS_FILE"] = str(settings.codec_keys_file)
    return env


def ui_codec_endpoint(settings: Settings, data_dir: Path, api_url: str) -> str:
    """The endpoint for `--ui-codec-endpoint`, carrying the UI's key (reused across runs)."""
    keys_dir = data_dir / "keys"
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    store = CrmStore(settings.database_url)
    try:
        store.migrate()
        path = _issue(store, keys_dir, UI_KEY_NAME, {}, scopes=[PAYLOADS_DECODE])
    finally:
        store.dispose()
    return f"{api_url}/codec/k/{path.read_text().strip()}"
