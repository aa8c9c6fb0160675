"""Slack's ways into approvals and hand-offs: the `POST /slack/interactions` Request URL, or
Socket Mode.

Both hand verified payloads to the same `SlackInteractions`: hand-off buttons and modals go to
`HandoffClickHandler` (worker/slack_handoff_clicks.py), everything else to
`ApprovalClickHandler` (worker/slack_clicks.py). Each answers Slack at once with the
acknowledgement, then runs the Update in the background.

Over HTTP the signature is checked on the raw bytes before anything is parsed: a forged or
replayed-late request (timestamp outside Slack's 5-minute window) gets 401 and touches nothing.
Socket Mode needs no signature: the websocket is opened by us with the app-level token.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from typing import Any, Literal, Protocol
from urllib.parse import parse_qs

from fastapi import APIRouter, BackgroundTasks, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient
from temporalio.client import Client

from integrations.slack_approvals import DEFAULT_API_BASE, SlackApprovals
from integrations.slack_directory import ApproverDirectory, PersonForSlackUser
from policies.refund_policy import RefundPolicy
from worker.approvals import ApprovalStore
from worker.settings import Settings
from worker.slack_click_answers import RecordClick
from worker.slack_click_payloads import Acknowledgement, malformed_answer
from worker.slack_clicks import ApprovalClickHandler, SubmitDecision
from worker.slack_example_clicks import SlackExamples
from worker.slack_handoff_clicks import HandoffClickHandler, handoff_click_handler
from worker.slack_repeated_clicks import PriorDecision

log = logging.getLogger(__name__)

INTERACTIONS_PATH = "/slack/interactions"

SlackMode = Literal["off", "post_only", "request_url", "socket_mode"]
# Interaction payloads are a few KB; anything far larger is not Slack.
MAX_BODY_BYTES = 512 * 1024


class InteractionHandler(Protocol):
    def acknowledge(self, payload: Any) -> Acknowledgement: ...


class SlackInteractions:
    """Hand-off buttons and modals go to the hand-off handler, everything else to approvals."""

    def __init__(self, approvals: ApprovalClickHandler, handoffs: HandoffClickHandler) -> None:
        self.approvals = approvals
        self.handoffs = handoffs

    def acknowledge(self, payload: Any) -> Acknowledgement:
        if self.handoffs.handles(payload):
            return self.handoffs.acknowledge(payload)
        return self.approvals.acknowledge(payload)


class RawBodyVerifier(SignatureVerifier):
    """Slack's v0 scheme over the raw bytes. The SDK's verifier decodes the body as UTF-8 first,
    so a correctly signed body that is not UTF-8 would look forged (401, which Slack retries)
    instead of getting the "could not read this click" answer every signed request gets."""

    def generate_signature(self, *, timestamp: str, body: str | bytes) -> str | None:
        if timestamp is None:
            return None
        raw = body if isinstance(body, bytes) else (body or "").encode()
        base = b"v0:" + timestamp.encode() + b":" + raw
        digest = hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()
        return f"v0={digest}"


def slack_interactions_router(*, signing_secret: str, handler: InteractionHandler) -> APIRouter:
    """The Request URL to configure under Interactivity & Shortcuts in the Slack app."""
    verifier = RawBodyVerifier(signing_secret)
    router = APIRouter(tags=["slack"])

    @router.post(INTERACTIONS_PATH, include_in_schema=False)
    async def slack_interactions(request: Request, background: BackgroundTasks) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"error": "payload too large"}, status_code=413)
        if not _signed_by_slack(verifier, body, request.headers):
            return JSONResponse({"error": "invalid Slack signature"}, status_code=401)
        payload = _payload(body)
        if payload is None:
            # Signed, so it is Slack's (or our signing secret leaked): a 4xx would make Slack
            # retry and show nothing, so answer in a form Slack shows.
            log.warning("signed Slack request without a readable `payload` field")
            return JSONResponse(malformed_answer("it has no readable payload"))
        ack = handler.acknowledge(payload)
        if ack.follow_up is not None:
            # Starlette runs background tasks after the response is sent: Slack has its 200.
            background.add_task(ack.follow_up)
        if ack.body is None:
            return Response(status_code=200)
        return JSONResponse(ack.body)

    return router


def _signed_by_slack(verifier: SignatureVerifier, body: bytes, headers: Any) -> bool:
    try:
        return verifier.is_valid_request(body, dict(headers))
    except ValueError:
        # A non-numeric X-Slack-Request-Timestamp makes the verifier's int() fail.
        return False


def _payload(body: bytes) -> Any:
    """The decoded `payload` field (any JSON value: the handler judges its shape), or None."""
    try:
        fields = parse_qs(body.decode("utf-8"), strict_parsing=True)
        return json.loads(fields["payload"][0])
    except (UnicodeDecodeError, ValueError, KeyError, RecursionError):
        return None


class SlackSocketMode:
    """Socket Mode (SLACK_APP_TOKEN, `xapp-…`): Slack pushes interactions over a websocket we
    open, so development needs no public Request URL. Same handler, same acknowledgements."""

    def __init__(
        self, app_token: str, handler: InteractionHandler, *, api_base: str | None = None
    ) -> None:
        self._app_token = app_token
        self._handler = handler
        self._api_base = api_base or DEFAULT_API_BASE
        self._client: SocketModeClient | None = None
        self._follow_ups: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        base = self._api_base if self._api_base.endswith("/") else self._api_base + "/"
        # apps.connections.open is called with the app-level token by the client itself.
        client = SocketModeClient(
            app_token=self._app_token, web_client=AsyncWebClient(base_url=base)
        )
        client.socket_mode_request_listeners.append(self._on_request)  # type: ignore[arg-type]
        await client.connect()
        self._client = client

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._follow_ups:
            await asyncio.gather(*self._follow_ups, return_exceptions=True)

    async def _on_request(self, client: SocketModeClient, request: SocketModeRequest) -> None:
        if request.type != "interactive":
            await client.send_socket_mode_response(SocketModeResponse(request.envelope_id))
            return
        ack = self._handler.acknowledge(request.payload)
        await client.send_socket_mode_response(
            SocketModeResponse(envelope_id=request.envelope_id, payload=ack.body)
        )
        if ack.follow_up is not None:
            task = asyncio.create_task(ack.follow_up())
            self._follow_ups.add(task)
            task.add_done_callback(self._follow_ups.discard)


def slack_mode(settings: Settings) -> SlackMode:
    """How approvals reach people, for `make run` to print and the API to wire.

    off: no bot token, approvals go through the API/CLI only. post_only: messages are posted but
    clicks cannot come back (no signing secret, no app token), so decisions still go through the
    API/CLI. socket_mode wins over request_url when both are configured: an app token is only
    set on purpose, for development without a public URL.
    """
    if settings.slack_bot_token is None:
        return "off"
    if settings.slack_app_token is not None:
        return "socket_mode"
    if settings.slack_signing_secret is not None:
        return "request_url"
    return "post_only"


def install_slack_interactions(
    app: FastAPI, settings: Settings, handler: InteractionHandler
) -> SlackSocketMode | None:
    """Mounts the Request URL, or returns the Socket Mode runner to start/stop in the lifespan.

    The Request URL is mounted whenever a signing secret is set, also next to Socket Mode, so
    switching an app between the two needs no redeploy.
    """
    if settings.slack_signing_secret is not None:
        secret = settings.slack_signing_secret.get_secret_value()
        app.include_router(slack_interactions_router(signing_secret=secret, handler=handler))
    if slack_mode(settings) == "socket_mode":
        assert settings.slack_app_token is not None
        return SlackSocketMode(
            settings.slack_app_token.get_secret_value(), handler, api_base=settings.slack_api_base
        )
    return None


def click_handler_from_settings(
    settings: Settings,
    policy: RefundPolicy,
    *,
    temporal_client: Client,
    store: ApprovalStore,
    submit_decision: SubmitDecision,
    record_click: RecordClick,
    person_for_slack_user: PersonForSlackUser | None = None,
    prior_decision: PriorDecision | None = None,
    examples: SlackExamples | None = None,
) -> SlackInteractions | None:
    """The shared handler (approvals and hand-offs), or None when Slack is off (no
    SLACK_BOT_TOKEN).

    `person_for_slack_user` is the CRM's person directory and `prior_decision` the CRM's record
    of who decided what (see worker/api_slack.py); without them only Slack users the policy
    lists are people, and only this process's memory catches a repeated click.
    """
    if settings.slack_bot_token is None:
        return None
    slack = SlackApprovals.connect(
        settings.slack_bot_token.get_secret_value(), settings.slack_api_base
    )
    directory = ApproverDirectory(
        policy, slack.user_group_members, person_for_slack_user=person_for_slack_user
    )
    approvals = ApprovalClickHandler(
        slack=slack,
        directory=directory,
        submit_decision=submit_decision,
        temporal_client=temporal_client,
        store=store,
        record_click=record_click,
        prior_decision=prior_decision,
    )
    handoffs = handoff_click_handler(slack, directory, temporal_client, examples)
    return SlackInteractions(approvals, handoffs)
