"""The CRM side of onboarding: applications and their step timings, the email check, accounts,
and the funnel read back from them.

Every write is idempotent (keyed by application id), so Temporal may retry the activities over
it freely. No Temporal imports: the onboarding activities map failures.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import col, select, update

from integrations.crm_store import CrmStore, CustomerView
from integrations.crm_store.onboarding_tables import Account, OnboardingApplication
from integrations.crm_store.tables import Customer, Ticket
from integrations.crm_store.writes import insert_ignore

PROCESS = "onboarding"


class AccountRecord(BaseModel):
    account_id: str
    customer_id: str
    created: bool


class ApplicationView(BaseModel):
    application_id: str
    status: str
    current_step: str | None
    stopped_at: str | None
    steps: dict[str, dict[str, object]]
    started_at: datetime
    closed_at: datetime | None


class OnboardingCrm:
    def __init__(self, store: CrmStore) -> None:
        self._store = store

    def open_application(self, application_id: str, workflow_id: str, at: datetime) -> None:
        """The application and the case's ticket row (the outbox and approvals hang off it)."""
        self._store.upsert_ticket(
            ticket_id=workflow_id,
            customer_id=f"applicant:{application_id}"[:64],
            process=PROCESS,
            workflow_id=workflow_id,
            subject="Signup",
        )
        with self._store.session() as session:
            insert_ignore(
                session,
                OnboardingApplication(
                    application_id=application_id,
                    workflow_id=workflow_id,
                    started_at=at,
                    updated_at=at,
                ),
                ["application_id"],
            )

    def email_in_use(
        self, email: str, application_id: str, customer_id: str | None = None
    ) -> str | None:
        """Why this email cannot start a signup: another customer's, or another open
        application's. None when it is free, or is `customer_id`'s own (an upgrade)."""
        wanted = email.strip().lower()
        with self._store.session() as session:
            customer = session.exec(
                select(Customer).where(Customer.email == wanted).limit(1)
            ).first()
            if customer is not None and customer.id != customer_id:
                return "already a customer; sign in to change your plan"
            other = session.exec(
                select(OnboardingApplication)
                .where(
                    OnboardingApplication.email == wanted,
                    OnboardingApplication.status == "open",
                    OnboardingApplication.application_id != application_id,
                )
                .limit(1)
            ).first()
        if other is not None:
            return "a signup with this email is already open; continue that one"
        return None

    def record_step(
        self,
        application_id: str,
        *,
        step: str,
        event: str,
        at: datetime,
        submitted_at: datetime | None,
        next_step: str | None,
        email: str | None = None,
    ) -> None:
        """Stamps a step's first submission and the time of its last check outcome (`done_at`,
        `refused_at`, `escalated_at`) for the funnel."""
        with self._store.session() as session:
            row = session.get(OnboardingApplication, application_id)
            if row is None:
                raise LookupError(f"application {application_id} is not recorded")
            steps = {name: dict(timing) for name, timing in row.steps.items()}
            timing = steps.setdefault(step, {})
            timing.setdefault("submitted_at", (submitted_at or at).isoformat())
            timing[f"{event}_at"] = at.isoformat()
            row.steps = steps
            row.current_step = next_step
            if email is not None:
                row.email = email.strip().lower()
            row.updated_at = at
            session.add(row)

    def close_application(
        self,
        application_id: str,
        *,
        status: str,
        stopped_at: str | None,
        resolution: str,
        at: datetime,
    ) -> None:
        with self._store.session() as session:
            row = session.get(OnboardingApplication, application_id)
            if row is None or row.status != "open":
                return
            row.status = status
            row.stopped_at = stopped_at
            row.resolution = resolution
            row.closed_at = at
            row.updated_at = at
            session.add(row)

    def create_account(
        self,
        application_id: str,
        *,
        customer: CustomerView,
        plan_id: str,
        stripe_customer_id: str,
        stripe_subscription_id: str,
        at: datetime,
        ticket_id: str,
    ) -> AccountRecord:
        """The customer and their account, once per application: a retry finds them. The
        signup's ticket then names the customer, so the welcome reply reaches them."""
        with self._store.session() as session:
            insert_ignore(
                session,
                Customer(
                    id=customer.id,
                    name=customer.name,
                    email=customer.email.strip().lower(),
                    tier=customer.tier,
                    created_at=at,
                ),
                ["id"],
            )
            created = insert_ignore(
                session,
                Account(
                    account_id=f"acct-{application_id}",
                    application_id=application_id,
                    customer_id=customer.id,
                    plan_id=plan_id,
                    stripe_customer_id=stripe_customer_id,
                    stripe_subscription_id=stripe_subscription_id,
                    created_at=at,
                ),
                ["application_id"],
            )
            account = session.exec(
                select(Account).where(Account.application_id == application_id)
            ).one()
            session.exec(
                update(Ticket).where(col(Ticket.id) == ticket_id).values(customer_id=customer.id)
            )
        return AccountRecord(
            account_id=account.account_id, customer_id=account.customer_id, created=created
        )

    def accounts_for(self, application_id: str) -> list[Account]:
        with self._store.session() as session:
            return list(
                session.exec(select(Account).where(Account.application_id == application_id))
            )

    def applications(self, since: datetime | None = None) -> list[ApplicationView]:
        with self._store.session() as session:
            query = select(OnboardingApplication).order_by(col(OnboardingApplication.started_at))
            if since is not None:
                query = query.where(OnboardingApplication.started_at >= since)
            return [
                ApplicationView.model_validate(row, from_attributes=True)
                for row in session.exec(query)
            ]
