"""Reads policy files and fingerprints them, so history records exactly which rules applied."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel

from policies.refund_policy import RefundPolicy
from policies.routing_policy import RoutingPolicy

DEFAULT_REFUND_POLICY = Path(__file__).with_name("refund_policy.json")


class PolicySnapshot(BaseModel):
    policy: RefundPolicy
    sha256: str

    @property
    def version_tag(self) -> str:
        return f"{self.policy.version}@{self.sha256[:12]}"


def load_refund_policy(path: Path | None = None) -> PolicySnapshot:
    raw = (path or DEFAULT_REFUND_POLICY).read_bytes()
    return PolicySnapshot(
        policy=RefundPolicy.model_validate_json(raw), sha256=hashlib.sha256(raw).hexdigest()
    )


DEFAULT_ROUTING_POLICY = Path(__file__).with_name("routing_policy.json")


class RoutingPolicySnapshot(BaseModel):
    """The routing policy in force for one ticket, fingerprinted like the refund policy."""

    policy: RoutingPolicy
    sha256: str

    @property
    def version_tag(self) -> str:
        return f"{self.policy.version}@{self.sha256[:12]}"


def load_routing_policy(path: Path | None = None) -> RoutingPolicySnapshot:
    raw = (path or DEFAULT_ROUTING_POLICY).read_bytes()
    return RoutingPolicySnapshot(
        policy=RoutingPolicy.model_validate_json(raw), sha256=hashlib.sha256(raw).hexdigest()
    )
