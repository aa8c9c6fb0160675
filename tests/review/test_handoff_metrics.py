"""Hand-off figures computed on a scripted set of hand-offs with known answers, from the CRM."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrations.crm_store import CrmStore
from integrations.handoff_metrics import handoff_metrics
from integrations.handoff_records import HandoffRecord
from integrations.text_edits import normalised_edit_distance
from worker.cli import app
from worker.settings import get_settings

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def record(n: int, **fields: object) -> HandoffRecord:
    values: dict[str, object] = {
        "handoff_id": f"h{n}",
        "ticket_id": f"T-{n}",
        "workflow_id": f"ticket-T-{n}",
        "reason": "asked for a person",
        "urgency": "normal",
        "state": "waiting",
        "opened_at": T0 + timedelta(hours=n),
        "ticket_status": "escalated",
        "audit_key": f"k{n}",
    }
    values.update(fields)
    return HandoffRecord.model_validate(values)


def scripted(store: CrmStore) -> None:
    for n in range(1, 5):
        store.upsert_ticket(ticket_id=f"T-{n}", customer_id="cus_1", process="ticket")
    minute = timedelta(minutes=1)
    rows = [
        # claimed after 10 min, resolved after 30, reply written by the person
        record(
            1,
            state="resolved",
            claimed_by="alice",
            claimed_at=T0 + timedelta(hours=1) + 10 * minute,
            resolved_by="alice",
            resolved_at=T0 + timedelta(hours=1) + 30 * minute,
            ending="resolved",
        ),
        # a draft sent as is: claimed and resolved after 20 min
        record(
            2,
            state="resolved",
            claimed_by="bob",
            claimed_at=T0 + timedelta(hours=2) + 20 * minute,
            resolved_by="bob",
            resolved_at=T0 + timedelta(hours=2) + 20 * minute,
            ending="sent",
            draft_text="abcd",
            sent_text="abcd",
        ),
        # a draft edited: claimed after 40 min, resolved after 60
        record(
            3,
            state="resolved",
            claimed_by="carol",
            claimed_at=T0 + timedelta(hours=3) + 40 * minute,
            resolved_by="carol",
            resolved_at=T0 + timedelta(hours=3) + 60 * minute,
            ending="edited",
            draft_text="abcd",
            sent_text="abcx",
        ),
        # a rejected draft, still open, SLA reminded and breached
        record(
            4,
            state="waiting",
            draft_rejected=True,
            sla_reminded_at=T0 + timedelta(hours=8),
            sla_breached_at=T0 + timedelta(hours=28),
        ),
        # a reopen of ticket 1, not claimed yet
        record(5, ticket_id="T-1", reopened=True),
    ]
    for row in rows:
        store.record_handoff(row)


def test_figures_on_known_hand_offs(crm_store: CrmStore) -> None:
    scripted(crm_store)
    rows = crm_store.handoffs_opened(T0, T0 + timedelta(days=2))
    metrics = handoff_metrics(rows)
    assert (metrics.handoffs, metrics.claimed, metrics.resolved) == (5, 3, 3)
    assert (metrics.minutes_to_claim_p50, metrics.minutes_to_claim_p90) == (20.0, 40.0)
    assert (metrics.minutes_to_resolve_p50, metrics.minutes_to_resolve_p90) == (30.0, 60.0)
    # Reviewed drafts: one sent as is, one edited, one rejected; two of three changed.
    assert (metrics.drafts_reviewed, metrics.drafts_edited, metrics.drafts_rejected) == (3, 2, 1)
    assert metrics.human_edit_rate == round(2 / 3, 4)
    assert metrics.edit_distance_mean == round(
        (0.0 + normalised_edit_distance("abcd", "abcx")) / 2, 4
    )
    assert (metrics.sla_reminders, metrics.sla_breaches) == (1, 1)
    assert (metrics.reopens, metrics.reopen_rate) == (1, round(1 / 3, 4))
    assert metrics.endings == {"resolved": 1, "sent": 1, "edited": 1, "open": 2}
    # The period bounds what is counted.
    assert handoff_metrics(crm_store.handoffs_opened(T0, T0 + timedelta(hours=2))).handoffs == 1


def test_no_hand_offs_gives_no_rates() -> None:
    empty = handoff_metrics([])
    assert empty.handoffs == 0 and empty.human_edit_rate is None and empty.reopen_rate is None


def test_cli_report_as_json(
    crm_store: CrmStore, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted(crm_store)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app, ["handoff-report", "--since", "2026-12-01", "--until", "2026-12-03", "--json"]
        )
        bad = CliRunner().invoke(app, ["handoff-report", "--since", "yesterday"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert '"handoffs": 5' in result.stdout and '"sla_breaches": 1' in result.stdout
    assert bad.exit_code == 2 and "not an ISO date" in bad.output
