"""Billing-dispute backtest benchmark: 10,000 disputes recorded with the billing history their
findings came from, in a SQLite CRM, found again and decided again under a candidate with a
narrower duplicate window and an amount tolerance, as `supportflow backtest --process
billing_dispute` does.

`python -m bench.backtest_disputes` prints key=value lines. Seeding (each case decided by the
shipped policy on its scripted history, then bulk inserts) is timed apart; the figure is
`backtest_disputes_seconds_10k_cases`: reading the cases from the CRM plus the backtest over
them. The CRM keeps decision facts as plain JSON (no payload codec), so no key is involved.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.backtest_crm import Rows, timed_backtest
from policies.billing_discrepancies import find_discrepancies
from policies.billing_dispute import BillingDisputePolicy, decide_adjustment
from policies.billing_history import BilledCharge, BillingHistory
from policies.decision_facts import dispute_case_facts
from policies.dispute_refind import billing_record
from policies.loader import load_policy_document
from worker.backtest import load_candidate

CASES = 10_000
ROOT = Path(__file__).resolve().parent.parent
CANDIDATE = ROOT / "policies" / "demo" / "stricter_billing_dispute.json"
START = datetime(2026, 6, 1, tzinfo=UTC)


def _history(
    rng: random.Random, i: int, now: datetime
) -> tuple[list[BilledCharge], dict[str, int]]:
    """4 to 12 charges over the look-back; some paid twice within 1 to 20 minutes, some a little
    above their order's total."""
    charges: list[BilledCharge] = []
    totals: dict[str, int] = {}
    at = now - timedelta(days=rng.uniform(30, 110))
    for n in range(rng.randrange(4, 13)):
        at += timedelta(hours=rng.uniform(1, 200))
        order = f"ord_{i:05d}_{n}"
        cents = rng.randrange(500, 40_000)
        totals[order] = cents - (rng.choice([50, 150, 900]) if rng.random() < 0.1 else 0)
        charges.append(_charge(f"ch_{i:05d}_{n}", at, cents, order))
        if rng.random() < 0.08:
            again = at + timedelta(minutes=rng.uniform(1, 20))
            charges.append(_charge(f"ch_{i:05d}_{n}d", again, cents, order))
    return charges, totals


def _charge(charge_id: str, at: datetime, cents: int, order: str) -> BilledCharge:
    return BilledCharge(
        charge_id=charge_id,
        amount_cents=cents,
        amount_refunded_cents=0,
        currency="usd",
        status="succeeded",
        created=at,
        payment_method="fp_bench",
        order_id=order,
    )


def _rows(policy: BillingDisputePolicy, count: int, seed: int = 17) -> tuple[Rows, Rows, Rows]:
    rng = random.Random(seed)
    tickets: Rows = []
    decisions: Rows = []
    approvals: Rows = []
    for i in range(count):
        now = START + timedelta(minutes=26 * i)
        customer = f"cus_{rng.randrange(2_000):05d}"
        charges, totals = _history(rng, i, now)
        history = BillingHistory(
            stripe_customer_id="cus_bench",
            since=now - timedelta(days=policy.look_back_days),
            charges=charges,
        )
        findings = find_discrepancies(history, totals, policy.rules)
        billing = billing_record(history, totals, policy.rules, policy.look_back_days)
        facts = dispute_case_facts(policy, customer, now, findings, billing=billing)
        ticket_id, workflow_id = f"BD-{i:06d}", f"ticket-BD-{i:06d}"
        if findings:
            decided = decide_adjustment(policy, facts.amount_cents, 0, 0)
            verdict, rule, amount = decided.verdict.value, decided.rule, decided.amount_cents
            level, required = decided.approval_level, decided.required_approvals
        else:
            verdict, rule, amount, level, required = (
                policy.nothing_found,
                "nothing_found",
                0,
                None,
                0,
            )
        asks = verdict == "needs_approval"
        answer = rng.choices(["approved", "rejected"], [9, 1])[0] if asks else None
        state = "rejected" if answer == "rejected" else "resolved"
        tickets.append(
            {
                "id": ticket_id,
                "customer_id": customer,
                "order_id": None,
                "process": "billing_dispute",
                "status": state,
                "workflow_id": workflow_id,
                "created_at": now,
                "updated_at": now,
            }
        )
        decisions.append(
            {
                "dedupe_key": f"outcome:{workflow_id}:0",
                "ticket_id": ticket_id,
                "workflow_id": workflow_id,
                "process": "billing_dispute",
                "policy_version": policy.version,
                "decided_at": now,
                "verdict": verdict,
                "rule": rule,
                "amount_cents": amount,
                "approval_level": level,
                "required_approvals": required,
                "facts": facts.model_dump(mode="json"),
            }
        )
        if asks:
            approvals.append(
                {
                    "ticket_id": ticket_id,
                    "workflow_id": workflow_id,
                    "request_id": f"req-{i:06d}",
                    "level": level,
                    "amount_cents": amount,
                    "currency": "usd",
                    "required_approvals": required,
                    "approvers": [],
                    "requested_by": "customer",
                    "rule": rule,
                    "reason": "bench",
                    "status": answer,
                    "expires_at": now + timedelta(hours=24),
                    "created_at": now,
                }
            )
    return tickets, decisions, approvals


def main() -> dict[str, str]:
    policy = BillingDisputePolicy.model_validate(load_policy_document("billing_dispute").data)
    shipped = load_candidate(CANDIDATE, "billing_dispute")
    candidate = shipped.model_copy(
        update={"duplicate_window_minutes": 5, "amount_tolerance_cents": 100}
    )
    timed = timed_backtest(candidate, "billing_dispute", lambda: _rows(policy, CASES))
    report = timed.report
    findings = report.findings
    assert findings is not None
    return {
        "backtest_disputes_cases": str(report.cases),
        "backtest_disputes_seconds_10k_cases": f"{timed.total_seconds:.2f}",
        "backtest_disputes_read_seconds": f"{timed.read_seconds:.2f}",
        "backtest_disputes_evaluate_seconds": f"{timed.evaluate_seconds:.2f}",
        "backtest_disputes_changed_cases": str(report.changed),
        "backtest_disputes_findings_changed": str(len(findings.changed)),
        "backtest_disputes_findings_not_reapplied": str(len(findings.not_reapplied)),
        "backtest_disputes_seed_seconds": f"{timed.seed_seconds:.2f}",
    }


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key}={value}", flush=True)
