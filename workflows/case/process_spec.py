"""What a support process declares about itself, so the worker, the triage router, the API and
the CLI can treat every process alike. Each process's folder defines its spec; the registry
(workflows/registry.py) lists them."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

# How a triaged ticket becomes the process's input: (TicketRequest, TriageResult) -> request.
ChildInput = Callable[[Any, Any], BaseModel]


@dataclass(frozen=True)
class ProcessSpec:
    """One support process.

    `name` is how callers and the routing policy name it; `attribute` is its value of the
    Process search attribute; `workflow_path` names the workflow class as `module:Class` (the
    triage workflow reads the registry to find its children, so specs must not import workflow
    modules); `from_ticket` builds its input from a triaged ticket (None: triage cannot start
    it).

    `filed_as_ticket` says whether a backend may name the process when it files a ticket
    (`POST /tickets` with `process`): its request must then take only ticket fields. Processes
    started by other entry points (a webhook, a signup form) leave it False. `status_kind` is
    the value of `kind` that tells this process's status apart in API answers (default: the
    name; the first two processes keep the values they shipped with)."""

    name: str
    title: str
    attribute: str
    workflow_name: str
    workflow_path: str
    request: type[BaseModel]
    status: type[BaseModel]
    outcome: type[BaseModel]
    from_ticket: ChildInput | None = None
    filed_as_ticket: bool = False
    status_kind: str = ""

    @property
    def kind(self) -> str:
        return self.status_kind or self.name

    def workflow_class(self) -> type:
        module, _, name = self.workflow_path.partition(":")
        workflow_class: type = getattr(importlib.import_module(module), name)
        return workflow_class
