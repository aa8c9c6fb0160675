"""The demo's signups, driven over the API the way a signup front end would: one completed end
to end, one stalled after its first step (its reminder schedule and text shown), one blocked by
a device the chosen plan does not support and waiting for a person. Each with its Temporal UI
link. Re-running `make run` finds the same three signups (the application id is the key)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from integrations.crm_store import CrmStore
from integrations.crm_store.keys import ONBOARDING_WRITE
from integrations.stripe_onboarding import StripeOnboarding
from policies.loader import load_policy_document
from policies.onboarding import OnboardingPolicy
from worker.local_stack.demo_keys import _issue
from worker.local_stack.onboarding_catalogue import seed_catalogue
from worker.local_stack.startup import say
from worker.settings import STRIPE_API_BASE_DEFAULT_KEY, Settings
from workflows.onboarding import replies

SIGNUP_KEY = "demo-signup-web"
CONTACT = {"full_name": "Ada Byron", "phone": "+44 7700 900123"}
ADDRESS = {
    "country": "GB",
    "region": "north",
    "postal_code": "LS1 5AB",
    "customer_type": "individual",
}
DEADLINE_SECONDS = 60.0


def prepare_signups(settings: Settings, stripe_env: dict[str, str], keys_dir: Path) -> str:
    """Seeds the plan catalogue (CRM and Stripe) and returns the signup front end's key."""
    stripe = StripeOnboarding(
        stripe_env.get("STRIPE_API_KEY") or STRIPE_API_BASE_DEFAULT_KEY,
        stripe_env.get("STRIPE_API_BASE"),
    )
    store = CrmStore(settings.database_url)
    try:
        seed_catalogue(store, stripe)
        path = _issue(store, keys_dir, SIGNUP_KEY, {}, scopes=[ONBOARDING_WRITE])
    finally:
        store.dispose()
    return path.read_text().strip()


async def run_demo_signups(
    settings: Settings, stripe_env: dict[str, str], api_url: str, keys_dir: Path
) -> None:
    key = await asyncio.to_thread(prepare_signups, settings, stripe_env, keys_dir)
    say("\nDemo signups (POST /onboarding and /onboarding/{id}/steps/{step}):")
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=30) as http:
        await _completed(http)
        await _stalled(http)
        await _blocked(http)


async def _start(http: httpx.AsyncClient, app_id: str) -> tuple[str, bool]:
    answer = await http.post("/onboarding", json={"application_id": app_id})
    answer.raise_for_status()
    body = answer.json()
    return body["temporal_ui_url"], bool(body["existing"])


async def _steps(
    http: httpx.AsyncClient, app_id: str, steps: list[tuple[str, dict[str, str]]]
) -> None:
    # Each step may follow the last at once: a submitted step counts as given for the next.
    for step, fields in steps:
        answer = await http.post(f"/onboarding/{app_id}/steps/{step}", json={"fields": fields})
        answer.raise_for_status()


async def _poll(
    http: httpx.AsyncClient, app_id: str, ready: Callable[[Any], bool]
) -> dict[str, Any]:
    give_up = time.monotonic() + DEADLINE_SECONDS
    view: dict[str, Any] = {}
    while time.monotonic() < give_up:
        answer = await http.get(f"/onboarding/{app_id}")
        if answer.status_code == 200:
            view = answer.json()
            settled = all(s["state"] != "submitted" for s in view["steps"])
            if settled and ready(view):
                return view
        await asyncio.sleep(0.2)
    return view


async def _completed(http: httpx.AsyncClient) -> None:
    app_id = "DEMO-COMPLETE"
    url, existing = await _start(http, app_id)
    if not existing:
        await _steps(
            http,
            app_id,
            [
                ("contact", CONTACT | {"email": "ada.complete@example.com"}),
                ("address", ADDRESS),
                ("plan", {"plan_id": "plus_5g", "device_model": "pixel-9"}),
                ("payment", {"payment_method": "pm_card_visa"}),
            ],
        )
    view = await _poll(http, app_id, lambda v: v["state"] == "resolved")
    say(f"  {app_id:<15} {view.get('state')}: {view.get('resolution')}")
    say(f"    Temporal UI: {url}")


async def _stalled(http: httpx.AsyncClient) -> None:
    app_id = "DEMO-STALLED"
    url, existing = await _start(http, app_id)
    if not existing:
        await _steps(http, app_id, [("contact", CONTACT | {"email": "ada.stalled@example.com"})])
    view = await _poll(http, app_id, lambda v: v["state"] != "received")
    policy = OnboardingPolicy.model_validate(load_policy_document("onboarding").data)
    offsets = ", ".join(f"{d:g}" for d in policy.reminder_offsets_days)
    link = policy.continue_url.replace("{application_id}", app_id)
    reminder = replies.reminder(app_id, "Where you live", link, 1)
    say(
        f"  {app_id:<15} {view.get('state')} at step {view.get('next_step')}; reminders after "
        f"{offsets} days without progress, closed after {policy.abandon_after_days:g} days "
        f"({view.get('reminders_sent', 0)} sent so far)"
    )
    say(f"    Reminder: {reminder.subject} — {reminder.body}")
    say(f"    Temporal UI: {url} (the pending timer is the next reminder)")


async def _blocked(http: httpx.AsyncClient) -> None:
    app_id = "DEMO-BLOCKED"
    url, existing = await _start(http, app_id)
    if not existing:
        await _steps(
            http,
            app_id,
            [
                ("contact", CONTACT | {"email": "ada.blocked@example.com"}),
                ("address", ADDRESS),
                ("plan", {"plan_id": "plus_5g", "device_model": "nokia-g42"}),
            ],
        )
    view = await _poll(http, app_id, lambda v: v["state"] != "awaiting_customer")
    say(
        f"  {app_id:<15} {view.get('state')}: {view.get('failed_check')} failed; "
        f"recommended: {view.get('recommendation')}"
    )
    say(
        "    Decide: supportflow approve onboarding-DEMO-BLOCKED --key-file .data/keys/carol.key "
        "(or correct the plan: supportflow onboarding step DEMO-BLOCKED plan -f plan_id=basic_5g "
        "-f device_model=nokia-g42)"
    )
    say(f"    Temporal UI: {url}")
