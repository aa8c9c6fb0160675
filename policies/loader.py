"""Reads policy files and fingerprints them, so history records exactly which rules applied."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

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


POLICY_DIR = Path(__file__).parent
# A process's policy file is `<process name>.json`; the name can never reach outside the folder.
POLICY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class PolicyDocument(BaseModel):
    """A process's policy file as data: the workflow validates `data` into its own policy model
    (deterministic), so a new process needs no loader of its own."""

    name: str
    version: str
    sha256: str
    data: dict[str, Any]

    @property
    def version_tag(self) -> str:
        return f"{self.version}@{self.sha256[:12]}"


def load_policy_document(name: str, directory: Path | None = None) -> PolicyDocument:
    if not POLICY_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a process policy name")
    raw = ((directory or POLICY_DIR) / f"{name}.json").read_bytes()
    data = json.loads(raw)
    if not isinstance(data, dict) or not isinstance(data.get("version"), str):
        raise ValueError(f"policy {name!r} must be a JSON object with a string `version`")
    return PolicyDocument(
        name=name, version=data["version"], sha256=hashlib.sha256(raw).hexdigest(), data=data
    )
