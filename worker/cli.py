"""`supportflow`: run the stack, file tickets, decide approvals, inspect and replay cases.

Exit codes: 0 done; 1 the case refused or failed the request (refused approval, unknown ticket,
nondeterministic replay); 2 bad usage or input; 3 a dependency (Temporal, database) is down.
User errors are one readable line on stderr, never a traceback.

Each command group lives in its own module; this one only registers them, in the order `--help`
lists them.
"""

from __future__ import annotations

import importlib

import typer

from worker import (
    cli_backtest,
    cli_decisions,
    cli_deliveries,
    cli_examples,
    cli_handoff_report,
    cli_handoffs,
    cli_processes,
    cli_registry,
    cli_replay,
    cli_report,
    cli_tickets,
)
from worker.cli_env import global_options
from worker.cli_import import import_app
from worker.cli_keys import keys_app
from worker.cli_onboarding import onboarding_app

app = typer.Typer(
    name="supportflow",
    help="Customer-support cases as durable Temporal workflows.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for command in (
    cli_processes.run,
    cli_processes.worker,
    cli_processes.api,
    cli_tickets.ticket,
    cli_tickets.reply,
    cli_tickets.status,
    cli_decisions.approve,
    cli_decisions.reject,
    cli_handoffs.handoff,
    cli_handoffs.claim,
    cli_handoffs.resolve,
    cli_handoffs.reassign,
    cli_handoffs.handback,
    cli_handoffs.send_draft,
    cli_handoffs.edit_send,
    cli_handoffs.reject_draft,
    cli_handoffs.reopen,
    cli_handoff_report.handoff_report,
    cli_backtest.backtest,
    cli_report.report,
    cli_deliveries.deliveries,
    cli_replay.replay,
    cli_registry.processes,
):
    app.command()(command)
app.command("save-example")(cli_examples.save_example_command)
app.add_typer(keys_app, name="keys")
app.add_typer(onboarding_app, name="onboarding")
app.add_typer(import_app, name="import")
app.callback()(global_options)


def _mount_optional_commands() -> None:
    """The knowledge/eval commands ship in their own module; mount them when it is present."""
    try:
        knowledge = importlib.import_module("worker.cli_knowledge")
    except ModuleNotFoundError as err:
        if err.name != "worker.cli_knowledge":
            raise
        return
    app.add_typer(knowledge.kb_app, name="kb")
    app.command("eval")(knowledge.eval_command)


_mount_optional_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
