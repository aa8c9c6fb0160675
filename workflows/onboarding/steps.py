"""Where each step of a signup stands: its data, its state, and what a back-edit re-checks.

Deterministic and free of I/O: the workflow's Update validator asks `refusal` (a refused
submission leaves no trace in history), the handler calls `accept`, and the main loop takes the
next step to check with `next_to_check` and settles it with `passed`, `refused` or `escalated`.
A submission bumps the step's `version`, so a check that ran on older data is ignored.
"""

from __future__ import annotations

from datetime import datetime

from temporalio.exceptions import ApplicationError

from integrations.card_numbers import card_spans
from policies.onboarding import OnboardingPolicy, dependents, field_errors
from workflows.case.customer_input import field_errors_refusal
from workflows.onboarding.contract import StepProgress, StepSubmission


class StepBook:
    def __init__(self, policy: OnboardingPolicy) -> None:
        self.policy = policy
        self.progress = {s.name: StepProgress(name=s.name, title=s.title) for s in policy.steps}
        self.data: dict[str, dict[str, str]] = {}
        self.version: dict[str, int] = {s.name: 0 for s in policy.steps}
        # How many times each step's check started: keys of a check's side effects use it, so
        # a re-check (after a back-edit elsewhere) never replays an earlier check's request.
        self.checks: dict[str, int] = {s.name: 0 for s in policy.steps}
        self.errors: dict[str, dict[str, str]] = {}
        self.frozen = False

    def refusal(self, submission: StepSubmission) -> ApplicationError | None:
        """Why this submission cannot be taken (the validator raises it), or None."""
        if self.frozen:
            return ApplicationError(
                "This signup is closed or already being provisioned.",
                type="OnboardingClosed",
                non_retryable=True,
            )
        rule = self.policy.step(submission.step)
        if rule is None:
            return ApplicationError(
                f"Unknown step {submission.step!r}; steps are {', '.join(self.policy.step_names)}.",
                {submission.step: "unknown step"},
                type="UnknownStep",
                non_retryable=True,
            )
        missing = [d for d in rule.depends_on if self.progress[d].state == "pending"]
        if missing:
            return ApplicationError(
                f"Step {rule.name} needs {', '.join(missing)} first.",
                {name: "submit this step first" for name in missing},
                type="StepOutOfOrder",
                non_retryable=True,
            )
        errors = field_errors(self.policy, rule, submission.fields)
        # Refused here, a card number typed into any field never reaches history or the CRM.
        for name, value in submission.fields.items():
            if card_spans(value):
                errors[name] = "looks like a card number; cards go in the payment form only"
        return field_errors_refusal(errors, "InvalidStep") if errors else None

    def accept(self, submission: StepSubmission, now: datetime) -> list[str]:
        """Keeps the data; returns the dependent steps that must be checked again."""
        name = submission.step
        self.data[name] = {k: v.strip() for k, v in submission.fields.items()}
        self.version[name] += 1
        self.errors.pop(name, None)
        step = self.progress[name]
        step.state = "submitted"
        step.submissions += 1
        step.submitted_at = step.submitted_at or now
        step.done_at = None
        step.exception_by = None
        again = [d for d in dependents(self.policy, name) if self.progress[d].state != "pending"]
        for other in again:
            self.progress[other].state = "submitted"
            self.progress[other].done_at = None
            self.progress[other].exception_by = None
        return again

    def next_to_check(self) -> str | None:
        return next((n for n, p in self.progress.items() if p.state == "submitted"), None)

    def next_for_customer(self) -> str | None:
        return next(
            (n for n, p in self.progress.items() if p.state in ("pending", "needs_input")), None
        )

    @property
    def complete(self) -> bool:
        return all(p.state == "done" for p in self.progress.values())

    def passed(self, name: str, now: datetime, *, exception_by: str | None = None) -> None:
        step = self.progress[name]
        step.state = "done"
        step.done_at = now
        step.exception_by = exception_by

    def refused(self, name: str, errors: dict[str, str]) -> None:
        self.progress[name].state = "needs_input"
        self.errors[name] = errors

    def escalated(self, name: str) -> None:
        self.progress[name].state = "escalated"

    def field(self, step: str, name: str) -> str:
        return self.data.get(step, {}).get(name, "")
