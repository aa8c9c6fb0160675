"""Files support tickets as Temporal cases: the one start path shared by the API and the CLI.

Every ticket maps to exactly one workflow id (`case_workflow_id`), whatever process handles it.
Starting uses USE_EXISTING while the case runs and REJECT_DUPLICATE once it closed, so a helpdesk
that retries a webhook, or a human who files the same ticket twice, always lands on the case that
already exists instead of paying a refund twice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ValidationError,
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
from workflows.registry import PROCESSES
from workflows.ticket.contract import TICKET_ID_PATTERN
from workflows.ticket.spec import TRIAGE

START_RPC_TIMEOUT = timedelta(seconds=10)


class TicketSubmission(RefundRequest):
    """A ticket as a backend files it (`POST /tickets`, `supportflow ticket`).

    Strict and closed: a misspelt field (`requested_amount` for `requested_amount_cents`) or a
    number sent as a string is refused with a field-level message instead of being guessed at.
    Without a `process` (or with `"triage"`) TicketWorkflow reads the ticket and picks the route;
    `"refund"` starts RefundWorkflow directly, for backends that already know what they want.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    ticket_id: str = Field(min_length=1, max_length=64, pattern=TICKET_ID_PATTERN)
    process: Literal["refund", "triage"] | None = Field(
        None,
        description="`refund` starts the refund process directly; absent (or `triage`) lets "
        "triage and the routing policy choose: a process, a cited answer, a clarifying "
        "question or a person.",
    )

    @model_validator(mode="after")
    def _amounts_only_for_refunds(self) -> TicketSubmission:
        # A triaged ticket's amount comes from the order and charge, never from the filer: an
        # amount here would be silently dropped, so it is refused where the caller can see it.
        # Raising ValidationError (not ValueError) keeps the error on the field, not the body.
        if not self.is_refund and self.requested_amount_cents is not None:
            message = (
                "only a refund ticket (process 'refund') takes an amount; a triaged ticket's "
                "amount comes from the order and its charge, so leave it out or send "
                "process 'refund'"
            )
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [
                    InitErrorDetails(
                        type=PydanticCustomError("amount_needs_refund_process", message),
                        loc=("requested_amount_cents",),
                        input=self.requested_amount_cents,
                    )
                ],
            )
        return self

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The schema states the amount rule the model validator enforces: one alternative per
        process, each closed, so a triage ticket with an amount matches neither and a body the
        schema accepts is one the API accepts. Built from the model's own field schemas, so
        lengths and patterns cannot drift from validation."""
        reference = handler(core_schema)
        schema = handler.resolve_ref_schema(reference)
        properties: dict[str, Any] = schema.pop("properties")
        required: list[str] = schema.pop("required", [])
        schema.pop("additionalProperties", None)
        schema.pop("type", None)
        refund_properties = {
            **properties,
            "process": {**properties["process"], "type": "string", "const": "refund"},
        }
        refund_properties["process"].pop("anyOf", None)
        refund_properties["process"].pop("default", None)
        # null is what the validator lets through for a triage ticket: the schema says the same.
        triage_properties = {
            **properties,
            "requested_amount_cents": {
                "type": "null",
                "description": "Only a refund ticket takes an amount; a triaged ticket's "
                "amount comes from the order and its charge.",
            },
        }
        triage_properties["process"] = {
            **properties["process"],
            "anyOf": [{"type": "string", "const": "triage"}, {"type": "null"}],
        }
        schema["oneOf"] = [
            {
                "title": "RefundTicketSubmission",
                "type": "object",
                "properties": refund_properties,
                "required": [*required, "process"],
                "additionalProperties": False,
            },
            {
                "title": "TriageTicketSubmission",
                "type": "object",
                "properties": triage_properties,
                "required": required,
                "additionalProperties": False,
            },
        ]
        return reference

    def asserted_requester(self) -> str | None:
        """The `requested_by` the filer sent, if any: an on-behalf-of claim that the API and CLI
        check against the caller's credential (worker/auth.py), never one taken on trust."""
        return self.requested_by if "requested_by" in self.model_fields_set else None

    def filed_by(self, requested_by: str) -> TicketSubmission:
        """This ticket with `requested_by` set from the caller's credential (a canonical id)."""
        return self.model_copy(update={"requested_by": requested_by})

    @property
    def is_refund(self) -> bool:
        return self.process == "refund"

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


class CaseStarted(BaseModel):
    """What filing a ticket returns. `existing` is true when the ticket already had a case: the
    ids are then those of that case and nothing new was started. `process` is `refund` for a
    refund case and `ticket` for a triaged one (its status then says where triage sent it)."""

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
    if not ticket.is_refund:
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
    """Which workflow handles the ticket, and its input: RefundWorkflow when the filer named the
    refund process, otherwise TicketWorkflow, which triages and routes. The workflow id does not
    depend on it, so a ticket can never have two cases."""
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
