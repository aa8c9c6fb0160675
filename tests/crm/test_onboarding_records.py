"""The signup records on SQLite and PostgreSQL: the plan catalogue's compatibility answers,
applications with their step timings, the email check, accounts made once, and the funnel
computed from them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from integrations.commerce_catalogue import SqlCatalogue
from integrations.crm_onboarding import OnboardingCrm
from integrations.crm_store import CrmStore, CustomerView
from integrations.crm_store.onboarding_tables import Account
from tests.crm.conftest import T0, count_rows
from worker.local_stack.onboarding_catalogue import seed_catalogue
from worker.onboarding_funnel import onboarding_funnel

STEPS = ["contact", "address", "plan", "payment"]


@pytest.mark.parametrize(
    ("plan", "region", "device", "problem", "nearest"),
    [
        ("plus_5g", "north", "pixel-9", None, None),
        ("max_5g", "north", "iphone-16", "plan max_5g is not sold in region north", "plus_5g"),
        (
            "plus_5g",
            "north",
            "nokia-g42",
            "device nokia-g42 does not support plan plus_5g",
            "basic_5g",
        ),
        ("max_5g", "east", "galaxy-s24", "plan max_5g is not sold in region east", "basic_5g"),
        ("plus_5g", "north", "brick-1", "device brick-1 does not support plan plus_5g", None),
        ("gold_6g", "north", "pixel-9", "plan gold_6g is not in the catalogue", None),
    ],
)
def test_compatibility_table(
    store: CrmStore, plan: str, region: str, device: str, problem: str | None, nearest: str | None
) -> None:
    seed_catalogue(store, None)
    seed_catalogue(store, None)  # seeding twice changes nothing
    answer = SqlCatalogue(store).compatibility(plan, region, device)
    assert answer.problem == problem
    assert (answer.nearest.plan_id if answer.nearest else None) == nearest


def test_email_check_timings_and_one_account(store: CrmStore) -> None:
    crm = OnboardingCrm(store)
    store.add_customer(CustomerView(id="c1", name="Known", email="known@example.com", tier="gold"))
    crm.open_application("A1", "onboarding-A1", T0)
    crm.open_application("A1", "onboarding-A1", T0 + timedelta(hours=1))  # a retry
    crm.open_application("A2", "onboarding-A2", T0)
    assert crm.email_in_use("Known@example.com", "A1") is not None
    assert crm.email_in_use("known@example.com", "A1", customer_id="c1") is None  # an upgrade
    crm.record_step(
        "A1",
        step="contact",
        event="done",
        at=T0,
        submitted_at=T0,
        next_step="address",
        email="ada@example.com",
    )
    assert crm.email_in_use("ada@example.com", "A1") is None  # its own application
    assert crm.email_in_use("ada@example.com", "A2") is not None  # another open one

    for _ in range(2):  # a retried activity finds the account
        account = crm.create_account(
            "A1",
            customer=CustomerView(
                id="cust-A1", name="Ada", email="ada@example.com", tier="standard"
            ),
            plan_id="plus_5g",
            stripe_customer_id="cus_1",
            stripe_subscription_id="sub_1",
            at=T0,
            ticket_id="onboarding-A1",
        )
    assert account.account_id == "acct-A1" and not account.created
    assert count_rows(store, Account) == 1
    ticket = store.get_ticket("onboarding-A1")
    assert ticket is not None and ticket.customer_id == "cust-A1"


def test_funnel_from_application_records(store: CrmStore) -> None:
    crm = OnboardingCrm(store)
    for app in ("F1", "F2", "F3"):
        crm.open_application(app, f"onboarding-{app}", T0)
    for step in STEPS:
        crm.record_step(
            "F1",
            step=step,
            event="done",
            at=T0 + timedelta(hours=2),
            submitted_at=T0,
            next_step=None,
        )
    crm.close_application(
        "F1", status="completed", stopped_at=None, resolution="ok", at=T0 + timedelta(hours=2)
    )
    crm.record_step("F2", step="contact", event="done", at=T0, submitted_at=T0, next_step="address")
    crm.close_application(
        "F2", status="abandoned", stopped_at="address", resolution="x", at=T0 + timedelta(days=14)
    )
    crm.record_step(
        "F3", step="contact", event="refused", at=T0, submitted_at=T0, next_step="contact"
    )

    figures = onboarding_funnel(crm.applications(), STEPS)
    assert (figures.started, figures.completed, figures.abandoned, figures.open) == (3, 1, 1, 1)
    assert figures.completion_rate == round(1 / 3, 4)
    assert [(s.step, s.reached, s.done, s.stopped_here) for s in figures.steps] == [
        ("contact", 3, 2, 0),
        ("address", 1, 1, 1),
        ("plan", 1, 1, 0),
        ("payment", 1, 1, 0),
    ]
    assert figures.median_hours_to_complete == 2.0
