"""The routing policy only routes to processes the registry knows, under their workflow type:
triage starts the registered workflow, so a policy naming another type would be a policy that
does not do what it says."""

from __future__ import annotations

from policies.loader import load_routing_policy
from workflows.registry import PROCESSES


def test_every_routed_process_is_registered_under_its_workflow_type() -> None:
    policy = load_routing_policy().policy
    assert policy.processes, "the shipped policy routes to at least one process"
    for name, routed in policy.processes.items():
        spec = PROCESSES.get(name)
        assert spec is not None, f"routing policy names unregistered process {name!r}"
        assert spec.from_ticket is not None, f"triage cannot start {name!r}"
        assert routed.workflow == spec.workflow_name


def test_every_intent_routed_to_a_process_names_a_routed_process() -> None:
    policy = load_routing_policy().policy
    for intent, rule in policy.intents.items():
        if rule.action == "process":
            assert rule.process in policy.processes, intent
