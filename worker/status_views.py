"""The API's view of a process's live status: the process's own status model plus `kind`, one
per registered process, so an answer matches exactly one alternative of the response schema.

A workflow's `status` query answers its process's model (a subclass of the kernel's CaseStatus)
with no discriminator of its own; `workflow_type`, set when the case opens, says which process
answered. Cases opened before that field existed are told apart the way the first release did:
fields only a triaged ticket reports mean triage, anything else is a refund.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, create_model

from workflows.case.contract import CaseStatus
from workflows.case.process_spec import ProcessSpec
from workflows.refund.spec import REFUND
from workflows.registry import PROCESSES
from workflows.ticket.spec import TRIAGE

# The API always emits every field, so the response schema says so: a client generated from it
# may rely on `kind` (and the rest) being present.
ALWAYS_EMITTED = ConfigDict(json_schema_serialization_defaults_required=True)

_LEGACY_TICKET_FIELDS = frozenset(TRIAGE.status.model_fields) - frozenset(
    REFUND.status.model_fields
)


def _view_name(spec: ProcessSpec) -> str:
    return "".join(part.capitalize() for part in spec.kind.split("_")) + "StatusView"


def _view_model(spec: ProcessSpec) -> type[BaseModel]:
    kind: Any = Literal[spec.kind]  # a one-value Literal built from data
    view: type[BaseModel] = create_model(
        _view_name(spec),
        __base__=spec.status,
        __doc__=f"{spec.title}: the live status of its case, with `kind` = `{spec.kind}`.",
        kind=(kind, spec.kind),
    )
    view.model_config.update(ALWAYS_EMITTED)
    view.model_rebuild(force=True)
    return view


STATUS_VIEWS: Mapping[str, type[BaseModel]] = {
    spec.kind: _view_model(spec) for spec in PROCESSES.values()
}

if TYPE_CHECKING:
    LiveStatus = CaseStatus  # every view is a CaseStatus subclass
else:
    LiveStatus = Annotated[Union[tuple(STATUS_VIEWS.values())], Field(discriminator="kind")]  # noqa: UP007


# The names the first two views shipped with, for callers that import them.
CaseStatusView = STATUS_VIEWS[REFUND.kind]
TicketStatusView = STATUS_VIEWS[TRIAGE.kind]


def spec_of_status(value: Mapping[str, Any] | BaseModel) -> ProcessSpec:
    """The registered process whose status this is."""
    fields = value.model_dump() if isinstance(value, BaseModel) else value
    workflow_type = fields.get("workflow_type")
    for spec in PROCESSES.values():
        if spec.workflow_name == workflow_type:
            return spec
    return TRIAGE if _LEGACY_TICKET_FIELDS & fields.keys() else REFUND


def live_status(raw: Mapping[str, Any]) -> CaseStatus:
    """The `status` query's answer as the model its process declares."""
    status = spec_of_status(raw).status.model_validate(raw)
    assert isinstance(status, CaseStatus)
    return status


def as_view(value: Any) -> Any:
    """Adds `kind` to a process's status (a model or its dict) so it validates as its view."""
    if value is None or (isinstance(value, BaseModel) and "kind" in type(value).model_fields):
        return value
    if isinstance(value, BaseModel | dict):
        kind = spec_of_status(value).kind
        fields = value.model_dump() if isinstance(value, BaseModel) else value
        return fields if "kind" in fields else {**fields, "kind": kind}
    return value
