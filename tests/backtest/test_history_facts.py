"""Every stored refund and billing-dispute history, replayed against this code, gives the facts
its policy decided on: the path for cases decided before facts were recorded in the CRM."""

from __future__ import annotations

from pathlib import Path

from policies.decision_facts import DisputeCaseFacts, RefundCaseFacts
from worker.backtest_history import decisions_in_histories
from worker.replay import case_workflows, load_history_file

HISTORIES = Path(__file__).resolve().parents[1] / "histories"


async def test_stored_histories_give_their_decision_and_facts() -> None:
    paths = sorted(HISTORIES.glob("*.json"))
    histories = [load_history_file(path) for path in paths]
    seen = await decisions_in_histories(histories, case_workflows())

    for path, history in zip(paths, histories, strict=True):
        entries = seen[history.workflow_id]
        process = path.name.split("_")[0]
        if path.name.startswith(("refund_", "billing_dispute_", "chargeback_refund_")):
            assert len(entries) == 1, path.name
            decision = entries[0].decision
            assert decision is not None and entries[0].action.startswith("policy:")
            if decision.process == "refund":
                facts = RefundCaseFacts.model_validate(decision.facts)
                assert facts.facts.now == entries[0].at
            else:
                assert decision.process == "billing_dispute"
                facts = DisputeCaseFacts.model_validate(decision.facts)
                assert facts.now == entries[0].at
                # Replayed with this code, the history the findings came from is recorded too.
                assert facts.billing is not None, path.name
        else:  # tickets (their refunds ran as children), onboarding, chargebacks
            assert entries == [], (process, path.name)
