"""Mounts the Slack approval path on the API when Slack is configured.

The click handler (worker/slack_clicks.py) needs a connected Temporal client, so this runs in
the API's lifespan rather than at import. If Temporal is down at that moment the API still
starts (approvals keep working over HTTP/CLI once Temporal is back) and says loudly that Slack
clicks need a restart; a silent 404 on the Request URL would look like a Slack misconfiguration.
"""

from __future__ import annotations

import logging
from typing import Protocol

from fastapi import FastAPI

from activities.models import ApprovalClickRecord
from policies.loader import load_refund_policy
from worker.approvals import ApprovalStore, submit_decision
from worker.settings import Settings
from worker.slack_interactions import (
    SlackSocketMode,
    click_handler_from_settings,
    install_slack_interactions,
    slack_mode,
)
from worker.temporal_gate import TemporalGate, TemporalUnavailable

log = logging.getLogger("supportflow.api")


class SlackClickStore(ApprovalStore, Protocol):
    """The CRM store as Slack approvals use it: decisions plus an audit row per click."""

    def record_approval_click(self, click: ApprovalClickRecord) -> None: ...


async def start_slack(
    app: FastAPI, settings: Settings, gate: TemporalGate, store: SlackClickStore
) -> SlackSocketMode | None:
    """Mounts POST /slack/interactions (and starts Socket Mode if configured); None when off."""
    mode = slack_mode(settings)
    if mode in ("off", "post_only"):
        return None
    try:
        client = await gate.client()
    except TemporalUnavailable as err:
        log.error("Slack approvals are NOT served until the API restarts: %s", err)
        return None
    handler = click_handler_from_settings(
        settings,
        load_refund_policy(settings.policy_path).policy,
        temporal_client=client,
        store=store,
        submit_decision=submit_decision,
        record_click=store.record_approval_click,
    )
    if handler is None:
        return None
    socket_mode = install_slack_interactions(app, settings, handler)
    if socket_mode is not None:
        await socket_mode.start()
    log.info("Slack approvals on (%s)", mode)
    return socket_mode
