"""`supportflow processes`: the support processes this installation runs, from the registry."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from policies.loader import load_routing_policy
from workflows.registry import PROCESSES


def processes(
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON")] = False,
) -> None:
    """List the registered processes: their workflow, whether a ticket may name them
    (`supportflow ticket --process`), and whether triage routes to them."""
    routed = set(load_routing_policy().policy.processes)
    rows = [
        {
            "name": spec.name,
            "title": spec.title,
            "workflow": spec.workflow_name,
            "filed_as_ticket": spec.filed_as_ticket,
            "routed_by_triage": spec.name in routed,
        }
        for spec in PROCESSES.values()
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        ways = [
            w
            for w, on in (
                ("ticket --process", row["filed_as_ticket"]),
                ("triage", row["routed_by_triage"]),
            )
            if on
        ]
        typer.echo(
            f"{row['name']:<16} {row['workflow']:<26} {row['title']}"
            f"  (started by: {', '.join(ways) or 'its own entry point'})"
        )
