"""Files support tickets as Temporal cases: the one start path shared by the API and the CLI.

Every ticket maps to exactly one workflow id (`case_workflow_id`), whatever process handles it.
Starting uses USE_EXISTING while the case runs and REJECT_DUPLICATE once it closed, so a helpdesk
that retries a webhook, or a human who files the same ticket twice, always lands on the case that
already exists instead of paying a refund twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, InitErrorDetails, PydanticCustomError
from temporalio.client import Client, WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError

from integrations.card_numbers import redact_fields
from integrations.temporal_links import workflow_url
from worker.settings import Settings
from workflows import search_attributes as sa
from workflows.case.contract import case_workflow_id
from workflows.case.process_spec import ProcessSpec
from workflows.refund.contract import RefundRequest
from workflows.refund.spec import REFUND
from workflows.registry import PROCESSES
from workflows.ticket.contract import TICKET_ID_PATTERN
from workflows.ticket.spec import TRIAGE

START_RPC_TIMEOUT = timedelta(seconds=10)


def fileable_processes(
    processes: Mapping[str, ProcessSpec] = PROCESSES,
) -> dict[str, ProcessSpec]:
    """The processes a backend may name when it files a ticket (triage among them)."""
    return {name: spec for name, spec in processes.items() if spec.filed_as_ticket}


FILEABLE = fileable_processes()
# Every field a ticket may carry, and which of them each process takes.
_ALWAYS_TAKEN = frozenset({"ticket_id", "process"})


class TicketSubmission(RefundRequest):
    """A ticket as a backend files it (`POST /tickets`, `supportflow ticket`).

    Strict and closed: a misspelt field (`requested_amount` for `requested_amount_cents`) or a
    number sent as a string is refused with a field-level message instead of being guessed at.
    Without a `process` (or with `"triage"`) TicketWorkflow reads the ticket and picks the route;
    naming a registered process that takes tickets (`"refund"`, …) starts it directly, for
    backends that already know what they want. A field the named process does not take is
    refused, never silently dropped.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    ticket_id: str = Field(min_length=1, max_length=64, pattern=TICKET_ID_PATTERN)
    requested_amount_cents: int | None = Field(
        None,
        gt=0,
        le=100_000_000,
        description="A cap on the refund. A triaged ticket's amount comes from the order and "
        "its charge, so leave it out or send process 'refund'.",
    )
    process: str | None = Field(
        None,
        description="A registered process to start directly (see the schema's alternatives); "
        "absent (or `triage`) lets triage and the routing policy choose: a process, a cited "
        "answer, a clarifying question or a person.",
    )

    @field_validator("process")
    @classmethod
    def _registered(cls, value: str | None) -> str | None:
        if value is not None and value not in FILEABLE:
            raise ValueError(
                f"no process {value!r} takes tickets; send one of "
                f"{', '.join(repr(name) for name in sorted(FILEABLE))} or leave process out"
            )
        return value

    @model_validator(mode="after")
    def _fields_of_the_process(self) -> TicketSubmission:
        # A field the process does not take would be silently dropped: it is refused where the
        # caller can see it. Raising ValidationError (not ValueError) keeps it on the field.
        taken = set(self.spec.request.model_fields) | _ALWAYS_TAKEN
        errors = [
            InitErrorDetails(
                type=PydanticCustomError(
                    "field_not_taken_by_process", "{message}", {"message": _not_taken(field)}
                ),
                loc=(field,),
                input=getattr(self, field),
            )
            for field in sorted(self.model_fields_set - taken)
            if getattr(self, field) is not None
        ]
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The schema states what the validators enforce: one closed alternative per process
        that takes tickets, in which a field that process does not take can only be null, so a
        body the schema accepts is one the API accepts. Built from the model's own field
        schemas, so lengths and patterns cannot drift from validation."""
        reference = handler(core_schema)
        schema = handler.resolve_ref_schema(reference)
        properties: dict[str, Any] = schema.pop("properties")
        required: list[str] = schema.pop("required", [])
        for key in ("additionalProperties", "type"):
            schema.pop(key, None)
        schema["oneOf"] = [_alternative(spec, properties, required) for spec in FILEABLE.values()]
        return reference

    def asserted_requester(self) -> str | None:
        """The `requested_by` the filer sent, if any: an on-behalf-of claim that the API and CLI
        check against the caller's credential (worker/auth.py), never one taken on trust."""
        return self.requested_by if "requested_by" in self.model_fields_set else None

    def filed_by(self, requested_by: str) -> TicketSubmission:
        """This ticket with `requested_by` set from the caller's credential (a canonical id)."""
        return self.model_copy(update={"requested_by": requested_by})

    @property
    def spec(self) -> ProcessSpec:
        """The registered process this ticket starts: the one named, or triage."""
        return PROCESSES[self.process or TRIAGE.name]

    @property
    def case_process(self) -> str:
        """The Process search attribute the case starts with."""
        return self.spec.attribute

    def process_request(self) -> BaseModel:
        """The started workflow's input: the filed fields its request model knows (a triaged
        ticket's request has no amount; no request has `process`)."""
        request = self.spec.request
        return request.model_validate(self.model_dump(include=set(request.model_fields)))


def _not_taken(field: str) -> str:
    takers = [n for n, spec in FILEABLE.items() if field in spec.request.model_fields]
    named = " or ".join(f"a {name} ticket (process '{name}')" for name in takers)
    hint = TicketSubmission.model_fields[field].description or "leave it out"
    return f"only {named or 'no ticket'} takes this field. {hint}"


def _alternative(
    spec: ProcessSpec, properties: dict[str, Any], required: list[str]
) -> dict[str, Any]:
    """The JSON schema of a ticket filed for `spec`: its process named (or, for triage,
    optionally), the fields its request does not take only as null."""
    taken = set(spec.request.model_fields) | _ALWAYS_TAKEN
    shown = {
        name: field if name in taken else {"type": "null", "description": _not_taken(name)}
        for name, field in properties.items()
    }
    const = {"type": "string", "const": spec.name}
    process = {k: v for k, v in properties["process"].items() if k not in ("anyOf", "default")}
    if spec.name == TRIAGE.name:
        shown["process"] = {**process, "anyOf": [const, {"type": "null"}]}
        needed = required
    else:
        shown["process"] = {**process, **const}
        needed = [*required, "process"]
    return {
        "title": "".join(p.capitalize() for p in spec.name.split("_")) + "TicketSubmission",
        "type": "object",
        "properties": shown,
        "required": needed,
        "additionalProperties": False,
    }


class CaseStarted(BaseModel):
    """What filing a ticket returns. `existing` is true when the ticket already had a case: the
    ids are then those of that case and nothing new was started. `process` is the started
    process's Process search attribute: `refund` for a refund case, `ticket` for a triaged one
    (its status then says where triage sent it)."""

    ticket_id: str
    workflow_id: str
    run_id: str
    process: str
    existing: bool
    temporal_ui_url: str


def case_summary(ticket: TicketSubmission) -> str:
    """One line for the Temporal UI's workflow list, readable without opening the run."""
    kind = ticket.spec.title
    return f"{kind} · ticket {ticket.ticket_id} · customer {ticket.customer_id}"


def case_details(ticket: TicketSubmission) -> str:
    """Markdown shown on the run page: who asked for what, as filed (not as decided)."""
    common = [
        f"- **Customer:** `{ticket.customer_id}`",
        f"- **Order:** `{ticket.order_id or 'not given'}`",
        f"- **Requested by:** {ticket.requested_by} via {ticket.channel}",
    ]
    if ticket.spec.name == TRIAGE.name:
        return "\n".join(
            [
                f"### Ticket `{ticket.ticket_id}` (triage chooses the route)",
                "",
                *common,
                f"- **Subject:** {ticket.subject or '(none)'}",
                "- **Route:** decided by triage and the routing policy; the current details "
                "and the `status` query say which and why",
            ]
        )
    if ticket.spec.name != REFUND.name:
        return "\n".join(
            [f"### {ticket.spec.title} case for ticket `{ticket.ticket_id}`", "", *common]
        )
    amount = (
        f"{ticket.requested_amount_cents} cents (a cap; the charge decides)"
        if ticket.requested_amount_cents
        else "not stated (the order and charge decide)"
    )
    lines = [
        f"### Refund case for ticket `{ticket.ticket_id}`",
        "",
        *common,
        f"- **Requested amount:** {amount}",
        f"- **Subject:** {ticket.subject or '(none)'}",
    ]
    return "\n".join(lines)


def start_search_attributes(ticket: TicketSubmission) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [
            SearchAttributePair(sa.TICKET_ID, ticket.ticket_id),
            SearchAttributePair(sa.CUSTOMER_ID, ticket.customer_id),
            SearchAttributePair(sa.PROCESS, ticket.case_process),
            SearchAttributePair(sa.CASE_STATE, "received"),
        ]
    )


def _newly_started(handle: WorkflowHandle) -> bool:
    """Whether the start call created the run (False when USE_EXISTING attached to a running one).

    The SDK keeps the server's StartWorkflowExecutionResponse (whose `started` flag says exactly
    this) on the handle without a public accessor; reading it avoids a racy describe-then-start.
    """
    response = getattr(handle, "_start_workflow_response", None)
    return bool(getattr(response, "started", True))


def case_workflow(ticket: TicketSubmission) -> tuple[str, BaseModel]:
    """Which workflow handles the ticket, and its input: the named process's workflow, otherwise
    TicketWorkflow, which triages and routes. The workflow id does not depend on it, so a ticket
    can never have two cases."""
    return ticket.spec.workflow_name, ticket.process_request()


async def file_ticket(client: Client, settings: Settings, ticket: TicketSubmission) -> CaseStarted:
    """Starts the ticket's case, or returns the case it already has (running or closed)."""
    # Card numbers go before anything is built from the text: history, UI details, CRM, Slack.
    ticket = redact_fields(ticket, ("subject", "body"), flag="card_data_removed")
    workflow_id = case_workflow_id(ticket.ticket_id)
    workflow_name, workflow_input = case_workflow(ticket)
    try:
        handle = await client.start_workflow(
            workflow_name,
            workflow_input,
            id=workflow_id,
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=start_search_attributes(ticket),
            static_summary=case_summary(ticket),
            static_details=case_details(ticket),
            rpc_timeout=START_RPC_TIMEOUT,
        )
        run_id, existing = handle.result_run_id or "", not _newly_started(handle)
    except WorkflowAlreadyStartedError as closed:
        # Only a closed run gets here (a running one is attached to by USE_EXISTING).
        run_id, existing = closed.run_id or "", True
    return CaseStarted(
        ticket_id=ticket.ticket_id,
        workflow_id=workflow_id,
        run_id=run_id,
        process=ticket.case_process,
        existing=existing,
        temporal_ui_url=workflow_url(settings.temporal_ui_url, client.namespace, workflow_id),
    )
