"""The review loop in `make run`: four tickets people work to the end over the API, as
themselves (their demo person keys), then the outcomes report written for the demo data.

- a drafted answer held for review, edited and sent (carol);
- a complaint claimed and resolved with a reply (alice);
- a "talk to a human" ticket handed back to automation, which starts the refund process and
  refunds within the refund policy's auto-approve limit (bob);
- a security ticket (critical) whose SLA breaches: the claim is released and the case
  re-escalated, then another person claims and resolves it (dave, then erin). `make run`
  gives critical tickets a one-minute SLA (`demo_routing_policy`) so the breach happens while
  you watch; the shipped policy's is an hour.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from policies.loader import DEFAULT_ROUTING_POLICY

WAIT_SECONDS = 90.0


@dataclass(frozen=True)
class ReviewDemo:
    name: str
    ticket_id: str
    customer_id: str
    subject: str
    body: str


DRAFT = ReviewDemo(
    "review: draft edited and sent",
    "demo-review-draft",
    "cus_1001",
    "Where is my parcel?",
    "Where is my order ord_5007? I want to track my parcel.",
)
COMPLAINT = ReviewDemo(
    "review: complaint claimed and resolved",
    "demo-review-complaint",
    "cus_1006",
    "Complaint about the courier",
    "I want to make a complaint: the courier threw the parcel over the fence and the box "
    "was crushed. This is unacceptable service.",
)
HANDBACK = ReviewDemo(
    "review: handed back, then refunded",
    "demo-review-handback",
    "cus_1006",
    "Travel kettle",
    "Let me talk to a human please. The travel kettle from order ord_5009 does not switch on.",
)
SLA_BREACH = ReviewDemo(
    "review: SLA breached and re-escalated",
    "demo-review-sla",
    "cus_1002",
    "Account hacked?",
    "Someone logged into my account from another country and changed my password. I think "
    "my account was hacked.",
)
REVIEW_DEMOS = (DRAFT, COMPLAINT, HANDBACK, SLA_BREACH)


def demo_routing_policy(path: Path) -> Path:
    """The shipped routing policy with a one-minute SLA for critical tickets (reminder after
    30 s), written where `make run` points the worker (SUPPORTFLOW_ROUTING_POLICY_PATH)."""
    policy = json.loads(DEFAULT_ROUTING_POLICY.read_text())
    policy["version"] = f"{policy['version']}+demo-sla"
    policy["sla"]["urgency"]["critical"] = {"remind_after_minutes": 0.5, "breach_after_minutes": 1}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(policy, indent=2))
    return path


class ReviewDesk:
    """The demo helpdesk files; people act with their own keys."""

    def __init__(self, http: httpx.AsyncClient, person_key: Callable[[str], str]) -> None:
        self.http, self._person_key = http, person_key

    def _as(self, person: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._person_key(person)}"}

    async def file(self, demo: ReviewDemo) -> bool:
        """Files the ticket; False when an earlier run filed it (its case is left as it is)."""
        response = await self.http.post(
            "/tickets",
            json={
                "ticket_id": demo.ticket_id,
                "customer_id": demo.customer_id,
                "subject": demo.subject,
                "body": demo.body,
                "channel": "demo",
            },
        )
        response.raise_for_status()
        return not response.json()["existing"]

    async def card(
        self, ticket_id: str, *, until: Callable[[dict[str, Any]], bool]
    ) -> dict[str, Any]:
        deadline, last = time.monotonic() + WAIT_SECONDS, "no answer"
        while time.monotonic() < deadline:
            response = await self.http.get(f"/tickets/{ticket_id}/handoff")
            if response.status_code == 200 and until(card := response.json()):
                return card
            last = response.text
            await asyncio.sleep(0.5)
        raise TimeoutError(f"ticket {ticket_id}: the hand-off never got there ({last[:200]})")

    async def act(self, ticket_id: str, verb: str, person: str, **body: Any) -> dict[str, Any]:
        response = await self.http.post(
            f"/tickets/{ticket_id}/handoff/{verb}", json=body or None, headers=self._as(person)
        )
        if response.status_code != 200:
            raise RuntimeError(f"{verb} on {ticket_id} as {person}: {response.text}")
        result: dict[str, Any] = response.json()
        return result

    async def state(self, ticket_id: str) -> str:
        response = await self.http.get(f"/tickets/{ticket_id}")
        return str(response.json().get("state")) if response.status_code == 200 else "unknown"


def _waiting(card: dict[str, Any]) -> bool:
    return card["state"] == "waiting" and "claim" in card["allowed_actions"]


async def draft_edited_and_sent(desk: ReviewDesk) -> str:
    card = await desk.card(DRAFT.ticket_id, until=_waiting)
    if not card["proposed_answer"]:
        await desk.act(DRAFT.ticket_id, "claim", "carol")
        reply = "Your parcel is on its way; the tracking link is in your shipping email."
        await desk.act(DRAFT.ticket_id, "resolve", "carol", note="No draft", reply=reply)
        return "no draft was proposed; carol answered it herself"
    edited = card["proposed_answer"] + "\n\nI have also asked the carrier to call you. - Carol"
    receipt = await desk.act(DRAFT.ticket_id, "edit-send", "carol", reply=edited)
    return f"carol edited the draft and sent it ({receipt['state']})"


async def complaint_claimed_and_resolved(desk: ReviewDesk) -> str:
    await desk.card(COMPLAINT.ticket_id, until=_waiting)
    await desk.act(COMPLAINT.ticket_id, "claim", "alice")
    receipt = await desk.act(
        COMPLAINT.ticket_id,
        "resolve",
        "alice",
        note="Called the customer; a replacement box ships today with a courier note.",
        reply="We are sorry about the crushed box. A replacement ships today, on us.",
    )
    return f"alice claimed and resolved it ({receipt['state']})"


async def handed_back_and_refunded(desk: ReviewDesk) -> str:
    await desk.card(HANDBACK.ticket_id, until=_waiting)
    await desk.act(HANDBACK.ticket_id, "claim", "bob")
    instruction = {"kind": "start_process", "process": "refund", "order_id": "ord_5009"}
    await desk.act(HANDBACK.ticket_id, "handback", "bob", instruction=instruction)
    deadline = time.monotonic() + WAIT_SECONDS
    # The ticket still reads `escalated` until the case applies the hand-back; then the refund
    # process runs as its child and the ticket ends with it.
    while time.monotonic() < deadline and (state := await desk.state(HANDBACK.ticket_id)) not in (
        "resolved",
        "denied",
        "rejected",
    ):
        await asyncio.sleep(0.5)
    return f"bob handed it back to the refund process; the ticket is {state}"


async def sla_breached_and_reescalated(desk: ReviewDesk, breached: Callable[[], bool]) -> str:
    await desk.card(SLA_BREACH.ticket_id, until=_waiting)
    await desk.act(SLA_BREACH.ticket_id, "claim", "dave")
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and not breached():
        await asyncio.sleep(1.0)
    if not breached():
        return "the SLA did not breach within the demo's wait (is the demo routing policy on?)"
    card = await desk.card(SLA_BREACH.ticket_id, until=_waiting)
    await desk.act(SLA_BREACH.ticket_id, "claim", "erin", handoff_id=card["handoff_id"])
    await desk.act(
        SLA_BREACH.ticket_id,
        "resolve",
        "erin",
        note="Locked the account, reset the password, confirmed with the customer by phone.",
        reply="We locked your account and reset your password; please set a new one.",
    )
    return "dave's claim lapsed at the SLA breach, the case re-escalated; erin resolved it"


async def run_review_demo(
    http: httpx.AsyncClient, person_key: Callable[[str], str], breached: Callable[[], bool]
) -> list[tuple[str, str]]:
    """Files the four tickets and works them; returns (demo, what happened). A ticket filed by
    an earlier run is reported as it stands and not worked again."""
    desk = ReviewDesk(http, person_key)
    fresh = {demo.ticket_id: await desk.file(demo) for demo in REVIEW_DEMOS}
    steps = {
        DRAFT.ticket_id: draft_edited_and_sent(desk),
        COMPLAINT.ticket_id: complaint_claimed_and_resolved(desk),
        HANDBACK.ticket_id: handed_back_and_refunded(desk),
        SLA_BREACH.ticket_id: sla_breached_and_reescalated(desk, breached),
    }
    results: list[tuple[str, str]] = []
    for demo, outcome in zip(
        REVIEW_DEMOS,
        await asyncio.gather(
            *(_run_if(fresh[d.ticket_id], steps[d.ticket_id]) for d in REVIEW_DEMOS)
        ),
        strict=True,
    ):
        results.append(
            (demo.name, outcome or f"filed earlier; now {await desk.state(demo.ticket_id)}")
        )
    return results


async def _run_if(fresh: bool, step: Any) -> str | None:
    if not fresh:
        step.close()
        return None
    try:
        result: str = await step
        return result
    except (TimeoutError, RuntimeError, httpx.HTTPError) as err:
        return f"did not complete: {err}"
