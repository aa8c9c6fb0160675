"""The demo plan catalogue: three mobile plans, the regions they are sold in and the devices
they support, written to the embedded commerce store and mirrored as Stripe plans. Used by
`make run` and by the onboarding tests."""

from __future__ import annotations

from integrations.commerce_catalogue import CataloguePlanInfo, SqlCatalogue
from integrations.crm_store import CrmStore
from integrations.stripe_onboarding import StripeOnboarding

ALL_REGIONS = ["north", "south", "east", "west", "central"]
# (plan, rank, regions, devices)
DEMO_PLANS: list[tuple[CataloguePlanInfo, int, list[str], list[str]]] = [
    (
        CataloguePlanInfo(
            plan_id="basic_5g",
            name="Basic 5G",
            monthly_cents=1500,
            currency="gbp",
            stripe_plan_id="supportflow_basic_5g",
        ),
        1,
        ALL_REGIONS,
        ["pixel-9", "iphone-16", "galaxy-s24", "nokia-g42"],
    ),
    (
        CataloguePlanInfo(
            plan_id="plus_5g",
            name="Plus 5G",
            monthly_cents=2500,
            currency="gbp",
            stripe_plan_id="supportflow_plus_5g",
        ),
        2,
        ["north", "south", "central"],
        ["pixel-9", "iphone-16", "galaxy-s24"],
    ),
    (
        CataloguePlanInfo(
            plan_id="max_5g",
            name="Max 5G",
            monthly_cents=4000,
            currency="gbp",
            stripe_plan_id="supportflow_max_5g",
        ),
        3,
        ["south", "central"],
        ["iphone-16", "galaxy-s24"],
    ),
]


def seed_catalogue(store: CrmStore, stripe: StripeOnboarding | None) -> int:
    """Writes the demo plans (idempotent); returns how many there are."""
    catalogue = SqlCatalogue(store)
    for plan, rank, regions, devices in DEMO_PLANS:
        catalogue.add_plan(plan, rank, regions, devices)
        if stripe is not None:
            stripe.ensure_plan(plan.stripe_plan_id, plan.monthly_cents, plan.currency, plan.name)
    return len(DEMO_PLANS)
