"""How a failed activity or child workflow reads in a case's audit, resolution and status."""

from __future__ import annotations

from temporalio.exceptions import ActivityError, ApplicationError, ChildWorkflowError


def failure_reason(err: ActivityError | ApplicationError | ChildWorkflowError) -> str:
    """`Type: message` of the application error behind `err`.

    Local activity failures can surface as the ApplicationError itself, not wrapped."""
    cause = err if isinstance(err, ApplicationError) else err.cause
    if isinstance(cause, ApplicationError):
        return f"{cause.type}: {cause.message}"
    return str(cause or err)
