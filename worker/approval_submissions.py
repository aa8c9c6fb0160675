"""A decision as a person files it over the API or CLI: approve, or reject with a reason."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator


class _DecisionFields(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    request_id: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="The approval request decided on; default: the one the case waits on now.",
    )
    amount_cents: int | None = Field(
        None,
        gt=0,
        description="Decide only if the amount is still this, so nobody approves a figure "
        "they were never shown.",
    )


class ApproveSubmission(_DecisionFields):
    """Approve the pending request."""

    decision: Literal["approve"]
    reason: str | None = Field(None, max_length=2_000)


class RejectSubmission(_DecisionFields):
    """Reject the pending request; the reason goes into the audit trail and the customer's reply."""

    decision: Literal["reject"]
    reason: str = Field(min_length=1, max_length=2_000, pattern=r"\S")

    @field_validator("reason", mode="before")
    @classmethod
    def _rejections_say_why(cls, value: object) -> object:
        # Before the length/pattern checks, so the refusal reads as a rule, not as a regex.
        if isinstance(value, str) and not value.strip():
            raise ValueError("a rejection needs a reason")
        return value


# A decision as a person files it over the API or CLI. It names no approver: the approver is the
# authenticated person (worker/auth.py), so nobody can decide in someone else's name.
ApprovalSubmission = Annotated[
    ApproveSubmission | RejectSubmission, Field(discriminator="decision")
]
approval_submission: TypeAdapter[ApproveSubmission | RejectSubmission] = TypeAdapter(
    ApprovalSubmission
)
