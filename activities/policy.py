"""Loads policies for workflows, so the exact version and hash in force land in history."""

from __future__ import annotations

from pathlib import Path

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.models import PolicyLoadInput, ProcessPolicyInput
from policies.loader import (
    PolicyDocument,
    PolicySnapshot,
    load_policy_document,
    load_refund_policy,
)


class PolicyActivities:
    """Policy files are deployed with the code; a changed file changes the hash recorded per case."""

    def __init__(
        self, refund_policy_path: Path | None = None, policy_dir: Path | None = None
    ) -> None:
        self._refund_policy_path = refund_policy_path
        self._policy_dir = policy_dir

    @activity.defn(name="load_refund_policy")
    def load_refund_policy(self, request: PolicyLoadInput) -> PolicySnapshot:
        snapshot = load_refund_policy(self._refund_policy_path)
        activity.logger.info("Loaded refund policy %s", snapshot.version_tag)
        return snapshot

    @activity.defn(name="load_process_policy")
    def load_process_policy(self, request: ProcessPolicyInput) -> PolicyDocument:
        """Any process's `policies/<name>.json`; a missing or malformed file fails for good, as
        a retry cannot fix a deployment."""
        try:
            document = load_policy_document(request.name, self._policy_dir)
        except (OSError, ValueError) as err:
            raise ApplicationError(
                f"policy {request.name!r} cannot be loaded: {err}",
                type="PolicyUnavailable",
                non_retryable=True,
            ) from None
        activity.logger.info("Loaded %s policy %s", request.name, document.version_tag)
        return document
