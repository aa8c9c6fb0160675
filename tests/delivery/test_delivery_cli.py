"""`supportflow keys callback` and `supportflow deliveries`, against the test's CRM."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrations.crm_store import CrmStore
from integrations.crm_store.delivery_records import NO_CHANNEL
from tests.api_keys import HELPDESK, CallerKeys
from tests.delivery.cases import open_ticket, queue_reply
from worker.cli import app
from worker.settings import get_settings


@pytest.fixture
def cli_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)  # no developer .env
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_keys_callback_registers_a_systems_url_and_shows_the_secret_once(
    cli_db: None, crm_store: CrmStore, api_keys: CallerKeys
) -> None:
    runner = CliRunner()
    url = "https://helpdesk.example.com/supportflow/events"
    first = runner.invoke(app, ["keys", "callback", HELPDESK, url])
    assert first.exit_code == 0, first.output
    endpoint = crm_store.callback_for(HELPDESK)
    assert endpoint is not None and endpoint.url == url
    assert f"signing secret: {endpoint.secret}" in first.output

    moved = runner.invoke(app, ["keys", "callback", HELPDESK, url + "/v2"])
    assert moved.exit_code == 0 and endpoint.secret not in moved.output
    assert crm_store.callback_for(HELPDESK).secret == endpoint.secret  # type: ignore[union-attr]
    rotated = runner.invoke(app, ["keys", "callback", HELPDESK, url, "--rotate-secret"])
    assert crm_store.callback_for(HELPDESK).secret != endpoint.secret  # type: ignore[union-attr]
    assert "signing secret: whsec_" in rotated.output

    cleartext = runner.invoke(app, ["keys", "callback", HELPDESK, "http://example.com/cb"])
    assert cleartext.exit_code == 2 and "https" in cleartext.output
    unknown = runner.invoke(app, ["keys", "callback", "nobody", url])
    assert unknown.exit_code == 1 and "no active system key" in unknown.output


def test_deliveries_counts_and_lists_failed_replies(cli_db: None, crm_store: CrmStore) -> None:
    open_ticket(crm_store, "T-cli")
    queue_reply(crm_store, "T-cli", 1)
    crm_store.plan_deliveries("T-cli", frozenset())  # no channel: failed at once
    result = CliRunner().invoke(app, ["deliveries", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["counts"] == {"queued": 0, "sent": 0, "failed": 1, "failed_replies": 1}
    [failed] = report["failed_replies"]
    assert failed["ticket_id"] == "T-cli" and failed["last_error"] == NO_CHANNEL
    text = CliRunner().invoke(app, ["deliveries"])
    assert "1 customer replies failed" in text.output and "T-cli" in text.output
