"""The demo's own start-up steps: seed the CRM and Stripe, issue the demo API keys, load the demo
help center, and file the demo tickets once the API answers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import typer

from worker.local_stack import demo_stripe
from worker.local_stack.demo_keys import DemoKeys, ensure_demo_keys
from worker.local_stack.demo_tickets import DemoTicket, file_demo_tickets, report
from worker.local_stack.demo_triage import ingest_demo_help_center
from worker.local_stack.startup import StartupFailed, say, step
from worker.settings import Settings


async def seed_demo_data(settings: Settings, stripe: demo_stripe.StripeMode) -> None:
    try:
        result = await asyncio.to_thread(demo_stripe.seed, settings, stripe)
    except Exception as err:  # Stripe or database refused: say which, stop cleanly
        raise StartupFailed(f"seeding the demo data failed: {type(err).__name__}: {err}") from err
    step("Demo data", result.summary)
    for warning in result.warnings:
        typer.secho(f"  warning: {warning}", fg=typer.colors.YELLOW)


async def issue_demo_keys(settings: Settings, data_dir: Path) -> DemoKeys:
    """Before the API starts: it binds loopback, but still answers nobody without a key."""
    try:
        keys = await asyncio.to_thread(ensure_demo_keys, settings, data_dir)
    except Exception as err:  # unwritable .data/, database refused
        raise StartupFailed(
            f"creating the demo API keys failed: {type(err).__name__}: {err}"
        ) from err
    step("API keys", keys.summary)
    if keys.created:
        say("      New keys, shown once (also kept, mode 0600, in the files above):")
        for name, key in keys.created.items():
            say(f"        {name:<14} {key}")
    return keys


async def ingest_demo_knowledge(settings: Settings) -> None:
    """Before the worker starts, so the first how-to ticket already finds its answer."""
    try:
        result = await asyncio.to_thread(ingest_demo_help_center, settings)
    except Exception as err:  # unreadable export, unwritable file, Weaviate down
        raise StartupFailed(
            f"loading the demo help center failed: {type(err).__name__}: {err}"
        ) from err
    step("Knowledge base", result.summary)


async def file_and_report_demo_tickets(api_url: str, keys: DemoKeys) -> list[DemoTicket]:
    say("\nDemo tickets (filed through POST /tickets; the triage ones name no process):")
    try:
        tickets = await file_demo_tickets(api_url, keys.helpdesk)
    except httpx.HTTPError as err:
        raise StartupFailed(f"filing the demo tickets failed: {err}") from err
    report(tickets, say, keys.person_files)
    return tickets


def approval_path(settings: Settings, api_url: str) -> str:
    if settings.slack_bot_token is not None and settings.slack_signing_secret is not None:
        return (
            f"Slack (buttons in the approval messages; Request URL {api_url}/slack/interactions). "
            "The API and CLI work too."
        )
    return (
        "API / CLI (`supportflow approve|reject --key-file .data/keys/<person>.key`, or POST "
        "/tickets/{id}/approvals with a person's key as the bearer token). Set SLACK_BOT_TOKEN "
        "and SLACK_SIGNING_SECRET for Slack."
    )
