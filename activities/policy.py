"""Loads policies for workflows, so the exact version and hash in force land in history."""

from __future__ import annotations

from pathlib import Path

from temporalio import activity

from activities.models import PolicyLoadInput
from policies.loader import PolicySnapshot, load_refund_policy


class PolicyActivities:
    """Policy files are deployed with the code; a changed file changes the hash recorded per case."""

    def __init__(self, refund_policy_path: Path | None = None) -> None:
        self._refund_policy_path = refund_policy_path

    @activity.defn(name="load_refund_policy")
    def load_refund_policy(self, request: PolicyLoadInput) -> PolicySnapshot:
        snapshot = load_refund_policy(self._refund_policy_path)
        activity.logger.info("Loaded refund policy %s", snapshot.version_tag)
        return snapshot
