"""Which Slack path the settings select, and that each path is wired to the same code."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from temporalio.testing import ActivityEnvironment

from policies.refund_policy import RefundPolicy
from tests.slack.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.slack.notices import make_notice
from worker.activity_wiring import chat_activities
from worker.settings import Settings
from worker.slack_interactions import (
    INTERACTIONS_PATH,
    SlackSocketMode,
    click_handler_from_settings,
    install_slack_interactions,
    slack_mode,
)

SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_BASE")


@pytest.fixture
def settings_from(monkeypatch: pytest.MonkeyPatch) -> Any:
    def build(**env: str) -> Settings:
        for name in SLACK_VARS:
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return Settings(_env_file=None)  # type: ignore[call-arg]

    return build


def test_modes(settings_from: Any) -> None:
    assert slack_mode(settings_from()) == "off"
    assert slack_mode(settings_from(SLACK_BOT_TOKEN=BOT_TOKEN)) == "post_only"
    signed = settings_from(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET="s")
    assert slack_mode(signed) == "request_url"
    both = settings_from(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET="s", SLACK_APP_TOKEN="x")
    assert slack_mode(both) == "socket_mode"


def test_install_mounts_the_request_url_or_returns_socket_mode(
    settings_from: Any, policy: RefundPolicy
) -> None:
    def installed(settings: Settings) -> tuple[FastAPI, SlackSocketMode | None]:
        handler = click_handler_from_settings(
            settings,
            policy,
            temporal_client=object(),  # type: ignore[arg-type]
            store=object(),  # type: ignore[arg-type]
            submit_decision=lambda *args: None,  # type: ignore[arg-type, return-value]
            record_click=lambda record: None,
        )
        assert handler is not None
        app = FastAPI()
        return app, install_slack_interactions(app, settings, handler)

    app, runner = installed(settings_from(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET="s"))
    assert runner is None
    assert _unsigned_post(app) == 401  # mounted, and checking signatures

    app, runner = installed(settings_from(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN))
    assert isinstance(runner, SlackSocketMode)
    assert _unsigned_post(app) == 404


def _unsigned_post(app: FastAPI) -> int:
    with TestClient(app) as http:
        return http.post(INTERACTIONS_PATH, content=b"payload=%7B%7D").status_code


def test_no_bot_token_means_no_click_handler(settings_from: Any, policy: RefundPolicy) -> None:
    handler = click_handler_from_settings(
        settings_from(SLACK_SIGNING_SECRET="s"),
        policy,
        temporal_client=object(),  # type: ignore[arg-type]
        store=object(),  # type: ignore[arg-type]
        submit_decision=lambda *args: None,  # type: ignore[arg-type, return-value]
        record_click=lambda record: None,
    )
    assert handler is None


def test_chat_activities_wired_from_settings(
    settings_from: Any, policy: RefundPolicy, fake_slack: FakeSlack
) -> None:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, scheduled_time=datetime.now(UTC))

    off = chat_activities(settings_from(), policy)
    assert env.run(off.post_approval_request, make_notice()).delivered_via == "outbox"

    on = chat_activities(
        settings_from(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_BASE=fake_slack.base_url), policy
    )
    assert env.run(on.post_approval_request, make_notice()).delivered_via == "slack"
    assert len(fake_slack.messages("C0REFUNDS")) == 1
