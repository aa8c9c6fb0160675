"""What a case answers when it does not take a decision: a refusal a caller can act on, or the
case being out of reach. Shared by the API, the CLI and Slack, which each word it for their
audience."""

from __future__ import annotations

from typing import Literal

from temporalio.exceptions import ApplicationError

RefusalCode = Literal[
    "not_an_approver",
    "self_approval",
    "stale_request",
    "already_decided",
    "expired",
    "no_pending_approval",
    "case_closed",
    # Slack only: a user group member whose Slack account is linked to no supportflow person.
    "unlinked_slack_account",
]

# ApplicationError types raised by the workflow's validator (workflows/case/approval_gate.py).
_REFUSAL_BY_ERROR_TYPE: dict[str, RefusalCode] = {
    "NotAnApprover": "not_an_approver",
    "SelfApproval": "self_approval",
    "StaleApprovalRequest": "stale_request",
    "AlreadyDecided": "already_decided",
    "ApprovalExpired": "expired",
    "NoPendingApproval": "no_pending_approval",
}


class ApprovalRefused(Exception):
    """The case did not accept the decision. `code` is stable for programs, `message` for people."""

    def __init__(self, code: RefusalCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code: RefusalCode = code
        self.message = message


class CaseUnavailable(Exception):
    """Temporal (or the worker running the case) could not be reached; nothing was decided."""


def refusal_from(cause: BaseException) -> Exception:
    """What a failed `decide_approval` Update means for the caller."""
    if isinstance(cause, ApplicationError) and cause.type in _REFUSAL_BY_ERROR_TYPE:
        return ApprovalRefused(_REFUSAL_BY_ERROR_TYPE[cause.type], cause.message)
    # Not a validator refusal: the handler itself failed. Surfacing it as an outage (not a
    # refusal with a guessed code) keeps a workflow bug from looking like a policy decision.
    return CaseUnavailable(f"The case failed to apply the decision: {cause}")
