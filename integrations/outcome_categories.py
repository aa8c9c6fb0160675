"""Why a case escalated and what went wrong in it, derived deterministically from what the CRM
recorded (docs/outcomes-report.md lists the rules).

Escalation reason (one per escalated case, the first that applies):
- the first hand-off's reason text, for the reasons the ticket workflow writes itself:
  `no_knowledge`, `draft_review`, `draft_failed`, `triage_failed`;
- else the routing rule recorded with `routed:escalate` (`intent:complaint`,
  `signal:asks_for_human`, `rollout:assist`, ...);
- else `process:<process>` (a process the ticket started ended needing a person);
- else `other`.

Failure categories (a case may have several, or none):
- `missing_knowledge`: escalated because no help-center article answered;
- `bad_retrieval`: a drafted answer was rejected, or sent after a change of at least the
  configured normalised edit distance;
- `wrong_policy`: a person rejected what the policy proposed (an approval rejected) or the
  policy's own re-check superseded an approval (`approval_superseded`);
- `integration_failure`: an external call failed (`*_failed` audit actions, triage or drafting
  failed);
- `permission_issue`: an action refused for lack of rights (`*_refused` audit rows naming
  `not_an_agent`, `not_an_approver`, `self_approval`, `person_required`, `insufficient_scope`
  or `unlinked_slack_account`);
- `escalation_delay`: a hand-off breached its SLA.
"""

from __future__ import annotations

from integrations.outcome_facts import CaseFacts

FAILURE_CATEGORIES = (
    "missing_knowledge",
    "wrong_policy",
    "bad_retrieval",
    "integration_failure",
    "permission_issue",
    "escalation_delay",
)

_HANDOFF_REASONS = (
    ("No help-center article", "no_knowledge"),
    ("The drafted answer needs review", "draft_review"),
    ("The answer could not be drafted", "draft_failed"),
    ("Triage failed", "triage_failed"),
)
_PERMISSION_CODES = (
    "not_an_agent",
    "not_an_approver",
    "self_approval",
    "person_required",
    "insufficient_scope",
    "unlinked_slack_account",
)


def is_escalated(case: CaseFacts) -> bool:
    return bool(case.handoffs) or case.status == "escalated"


def escalation_reason(case: CaseFacts) -> str | None:
    """The escalation reason category, or None for a case that never escalated."""
    if not is_escalated(case):
        return None
    if case.handoffs:
        text = case.handoffs[0].reason
        for prefix, reason in _HANDOFF_REASONS:
            if text.startswith(prefix):
                return reason
    for entry in case.audit:
        if entry.action == "routed:escalate":
            rule = entry.detail.split(": ", 1)[0]
            return rule.removeprefix("escalate:") or "other"
    if case.process not in ("ticket", "triage", ""):
        return f"process:{case.process}"
    return "other"


def failure_categories(case: CaseFacts, bad_retrieval_min_edit_distance: float) -> list[str]:
    reason = escalation_reason(case)
    found: set[str] = set()
    if reason == "no_knowledge":
        found.add("missing_knowledge")
    for handoff in case.handoffs:
        if handoff.draft_rejected or (
            handoff.edit_distance is not None
            and handoff.edit_distance >= bad_retrieval_min_edit_distance
        ):
            found.add("bad_retrieval")
        if handoff.sla_breached:
            found.add("escalation_delay")
    if any("reject" in a.decisions for a in case.approvals):
        found.add("wrong_policy")
    if reason in ("draft_failed", "triage_failed"):
        found.add("integration_failure")
    for entry in case.audit:
        if entry.action == "approval_superseded":
            found.add("wrong_policy")
        elif entry.action.endswith("_failed"):
            found.add("integration_failure")
        elif entry.action.endswith("_refused") and any(
            code in entry.detail for code in _PERMISSION_CODES
        ):
            found.add("permission_issue")
    return [c for c in FAILURE_CATEGORIES if c in found]
