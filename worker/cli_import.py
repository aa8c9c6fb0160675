"""`supportflow import customers|orders FILE`: load the CRM of a real deployment from a CSV or
JSON export, row by row; exit 1 when any row was rejected (the report says which and why)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from worker.cli_exits import EXIT_REFUSED, EXIT_USAGE, fail, load_settings, open_store
from worker.crm_import import ImportFileError, ImportKind, ImportReport, import_rows, read_rows

import_app = typer.Typer(
    help="Load customers and orders (with their Stripe payment references) into the CRM.",
    no_args_is_help=True,
)

FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .csv or .json file")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the whole report as JSON")]


@import_app.command("customers")
def customers(path: FileArg, as_json: JsonOption = False) -> None:
    """Customers: columns/keys id, name, email, tier (optional, default standard)."""
    _import("customers", path, as_json)


@import_app.command("orders")
def orders(path: FileArg, as_json: JsonOption = False) -> None:
    """Orders: order_id, customer_id, placed_at (ISO 8601 with offset), currency, total_cents,
    lines (CSV: one row per line with sku, title, quantity, unit_price_cents) and the payment
    (CSV: charge_id, payment_intent_id, payment_amount_cents)."""
    _import("orders", path, as_json)


def _import(kind: ImportKind, path: Path, as_json: bool) -> None:
    settings = load_settings()
    try:
        rows = read_rows(path, kind)
    except ImportFileError as err:
        fail(str(err), EXIT_USAGE)
    store = open_store(settings)
    try:
        report = import_rows(store, kind, rows)
    except ImportFileError as err:
        fail(str(err), EXIT_USAGE)
    finally:
        store.dispose()
    _print(report, as_json)
    if report.rejected:
        raise typer.Exit(EXIT_REFUSED)


def _print(report: ImportReport, as_json: bool) -> None:
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    typer.echo(
        f"{report.kind}: {report.rows} rows, {report.imported} imported, "
        f"{report.unchanged} unchanged (id already present), {len(report.rejected)} rejected"
    )
    for rejected in report.rejected:
        problems = "; ".join(f"{p.field}: {p.message}" for p in rejected.problems)
        typer.echo(f"  row {rejected.row} ({rejected.id or 'no id'}): {problems}", err=True)
