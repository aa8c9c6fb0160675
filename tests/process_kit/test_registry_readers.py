"""The API, CLI and status readers loop over the registry: every registered process is filed,
told apart and shown without naming it anywhere else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from worker.case_report import describe_case
from worker.case_status import CaseView
from worker.cli import app
from worker.status_views import STATUS_VIEWS, as_view, live_status, spec_of_status
from worker.ticket_submission import FILEABLE, TicketSubmission
from workflows.case.contract import CaseStatus
from workflows.registry import PROCESSES
from workflows.ticket.contract import TicketStatus


def _status_of(name: str, **fields: Any) -> CaseStatus:
    spec = PROCESSES[name]
    status = spec.status.model_validate(
        {"ticket_id": "T-1", "workflow_id": "w-1", "state": "evaluating", **fields}
    )
    status.workflow_type = spec.workflow_name
    assert isinstance(status, CaseStatus)
    return status


def test_every_process_has_its_own_status_kind() -> None:
    kinds = [spec.kind for spec in PROCESSES.values()]
    assert len(set(kinds)) == len(kinds)
    assert set(STATUS_VIEWS) == set(kinds)


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_status_is_read_as_its_process_model(name: str) -> None:
    status = _status_of(name)
    raw = status.model_dump(mode="json")
    assert type(live_status(raw)) is PROCESSES[name].status
    assert spec_of_status(raw) is PROCESSES[name]
    assert as_view(raw)["kind"] == PROCESSES[name].kind
    view = CaseView(
        ticket_id="T-1",
        workflow_id="w-1",
        source="workflow",
        state="evaluating",
        temporal_ui_url="http://ui",
        status=status,
    )
    parsed = CaseView.model_validate_json(view.model_dump_json())
    assert isinstance(parsed.status, PROCESSES[name].status)
    assert "Ticket T-1: evaluating" in describe_case(parsed)[0]


def test_a_status_without_workflow_type_is_told_apart_as_the_first_release_did() -> None:
    ticket = {"ticket_id": "T-1", "workflow_id": "w", "state": "in_process", "route": "answer"}
    assert type(live_status(ticket)) is TicketStatus
    refund = {"ticket_id": "T-1", "workflow_id": "w", "state": "evaluating", "refund_id": None}
    assert type(live_status(refund)) is PROCESSES["refund"].status


def test_only_processes_that_take_tickets_can_be_named() -> None:
    assert {n for n, s in PROCESSES.items() if s.filed_as_ticket} == set(FILEABLE)
    for name in FILEABLE:
        ticket = TicketSubmission(ticket_id="T-1", customer_id="c-1", process=name)
        assert ticket.spec is PROCESSES[name]
    for name in set(PROCESSES) - set(FILEABLE):
        with pytest.raises(ValidationError, match="takes tickets"):
            TicketSubmission(ticket_id="T-1", customer_id="c-1", process=name)


def test_a_field_the_named_process_does_not_take_is_refused_on_that_field() -> None:
    with pytest.raises(ValidationError) as refused:
        TicketSubmission(ticket_id="T-1", customer_id="c-1", requested_amount_cents=500)
    (error,) = refused.value.errors()
    assert error["loc"] == ("requested_amount_cents",)
    assert "only a refund ticket (process 'refund') takes this field" in error["msg"]


def test_processes_command_lists_the_registry() -> None:
    result = CliRunner().invoke(app, ["processes", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert set(rows) == set(PROCESSES)
    assert rows["refund"]["routed_by_triage"] and rows["refund"]["filed_as_ticket"]
    text = CliRunner().invoke(app, ["processes"]).output
    assert all(spec.workflow_name in text for spec in PROCESSES.values())
