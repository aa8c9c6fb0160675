"""The routing policy's hand-off rules: an SLA for every urgency triage can give, a breach after
its reminder, agents to work hand-offs, and hand-back processes the registry can start."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import ValidationError

from policies.loader import load_routing_policy
from policies.routing_policy import SlaPolicy, UrgencySla
from policies.triage_schema import Urgency
from workflows.registry import PROCESSES


def test_shipped_policy_covers_every_urgency_and_names_startable_processes() -> None:
    policy = load_routing_policy().policy
    for urgency in get_args(Urgency):
        sla = policy.sla.for_urgency(urgency)
        assert sla is not None, urgency
    minutes = [
        policy.sla.urgency[u].breach_after_minutes for u in ("critical", "high", "normal", "low")
    ]
    assert minutes == sorted(minutes)  # more urgent, sooner
    assert policy.handoff.agents and policy.sla.escalation_channel
    for process in policy.handoff.handback_processes:
        spec = PROCESSES.get(process)
        assert spec is not None and spec.from_ticket is not None, process
    assert policy.handoff.reopen_window_hours > 0


@pytest.mark.parametrize(
    ("remind", "breach", "valid"),
    [(10, 60, True), (60, 60, False), (90, 60, False), (0, 60, False)],
)
def test_breach_comes_after_the_reminder(remind: float, breach: float, valid: bool) -> None:
    if valid:
        UrgencySla(remind_after_minutes=remind, breach_after_minutes=breach)
        return
    with pytest.raises(ValidationError):
        UrgencySla(remind_after_minutes=remind, breach_after_minutes=breach)


def test_no_sla_for_an_urgency_means_no_timers() -> None:
    assert SlaPolicy().for_urgency("normal") is None
