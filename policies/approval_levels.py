"""Approval levels: who may approve an action, how many must, and where they are asked.

Shared by every process that asks people to approve an action (a refund, a billing adjustment,
an onboarding exception); each process's policy file names its own levels.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Approver(BaseModel):
    """A person allowed to decide at a level; `slack_user_id` links their Slack account."""

    id: str
    slack_user_id: str | None = None


class ApprovalLevel(BaseModel):
    name: str
    approvers: list[Approver]
    required_approvals: int = Field(1, ge=1)
    slack_channel: str | None = None
    slack_user_group: str | None = None
