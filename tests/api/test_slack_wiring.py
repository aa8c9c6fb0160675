"""The API mounts Slack's Request URL only when Slack is configured (bot token + signing secret),
and the route it mounts checks Slack signatures before anything else."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from temporalio.testing import WorkflowEnvironment

from integrations.crm_store import CrmStore
from worker.api import create_app
from worker.settings import Settings

SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_BASE")


def _interactions_status(app_settings: Settings, env: WorkflowEnvironment, store: CrmStore) -> int:
    app = create_app(app_settings, temporal_client=env.client, store=store)
    with TestClient(app) as http:  # runs the lifespan, where Slack is mounted
        return http.post("/slack/interactions", content=b"payload=%7B%7D").status_code


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, 404),
        ({"SLACK_BOT_TOKEN": "xoxb-test"}, 404),  # posts only: clicks cannot come back
        ({"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret"}, 401),
    ],
    ids=["off", "post-only", "request-url"],
)
def test_request_url_is_mounted_when_configured(
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
    env: dict[str, str],
    expected: int,
) -> None:
    for name in SLACK_VARS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    configured = Settings(
        _env_file=None,  # type: ignore[call-arg]
        SUPPORTFLOW_TASK_QUEUE=settings.task_queue,
        DATABASE_URL=settings.database_url,
    )
    assert _interactions_status(configured, dev_server_env, crm_store) == expected
