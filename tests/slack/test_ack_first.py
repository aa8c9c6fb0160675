"""Slack gets its 200 before the decision runs, over a real HTTP server.

The approval Update waits on a worker; here it is held until the test releases it. The click
must still be answered within Slack's 3 seconds (the client's timeout), with nothing decided yet.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from integrations.slack_approvals import SlackApprovals
from integrations.slack_blocks import APPROVE_ACTION
from integrations.slack_directory import ApproverDirectory
from policies.refund_policy import RefundPolicy
from tests.slack.approval_desk import ClickLog, InMemoryCases, click, post_request
from tests.slack.fake_slack import FakeSlack
from tests.slack.notices import make_notice
from tests.slack.slack_requests import SIGNING_SECRET, form_body, signed_headers
from worker.slack_clicks import ApprovalClickHandler
from worker.slack_interactions import slack_interactions_router
from workflows.case.contract import ApprovalDecision, ApprovalReceipt


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(app: FastAPI) -> str:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        servers.append((server, thread))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(10)


def test_click_is_acknowledged_before_the_decision_runs(
    fake_slack: FakeSlack, slack: SlackApprovals, policy: RefundPolicy, serve: Any
) -> None:
    cases, clicks, release = InMemoryCases(), ClickLog(), threading.Event()
    notice = make_notice()
    cases.open(notice.ticket_id, notice, ["alice"], "agent-7")

    async def held_submit(
        client: Any, store: Any, ticket_id: str, decision: ApprovalDecision
    ) -> ApprovalReceipt:
        await asyncio.to_thread(release.wait, 10)
        return await cases.submit(client, store, ticket_id, decision)

    handler = ApprovalClickHandler(
        slack=slack,
        directory=ApproverDirectory(policy),
        submit_decision=held_submit,
        temporal_client=object(),  # type: ignore[arg-type]
        store=object(),  # type: ignore[arg-type]
        record_click=clicks.record,
    )
    app = FastAPI()
    app.include_router(slack_interactions_router(signing_secret=SIGNING_SECRET, handler=handler))
    base = serve(app)
    message = post_request(slack, fake_slack, notice)
    body = form_body(click(message, "U0ALICE", APPROVE_ACTION))

    response = httpx.post(
        f"{base}/slack/interactions", content=body, headers=signed_headers(body), timeout=3.0
    )

    assert response.status_code == 200
    assert cases.submitted == [] and fake_slack.calls("chat.update") == []
    release.set()
    deadline = time.monotonic() + 10
    while not fake_slack.calls("chat.update"):
        assert time.monotonic() < deadline, "decision never ran after the ack"
        time.sleep(0.02)
    assert [d.approver for _, d in cases.submitted] == ["alice"]
    assert clicks.records[-1].outcome == "accepted"
