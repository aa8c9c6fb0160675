"""Loads the routing policy for a ticket, so the version and hash in force land in history."""

from __future__ import annotations

from pathlib import Path

from temporalio import activity

from activities.ticket_models import RoutingPolicyInput
from policies.loader import RoutingPolicySnapshot, load_routing_policy


class RoutingPolicyActivities:
    def __init__(self, routing_policy_path: Path | None = None) -> None:
        self._path = routing_policy_path

    @activity.defn(name="load_routing_policy")
    def load_routing_policy(self, request: RoutingPolicyInput) -> RoutingPolicySnapshot:
        snapshot = load_routing_policy(self._path)
        activity.logger.info("Loaded routing policy %s", snapshot.version_tag)
        return snapshot
