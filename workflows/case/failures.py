"""How a failed activity or child workflow reads in a case's audit, resolution and status."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from activities.models import CaseState


class CaseStop(Exception):
    """Ends the case early (escalation or a non-retryable lookup failure) with a clear reason."""

    def __init__(self, state: CaseState, reason: str) -> None:
        super().__init__(reason)
        self.state: CaseState = state
        self.reason = reason


def failure_reason(err: ActivityError | ApplicationError | ChildWorkflowError) -> str:
    """`Type: message` of the application error behind `err`.

    Local activity failures can surface as the ApplicationError itself, not wrapped."""
    cause = err if isinstance(err, ApplicationError) else err.cause
    if isinstance(cause, ApplicationError):
        return f"{cause.type}: {cause.message}"
    return str(cause or err)
