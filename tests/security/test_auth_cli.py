"""The CLI talks to Temporal directly, so it checks credentials itself (issue 7 #2, #4): a
decision needs a person's key and is made as that person, `--as` is gone, case commands need a
scoped key, and `supportflow api` will not serve a public address nobody could authenticate to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrations.crm_store import CrmStore
from tests.api_keys import CallerKeys
from tests.cli.conftest import cli_env, invoke
from worker.cli import app
from worker.settings import get_settings

__all__ = ["cli_env"]


@pytest.fixture
def no_cli_key(cli_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUPPORTFLOW_KEY")
    get_settings.cache_clear()


async def test_approve_needs_a_credential(no_cli_key: None) -> None:
    result = await invoke("approve", "T-1")
    assert result.exit_code == 2, result.output
    assert "missing_credential" in result.stderr and "Authorization" not in result.stderr
    assert "Traceback" not in result.output


async def test_approve_cannot_name_the_approver(cli_env: None, api_keys: CallerKeys) -> None:
    result = await invoke("approve", "T-1", "--as", "alice")
    assert result.exit_code == 2
    assert "No such option" in result.output and "--as" in result.output


@pytest.mark.parametrize("command", [["approve", "T-1"], ["reject", "T-1", "--reason", "no"]])
async def test_a_system_key_cannot_decide(cli_env: None, command: list[str]) -> None:
    result = await invoke(*command)  # SUPPORTFLOW_KEY is the helpdesk's system key
    assert result.exit_code == 1, result.output
    assert "person_required" in result.stderr


async def test_revoked_or_unknown_keys_are_refused(
    no_cli_key: None, api_keys: CallerKeys, crm_store: CrmStore
) -> None:
    crm_store.revoke_api_key("alice")
    for key in (api_keys.people["alice"], "sfk_0123456789ab_" + "x" * 43):
        result = await invoke("approve", "T-1", "--key", key)
        assert result.exit_code == 1, result.output
        assert "invalid_credential" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["ticket", "T-1", "--customer", "cus_1"],
        ["reply", "T-1", "--text", "hi"],
        ["status", "T-1"],
    ],
)
async def test_case_commands_need_a_key(no_cli_key: None, command: list[str]) -> None:
    result = await invoke(*command)
    assert result.exit_code == 2, result.output
    assert "missing_credential" in result.stderr


async def test_case_commands_need_the_scope(cli_env: None, crm_store: CrmStore) -> None:
    reader = crm_store.create_api_key("reader", "system", scopes=["tickets:read"]).key
    result = await invoke("ticket", "T-1", "--customer", "cus_1", "--key", reader)
    assert result.exit_code == 1
    assert "insufficient_scope" in result.stderr and "tickets:write" in result.stderr


async def test_requested_by_needs_the_on_behalf_scope(cli_env: None) -> None:
    result = await invoke("ticket", "T-1", "--customer", "cus_1", "--requested-by", "alice")
    assert result.exit_code == 1
    assert "tickets:on_behalf" in result.stderr


def test_keys_are_shown_once_and_listed_without_secrets(cli_env: None, database_url: str) -> None:
    runner = CliRunner()
    created = runner.invoke(app, ["keys", "create", "--person", "Frank", "--json"])
    assert created.exit_code == 0, created.output
    issued = json.loads(created.stdout)
    assert issued["name"] == "frank" and issued["person_id"] == "frank"
    assert issued["key"].startswith(f"sfk_{issued['key_id']}_")
    listed = runner.invoke(app, ["keys", "list", "--json"])
    assert listed.exit_code == 0
    assert (
        issued["key"] not in listed.stdout and issued["key"].rsplit("_", 1)[1] not in listed.stdout
    )
    assert "key_hash" not in listed.stdout
    assert any(k["key_id"] == issued["key_id"] for k in json.loads(listed.stdout))
    revoked = runner.invoke(app, ["keys", "revoke", "frank"])
    assert revoked.exit_code == 0 and "Revoked" in revoked.stdout
    again = runner.invoke(app, ["keys", "revoke", "nobody"])
    assert again.exit_code == 1


def test_api_refuses_a_public_address_without_keys(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.delenv("SUPPORTFLOW_OIDC_ISSUER", raising=False)
    get_settings.cache_clear()
    try:
        for host in ("0.0.0.0", "::", "10.1.2.3", "api.example.com"):
            result = CliRunner().invoke(app, ["api", "--host", host, "--port", "1"])
            assert result.exit_code == 2, (host, result.output)
            assert f"refusing to serve the API on {host}" in result.stderr
            assert "supportflow keys create" in result.stderr
    finally:
        get_settings.cache_clear()
