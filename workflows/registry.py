"""The support processes, one entry each.

The worker registers every entry's workflow and triage starts an entry as a child when the
routing policy names it. Adding a process is its folder under workflows/ (workflow, contract,
replies, spec), its policy file under policies/, and one entry in `PROCESSES` below
(docs/adding-a-process.md walks through one).
"""

from __future__ import annotations

from collections.abc import Mapping

from workflows.billing_dispute.spec import BILLING_DISPUTE
from workflows.case.process_spec import ProcessSpec
from workflows.chargeback.spec import CHARGEBACK
from workflows.onboarding.spec import ONBOARDING
from workflows.refund.spec import REFUND
from workflows.ticket.spec import TRIAGE

PROCESSES: Mapping[str, ProcessSpec] = {
    spec.name: spec for spec in (REFUND, TRIAGE, CHARGEBACK, BILLING_DISPUTE, ONBOARDING)
}


def process_named(
    name: str, processes: Mapping[str, ProcessSpec] = PROCESSES
) -> ProcessSpec | None:
    return processes.get(name)


def workflow_classes(processes: Mapping[str, ProcessSpec] = PROCESSES) -> list[type]:
    """Every process's workflow class, for a worker to register."""
    return [spec.workflow_class() for spec in processes.values()]
