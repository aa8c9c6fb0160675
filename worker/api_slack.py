"""Mounts the Slack approval path on the API when Slack is configured.

The click handler (worker/slack_clicks.py) needs a connected Temporal client, so this runs in
the API's lifespan rather than at import. If Temporal is down at that moment the API still
starts (approvals keep working over HTTP/CLI once Temporal is back) and says loudly that Slack
clicks need a restart; a silent 404 on the Request URL would look like a Slack misconfiguration.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from fastapi import FastAPI

from activities.models import ApprovalClickRecord
from integrations.crm_store.views import ApprovalView
from integrations.labelled_examples import (
    ExampleDefaults,
    LabelledExampleView,
    NewLabelledExample,
)
from integrations.slack_directory import PersonForSlackUser
from policies.identity import canonical_person_id
from policies.loader import load_refund_policy, load_routing_policy
from worker.approvals import ApprovalStore, submit_decision
from worker.settings import Settings
from worker.slack_example_clicks import SlackExamples
from worker.slack_interactions import (
    SlackSocketMode,
    click_handler_from_settings,
    install_slack_interactions,
    slack_mode,
)
from worker.temporal_gate import TemporalGate, TemporalUnavailable

log = logging.getLogger("supportflow.api")


class SlackClickStore(ApprovalStore, Protocol):
    """The CRM store as Slack approvals use it: decisions, an audit row per click, and who
    already decided a request (so a repeated click is answered "already decided").

    Its person directory, `person_for_slack_user(slack_user_id) -> person id | None`, maps
    Slack accounts linked by `supportflow keys create --person P --slack-user U…`.
    """

    def record_approval_click(self, click: ApprovalClickRecord) -> None: ...

    def get_approval(self, request_id: str) -> ApprovalView | None: ...

    # "Save as example" on the review card (worker/slack_example_clicks.py).
    def example_defaults(self, ticket_id: str) -> ExampleDefaults: ...

    def save_labelled_example(self, example: NewLabelledExample) -> LabelledExampleView: ...

    def record_api_event(self, ticket_id: str, actor: str, action: str, detail: str) -> None: ...


def prior_decision_from(store: SlackClickStore) -> Callable[[str, str], str | None]:
    """The decision the CRM holds from `person` on `request_id`, if any."""

    def prior_decision(request_id: str, person: str) -> str | None:
        approval = store.get_approval(request_id)
        if approval is None:
            return None
        for decision in approval.decisions:
            if canonical_person_id(decision.approver) == person:
                return decision.decision
        return None

    return prior_decision


def person_directory(store: object) -> PersonForSlackUser | None:
    """The store's person directory. A store without one (an older CRM build) leaves Slack
    users the policy lists as the only people; said loudly, since group members then cannot
    decide."""
    lookup = getattr(store, "person_for_slack_user", None)
    if lookup is None:
        log.warning("the CRM store has no person directory; only policy-listed Slack users decide")
    return lookup


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
        person_for_slack_user=person_directory(store),
        prior_decision=prior_decision_from(store),
        examples=SlackExamples(store, load_routing_policy().policy),
    )
    if handler is None:
        return None
    socket_mode = install_slack_interactions(app, settings, handler)
    if socket_mode is not None:
        await socket_mode.start()
    log.info("Slack approvals on (%s)", mode)
    return socket_mode
