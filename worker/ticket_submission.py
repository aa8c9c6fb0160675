"""A ticket as a backend files it, over `POST /tickets` or `supportflow ticket`: which registered
process it starts, and the fields that process takes. Shared by the API and the CLI."""

from __future__ import annotations

from collections.abc import Mapping
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

from workflows.case.process_spec import ProcessSpec
from workflows.refund.contract import RefundRequest
from workflows.registry import PROCESSES
from workflows.ticket.contract import TICKET_ID_PATTERN
from workflows.ticket.spec import TRIAGE


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
