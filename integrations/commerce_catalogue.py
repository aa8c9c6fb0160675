"""The plan catalogue port: which plans are sold in a region and which devices each supports.

The embedded commerce store (the CRM database's `catalogue_*` tables) is the default; a real
product catalogue fills the same port. Adapters raise for anything but a clear answer, leaving
the retry decision to the onboarding activities.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel
from sqlmodel import col, select

from integrations.crm_store import CrmStore
from integrations.crm_store.onboarding_tables import (
    CatalogueDeviceSupport,
    CataloguePlan,
    CataloguePlanRegion,
)


class CataloguePlanInfo(BaseModel):
    plan_id: str
    name: str
    monthly_cents: int
    currency: str
    stripe_plan_id: str


class PlanCompatibility(BaseModel):
    """`problem` is None when the plan can be sold to this region and device; otherwise why not,
    with the nearest plan (by rank) that can be, if any."""

    plan: CataloguePlanInfo | None
    problem: str | None = None
    nearest: CataloguePlanInfo | None = None


class CataloguePort(Protocol):
    def compatibility(self, plan_id: str, region: str, device_model: str) -> PlanCompatibility: ...


class SqlCatalogue:
    """The catalogue tables of the embedded store."""

    def __init__(self, store: CrmStore) -> None:
        self._store = store

    def add_plan(
        self, plan: CataloguePlanInfo, rank: int, regions: list[str], devices: list[str]
    ) -> None:
        """Seed one plan with where it is sold and the devices it supports (idempotent)."""
        with self._store.session() as session:
            if session.get(CataloguePlan, plan.plan_id) is None:
                session.add(CataloguePlan(**plan.model_dump(), rank=rank))
                session.flush()
            for region in regions:
                if session.get(CataloguePlanRegion, (plan.plan_id, region)) is None:
                    session.add(CataloguePlanRegion(plan_id=plan.plan_id, region=region))
            for device in devices:
                if session.get(CatalogueDeviceSupport, (device, plan.plan_id)) is None:
                    session.add(CatalogueDeviceSupport(device_model=device, plan_id=plan.plan_id))

    def compatibility(self, plan_id: str, region: str, device_model: str) -> PlanCompatibility:
        with self._store.session() as session:
            plans = session.exec(select(CataloguePlan).order_by(col(CataloguePlan.rank))).all()
            sold = {
                row.plan_id
                for row in session.exec(
                    select(CataloguePlanRegion).where(CataloguePlanRegion.region == region)
                )
            }
            supported = {
                row.plan_id
                for row in session.exec(
                    select(CatalogueDeviceSupport).where(
                        CatalogueDeviceSupport.device_model == device_model
                    )
                )
            }
        by_id = {plan.plan_id: plan for plan in plans}
        chosen = by_id.get(plan_id)
        if chosen is None:
            return PlanCompatibility(plan=None, problem=f"plan {plan_id} is not in the catalogue")
        info = _info(chosen)
        if plan_id in sold and plan_id in supported:
            return PlanCompatibility(plan=info)
        problem = (
            f"plan {plan_id} is not sold in region {region}"
            if plan_id not in sold
            else f"device {device_model} does not support plan {plan_id}"
        )
        candidates = [p for p in plans if p.plan_id in sold and p.plan_id in supported]
        nearest = min(candidates, key=lambda p: (abs(p.rank - chosen.rank), -p.rank), default=None)
        return PlanCompatibility(
            plan=info, problem=problem, nearest=_info(nearest) if nearest else None
        )


def _info(plan: CataloguePlan) -> CataloguePlanInfo:
    return CataloguePlanInfo.model_validate(plan, from_attributes=True)
