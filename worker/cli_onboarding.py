"""`supportflow onboarding start|status|step|funnel`: drive a signup as a signup front end would,
and read the funnel from real runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from integrations.crm_onboarding import OnboardingCrm
from policies.loader import load_policy_document
from policies.onboarding import OnboardingPolicy
from worker.auth import ONBOARDING_WRITE
from worker.cli_credentials import KeyFile, KeyOption, audit, authenticated_caller
from worker.cli_exits import (
    EXIT_REFUSED,
    EXIT_USAGE,
    fail,
    input_error,
    load_settings,
    open_store,
    run_async,
)
from worker.onboarding_cases import SignupRefused, signup_status, start_signup, submit_signup_step
from worker.onboarding_funnel import onboarding_funnel
from worker.temporal_gate import connect_or_explain
from workflows.onboarding.contract import OnboardingRequest, onboarding_workflow_id

onboarding_app = typer.Typer(
    help="Signups: start one, submit its steps, see where it stands, read the funnel.",
    no_args_is_help=True,
)
AppArg = Annotated[str, typer.Argument(metavar="APPLICATION", help="The application id")]


def _refused(refusal: SignupRefused) -> None:
    fields = "".join(f"\n  {k}: {v}" for k, v in sorted(refusal.fields.items()))
    fail(f"refused ({refusal.code}): {refusal.message}{fields}", EXIT_REFUSED)


@onboarding_app.command()
def start(application_id: AppArg, key: KeyOption = None, key_file: KeyFile = None) -> None:
    """Start the application's signup, or show the one it has (needs onboarding:write)."""
    settings = load_settings()
    try:
        request = OnboardingRequest(application_id=application_id, channel="cli")
    except ValidationError as err:
        input_error(err)
    store = open_store(settings)

    async def work() -> Any:
        caller = await authenticated_caller(settings, store, key, key_file, ONBOARDING_WRITE)
        return await start_signup(
            await connect_or_explain(),
            settings,
            request.model_copy(update={"requested_by": caller.id[:64]}),
        )

    started = run_async(work)
    verb = "already has signup" if started.existing else "started signup"
    typer.echo(f"Application {application_id} {verb} {started.workflow_id}")
    typer.echo(f"  Temporal UI: {started.temporal_ui_url}")


@onboarding_app.command()
def status(
    application_id: AppArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON")] = False,
    key: KeyOption = None,
    key_file: KeyFile = None,
) -> None:
    """Steps done, the next step and the last field errors (needs onboarding:write)."""
    settings = load_settings()
    store = open_store(settings)

    async def work() -> Any:
        await authenticated_caller(settings, store, key, key_file, ONBOARDING_WRITE)
        try:
            return await signup_status(await connect_or_explain(), application_id)
        except SignupRefused as refusal:
            _refused(refusal)

    view = run_async(work)
    if as_json:
        typer.echo(view.model_dump_json(indent=2))
        return
    typer.echo(f"{view.workflow_id}: {view.state} · next step: {view.next_step or '-'}")
    for step in view.steps:
        errors = view.field_errors.get(step.name, {})
        extra = "; ".join(f"{k}: {v}" for k, v in errors.items())
        typer.echo(f"  {step.name:<10} {step.state:<12} {extra}")
    if view.recommendation:
        typer.echo(f"  waiting for a person: {view.failed_check} — {view.recommendation}")
    if view.resolution:
        typer.echo(f"  {view.resolution}")


@onboarding_app.command()
def step(
    application_id: AppArg,
    step_name: Annotated[
        str, typer.Argument(metavar="STEP", help="contact, address, plan, payment")
    ],
    field: Annotated[list[str], typer.Option("--field", "-f", help="name=value, once per field")],
    key: KeyOption = None,
    key_file: KeyFile = None,
) -> None:
    """Submit one step's fields (needs onboarding:write)."""
    fields: dict[str, str] = {}
    for item in field:
        name, sep, value = item.partition("=")
        if not sep or not name:
            fail(f"--field takes name=value, not {item!r}", EXIT_USAGE)
        fields[name.strip()] = value
    settings = load_settings()
    store = open_store(settings)

    async def work() -> Any:
        caller = await authenticated_caller(settings, store, key, key_file, ONBOARDING_WRITE)
        try:
            receipt = await submit_signup_step(
                await connect_or_explain(), application_id, step_name, fields, caller.id[:64]
            )
        except SignupRefused as refusal:
            _refused(refusal)
        detail = f"step {step_name} submission {receipt.submission}"
        audit(store, caller, onboarding_workflow_id(application_id), "cli_onboarding_step", detail)
        return receipt

    receipt = run_async(work)
    typer.echo(
        f"Step {receipt.step} accepted (submission {receipt.submission}); "
        f"next: {receipt.next_step or '-'}"
        + (f"; re-checking {', '.join(receipt.rechecking)}" if receipt.rechecking else "")
    )


@onboarding_app.command()
def funnel(
    days: Annotated[int, typer.Option(min=1, help="Signups started in the last N days")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON")] = False,
) -> None:
    """Completion rate, drop-out per step and time to complete, from the CRM's signups."""
    settings = load_settings()
    store = open_store(settings)
    policy = OnboardingPolicy.model_validate(load_policy_document("onboarding").data)
    since = datetime.now(UTC) - timedelta(days=days)
    figures = onboarding_funnel(OnboardingCrm(store).applications(since), policy.step_names)
    if as_json:
        typer.echo(figures.model_dump_json(indent=2))
        return
    rate = "-" if figures.completion_rate is None else f"{figures.completion_rate:.1%}"
    typer.echo(
        f"signups={figures.started} completed={figures.completed} abandoned={figures.abandoned} "
        f"closed={figures.closed} open={figures.open} completion_rate={rate}"
    )
    for s in figures.steps:
        typer.echo(
            f"  {s.step:<10} reached={s.reached} done={s.done} stopped_here={s.stopped_here}"
        )
    typer.echo(
        f"  hours_to_complete median={figures.median_hours_to_complete} "
        f"max={figures.max_hours_to_complete}"
    )
