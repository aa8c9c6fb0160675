"""What must never be readable in a stored history: the demo customers' names and emails, and
the text of the demo tickets, signups and disputes (`make run`'s data, which tests reuse)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from temporalio.client import Client, WorkflowHistory
from temporalio.converter import PayloadCodec

from bench.history_stats import payloads_in
from tests.codec.started_workflows import runs_reached
from worker.local_stack.demo_data import DEMO_CUSTOMERS, DEMO_SCENARIOS
from worker.local_stack.demo_disputes import DISPUTE_DEMOS
from worker.local_stack.demo_onboarding import CONTACT
from worker.local_stack.demo_triage import TRIAGE_DEMOS


def personal_strings() -> list[str]:
    customers = [*DEMO_CUSTOMERS, *(d.customer for d in DISPUTE_DEMOS)]
    names = [*(c.name for c in customers), CONTACT["full_name"]]
    tickets: list[tuple[str, str]] = [
        *((t.subject, t.body) for t in DEMO_SCENARIOS),
        *((t.subject, t.body) for t in TRIAGE_DEMOS),
        *((t.subject, t.body) for t in DISPUTE_DEMOS),
    ]
    texts = [
        *(c.name for c in customers),
        *(c.email for c in customers),
        *(text for ticket in tickets for text in ticket),
        *(t.reply_text for t in TRIAGE_DEMOS if t.reply_text),
        CONTACT["full_name"],
        CONTACT["phone"],
        "ada.complete@example.com",
    ]
    # Also the pieces a payload could carry on their own: a surname, an email's local part.
    pieces = [name.split()[-1] for name in names]
    pieces += [s.split("@")[0] for s in texts if "@" in s]
    return sorted({s for s in (*texts, *pieces) if len(s) >= 4})


def found_in_plain_text(raw: bytes, strings: list[str]) -> list[str]:
    lowered = raw.lower()
    return [s for s in strings if s.lower().encode() in lowered]


async def scan_histories(
    client: Client, started: set[str] | None = None
) -> tuple[int, dict[str, list[str]]]:
    """Every workflow run the server holds, as stored (no codec): (runs scanned, leaks by run).

    A server with visibility (the dev server) lists its runs; the time-skipping test server
    cannot, so its runs are reached from the workflow ids `started` through it
    (tests/codec/started_workflows.py)."""
    strings = personal_strings()
    leaks: dict[str, list[str]] = {}
    runs = 0
    async for history in _histories(client, started):
        raw = b"".join(event.SerializeToString() for event in history.events)
        runs += 1
        found = found_in_plain_text(raw, strings)
        if found:
            leaks[f"{history.workflow_id}/{history.run_id}"] = found
    return runs, leaks


async def _histories(client: Client, started: set[str] | None) -> AsyncIterator[WorkflowHistory]:
    if started is not None:
        async for history in runs_reached(client, started):
            yield history
        return
    async for execution in client.list_workflows():
        yield await client.get_workflow_handle(
            execution.id, run_id=execution.run_id
        ).fetch_history()


async def decrypted_in_place(history: WorkflowHistory, codec: PayloadCodec) -> WorkflowHistory:
    """The history with every encrypted payload replaced by its plain form, for tests that check
    what a case holds once decrypted (card numbers must be gone even there)."""
    for event in history.events:
        for payload in payloads_in(event):
            [plain] = await codec.decode([payload])
            if plain is not payload:
                payload.CopyFrom(plain)
    return history
