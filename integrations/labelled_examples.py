"""Labelled examples: a case a person marked "Save as example" on its review card, with the
intent, route and reply the person says were right. Triage's example bank (issue 13) reads them
through `CrmStore.list_labelled_examples()`."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class NewLabelledExample(BaseModel):
    ticket_id: str
    intent: str
    route: str
    reply: str
    saved_by: str
    # Where the person saved it from (api, cli, slack): audited, not stored in the example.
    channel: str


class LabelledExampleView(BaseModel):
    id: int
    ticket_id: str
    subject: str
    body: str
    intent: str
    route: str
    reply: str
    saved_by: str
    saved_at: datetime


class ExampleDefaults(BaseModel):
    """What the case recorded, offered where the person corrects nothing: the triaged intent,
    the route taken and the reply sent (or the draft)."""

    ticket_id: str
    intent: str | None
    route: str | None
    reply: str | None
