"""Replays histories recorded from real runs against the current workflow code.

A change that makes any of them nondeterministic needs `workflow.patched`. Re-record with
`SUPPORTFLOW_RECORD_HISTORIES=1 .venv/bin/pytest tests/workflows tests/e2e` only when the change
is meant to apply to new cases only and old histories keep replaying under the patch.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.worker import Replayer

from worker.data_converter import data_converter
from worker.replay import load_history_file
from worker.worker_app import WORKFLOWS

HISTORIES = sorted((Path(__file__).resolve().parent.parent / "histories").glob("*.json"))


def test_required_histories_are_stored() -> None:
    names = {p.stem for p in HISTORIES}
    assert {"refund_auto_approved", "refund_approved", "refund_rejected"} <= names
    # Orders refunded in Shopify, recorded by tests/commerce on the fake Shopify.
    assert {
        "refund_shopify_auto_approved",
        "refund_shopify_approved",
        "refund_shopify_staff_refunded",
    } <= names
    # TicketWorkflow, recorded by tests/e2e/test_triage_over_http.py over the real API.
    assert {
        "ticket_refund_routed",
        "ticket_knowledge_answer",
        "ticket_clarified_then_refunded",
        "ticket_escalated",
    } <= names
    # BillingDisputeWorkflow: tests/workflows/billing_dispute and tests/e2e (from a ticket).
    assert {
        "billing_dispute_duplicate_auto_adjusted",
        "billing_dispute_over_charge_approved",
        "billing_dispute_over_charge_partly_paid_meanwhile",
        "billing_dispute_routed_from_ticket",
    } <= names
    # ChargebackWorkflow, and a refund linked to one (tests/workflows/chargeback/).
    assert {
        "chargeback_contested_won",
        "chargeback_default_before_deadline",
        "chargeback_accepted",
        "chargeback_refund_linked",
    } <= names
    # OnboardingWorkflow, recorded by tests/onboarding/test_signup_workflow.py.
    assert {
        "onboarding_completed",
        "onboarding_abandoned",
        "onboarding_exception_approved",
    } <= names
    # Hand-offs that stay open for a person, recorded by tests/e2e/test_handoff_over_http.py.
    assert {"ticket_handoff_resolved", "ticket_handoff_refund"} <= names
    # DeliveryWorkflow, recorded by tests/delivery/test_callback_delivery.py.
    assert {"delivery_callbacks_in_order", "delivery_receiver_outage"} <= names
    # HelpCenterIngestWorkflow, recorded by tests/cli/test_kb_ingest_via_temporal.py.
    assert "help_center_ingest_batch" in names


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_stored_history_replays(path: Path) -> None:
    # Under the workflow id it ran with: TicketWorkflow derives its child's id from its own.
    history = load_history_file(path)
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
